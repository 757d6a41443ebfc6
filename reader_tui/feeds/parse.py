"""Bytes of a feed -> papers: one path per format.

The formats the app knows and reads in volume (arXiv's RSS, legacy RDF and API feeds, the 论文速递
digest, Hugging Face daily papers) are read from an ElementTree (:mod:`~reader_tui.feeds.tree`) by
their own module, straight into papers. Everything else (journal tables of contents, PubMed, bioRxiv,
blogs) and any document that is not plain well-formed XML is read by feedparser, and its entries by
:mod:`~reader_tui.feeds.biorxiv` or :mod:`~reader_tui.feeds.generic`. An item of a known format that
does not follow it (the digest site's "About me" page) is read as a generic item.

feedparser runs with its HTML sanitizer and relative-URI resolver off: the app never shows feed HTML
raw (it is converted to Markdown, and :func:`~reader_tui.feeds.common.clean_html` drops active content).
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterable, Iterator
from typing import Any

from reader_tui.feeds import arxiv_api, arxiv_legacy, arxiv_rss, biorxiv, ftxj, generic, hf, tree
from reader_tui.feeds.common import FeedContext, entry_text, safe_link, to_datetime, updated_parsed
from reader_tui.feeds.errors import FeedError
from reader_tui.feeds.fetch import fetch_source, source_key
from reader_tui.feeds.result import ParseResult
from reader_tui.model import Paper
from reader_tui.safety import clean_line

# Most specific first: a digest item links to arXiv too, so the arXiv formats (recognised by their own
# markers) come before the digest.
TREE_FORMATS = (arxiv_api, arxiv_rss, arxiv_legacy, hf, ftxj)
"""Formats read from the tree: ``detect(Document)`` and ``read_item(Element, FeedContext)``."""
ENTRY_FORMATS = (biorxiv,)
"""Formats read from feedparser's entries: ``detect(parsed)`` and ``to_paper(entry, FeedContext)``."""
_HTML_MARKERS = (b"<!doctype html", b"<html")
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")
_ENTITY_DECL = re.compile(rb"<!ENTITY[^<>]{0,4000}>")
# A declaration that cannot amplify: a character reference or a short literal with no references.
_SAFE_ENTITY = re.compile(rb'<!ENTITY\s+\w+\s+"(?:&#\w+;|[^&%"]{0,64})"\s*>')


MAX_TAGS = 500_000
"""Tags (``<`` counted before anything is parsed) of any feed: a tree holds ~100 bytes an element, so
this bounds it near 50 MB. A 10,000-item digest has 120,000; the densest real feeds ~30,000 a MB."""
FEEDPARSER_MAX_TAGS = 300_000
"""Tags of a well-formed feed feedparser reads (everything but arXiv and the digests): it costs ~15 µs
and ~300 bytes a tag, so this is ~5 s and ~100 MB; a journal's table of contents has a few thousand."""
LENIENT_MAX_BYTES = 8 * 2**20
LENIENT_MAX_TAGS = 150_000
"""Bounds for feedparser's lenient path, which costs ~20 µs a tag and ~10x the input in memory.

An ill-formed (or unusual) feed past these bounds would take seconds and hundreds of MB, so it is
refused in one line instead.
"""


def _check_bounds(content: bytes, source: str, *, well_formed: bool) -> None:
    """Refuse, in one line, a feed feedparser would take too long (and too much memory) to read."""
    tags = content.count(b"<")
    if well_formed and tags > FEEDPARSER_MAX_TAGS:
        raise FeedError(source, f"feed too large to read ({tags:,} tags; at most {FEEDPARSER_MAX_TAGS:,})")
    if not well_formed and (len(content) > LENIENT_MAX_BYTES or tags > LENIENT_MAX_TAGS):
        raise FeedError(
            source,
            f"ill-formed or unusual feed too large to read leniently ({len(content) / 2**20:.1f} MB, "
            f"{tags:,} tags; at most {LENIENT_MAX_BYTES // 2**20} MB and {LENIENT_MAX_TAGS:,} tags)",
        )


def parse_feed(content: bytes, source: str) -> ParseResult:
    """Read a feed document whole. Raises :class:`FeedError` when it holds nothing usable.

    ``source`` names the feed in messages and, through :func:`source_key`, in ``Paper.feeds``.
    """
    result = ParseResult(source, None, generic.FORMAT, [])
    result.papers = each_once(stream_feed(content, source, result))
    return result


def stream_feed(content: bytes, source: str, into: ParseResult) -> Iterator[Paper]:
    """The feed's papers in feed order, each as soon as its item is read; :class:`FeedError` (before
    or between papers) when the feed holds nothing usable or cannot be read on.

    ``into`` gets the feed's title, format, warnings and renamed ids (not its papers); they are final
    once the papers are all read. A feed listing a paper twice yields it twice: :meth:`Paper.merge`
    the second into the first, as :func:`parse_feed` does. This is what lets a 10,000-item feed's
    first papers be stored while the rest are still being parsed.
    """
    if not content or not content.strip():
        raise FeedError(source, "empty document")
    if (tags := content.count(b"<")) > MAX_TAGS:
        raise FeedError(source, f"feed too large to read ({tags:,} tags; at most {MAX_TAGS:,})")
    doc = tree.read(content)
    identifiers: list[list[str]] | None = None
    if doc is not None:
        try:
            module, waiting = _detect(doc)
        except tree.Broken:  # ill-formed after all: feedparser reads what it can
            doc = None
        else:
            if module is not None:
                yield from _read_tree(doc, module, waiting, content, source, into)
                return
            # No known format: what feedparser cannot give is taken from the items now; the tree goes.
            identifiers = [_identifiers(item) for item in waiting]
    well_formed = doc is not None
    del doc
    parsed = _feedparser(content, source, well_formed=well_formed)
    yield from _read_entries(parsed, content, source, identifiers, into)


def _feedparser(content: bytes, source: str, *, well_formed: bool) -> Any:
    """feedparser's reading of the document, within :func:`_check_bounds`."""
    _check_bounds(content, source, well_formed=well_formed)
    import feedparser

    # A BytesIO, never bytes: feedparser would try to open short bytes as a file name.
    tamed = _shorten_runs_in_names(_defuse_entities(content))
    return feedparser.parse(io.BytesIO(tamed), sanitize_html=False, resolve_relative_uris=False)


def _detect(doc: tree.Document) -> tuple[Any, list[tree.Fields]]:
    """The format of :data:`TREE_FORMATS` the items are in (None: none) and the items read to tell."""
    waiting: list[tree.Fields] = []
    for item in doc.items:
        waiting.append(item)
        module = next((m for m in TREE_FORMATS if m.detect(doc, item)), None)
        if module is not None:
            return module, waiting
    return None, waiting


def _read_tree(
    doc: tree.Document,
    module: Any,
    waiting: list[tree.Fields],
    content: bytes,
    source: str,
    into: ParseResult,
) -> Iterator[Paper]:
    """The papers of a feed whose items are in ``module``'s format, as each item is parsed.

    Items the format does not recognise are read by feedparser and :mod:`generic` at the end; the
    papers after the first of them wait for it, so feed order is kept. Where the XML turns out
    ill-formed after some items were read (a feed cut short, an unescaped ``&``), those papers stay
    and feedparser reads the items after them.
    """
    found = doc.channel
    title = tree.title(found, doc.kind) or None
    link = arxiv_api.alternate_link(found) if doc.kind == "atom" else tree.line(found, "link")
    ctx = FeedContext(
        source_key=source_key(source),
        feed_link=safe_link(link),
        feed_date=tree.parse_date(tree.line(found, "pubdate", "published"))
        or tree.parse_date(tree.line(found, "lastbuilddate", "dc:date", "updated")),
        feed_title=title or "",
    )
    into.title, into.format = title, module.FORMAT
    warnings = into.warnings
    held: dict[int, Paper | None] = {}  # by item number, from the first item not in the format on
    unknown: dict[int, tree.Fields] = {}  # those items, waiting for feedparser
    count = yielded = 0
    broken: tree.Broken | None = None
    try:
        for count, item in enumerate(itertools.chain(waiting, doc.items), 1):
            try:
                paper = module.read_item(item, ctx)
            except (AttributeError, KeyError, TypeError, ValueError) as exc:
                warnings.append(_skipped(count, exc))
                continue
            if paper is None:
                unknown[count] = item
                held[count] = None
            elif held:
                held[count] = paper
            else:
                yielded += 1
                yield paper
    except tree.Broken as exc:
        broken = exc
    entries = _entries_after_all(content, source, count, broken, bool(unknown), warnings)
    if unknown:
        if len(entries) == count or (broken is not None and len(entries) >= count):  # counted alike
            for number, item in unknown.items():
                held[number] = _generic(entries[number - 1], ctx, _identifiers(item), number, warnings)
        else:
            warnings.append(f"{len(unknown)} items not read: not in the feed's format")
    for paper in held.values():
        if paper is not None:
            yielded += 1
            yield paper
    if broken is not None:
        for number, entry in enumerate(entries[count:], count + 1):
            if (paper := _generic(entry, ctx, [], number, warnings)) is not None:
                yielded += 1
                yield paper
    if not yielded:
        raise FeedError(source, f"no usable entries ({warnings[-1] if warnings else 'none recognised'})")


def _entries_after_all(
    content: bytes, source: str, read: int, broken: tree.Broken | None, needed: bool, warnings: list[str]
) -> list[Any]:
    """feedparser's entries for what the tree could not give: the items after the ``read`` ones when
    the XML ``broken`` there (read leniently, if feedparser takes the feed), or, when ``needed``, the
    items not in the feed's format. [] when there is nothing to read or feedparser refuses the feed."""
    if broken is None and not needed:
        return []
    problem = clean_line(str(broken)) if broken is not None else ""
    try:
        parsed = _feedparser(content, source, well_formed=broken is None)
    except FeedError as error:  # too large for feedparser: the items read stay
        if broken is not None:
            warnings.append(f"XML error ({problem}) after item {read}; the rest not read: {error.reason}")
        return []
    entries = list(parsed.get("entries") or [])
    if broken is not None:
        warnings.append(f"XML error ({problem}) after item {read}; read the rest leniently")
    return entries


def _identifiers(item: tree.Fields | None) -> list[str]:
    """Every ``dc:identifier`` of an item read from the tree (feedparser keeps only the last)."""
    return [tree.raw(element, 2_000) for element in item.get("dc:identifier", [])] if item else []


def _generic(
    entry: Any, ctx: FeedContext, identifiers: list[str], number: int, warnings: list[str]
) -> Paper | None:
    try:
        return generic.to_paper(entry, ctx, identifiers=identifiers)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        warnings.append(_skipped(number, exc))
        return None


def _skipped(number: int, exc: Exception) -> str:
    """The warning for an item a format module could not read (the rest of the feed is kept)."""
    return f"item {number} skipped: {clean_line(str(exc)) or type(exc).__name__}"


def each_once(papers: Iterable[Paper]) -> list[Paper]:
    """Each id once, in feed order; a paper met twice is the merge of both."""
    out: dict[str, Paper] = {}
    for paper in papers:
        seen = out.get(paper.id)
        out[paper.id] = seen.merge(paper) if seen else paper
    return list(out.values())


def _read_entries(
    parsed: Any, content: bytes, source: str, identifiers: list[list[str]] | None, into: ParseResult
) -> Iterator[Paper]:
    """feedparser's entries as papers; ``identifiers``: each item's every ``dc:identifier``, read from
    the tree where the XML allows (feedparser keeps only the last)."""
    version = str(parsed.get("version") or "")
    entries: list[Any] = list(parsed.get("entries") or [])
    problem = _describe_bozo(parsed.get("bozo_exception")) if parsed.get("bozo") else None
    title = entry_text(parsed.get("feed") or {}, "title") or None
    into.title = title
    if not entries:
        if not version:
            raise FeedError(source, f"not a feed ({_what_is_it(content, problem)})")
        if problem:
            raise FeedError(source, f"no entries ({problem})")
        into.format = generic.FORMAT
        into.warnings.append("the feed has no entries")
        return

    module = next((m for m in ENTRY_FORMATS if m.detect(parsed)), generic)
    into.format = module.FORMAT
    feed = parsed.get("feed") or {}
    ctx = FeedContext(
        source_key=source_key(source),
        feed_link=safe_link(feed.get("link")),
        feed_date=to_datetime(feed.get("published_parsed")) or to_datetime(updated_parsed(feed)),
        feed_title=title or "",
        journal=title if title and _is_journal_system(feed) else None,
    )
    warnings = into.warnings
    if problem:
        warnings.append(f"{problem}; read what could be read")
    if identifiers is None or len(identifiers) != len(entries):
        identifiers = [[] for _ in entries]
    read = 0
    for number, (entry, ids) in enumerate(zip(entries, identifiers, strict=True), 1):
        try:
            paper = module.to_paper(entry, ctx) if module is not generic else None
            if paper is None:
                paper = generic.to_paper(entry, ctx, identifiers=ids)
                if (former := generic.former_id(entry, ctx)) and former != paper.id:
                    into.renamed[former] = paper.id
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            warnings.append(_skipped(number, exc))
        else:
            read += 1
            yield paper
    if not read:
        raise FeedError(source, f"no usable entries ({warnings[-1]})")


def load_feed(source: str) -> ParseResult:
    """Fetch and parse in one call (no conditional request: always the full feed)."""
    result = fetch_source(source)
    return parse_feed(result.content or b"", source)


def _is_journal_system(feed: Any) -> bool:
    """Whether the feed is an Open Journal Systems site's: then the feed's title is the journal's name.

    OJS says so in each of its templates: Atom ``<generator uri="http://pkp.sfu.ca/ojs/">Open Journal
    Systems</generator>``, RSS 2.0 ``<generator>OJS 3.3.0.5 http://pkp.sfu.ca/ojs/</generator>``,
    RSS 1.0 ``<admin:generatorAgent rdf:resource="http://pkp.sfu.ca/ojs/"/>``.
    """
    detail = feed.get("generator_detail") or {}
    agent = feed.get("admin_generatoragent")
    marks = [
        feed.get("generator"),
        detail.get("href"),
        agent.get("rdf:resource") if isinstance(agent, dict) else None,
    ]
    text = " ".join(str(mark)[:200] for mark in marks if mark).lower()
    return "open journal systems" in text or "pkp.sfu.ca/ojs" in text


def _defuse_entities(content: bytes) -> bytes:
    """Drop entity declarations that could expand (billion laughs) from the document's prolog.

    feedparser strips them only when each starts a line, and expat's own amplification limit
    lets several MB of expansion through first, each piece a Python callback: seconds of CPU
    for a 1 KB document. Undefined entities then make the parser fall back to reading them raw.
    """
    first = _FIRST_ELEMENT.search(content)
    head = content[: first.start()] if first else content
    if b"<!ENTITY" not in head:
        return content
    cleaned = _ENTITY_DECL.sub(lambda m: m.group(0) if _SAFE_ENTITY.fullmatch(m.group(0)) else b"", head)
    return cleaned + content[len(head) :]


# A start tag of a person-ish element (feedparser looks for an e-mail address in its text) and that
# text, up to the next tag. Linear: each text is consumed once; the tag's attributes are bounded.
_PERSON_ELEMENT = re.compile(
    rb"(<(?:[\w.-]{1,40}:)?(?:author|creator|contributor|publisher|name|email|managingeditor|webmaster)"
    rb"\b[^<>]{0,4000}>(?:\s{0,100}<!\[CDATA\[)?)([^<]{64,})",
    re.IGNORECASE,
)
_RUN = re.compile(rb"[A-Za-z0-9_.+\-]{64}")
_PERSON_FIELD_MAX = 100_000


def _shorten_runs_in_names(content: bytes) -> bytes:
    """Break runs of e-mail characters longer than 64 (an e-mail's local part is at most 64) in person
    elements, and cut their text at 100,000 bytes, before feedparser reads them.

    feedparser searches every author, contributor and publisher for an e-mail address with a pattern
    that is quadratic in such a run: a 100,000-character author cost 35 s of CPU, holding the GIL.
    """
    if len(content) < 64:
        return content

    def tame(match: re.Match[bytes]) -> bytes:
        text = match.group(2)[:_PERSON_FIELD_MAX]
        return match.group(1) + _RUN.sub(lambda run: run.group(0) + b" ", text)

    return _PERSON_ELEMENT.sub(tame, content)


def _describe_bozo(exc: BaseException | None) -> str:
    """feedparser's complaint as one line: ``XML error at line 19: no element found``."""
    if exc is None:
        return "ill-formed feed"
    line = getattr(exc, "getLineNumber", None)
    message = getattr(exc, "getMessage", None)
    if callable(line) and callable(message):
        return clean_line(f"XML error at line {line()}: {message()}")
    return clean_line(str(exc)) or type(exc).__name__


def _what_is_it(content: bytes, problem: str | None) -> str:
    """A guess at what a non-feed document is, for the error message."""
    head = content[:4096].lstrip().lower()
    if any(marker in head for marker in _HTML_MARKERS):
        return "HTML page"
    controls = sum(1 for byte in head if byte < 9 or 13 < byte < 32)
    if b"\x00" in head or controls > len(head) // 50:
        return "binary data"
    if head[:1] in (b"{", b"["):
        return "JSON"
    if head.startswith(b"<"):
        return problem or "XML but no RSS or Atom"
    return "plain text"

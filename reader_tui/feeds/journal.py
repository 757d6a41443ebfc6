"""What a journal item says about itself: DOI, journal, volume, issue, pages, publisher, date, authors.

First the standards feeds use (Dublin Core ``dc:identifier``/``dc:source``/``dc:publisher``, PRISM
``doi``/``publicationName``/``volume``/``number``/``startingPage``/``endingPage``/``coverDate``), then
publishers' habits, each a small named rule in :data:`RULES` that only fills what is still missing:

* ``doi-in-link``: the DOI in the article URL (``/doi/10.1002/x``, ``doi.org/10.…``, PLOS ``?id=10.…``)
  or a guid that is a bare DOI (Wiley, IEEE aggregators);
* ``labelled-lines``: ``Label: value`` lines at the top of the description: ScienceDirect's
  "Publication date: February 2022", "Source: Journal, Volume 167", "Author(s): …"; Pensoft's "DOI:",
  "Authors:"; an aggregator's "DOI: …";
* ``citation-line``: a citation written out in the description: Pensoft's "ZooKeys 1078: 135-188",
  PubMed's "Arch Microbiol. 2021 Dec 20;204(1):39. doi: …", IEEE's "Journal, pp. 1-17" (with the
  author list on the line before it);
* ``category-volume``: volume, issue or pages in ``<category>`` ("Vol. 12 No. 3 (2021)",
  "Volume 12, Issue 3");
* ``author-paragraph``: an item whose ``<author>`` is only its first author and whose description starts
  with the whole list (arXiv queries re-published as RSS).

Every field is cut to a bounded length before a pattern reads it, and no pattern has nested or
adjacent unbounded repeats: each costs time linear in its (capped) input.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from reader_tui.feeds.common import Entry, parse_loose_date
from reader_tui.feeds.names import split_list
from reader_tui.safety import clean_line

FIELD_MAX = 2_000
"""Characters of a metadata field (DOI, journal, volume, a description line) read; longer is junk."""
HEAD_MAX = 4_000
"""Characters at the top of a description searched for metadata lines."""
LINES_MAX = 12

_DOI = re.compile(r"10\.\d{4,9}/[^\s\"<>&?#]{1,300}")
_DOI_IN_LINK = re.compile(
    r"(?:doi(?:\.org)?/(?:(?:abs|full|pdf|epdf|epub|book|chapter)/)?|[?&](?:id|doi)=|/articles?/)"
    r"(?:doi:)?(?P<doi>10\.\d{4,9}/[^\s?#&]{1,300})",
    re.I,
)
_TRAILING = ".,;)]"
_LINE_BREAK = re.compile(r"<br\s{0,3}/?>|</p\s{0,3}>|</div\s{0,3}>|</li\s{0,3}>", re.I)
_LINE_BREAK_KEPT = re.compile(f"({_LINE_BREAK.pattern})", re.I)
_TAG = re.compile(r"<[^<>]{0,2000}>")
# The description's first words, after any opening tags and whitespace, when they are a label.
_ABSTRACT_LABEL = re.compile(
    r"((?:\s{0,50}<[^<>]{0,200}>){0,20}\s{0,50})(?:Abstract|Summary)\s{0,3}[:：.]\s{0,3}", re.I
)
_LABELLED = re.compile(r"(?P<label>[A-Za-z][A-Za-z ()]{0,30}?)\s{0,3}[:：]\s{0,3}(?P<value>.{1,2000})")
_VOLUME = re.compile(r"\bVol(?:ume|\.)?\s{0,3}(?P<v>[\w-]{1,12})", re.I)
_ISSUE = re.compile(r"\b(?:Issue|No\.|Number|Nr\.?)\s{0,3}(?P<v>[\w-]{1,12})", re.I)
_PAGES = re.compile(r"\b(?:pp?\.|Pages?)\s{0,3}(?P<v>\w{1,10}(?:\s{0,2}[-–]\s{0,2}\w{1,10})?)", re.I)
_ARTICLE = re.compile(r"\bArticle\s{1,3}(?:No\.?\s{0,3})?(?P<v>\w{1,20})", re.I)
# "ZooKeys 1078: 135-188", "Nature 630(8017): 12-20"
_JOURNAL_VOLUME_PAGES = re.compile(
    r"(?P<journal>[^\d:;,.]{2,150}?)\s(?P<volume>\d{1,6})(?:\s?\((?P<issue>[\w-]{1,10})\))?:\s?"
    r"(?P<pages>\w{1,10}(?:[-–]\w{1,10})?)"
)
# PubMed: "Arch Microbiol. 2021 Dec 20;204(1):39. doi: …" / "Front Microbiol. 2021 Dec 1;12:764631."
_PUBMED = re.compile(
    r"(?P<journal>[^.;]{2,150})\.\s(?P<year>\d{4})(?:\s[A-Z][a-z]{2})?(?:\s\d{1,2})?"
    r"(?:;(?P<volume>[\w-]{1,10})(?:\((?P<issue>[\w-]{1,10})\))?)?(?::(?P<pages>[\w-]{1,20}))?\."
)
# IEEE aggregators: "IEEE Transactions on …, pp. 1-17"
_JOURNAL_PP = re.compile(r"(?P<journal>[^,<>]{3,200}),\s{0,3}pp\.\s{0,3}(?P<pages>\w{1,10}(?:[-–]\w{1,10})?)")


_DOI_KEYS = ("dc_identifier", "arxiv_doi", "dc_relation")


@dataclass(slots=True)
class Metadata:
    """What one item says about its publication; None (or empty) where it says nothing."""

    doi: str | None = None
    doi_is_own: bool = False
    """The DOI came from the item's own metadata (PRISM, Dublin Core), not guessed from a link."""
    journal: str | None = None
    journal_is_own: bool = False
    """The journal came from PRISM: the item is in the journal's own table of contents."""
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    publisher: str | None = None
    published: datetime | None = None
    authors: list[str] = field(default_factory=list)
    lifted: list[str] = field(default_factory=list)
    """Description lines a rule read (they are metadata, not abstract, and are left out of the body)."""


def bare_doi(value: str | None) -> str | None:
    """``doi:10.1/x``, ``https://doi.org/10.1/x``, ``10.1/x.`` -> ``10.1/x``; None if there is no DOI."""
    if not value:
        return None
    match = _DOI.search(html.unescape(value[:FIELD_MAX]))
    return match.group(0).rstrip(_TRAILING) if match else None


def _text(entry: Entry, *keys: str) -> str | None:
    for key in keys:
        value = entry.get(key)
        if isinstance(value, str):
            value = clean_line(value[:FIELD_MAX])
            if value:
                return value
    return None


def read(entry: Entry, link: str | None, body_html: str, identifiers: Sequence[str] = ()) -> Metadata:
    """The standards first, then every rule in :data:`RULES` for what is still missing.

    ``identifiers``: every ``dc:identifier`` of the item, where the XML could be read for them:
    feedparser keeps only the last (PubMed's ``pmid:…`` and ``doi:…``, in either order).
    """
    meta = Metadata()
    for value in (_text(entry, "prism_doi"), *identifiers[:20], *(_text(entry, key) for key in _DOI_KEYS)):
        if doi := bare_doi(value):
            meta.doi, meta.doi_is_own = doi, True
            break
    journal = _text(entry, "prism_publicationname", "prism_publicationtitle")
    if journal:
        meta.journal, meta.journal_is_own = journal, True
    else:
        source = _text(entry, "dc_source")  # PubMed: the journal; Nature: "Nature, Published online: …"
        meta.journal = source.split(",")[0].strip() if source and "," in source else source
    meta.volume = _text(entry, "prism_volume")
    meta.issue = _text(entry, "prism_number", "prism_issueidentifier")
    first, last = _text(entry, "prism_startingpage"), _text(entry, "prism_endingpage")
    meta.pages = _text(entry, "prism_pagerange") or (f"{first}-{last}" if first and last else first)
    meta.publisher = _text(entry, "publisher", "dc_publisher", "prism_publisher")
    for key in ("prism_coverdate", "prism_publicationdate"):
        if meta.published is None and (value := _text(entry, key)):
            meta.published = parse_loose_date(value)
    lines = _head_lines(body_html)
    for rule in RULES:
        rule.apply(meta, entry, link, lines)
    return meta


def without_lifted(body_html: str, lifted: list[str]) -> str:
    """The description without the lines a rule read: "Publication date: …", "Source: …", "Author(s): …",
    "ZooKeys 1078: 135-188" are shown once, as the paper's own fields, not again as its abstract.

    A line's text goes and its tags stay (``<p></p>`` renders as nothing), so the markup around the
    rest of the description stays balanced; a ``<br>`` after a dropped line goes with it.
    """
    if not lifted:
        return body_html
    wanted = set(lifted)
    head, rest = body_html[:HEAD_MAX], body_html[HEAD_MAX:]
    parts = _LINE_BREAK_KEPT.split(head)  # line, break, line, break, ..., line
    out: list[str] = []
    drop_break = False
    for index, part in enumerate(parts):
        if index % 2:  # a break
            if not (drop_break and part[:3].lower() == "<br"):
                out.append(part)
            continue
        text = clean_line(html.unescape(_TAG.sub(" ", part)))[:FIELD_MAX]
        drop_break = bool(text) and text in wanted and (index < len(parts) - 1 or not rest)
        out.append("".join(_TAG.findall(part)) if drop_break else part)
    return "".join(out).strip() + rest


def without_abstract_label(body_html: str) -> str:
    """The description without a leading "Abstract:" (Pensoft's habit; "Summary." too): the detail pane
    shows it as the abstract already, and the label would be the first words of every list preview.
    A label after other text ("... Abstract: ...") is text, and stays."""
    match = _ABSTRACT_LABEL.match(body_html)
    return body_html if match is None else match.group(1) + body_html[match.end() :]


def _head_lines(body_html: str) -> list[str]:
    """The first few lines of the description as clean text (cut to HEAD_MAX characters first)."""
    head = body_html[:HEAD_MAX]
    lines = []
    for raw in _LINE_BREAK.split(head):
        text = clean_line(html.unescape(_TAG.sub(" ", raw)))
        if text:
            lines.append(text[:FIELD_MAX])
        if len(lines) >= LINES_MAX:
            break
    return lines


@dataclass(frozen=True, slots=True)
class Rule:
    """One publisher habit: a name (for tests and the README) and what it reads."""

    name: str
    apply: Callable[[Metadata, Entry, str | None, list[str]], None]


def _doi_in_link(meta: Metadata, entry: Entry, link: str | None, lines: list[str]) -> None:
    if meta.doi:
        return
    guid = _text(entry, "id") or ""
    for candidate in (link or "", guid):
        match = _DOI_IN_LINK.search(candidate[:FIELD_MAX])
        if match:
            meta.doi = match["doi"].rstrip(_TRAILING)
            return
    if _DOI.fullmatch(guid):  # Wiley, IEEE aggregators: the guid is the DOI itself
        meta.doi = guid


_LABELS: dict[str, str] = {
    "doi": "doi",
    "authors": "authors",
    "author(s)": "authors",
    "author": "authors",
    "publication date": "date",
    "published": "date",
    "available online": "date",
    "source": "source",
    "journal": "source",
    "volume": "volume",
    "issue": "issue",
    "pages": "pages",
}


def _labelled_lines(meta: Metadata, entry: Entry, link: str | None, lines: list[str]) -> None:
    for line in lines:
        match = _LABELLED.fullmatch(line)
        if not match:
            continue
        label = _LABELS.get(match["label"].strip().lower())
        value = match["value"].strip()
        if label is None:
            continue
        meta.lifted.append(line)
        if label == "doi" and not meta.doi:
            meta.doi = bare_doi(value)
        elif label == "authors" and not meta.authors:
            meta.authors = split_list(value)
        elif label == "date" and meta.published is None:
            meta.published = parse_loose_date(value)
        elif label == "source":
            _source(meta, value)
        elif label in ("volume", "issue", "pages") and not getattr(meta, label):
            setattr(meta, label, value[:40])


def _source(meta: Metadata, value: str) -> None:
    """ScienceDirect's "Source: Journal of X, Volume 167, Issue 2, Pages 1-9" (or "…, Article 112345")."""
    journal = value.split(",")[0].strip()
    meta.journal = meta.journal or journal or None
    if (m := _VOLUME.search(value)) and not meta.volume:
        meta.volume = m["v"]
    if (m := _ISSUE.search(value)) and not meta.issue:
        meta.issue = m["v"]
    if not meta.pages and (m := _PAGES.search(value) or _ARTICLE.search(value)):
        meta.pages = m["v"].replace(" ", "")


def _citation_line(meta: Metadata, entry: Entry, link: str | None, lines: list[str]) -> None:
    for line in lines[:4]:
        if match := _JOURNAL_VOLUME_PAGES.fullmatch(line):  # Pensoft
            meta.journal = meta.journal or match["journal"].strip()
        elif (match := _PUBMED.match(line)) and "doi:" in line.lower():
            if not meta.doi:
                meta.doi = bare_doi(line.lower().split("doi:", 1)[1])
        elif match := _JOURNAL_PP.match(line):  # IEEE aggregators
            meta.journal = meta.journal or match["journal"].strip()
        else:
            continue
        for name in ("volume", "issue", "pages"):
            value = match.groupdict().get(name)
            if value and not getattr(meta, name):
                setattr(meta, name, value)
        meta.lifted.append(line)
        index = lines.index(line)
        if index == 1 and not meta.authors and not _LABELLED.fullmatch(lines[0]):
            meta.authors = split_list(lines[0])  # an aggregator's "A, B<br/>Journal, pp. 1-17<br/>DOI: …"
            meta.lifted.append(lines[0])
        return


def _category_volume(meta: Metadata, entry: Entry, link: str | None, lines: list[str]) -> None:
    for tag in entry.get("tags") or []:
        term = clean_line(str(tag.get("term") or "")[:FIELD_MAX])
        volume = _VOLUME.search(term)
        if not volume:
            continue
        meta.volume = meta.volume or volume["v"]
        if (issue := _ISSUE.search(term)) and not meta.issue:
            meta.issue = issue["v"]
        if (pages := _PAGES.search(term)) and not meta.pages:
            meta.pages = pages["v"].replace(" ", "")


def _author_paragraph(meta: Metadata, entry: Entry, link: str | None, lines: list[str]) -> None:
    """``<author>`` holds the first author; the description's first line is the whole list."""
    if meta.authors or not lines:
        return
    first = clean_line(str(entry.get("author") or "")[:FIELD_MAX])
    if first and lines[0].startswith(first) and len(lines[0]) > len(first) and "," in lines[0]:
        meta.authors = split_list(lines[0])
        meta.lifted.append(lines[0])


RULES: tuple[Rule, ...] = (
    Rule("doi-in-link", _doi_in_link),
    Rule("labelled-lines", _labelled_lines),
    Rule("citation-line", _citation_line),
    Rule("category-volume", _category_volume),
    Rule("author-paragraph", _author_paragraph),
)

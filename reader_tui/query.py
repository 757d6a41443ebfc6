"""The filter bar's query language: parse what the user types, then match papers against it fast.

The language (documented here because the help screen and the CLI ``--query`` point at it)::

    graph neural            every word must match (AND), anywhere in the paper's text
    "graph neural"          a phrase: matched as one substring (“typographic quotes” work too)
    diffusion OR flow       either side; AND binds tighter than OR: ``a b OR c`` is ``(a b) OR c``
    (a OR b) c              parentheses group
    -survey  -cat:cs.CV     ``-`` negates a word, a field term or a group: ``-(a OR b)``
    title:  author:  affil:  kw:        substring of that field (values may be quoted:
                                        ``author:"de la Cruz"``)
    cat:cs                  prefix of any category (``cat:cs`` matches cs.LG and cs.CL)
    feed:ftxj               substring of any feed the paper was seen in
    id:2604.1               substring of the paper's id or arXiv id
    is:unread is:read is:starred is:unstarred is:new
    tag:ml                  tagged ``ml`` (whole tag, case- and accent-insensitive)
    has:note  has:tag       has a note / at least one tag
    note:baseline           substring of the paper's note (bare words search notes too)
    after:2026-05-01        published on or after that day (``YYYY`` and ``YYYY-MM`` mean the 1st)
    before:2026-05-01       published before that day (that day itself does not match)
    since:7d                published within the last 7 days (``h`` hours, ``d`` days, ``w`` weeks);
                            ``since:<date>`` is the same as ``after:<date>``

Matching ignores case, accents and compatibility forms (``muller`` finds Müller, ``strasse`` finds
Straße, full-width letters match ASCII) and is plain substring matching, so Chinese and Japanese
text needs no word splitting: ``智能体`` matches inside a summary. Bare words look in the title,
authors, affiliations, keywords, categories, arXiv id and the summary's text. A date term is
compared with the calendar day of ``published`` as the feed gave it (in the feed's own offset);
papers with no date never match a date term (so ``-after:…`` does match them).

A half-typed query raises :class:`QueryError` only, whose message is a few words for the bar; the
UI keeps showing the last good result meanwhile. ``OR`` is the keyword only in capitals, so ``or``
is an ordinary word; a ``word:`` with an unknown field is an error rather than silently a word
(``http:``/``https:`` and any ``scheme://…`` token stay words, so pasting a URL works).

Speed: each paper is normalised once into :class:`PaperFields` (about 50 µs a paper: the store builds
them when it saves a paper and keeps them, so loading a library normalises nothing);
a parsed :class:`Query` compiles into closures over those, so a keystroke costs only ``in``
checks on prepared strings: about 80-120 ms for one or two words over 100k papers with
1,500-character summaries, and a few ms once the user is extending the word they typed.
Scoped terms other than ``cat:``/``feed:`` cost a ``str.find`` call per paper (~0.3 µs).
``bench/bench_query.py`` measures it. Memory: a row holds its short fields in one string; the
summary's text stays in the store (a row built in memory holds it too: ~3 KB a paper for a
2,500-character summary).
"""

from __future__ import annotations

import html
import re
import sys
import unicodedata
from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from operator import attrgetter
from typing import Any

from reader_tui.model import Paper, PaperState
from reader_tui.safety import drop_invisible

__all__ = [
    "MatchContext",
    "PaperFields",
    "Query",
    "QueryError",
    "SearchIndex",
    "html_to_text",
    "normalize",
    "notes_of",
    "parse_query",
]


class QueryError(ValueError):
    """The query cannot be used as typed; ``str(error)`` is a few words for the filter bar."""


@dataclass(frozen=True)
class MatchContext:
    """What matching needs beyond the paper: the clock for ``since:``, the user's state, new ids.

    ``now`` is passed in (not read from the clock) so results are deterministic within one
    filtering pass and in tests. ``new_ids`` holds the ids ``is:new`` matches (empty when unknown).
    ``notes`` holds the note of each paper that has one (see :func:`notes_of`): bare words and
    ``note:`` search them; they live in the user's state, not in the cached paper fields.
    """

    now: datetime
    state_of: Callable[[str], PaperState]
    new_ids: frozenset[str] = frozenset()
    notes: Mapping[str, str] = field(default_factory=dict)


def notes_of(states: Mapping[str, PaperState]) -> dict[str, str]:
    """The ``notes`` of a :class:`MatchContext`: paper id -> note, for the papers that have one."""
    return {paper_id: state.note for paper_id, state in states.items() if state.note}


# --------------------------------------------------------------------------- text normalisation


@lru_cache(maxsize=1)
def _bmp_marks() -> re.Pattern[str]:
    """A character class of every combining mark (canonical combining class != 0) below U+10000.

    Built on first use from the running Python's Unicode database (a few ms, so not at import).
    Astral marks are kept out of the class on purpose: one code point above U+FFFF makes ``re``
    test each character against every range instead of a bitmap, 50 times slower.
    """
    ranges: list[str] = []
    run_start = previous = -2
    for code in range(0x300, 0x10000):
        if unicodedata.combining(chr(code)):
            if code != previous + 1:
                if run_start >= 0:
                    ranges.append(f"{re.escape(chr(run_start))}-{re.escape(chr(previous))}")
                run_start = code
            previous = code
    ranges.append(f"{re.escape(chr(run_start))}-{re.escape(chr(previous))}")
    return re.compile("[" + "".join(ranges) + "]")


@lru_cache(maxsize=1024)
def _is_astral_mark(char: str) -> bool:
    return char > "\uffff" and unicodedata.combining(char) != 0


def _fold(text: str) -> str:
    """Drop invisible characters, NFKD, drop combining marks, casefold; whitespace untouched (see
    :func:`normalize`). Without the first step ``zerowidth`` would not find ``Zero\u200bwidth``.

    Marks go before casefolding because casefold turns one of them (U+0345, the Greek iota
    subscript) into a letter; checked over all of Unicode, casefolding mark-free NFKD text
    never brings a mark back.
    """
    if text.isascii():
        return text.lower()
    folded = unicodedata.normalize("NFKD", drop_invisible(text))
    if not folded.isascii():
        folded = _bmp_marks().sub("", folded)
        if len(folded.encode("utf-16-le", "surrogatepass")) != 2 * len(folded):
            # Characters beyond the BMP (emoji, rare scripts): check just the distinct ones.
            for mark in [ch for ch in set(folded) if _is_astral_mark(ch)]:
                folded = folded.replace(mark, "")
    return folded.casefold()


def normalize(text: str) -> str:
    """Fold text for matching: NFKD, drop combining marks, casefold, collapse whitespace runs.

    Queries and paper fields both go through this, so ``Müller``/``muller``, ``Straße``/``strasse``
    and ``ＧＰＴ``/``gpt`` meet in the middle. Pure ASCII takes a fast path (lower-casing is
    casefolding there); otherwise one regex pass drops the marks, far cheaper than a per-character
    Python loop on 1,500-character summaries.
    """
    return " ".join(_fold(text).split())


# Possessive quantifiers: "<" and 100k spaces made the plain "<\s*/?\s*" try every split of the run
# (72 s at 20k characters, on the UI thread while the index is built).
_BLOCK_TAG = re.compile(
    r"<\s*+/?\s*+(?:p|br|div|li|ul|ol|dl|dt|dd|h[1-6]|tr|td|th|table|thead|tbody|blockquote|pre|hr|"
    r"section|article|header|footer|figure|figcaption|img)\b[^<>]*>",
    re.IGNORECASE,
)
_OTHER_MARKUP = re.compile(
    r"<!--.*?(?:-->|$)|<(?:script|style)\b.*?(?:</(?:script|style)\s*>|$)|</?[A-Za-z!?][^<>]*>",
    re.IGNORECASE | re.DOTALL,
)


def _strip_markup(markup: str) -> str:
    if "<" in markup:
        markup = _OTHER_MARKUP.sub("", _BLOCK_TAG.sub(" ", markup))
    return html.unescape(markup)


def html_to_text(markup: str) -> str:
    """The readable text of a summary's HTML, for searching (not for display).

    Two compiled regexes and ``html.unescape`` instead of a parser: building the index for 100k
    papers must stay in seconds, and a search haystack only needs the words, not the structure.
    Block-level tags become spaces (so ``<p>a</p><p>b</p>`` does not glue ``ab``); inline tags
    vanish (so ``<b>Trans</b>former`` stays one word); comments, scripts and styles are dropped.
    """
    return " ".join(_strip_markup(markup).split())


# --------------------------------------------------------------------------- per-paper fields


def _timestamp(moment: datetime) -> float | None:
    """POSIX seconds of ``moment``; a naive datetime is taken as UTC; None if it is out of range."""
    try:
        if moment.tzinfo is None or moment.utcoffset() is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    except (OverflowError, ValueError, OSError):
        return None


# Separators that survive normalisation (they are neither whitespace nor marks): one call to
# normalize() per paper instead of one per author/keyword/... halves the cost of building the index.
_VALUE_SEP, _FIELD_SEP = "\x00", "\x01"
_SHORT_FIELDS = 8


def _normalize_fields(paper: Paper) -> list[str]:
    """Normalised title, authors, affiliations, keywords, categories, feeds, id, arXiv id.

    Multi-valued fields come back joined with ``"\\n"``.
    """
    lists = (paper.authors, paper.affiliations, paper.keywords, paper.categories, paper.feeds)
    short = [paper.title, *(_VALUE_SEP.join(values) for values in lists), paper.id, paper.arxiv_id or ""]
    blob = _FIELD_SEP.join(short)
    expected = sum(len(values) - 1 for values in lists if values)
    if blob.count(_FIELD_SEP) != _SHORT_FIELDS - 1 or blob.count(_VALUE_SEP) != expected:
        # A value holds a separator character itself: it is only a word break there.
        clean = [v.replace(_VALUE_SEP, " ").replace(_FIELD_SEP, " ") for v in (paper.title, paper.id)]
        joined = [
            _VALUE_SEP.join(v.replace(_VALUE_SEP, " ").replace(_FIELD_SEP, " ") for v in values)
            for values in lists
        ]
        arxiv = (paper.arxiv_id or "").replace(_VALUE_SEP, " ").replace(_FIELD_SEP, " ")
        blob = _FIELD_SEP.join([clean[0], *joined, clean[1], arxiv])
    text = normalize(blob)
    for sep in (_VALUE_SEP, _FIELD_SEP):
        if f" {sep}" in text or f"{sep} " in text:
            text = text.replace(f" {sep}", sep).replace(f"{sep} ", sep)
    parts = text.split(_FIELD_SEP)
    for i in range(1, 6):
        parts[i] = parts[i].replace(_VALUE_SEP, "\n")
    return parts


def summary_text(paper: Paper) -> str:
    """The summary's text as a bare word searches it (apart from the short fields: NFKD has a fast path
    for text already in NFKD, which one accented author name in the same string would defeat)."""
    summary = paper.summary_html  # one read: from the store's cache, for its papers
    return normalize(_strip_markup(summary)) if summary else ""


_SPAN_BITS = 32  # PaperFields.__init__ packs with this width written out
_SPAN_MASK = (1 << _SPAN_BITS) - 1
_SPANS = {"title": 0, "authors": 1, "affiliations": 2, "keywords": 3, "categories": 4, "arxiv_id": 5}
"""The short fields in :attr:`PaperFields.short`, in order; ``bounds`` holds where each one ends."""


class PaperFields:
    """One paper's normalised text, built once and reused for every keystroke, and kept small.

    ``short`` holds the short fields (title, authors, affiliations, keywords, categories, arXiv id;
    values and fields joined with ``"\\n"``, which no normalised needle can contain, so a needle never
    matches across two of them); a scoped term (``title:``, ``author:``, ...) searches its slice in
    place, with ``str.find`` between offsets packed into one int, ``bounds``. ``text`` is the summary's
    text, or None for a paper of the store's library: the store keeps that text on disk and searches it
    there (:attr:`SearchIndex.summary_hits`), which is what keeps 100,000 papers in memory small.
    ``categories`` (starting with ``"\\n"``, so ``"\\n" + prefix in categories`` tests every category),
    ``feeds`` and ``sources`` (the feeds as named) are interned: thousands of papers share each. The
    paper id is kept apart only when it differs from the arXiv id. :meth:`record` is the JSON form the
    store keeps; the field-named properties give each field as a string, for tests and tools.
    """

    __slots__ = (
        "bounds",
        "categories",
        "day",
        "feeds",
        "other_id",
        "paper_id",
        "short",
        "sources",
        "text",
        "timestamp",
        "venue",
    )

    def __init__(self, paper: Paper, *, with_text: bool = True) -> None:
        self.paper_id = paper.id
        title, authors, affiliations, keywords, categories, feeds, pid, arxiv_id = _normalize_fields(paper)
        # Where each short field ends (each is followed by one "\n"), unrolled: this runs per paper.
        end0 = len(title)
        end1 = end0 + 1 + len(authors)
        end2 = end1 + 1 + len(affiliations)
        end3 = end2 + 1 + len(keywords)
        end4 = end3 + 1 + len(categories)
        end5 = end4 + 1 + len(arxiv_id)
        self.bounds = end0 | end1 << 32 | end2 << 64 | end3 << 96 | end4 << 128 | end5 << 160
        self.short = "\n".join((title, authors, affiliations, keywords, categories, arxiv_id))
        self.text: str | None = summary_text(paper) if with_text else None
        self.feeds = sys.intern(feeds)
        self.categories = sys.intern("\n" + categories)
        self.sources = tuple(map(sys.intern, paper.feeds))
        self.other_id = pid if pid != arxiv_id else None
        journal, doi = paper.venue.journal, paper.links.doi
        # "journal\ndoi", normalised; None for the many papers (arXiv's) that have neither.
        self.venue = None
        if journal or doi:
            self.venue = sys.intern(normalize(journal or "")) + "\n" + (doi or "").lower()
        published = paper.published
        self.day = published.date().toordinal() if published is not None else None
        self.timestamp = _timestamp(published) if published is not None else None

    def record(self) -> list[Any]:
        """Everything but ``text`` and the paper, JSON-ready (see :meth:`from_record`)."""
        return [self.short, self.bounds, self.categories, self.feeds, self.other_id, self.venue,
                self.day, self.timestamp, list(self.sources)]  # fmt: skip

    @classmethod
    def from_record(cls, paper_id: str, record: list[Any]) -> PaperFields:
        """Fields kept by the store (:meth:`record`), for a paper whose summary stays on disk."""
        fields = cls.__new__(cls)
        fields.paper_id, fields.text = paper_id, None
        (
            short,
            fields.bounds,
            categories,
            feeds,
            fields.other_id,
            fields.venue,
            fields.day,
            fields.timestamp,
            sources,
        ) = record
        fields.short, fields.categories, fields.feeds = short, sys.intern(categories), sys.intern(feeds)
        fields.sources = tuple(map(sys.intern, sources))
        return fields

    @property
    def hay(self) -> str:
        """What a bare word searches (notes aside): the short fields and the summary's text."""
        return self.short + "\n" + (self.text or "")

    def span(self, field: int) -> tuple[int, int]:
        """Start and end in :attr:`short` of short field number ``field`` (see ``_SPANS``)."""
        bounds = self.bounds
        start = ((bounds >> (_SPAN_BITS * (field - 1))) & _SPAN_MASK) + 1 if field else 0
        return start, (bounds >> (_SPAN_BITS * field)) & _SPAN_MASK

    def _field(self, name: str) -> str:
        start, end = self.span(_SPANS[name])
        return self.short[start:end]

    @property
    def title(self) -> str:
        return self._field("title")

    @property
    def authors(self) -> str:
        return self._field("authors")

    @property
    def affiliations(self) -> str:
        return self._field("affiliations")

    @property
    def keywords(self) -> str:
        return self._field("keywords")

    @property
    def ids(self) -> str:
        arxiv_id = self._field("arxiv_id")
        return (self.other_id if self.other_id is not None else arxiv_id) + "\n" + arxiv_id


SummaryHits = Callable[[str, list[str] | None], Set[str]]
"""(needle, among) -> ids of the papers (of ``among``, or all) whose summary text (normalised) contains
the needle: the store's search."""
ASK_AMONG = 2_000
"""Fewer papers than this left to decide: the store is asked about them alone, not every summary."""


def _no_hits(_: str, __: list[str] | None = None) -> Set[str]:
    return frozenset()


def _matcher(attr: str, needle: str, hits: SummaryHits = _no_hits) -> Callable[[PaperFields], bool]:
    """The test of one text term against a paper's fields (``attr`` as in :class:`_Text`)."""
    if attr == "hay":
        found: Set[str] | None = None

        def in_hay(f: PaperFields) -> bool:
            nonlocal found
            if needle in f.short:
                return True
            if f.text is not None:
                return needle in f.text
            if found is None:
                found = hits(needle, None)
            return f.paper_id in found

        return in_hay
    if attr == "feeds":
        return lambda f: needle in f.feeds
    if attr == "categories":
        prefix = "\n" + needle
        return lambda f: prefix in f.categories
    if attr == "journal":
        return lambda f: f.venue is not None and f.venue.find(needle, 0, f.venue.index("\n")) >= 0
    if attr == "doi":
        doi = needle.removeprefix("https://doi.org/").removeprefix("doi:")
        return lambda f: f.venue is not None and f.venue.find(doi, f.venue.index("\n") + 1) >= 0
    if attr == "ids":
        arxiv_field = _SPANS["arxiv_id"]

        def in_ids(f: PaperFields) -> bool:
            if f.short.find(needle, *f.span(arxiv_field)) >= 0:
                return True
            return f.other_id is not None and needle in f.other_id

        return in_ids
    field = _SPANS[attr]
    return lambda f: f.short.find(needle, *f.span(field)) >= 0


# --------------------------------------------------------------------------- the parsed query

Predicate = Callable[[PaperFields], bool]


def _always(_: PaperFields) -> bool:
    return True


class _Node:
    """A node of the parsed query; ``cost`` orders AND/OR children so cheap tests run first."""

    def cost(self) -> int:
        return 3

    def compile(self, ctx: _Bound) -> Predicate:
        raise NotImplementedError


@dataclass(frozen=True)
class _Bound:
    """The per-pass values a compiled predicate closes over (computed once per filter call)."""

    state_of: Callable[[str], PaperState]
    new_ids: frozenset[str]
    now_ts: float | None
    notes: dict[str, str] = field(default_factory=dict)
    """Normalised notes by paper id (only papers that have one)."""
    summary_hits: SummaryHits = _no_hits


_TEXT_FIELDS = {
    "title": "title",
    "author": "authors",
    "affil": "affiliations",
    "kw": "keywords",
    "feed": "feeds",
    "id": "ids",
    "journal": "journal",
    "doi": "doi",
}


@dataclass(frozen=True)
class _Text(_Node):
    needle: str
    attr: str = "hay"
    """Which :class:`PaperFields` field to search (``title``, ``authors``, ``affiliations``, ``keywords``,
    ``categories`` (a prefix of any), ``feeds``, ``ids``, ``journal``, ``doi``); ``hay`` is every
    unscoped field."""

    def cost(self) -> int:
        return 3 if self.attr == "hay" else 2

    def compile(self, ctx: _Bound) -> Predicate:
        if not self.needle:
            return _always
        test = _matcher(self.attr, self.needle, ctx.summary_hits)
        if self.attr != "hay" or not ctx.notes:
            return test
        needle, notes = self.needle, ctx.notes
        return lambda f: test(f) or needle in notes.get(f.paper_id, "")


@dataclass(frozen=True)
class _Tag(_Node):
    """``tag:x``: one of the paper's tags is ``x`` (folded like every needle)."""

    name: str

    def cost(self) -> int:
        return 2

    def compile(self, ctx: _Bound) -> Predicate:
        state_of, name = ctx.state_of, self.name
        folded: dict[str, str] = {}

        def fold(tag: str) -> str:
            found = folded.get(tag)
            if found is None:
                found = folded[tag] = normalize(tag)
            return found

        return lambda f: any(fold(tag) == name for tag in state_of(f.paper_id).tags)


@dataclass(frozen=True)
class _Has(_Node):
    """``has:note`` / ``has:tag``."""

    what: str

    def cost(self) -> int:
        return 1

    def compile(self, ctx: _Bound) -> Predicate:
        state_of = ctx.state_of
        if self.what == "note":
            notes = ctx.notes
            return lambda f: f.paper_id in notes or bool(state_of(f.paper_id).note)
        return lambda f: bool(state_of(f.paper_id).tags)


@dataclass(frozen=True)
class _Note(_Node):
    """``note:x``: a substring of the paper's note."""

    needle: str

    def cost(self) -> int:
        return 1

    def compile(self, ctx: _Bound) -> Predicate:
        if ctx.notes:
            notes, needle = ctx.notes, self.needle
            return lambda f: needle in notes.get(f.paper_id, "")
        state_of, needle = ctx.state_of, self.needle
        return lambda f: needle in normalize(state_of(f.paper_id).note)


_STATES = ("read", "unread", "starred", "unstarred", "new")


@dataclass(frozen=True)
class _State(_Node):
    state: str

    def cost(self) -> int:
        return 1

    def compile(self, ctx: _Bound) -> Predicate:
        state_of = ctx.state_of
        if self.state == "read":
            return lambda f: state_of(f.paper_id).read
        if self.state == "unread":
            return lambda f: not state_of(f.paper_id).read
        if self.state == "starred":
            return lambda f: state_of(f.paper_id).starred
        if self.state == "unstarred":
            return lambda f: not state_of(f.paper_id).starred
        new_ids = ctx.new_ids
        return lambda f: f.paper_id in new_ids


@dataclass(frozen=True)
class _Day(_Node):
    """``after:`` (``on_or_after`` True: day >= ordinal) or ``before:`` (day < ordinal)."""

    ordinal: int
    on_or_after: bool

    def cost(self) -> int:
        return 0

    def compile(self, ctx: _Bound) -> Predicate:
        ordinal = self.ordinal
        if self.on_or_after:
            return lambda f: f.day is not None and f.day >= ordinal
        return lambda f: f.day is not None and f.day < ordinal


@dataclass(frozen=True)
class _Since(_Node):
    seconds: float

    def cost(self) -> int:
        return 0

    def compile(self, ctx: _Bound) -> Predicate:
        if ctx.now_ts is None:
            return lambda f: False
        start = ctx.now_ts - self.seconds
        return lambda f: f.timestamp is not None and f.timestamp >= start


@dataclass(frozen=True)
class _Not(_Node):
    child: _Node

    def cost(self) -> int:
        return self.child.cost()

    def compile(self, ctx: _Bound) -> Predicate:
        inner = self.child.compile(ctx)
        return lambda f: not inner(f)


@dataclass(frozen=True)
class _And(_Node):
    children: tuple[_Node, ...]

    def cost(self) -> int:
        return 4

    def compile(self, ctx: _Bound) -> Predicate:
        parts = [c.compile(ctx) for c in sorted(self.children, key=lambda c: c.cost())]
        if len(parts) == 2:
            a, b = parts
            return lambda f: a(f) and b(f)
        if len(parts) == 3:
            a, b, c = parts
            return lambda f: a(f) and b(f) and c(f)
        return lambda f: all(p(f) for p in parts)


@dataclass(frozen=True)
class _Or(_Node):
    children: tuple[_Node, ...]

    def cost(self) -> int:
        return 4

    def compile(self, ctx: _Bound) -> Predicate:
        parts = [c.compile(ctx) for c in sorted(self.children, key=lambda c: c.cost())]
        if len(parts) == 2:
            a, b = parts
            return lambda f: a(f) or b(f)
        return lambda f: any(p(f) for p in parts)


_Term = tuple[str, str]
"""A positive text term at the top level of the query: (PaperFields field, needle)."""


def _split_top(root: _Node | None) -> tuple[tuple[_Term, ...], _Node | None]:
    """Split the top-level AND into plain positive text terms and the rest.

    The text terms run as tight list comprehensions over cached haystacks (and can narrow the last
    result while the user types); only the rest needs the general compiled predicate.
    """
    if root is None:
        return (), None
    children = root.children if isinstance(root, _And) else (root,)
    terms: list[_Term] = []
    rest: list[_Node] = []
    for child in children:
        if isinstance(child, _Text):
            if child.needle:
                terms.append((child.attr, child.needle))
        else:
            rest.append(child)
    # Short scoped fields first, then the longest (most selective) words over the big haystack.
    terms.sort(key=lambda term: (term[0] == "hay", -len(term[1])))
    rest_node = None if not rest else rest[0] if len(rest) == 1 else _And(tuple(rest))
    return tuple(dict.fromkeys(terms)), rest_node


def _bind(ctx: MatchContext, summary_hits: SummaryHits = _no_hits) -> _Bound:
    now_ts = _timestamp(ctx.now) if isinstance(ctx.now, datetime) else None
    notes = {paper_id: normalize(note) for paper_id, note in ctx.notes.items() if note}
    return _Bound(ctx.state_of, frozenset(ctx.new_ids), now_ts, notes, summary_hits)


@dataclass(frozen=True)
class Query:
    """A parsed, immutable query. Build it with :func:`parse_query`; ``text`` is what was typed."""

    text: str
    _root: _Node | None = field(default=None, repr=False)
    _terms: tuple[_Term, ...] = field(default=(), repr=False, compare=False)
    _rest: _Node | None = field(default=None, repr=False, compare=False)

    @property
    def is_empty(self) -> bool:
        """True for a blank query, which matches every paper."""
        return self._root is None

    def predicate(self, ctx: MatchContext) -> Predicate:
        """Compile to one closure over :class:`PaperFields` for a whole filtering pass."""
        if self._root is None:
            return _always
        return self._root.compile(_bind(ctx))

    def matches(self, paper: Paper, ctx: MatchContext) -> bool:
        """Whether one paper matches. Normalises the paper on the spot: for lists use
        :meth:`SearchIndex.filter_rows` over rows built once (the store keeps them)."""
        return self.predicate(ctx)(PaperFields(paper))


# --------------------------------------------------------------------------- parsing

_FIELD_PREFIX = re.compile(r"([A-Za-z]+):")
_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{1,2})(?:-([0-9]{1,2}))?)?", re.ASCII)
_SPAN = re.compile(r"([0-9]{1,6})([hdw])", re.ASCII | re.IGNORECASE)
_SPAN_SECONDS = {"h": 3600.0, "d": 86400.0, "w": 7 * 86400.0}
_URL_SCHEMES = ("http", "https")
_MAX_DEPTH = 40
_QUOTES = {'"': '"', "“": "”"}
"""Opening to closing quote: typographic quotes too, which CJK input methods and some keyboards type."""
_WORD_STOP = '()"“'
_KNOWN_FIELDS = (
    "title", "author", "affil", "cat", "kw", "feed", "id", "journal", "doi", "is", "after", "before", "since",
    "tag", "has", "note",
)  # fmt: skip
_HAS = ("note", "tag", "tags")

# Token kinds. A term token carries its parsed node.
_LPAREN, _RPAREN, _OR, _NOT, _TERM = "(", ")", "OR", "-", "term"
_Token = tuple[str, _Node | None]


def _short(text: str, limit: int = 24) -> str:
    """User text quoted in an error message, kept short enough for the bar."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _parse_day(name: str, value: str) -> int:
    match = _DATE.fullmatch(value)
    if match is None:
        raise QueryError(f"bad date '{_short(name + ':' + value)}' (use YYYY-MM-DD)")
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        return date(year, month, day).toordinal()
    except ValueError:
        raise QueryError(f"bad date '{_short(name + ':' + value)}'") from None


def _field_term(name: str, value: str) -> _Node:
    """The node for ``name:value`` (``name`` is a known field, lower-case; ``value`` non-empty)."""
    if name in _TEXT_FIELDS:
        return _Text(normalize(value), _TEXT_FIELDS[name])
    if name == "cat":
        return _Text(normalize(value), "categories")
    if name == "tag":
        return _Tag(normalize(value.strip()))
    if name == "note":
        return _Note(normalize(value))
    if name == "has":
        what = value.lower()
        if what not in _HAS:
            raise QueryError(f"unknown 'has:{_short(value)}' (has:note, has:tag)")
        return _Has("tag" if what == "tags" else what)
    if name == "is":
        state = value.lower()
        if state not in _STATES:
            raise QueryError(f"unknown state 'is:{_short(value)}'")
        return _State(state)
    if name == "since":
        span = _SPAN.fullmatch(value)
        if span is None:
            if _DATE.fullmatch(value):
                return _Day(_parse_day(name, value), on_or_after=True)
            raise QueryError(f"bad span 'since:{_short(value)}' (use 12h, 7d, 2w)")
        return _Since(int(span.group(1)) * _SPAN_SECONDS[span.group(2).lower()])
    return _Day(_parse_day(name, value), on_or_after=name == "after")


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)

    def read_quoted(start: int) -> tuple[str, int]:
        end = text.find(_QUOTES[text[start]], start + 1)
        if end < 0:
            raise QueryError("unclosed quote")
        return text[start + 1 : end], end + 1

    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append((ch, None))
            i += 1
        elif ch == "-":
            if i + 1 >= n or text[i + 1].isspace():
                raise QueryError("nothing after '-'")
            tokens.append((_NOT, None))
            i += 1
        elif ch in _QUOTES:
            phrase, i = read_quoted(i)
            if not phrase.strip():
                raise QueryError("empty quotes")
            tokens.append((_TERM, _Text(normalize(phrase))))
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in _WORD_STOP:
                i += 1
            word = text[start:i]
            if word == "OR":
                tokens.append((_OR, None))
                continue
            prefix = _FIELD_PREFIX.match(word)
            if prefix is None:
                tokens.append((_TERM, _Text(normalize(word))))
                continue
            name, value = prefix.group(1).lower(), word[prefix.end() :]
            if name not in _KNOWN_FIELDS:
                if name in _URL_SCHEMES or value.startswith("//"):
                    tokens.append((_TERM, _Text(normalize(word))))
                    continue
                raise QueryError(f"unknown field '{_short(prefix.group(1))}:'")
            if not value and i < n and text[i] in _QUOTES:
                value, i = read_quoted(i)
            if not value.strip():
                raise QueryError(f"'{name}:' needs a value")
            tokens.append((_TERM, _field_term(name, value)))
    return tokens


class _Parser:
    """Recursive descent over the tokens: ``or := and (OR and)*``, ``and := unary+``,
    ``unary := '-'* (term | '(' or ')')``. Nesting depth is capped so no input can reach
    Python's recursion limit (which would raise something other than :class:`QueryError`)."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def parse(self) -> _Node | None:
        root = self.parse_or(0)
        if self.peek() == _RPAREN:
            raise QueryError("unmatched ')'")
        return root

    def parse_or(self, depth: int) -> _Node | None:
        branches = [self.parse_and(depth)]
        while self.peek() == _OR:
            self.pos += 1
            branches.append(self.parse_and(depth))
        if len(branches) == 1:
            return branches[0]
        present = [b for b in branches if b is not None]
        if len(present) != len(branches):
            raise QueryError("empty OR")
        return _Or(tuple(present))

    def parse_and(self, depth: int) -> _Node | None:
        items: list[_Node] = []
        while self.peek() not in (None, _OR, _RPAREN):
            items.append(self.parse_unary(depth))
        if not items:
            return None
        return items[0] if len(items) == 1 else _And(tuple(items))

    def parse_unary(self, depth: int) -> _Node:
        negated = False
        while self.peek() == _NOT:
            negated = not negated
            self.pos += 1
        kind = self.peek()
        if kind == _TERM:
            node = self.tokens[self.pos][1]
            assert node is not None
            self.pos += 1
        elif kind == _LPAREN:
            if depth >= _MAX_DEPTH:
                raise QueryError("too many nested '('")
            self.pos += 1
            inner = self.parse_or(depth + 1)
            if self.peek() != _RPAREN:
                raise QueryError("missing ')'")
            if inner is None:
                raise QueryError("empty ( )")
            self.pos += 1
            node = inner
        else:
            raise QueryError("nothing after '-'")
        return _Not(node) if negated else node


def parse_query(text: str) -> Query:
    """Parse what the user typed. Raises :class:`QueryError` (and nothing else) when it is unusable.

    A blank query parses to one that matches everything (:attr:`Query.is_empty`).
    """
    if not isinstance(text, str):
        raise QueryError("query must be text")
    root = _Parser(_tokenize(text)).parse()
    terms, rest = _split_top(root)
    return Query(text, root, terms, rest)


# --------------------------------------------------------------------------- the index


def _refines(new: tuple[_Term, ...], old: tuple[_Term, ...]) -> bool:
    """True when every paper matching ``new`` surely matches ``old`` (typing more of a word)."""

    def implies(new_term: _Term, old_term: _Term) -> bool:
        if new_term[0] != old_term[0]:
            return False
        if old_term[0] == "categories":
            return new_term[1].startswith(old_term[1])
        return old_term[1] in new_term[1]

    return all(any(implies(new_term, old_term) for new_term in new) for old_term in old)


class SearchIndex:
    """The filtering of a list of :class:`PaperFields` rows: the store's (:meth:`PaperFields.from_record`,
    whose summaries stay on disk and are searched through ``summary_hits``) or rows built in memory.

    The index remembers the last list it was given (so a keystroke does no per-paper lookups) and the
    positions matching the last query's plain text terms: while the user keeps typing a word
    (``transf`` → ``transfo``), only the previous matches are searched again. Use one index from one
    thread at a time.
    """

    def __init__(self, summary_hits: SummaryHits | None = None) -> None:
        self.summary_hits = summary_hits or _no_hits
        self._rows: list[PaperFields] = []
        self._shorts: list[str] = []
        self._texts: list[str] = []
        self._ids: list[str] = []
        self._bounds: list[int] = []
        self._on_disk = False
        self._hits: dict[str, Set[str]] = {}
        self._memo: tuple[tuple[_Term, ...], list[int]] | None = None

    def _use(self, rows: list[PaperFields]) -> None:
        """Take a new list (the library was loaded again): its columns, and nothing of the last one's."""
        self._hits, self._memo = {}, None
        self._rows = rows
        self._shorts = [row.short for row in rows]
        self._texts = [row.text or "" for row in rows]
        self._ids = [row.paper_id for row in rows]
        self._bounds = [row.bounds for row in rows]
        self._on_disk = any(row.text is None for row in rows)

    def _summary(self, needle: str, among: list[str] | None = None) -> Set[str]:
        """The store's answer (kept for the query's needles), or for ``among`` alone when they are few."""
        found = self._hits.get(needle)
        if found is None and self._on_disk:
            if among is not None and len(among) < ASK_AMONG:
                return self.summary_hits(needle, among)
            found = self._hits[needle] = self.summary_hits(needle, None)
        return found if found is not None else frozenset()

    def _positions(self, terms: tuple[_Term, ...]) -> list[int] | None:
        """Indices into the current list matching every text term; None when there are none."""
        if not terms:
            return None
        memo = self._memo
        positions: list[int] | None = None
        if memo is not None and _refines(terms, memo[0]):
            if memo[0] == terms:
                return memo[1]
            positions = memo[1]
        rows, shorts, texts, ids, bounds = self._rows, self._shorts, self._texts, self._ids, self._bounds
        for attr, needle in terms:
            if attr == "hay":
                pool = range(len(rows)) if positions is None else positions
                undecided = [i for i in pool if needle not in shorts[i] and needle not in texts[i]]
                hits = self._summary(needle, [ids[i] for i in undecided]) if undecided else frozenset()
                dropped = {i for i in undecided if ids[i] not in hits}
                positions = [i for i in pool if i not in dropped] if dropped else list(pool)
                continue
            if attr in ("categories", "feeds"):  # short strings of their own, shared by many papers
                if attr == "categories":
                    needle = "\n" + needle
                get = attrgetter(attr)
                if positions is None:
                    positions = [i for i, row in enumerate(rows) if needle in get(row)]
                else:
                    positions = [i for i in positions if needle in get(rows[i])]
                continue
            if attr in _SPANS:  # a slice of the short fields: str.find between its offsets
                hi = _SPAN_BITS * _SPANS[attr]
                lo = max(hi - _SPAN_BITS, 0)
                first = 0 if hi == 0 else 1  # the title starts at 0; others just after a "\n"
                mask = _SPAN_MASK if hi else 0
                if positions is None:
                    positions = [
                        i
                        for i, (short, span) in enumerate(zip(shorts, bounds, strict=True))
                        if short.find(needle, (span >> lo & mask) + first, span >> hi & _SPAN_MASK) >= 0
                    ]
                else:
                    positions = [
                        i
                        for i in positions
                        if shorts[i].find(
                            needle, (bounds[i] >> lo & mask) + first, bounds[i] >> hi & _SPAN_MASK
                        )
                        >= 0
                    ]
                continue
            test = _matcher(attr, needle)
            if positions is None:
                positions = [i for i, row in enumerate(rows) if test(row)]
            else:
                positions = [i for i in positions if test(rows[i])]
        assert positions is not None
        self._memo = (terms, positions)
        needles = {needle for _, needle in terms}  # ~8 MB a needle at 100k papers: keep this query's
        self._hits = {needle: hits for needle, hits in self._hits.items() if needle in needles}
        return positions

    def _match(self, query: Query, ctx: MatchContext) -> list[int] | None:
        """Positions in the current list that match (None: all of them), in order."""
        rows = self._rows
        positions = self._positions(query._terms)
        if ctx.notes and query._root is not None:
            # The fast path searches the papers' own text; the few papers with a note are decided
            # by the whole query with their note in the haystack.
            noted = {i for i, paper_id in enumerate(self._ids) if paper_id in ctx.notes}
            if noted:
                bound = _bind(ctx, self._summary)
                whole = query._root.compile(bound)
                rest = query._rest.compile(bound) if query._rest is not None else _always
                kept = range(len(rows)) if positions is None else positions
                chosen = [i for i in kept if i not in noted and rest(rows[i])]
                chosen += [i for i in noted if whole(rows[i])]
                return sorted(chosen)
        if query._rest is None:
            return positions
        predicate = query._rest.compile(_bind(ctx, self._summary))
        if positions is None:
            return [i for i, row in enumerate(rows) if predicate(row)]
        return [i for i in positions if predicate(rows[i])]

    def filter_rows(self, query: Query, rows: list[PaperFields], ctx: MatchContext) -> list[PaperFields]:
        """The rows that match ``query``, in their given order (``rows`` is kept: do not change it)."""
        if query.is_empty:
            return rows
        if rows is not self._rows:
            self._use(rows)
        positions = self._match(query, ctx)
        return rows if positions is None else [rows[i] for i in positions]

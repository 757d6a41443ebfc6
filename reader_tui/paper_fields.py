"""One paper's search record (:class:`PaperFields`): its text normalised once, for every keystroke after.

The filter bar searches 100,000 papers per keystroke, so each paper is folded (:mod:`reader_tui.textfold`)
once, when the store saves it, into a small record the store keeps (:meth:`PaperFields.record`) and loads
back without touching the paper (:meth:`PaperFields.from_record`). The short fields share one string,
searched in place between packed offsets; the summary's text stays in the store, which answers for it
(:data:`SummaryHits`). :func:`text_matcher` is the one test of a text term against a record, used by the
query's predicates and by the search index alike.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Set
from datetime import UTC, datetime
from typing import Any

from reader_tui.model import Paper
from reader_tui.textfold import normalize, strip_markup

__all__ = [
    "SPANS",
    "SPAN_BITS",
    "SPAN_MASK",
    "PaperFields",
    "SummaryHits",
    "no_hits",
    "posix_seconds",
    "summary_text",
    "text_matcher",
]


def posix_seconds(moment: datetime) -> float | None:
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
    return normalize(strip_markup(summary)) if summary else ""


SPAN_BITS = 32  # PaperFields.__init__ packs with this width written out
SPAN_MASK = (1 << SPAN_BITS) - 1
SPANS = {"title": 0, "authors": 1, "affiliations": 2, "keywords": 3, "categories": 4, "arxiv_id": 5}
"""The short fields in :attr:`PaperFields.short`, in order; ``bounds`` holds where each one ends."""


class PaperFields:
    """One paper's normalised text, built once and reused for every keystroke, and kept small.

    ``short`` holds the short fields (title, authors, affiliations, keywords, categories, arXiv id;
    values and fields joined with ``"\\n"``, which no normalised needle can contain, so a needle never
    matches across two of them); a scoped term (``title:``, ``author:``, ...) searches its slice in
    place, with ``str.find`` between offsets packed into one int, ``bounds``. ``text`` is the summary's
    text, or None for a paper of the store's library: the store keeps that text on disk and searches it
    there (:data:`SummaryHits`), which is what keeps 100,000 papers in memory small.
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
        self.timestamp = posix_seconds(published) if published is not None else None

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
        """Start and end in :attr:`short` of short field number ``field`` (see ``SPANS``)."""
        bounds = self.bounds
        start = ((bounds >> (SPAN_BITS * (field - 1))) & SPAN_MASK) + 1 if field else 0
        return start, (bounds >> (SPAN_BITS * field)) & SPAN_MASK

    def _field(self, name: str) -> str:
        start, end = self.span(SPANS[name])
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


def no_hits(_: str, __: list[str] | None = None) -> Set[str]:
    """The :data:`SummaryHits` of rows that hold their summaries' text: no summary elsewhere."""
    return frozenset()


def text_matcher(attr: str, needle: str, hits: SummaryHits = no_hits) -> Callable[[PaperFields], bool]:
    """The test of one text term against a paper's fields (``attr``: a field of
    :class:`~reader_tui.query_match.Text`; ``hits`` answers for summaries kept on disk)."""
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
        arxiv_field = SPANS["arxiv_id"]

        def in_ids(f: PaperFields) -> bool:
            if f.short.find(needle, *f.span(arxiv_field)) >= 0:
                return True
            return f.other_id is not None and needle in f.other_id

        return in_ids
    field = SPANS[attr]
    return lambda f: f.short.find(needle, *f.span(field)) >= 0

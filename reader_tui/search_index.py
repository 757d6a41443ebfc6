"""The filter over the whole library: which rows of :class:`PaperFields` a query lets through, fast.

Speed: a parsed :class:`Query` compiles into closures over rows normalised once (the store keeps them),
so a keystroke costs only ``in`` checks on prepared strings: about 80-120 ms for one or two words over
100k papers with 1,500-character summaries, and a few ms once the user is extending the word they typed
(the index narrows the last result instead of searching again). Scoped terms other than
``cat:``/``feed:`` cost a ``str.find`` call per paper (~0.3 µs). A summary kept on disk is searched by
the store (:data:`SummaryHits`), asked about a few papers alone when few are left to decide
(:data:`ASK_AMONG`). ``bench/bench_query.py`` measures it. Memory: a row holds its short fields in one
string; the summary's text stays in the store (a row built in memory holds it too: ~3 KB a paper for a
2,500-character summary).
"""

from __future__ import annotations

from collections.abc import Set
from operator import attrgetter

from reader_tui.paper_fields import (
    SPAN_BITS,
    SPAN_MASK,
    SPANS,
    PaperFields,
    SummaryHits,
    no_hits,
    text_matcher,
)
from reader_tui.query import Query
from reader_tui.query_match import MatchContext, Term, always, bind

__all__ = ["ASK_AMONG", "SearchIndex"]

ASK_AMONG = 2_000
"""Fewer papers than this left to decide: the store is asked about them alone, not every summary."""


def _refines(new: tuple[Term, ...], old: tuple[Term, ...]) -> bool:
    """True when every paper matching ``new`` surely matches ``old`` (typing more of a word)."""

    def implies(new_term: Term, old_term: Term) -> bool:
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
        self.summary_hits = summary_hits or no_hits
        self._rows: list[PaperFields] = []
        self._shorts: list[str] = []
        self._texts: list[str] = []
        self._ids: list[str] = []
        self._bounds: list[int] = []
        self._on_disk = False
        self._hits: dict[str, Set[str]] = {}
        self._memo: tuple[tuple[Term, ...], list[int]] | None = None

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

    def _positions(self, terms: tuple[Term, ...]) -> list[int] | None:
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
            if attr in SPANS:  # a slice of the short fields: str.find between its offsets
                hi = SPAN_BITS * SPANS[attr]
                lo = max(hi - SPAN_BITS, 0)
                first = 0 if hi == 0 else 1  # the title starts at 0; others just after a "\n"
                mask = SPAN_MASK if hi else 0
                if positions is None:
                    positions = [
                        i
                        for i, (short, span) in enumerate(zip(shorts, bounds, strict=True))
                        if short.find(needle, (span >> lo & mask) + first, span >> hi & SPAN_MASK) >= 0
                    ]
                else:
                    positions = [
                        i
                        for i in positions
                        if shorts[i].find(
                            needle, (bounds[i] >> lo & mask) + first, bounds[i] >> hi & SPAN_MASK
                        )
                        >= 0
                    ]
                continue
            test = text_matcher(attr, needle)
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
        positions = self._positions(query.terms)
        if ctx.notes and query.root is not None:
            # The fast path searches the papers' own text; the few papers with a note are decided
            # by the whole query with their note in the haystack.
            noted = {i for i, paper_id in enumerate(self._ids) if paper_id in ctx.notes}
            if noted:
                bound = bind(ctx, self._summary)
                whole = query.root.compile(bound)
                rest = query.rest.compile(bound) if query.rest is not None else always
                kept = range(len(rows)) if positions is None else positions
                chosen = [i for i in kept if i not in noted and rest(rows[i])]
                chosen += [i for i in noted if whole(rows[i])]
                return sorted(chosen)
        if query.rest is None:
            return positions
        predicate = query.rest.compile(bind(ctx, self._summary))
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

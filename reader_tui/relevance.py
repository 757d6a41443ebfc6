"""Relevance over the library: the user's stars (and reads) as a profile, ranked lists, the digest.

This joins :mod:`reader_tui.rank` (pure arithmetic on papers) with the store (who starred what) for
the CLI and the app alike:

* the profile is every starred paper plus the :data:`READ_PROFILE_MAX` most recent read ones (recent
  reading says more about today's interests than last year's, and it bounds the index);
* a ranked list never contains the starred papers: they are the profile, not results. Unread papers
  come first, by score; read ones follow, by score; with nothing starred the order stays as given
  (newest first) and :attr:`Ranking.ranked` is False so the caller can say so;
* the digest is "what arrived since the last digest, best first", remembered in the setting
  :data:`DIGEST_SETTING` as the ids already reported within a window of :data:`DIGEST_WINDOW_DAYS`
  (feeds date papers when they were submitted, days before they reach the feed).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from reader_tui.model import Paper, PaperState
from reader_tui.paper_fields import PaperFields
from reader_tui.rank import Profile, RankIndex
from reader_tui.store import Store
from reader_tui.term_table import FORMAT, TermTable
from reader_tui.terms import Document, paper_document, row_document

READ_PROFILE_MAX = 1_000
"""Read papers in the profile at most, the most recently published first."""
TEXT_BATCH = 500
"""Summary texts read from the store at a time while the app builds the index."""
SAVE_AFTER = 200
"""Papers indexed or dropped since the term table was last saved before it is saved again: fewer
cost the next start ~10 ms to index again, less than writing the table (~1 MB per 1,000 papers)."""
DIGEST_SETTING = "digest.last"
DIGEST_WINDOW_DAYS = 14
"""A paper dated more than this long before the last digest is not "new" for the next one."""


States = Callable[[str], PaperState] | Mapping[str, PaperState]
"""A paper's state by id, or the states of the papers marked (any other is unread, not starred)."""


@dataclass(frozen=True, slots=True)
class Scored:
    """A paper in a ranked list: its score (None when nothing is starred) and the reason in words."""

    paper: Paper
    score: float | None
    reasons: str

    def to_dict(self) -> dict[str, Any]:
        """The paper's JSON (as ``list --json``) with ``score`` and ``reasons`` added."""
        return {**self.paper.to_dict(), "score": self.score, "reasons": self.reasons}


@dataclass(slots=True)
class Ranking:
    """The outcome of ranking a list: its papers in order, and whether a profile ordered them."""

    papers: list[Scored]
    ranked: bool
    starred: int


def _recent_first(papers: Iterable[Paper]) -> list[Paper]:
    epoch = datetime.min.replace(tzinfo=UTC)
    return sorted(papers, key=lambda p: p.published or epoch, reverse=True)


class Relevance:
    """An index over the papers to rank and the profile, built from a store's states.

    Build it off the event loop (the index costs ~60 µs of CPU a paper, unless kept in the store:
    :meth:`from_store`); afterwards :meth:`star` and :meth:`unstar` keep the profile current, and
    re-ranking 10,000 papers takes ~70 ms, ~25 ms once the profile's sums per span are kept.
    ``lookup`` finds a paper by id (for "more like this", whose results are papers).
    """

    def __init__(self, index: RankIndex, profile: Profile, lookup: Callable[[str], Paper | None]) -> None:
        self.index = index
        self.profile = profile
        self.lookup = lookup
        self.indexed = 0
        """Papers indexed (or dropped) to bring the index up to date when it was made."""

    @classmethod
    def build(
        cls,
        papers: Sequence[Paper],
        states: dict[str, PaperState],
        library: Store | None = None,
        *,
        always: bool = False,
    ) -> Relevance:
        """Index ``papers`` plus the profile's papers (found in ``library`` when not among them).

        With nothing starred the index is left empty (there is nothing to rank by) unless ``always``
        (for "more like this", which needs no profile).
        """
        by_id = {paper.id: paper for paper in papers}

        def lookup(paper_id: str) -> Paper | None:
            found = by_id.get(paper_id)
            if found is None and library is not None:
                found = library.get(paper_id)
            return found

        starred = [p for p in map(lookup, (pid for pid, s in states.items() if s.starred)) if p is not None]
        read = [p for p in map(lookup, (pid for pid, s in states.items() if s.read and not s.starred)) if p]
        read = _recent_first(read)[:READ_PROFILE_MAX]
        extra = [p for p in (*starred, *read) if p.id not in by_id]
        # Nothing starred: nothing to rank by, so no index either (it is the costly part).
        index = RankIndex([*papers, *extra] if starred or always else [])
        profile = index.profile([p.id for p in starred], [p.id for p in read])
        return cls(index, profile, lookup)

    @classmethod
    def from_store(
        cls, store: Store, states: dict[str, PaperState], base: RankIndex | None = None
    ) -> Relevance:
        """Index every paper of ``store`` from its search rows and summary texts, folded already: no
        paper is decoded (the app's path, in a worker).

        The index starts from ``base`` (this session's last) or the term table saved in the store,
        and indexes only the papers written since, by this process or another (their version in the
        paper cache differs from the one indexed), dropping the papers gone: ~50 µs of CPU a paper,
        so ~0.5 s at 10,000 papers when there is nothing to start from, tens of ms when there is.
        """
        table = base.table if base is not None else saved_table(store)
        current = store.search.versions()  # newest first: the order a first build indexes them in
        known = dict(zip(table.ids, table.versions, strict=True))
        todo = [pid for pid, version in current if known.get(pid) != version]
        present = dict(current)
        drop = [pid for pid in table.ids if pid not in present]
        versions: dict[str, int] = {}

        def documents() -> Iterator[Document]:
            # A batch at a time: all summary texts at once held ~14 MB more at 10,000 papers.
            for start in range(0, len(todo), TEXT_BATCH):
                batch = todo[start : start + TEXT_BATCH]
                order = {pid: n for n, pid in enumerate(batch)}
                rows = sorted(store.search.search_rows_of(batch), key=lambda row: order[row[0]])
                for (pid, version, _, text), record in zip(rows, _records(rows), strict=True):
                    document = _document(store, pid, record, text)
                    if document is not None:
                        versions[pid] = version  # read by the table as it indexes this document
                        yield document

        if base is not None and not todo and not drop:
            index = base  # nothing changed: its weights hold
        else:
            if todo or drop:
                table = table.updated(documents(), drop, versions)
            index = RankIndex(texts_of=store.search.summary_texts_of, table=table)
        starred = [pid for pid, state in states.items() if state.starred and pid in index]
        newest = {pid: n for n, (pid, _) in enumerate(current)}
        read = [pid for pid, s in states.items() if s.read and not s.starred and pid in newest]
        read.sort(key=newest.__getitem__)
        made = cls(index, index.profile(starred, read[:READ_PROFILE_MAX]), store.get)
        made.indexed = len(todo) + len(drop)
        if made.profile:
            index.scores(made.profile)  # here in the worker, not on the event loop (~45 ms at 10k)
        return made

    def save(self, store: Store) -> bool:
        """Keep the index's term table in the store for the next start, if :data:`SAVE_AFTER` papers
        or more were indexed since it was last kept; True if it was written."""
        table = self.index.table
        if table.unsaved < SAVE_AFTER or table.texts is not None:
            return False
        store.search.save_rank_table(FORMAT, *table.dumps())
        table.unsaved = 0
        return True

    def star(self, paper_id: str) -> None:
        self.profile.remove_read(paper_id)
        self.profile.add_star(paper_id)

    def unstar(self, paper_id: str, read: bool) -> None:
        self.profile.remove_star(paper_id)
        if read:
            self.profile.add_read(paper_id)

    def order_ids(self, ids: Sequence[str], states: States) -> tuple[list[str], list[float]]:
        """``ids`` without the starred ones, and their scores: unread by score, then read by score
        (see module doc); empty when nothing is starred. No object is kept per paper (see
        :meth:`RankIndex.order`). ``states``: a paper's state by id, or the states of the papers
        the user marked (much faster than asking for each of 100,000 papers: ~2 µs each)."""
        if not self.profile:
            return [], []
        starred = self.profile.starred
        state_of = _state_lookup(states)
        results: list[str] = []
        read: set[str] = set()
        for paper_id in ids:
            state = state_of(paper_id)
            if not state.starred and paper_id not in starred:
                results.append(paper_id)
                if state.read:
                    read.add(paper_id)
        ranked, scores = self.index.order(self.profile, results)  # one ranking for both groups
        if read:  # stable: unread by score, then read by score
            flags = [paper_id in read for paper_id in ranked]
            order = sorted(range(len(ranked)), key=flags.__getitem__)
            ranked, scores = [ranked[i] for i in order], [scores[i] for i in order]
        return ranked, scores

    def order(self, papers: Sequence[Paper], state_of: Callable[[str], PaperState]) -> Ranking:
        """``papers`` without the starred ones: unread by score, then read by score (see module doc)."""
        if not self.profile:
            results = [p for p in papers if not state_of(p.id).starred]
            return Ranking([Scored(p, None, "") for p in results], ranked=False, starred=0)
        by_id = {p.id: p for p in papers}
        ids, scores = self.order_ids(list(by_id), state_of)
        out = [Scored(by_id[pid], score, "") for pid, score in zip(ids, scores, strict=True)]
        return Ranking(out, ranked=True, starred=len(self.profile.starred))

    def explain(self, scored: Scored) -> Scored:
        """The same entry with its reason worked out (done per shown paper, not for the whole list)."""
        if scored.score is None or scored.reasons:
            return scored
        reasons = self.index.reasons(self.profile, scored.paper.id, scored.paper)
        return Scored(scored.paper, scored.score, reasons)

    def similar(self, paper_id: str, top: int = 20) -> list[Scored]:
        """The papers most like one, with reasons (against that paper alone, not the profile)."""
        if paper_id not in self.index:
            return []
        alone = self.index.profile([paper_id])
        found = []
        for ranked in self.index.similar(paper_id, top=top):
            paper = self.lookup(ranked.paper_id)
            if paper is not None:
                reasons = self.index.reasons(alone, ranked.paper_id, paper)
                found.append(Scored(paper, ranked.score, reasons))
        return found


def _state_lookup(states: States) -> Callable[[str], PaperState]:
    """A paper's state by id from either form of :data:`States`."""
    if not isinstance(states, Mapping):
        return states
    unmarked = PaperState()  # one for every paper never marked: unread, not starred

    def state_of(paper_id: str) -> PaperState:
        return states.get(paper_id, unmarked)

    return state_of


def saved_table(store: Store) -> TermTable:
    """The term table saved in ``store`` by this build (an empty one when none is, or it is damaged)."""
    found = store.search.rank_table(FORMAT)
    table = TermTable.loads(*found) if found is not None else None
    return table if table is not None else TermTable(keep_texts=False)


def _records(rows: list[tuple[str, int, str | None, str | None]]) -> list[Any]:
    """The search rows' JSON decoded, one ``json.loads`` for all (~40% less than one a row); one a
    row if that fails (a damaged row then costs only itself)."""
    try:
        return list(json.loads("[" + ",".join(search or "null" for _, _, search, _ in rows) + "]"))
    except ValueError:
        pass
    records: list[Any] = []
    for _, _, search, _ in rows:
        try:
            records.append(json.loads(search) if search is not None else None)
        except ValueError:
            records.append(None)
    return records


def _document(store: Store, paper_id: str, record: Any, text: str | None) -> Document | None:
    """A paper's :data:`Document` from its search record and text; from the paper itself when the
    row has none (a cache on a read-only disk, never filled in) or a damaged one."""
    if record is not None:
        with contextlib.suppress(ValueError, TypeError):
            return row_document(PaperFields.from_record(paper_id, record), text or "")
    paper = store.get(paper_id)
    return paper_document(paper) if paper is not None else None


def digest_candidates(
    papers: Sequence[Paper], store: Store, now: datetime, arrived: frozenset[str] = frozenset()
) -> tuple[list[Paper], dict[str, Any]]:
    """The papers new since the last digest, and the record to save once the digest is delivered.

    New: not reported by the last digest, and either dated within :data:`DIGEST_WINDOW_DAYS` before
    it, undated, or among ``arrived`` (the last refresh's new papers, whatever their date). The first
    digest has nothing to be new against: every paper given is a candidate.
    """
    last = store.setting(DIGEST_SETTING)
    last = last if isinstance(last, dict) else {}
    ids = last.get("ids")
    reported = {i for i in ids if isinstance(i, str)} if isinstance(ids, list) else set()
    try:
        since: datetime | None = datetime.fromtimestamp(float(last["at"]), UTC)
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        since = None

    def recent(paper: Paper, start: datetime) -> bool:
        return paper.published is None or paper.published >= start or paper.id in arrived

    if since is None:
        fresh = list(papers)
    else:
        start = min(since, now) - timedelta(days=DIGEST_WINDOW_DAYS)
        fresh = [p for p in papers if p.id not in reported and recent(p, start)]
    keep_from = now - timedelta(days=DIGEST_WINDOW_DAYS)
    remembered = {p.id for p in papers if recent(p, keep_from)}
    return fresh, {"at": now.timestamp(), "ids": sorted(remembered)}

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

from reader_tui.library import Listing
from reader_tui.model import Paper, PaperState
from reader_tui.paper_fields import PaperFields
from reader_tui.rank import Profile, RankIndex
from reader_tui.safety import clean_line
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
        current = store.paper_versions()  # newest first: the order a first build indexes them in
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
                rows = sorted(store.search_rows_of(batch), key=lambda row: order[row[0]])
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
            index = RankIndex(texts_of=store.summary_texts_of, table=table)
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
        store.save_rank_table(FORMAT, *table.dumps())
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
    found = store.rank_table(FORMAT)
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


class ForYou:
    """The app's relevance state, kept out of the widgets: which order the list is in, the index once
    built, "more like this", and the score and reason of each listed paper.

    The index is built on demand (the app does it in a worker and hands it to :meth:`ready`), so a
    session that never asks for relevance never pays for it. Lists are ordered by id: a
    :class:`~reader_tui.library.Listing` stays one (its papers decoded only when drawn).
    """

    def __init__(
        self, sort: str = "date", marks: Callable[[], Mapping[str, PaperState]] | None = None
    ) -> None:
        self.sort = sort if sort in ("date", "relevance") else "date"
        self._marks = marks
        """The states of every paper the user marked (the store's): read once per ranking."""
        self.relevance: Relevance | None = None
        self.last_index: RankIndex | None = None
        """The index before the library changed: the next one starts from it."""
        self.like: tuple[Paper, list[Scored]] | None = None
        self.scores: dict[str, float] = {}
        self._reasons: dict[str, str] = {}
        self.ranked = False

    @property
    def needs_index(self) -> bool:
        return self.relevance is None and self.sort == "relevance"

    def ready(self, relevance: Relevance) -> None:
        self.relevance = relevance
        self.last_index = None  # built from it: not kept as well (~100 MB at 100,000 papers)

    def forget_index(self) -> None:
        """The library changed (a refresh): the next ranking needs an index brought up to date."""
        if self.relevance is not None:
            self.last_index = self.relevance.index
        self.relevance = None

    def toggle_sort(self) -> str:
        self.sort = "date" if self.sort == "relevance" else "relevance"
        return self.sort

    def order(self, papers: Sequence[Paper], state_of: Callable[[str], PaperState]) -> Sequence[Paper]:
        """``papers`` (filtered, newest first) in the order in force; "more like this" wins over both.

        For you: unread by score, then read by score, then the starred ones (the profile) by date.
        """
        self.scores, self._reasons = {}, {}
        self.ranked = False
        if self.like is not None:
            self.scores = {s.paper.id: s.score or 0.0 for s in self.like[1]}
            self._reasons = {s.paper.id: s.reasons for s in self.like[1]}
            self.ranked = True
            return [s.paper for s in self.like[1]]
        if self.sort != "relevance" or self.relevance is None:
            return papers  # as given: a Listing decodes only the rows drawn
        ids = _ids_of(papers)
        ranked, scores = self.relevance.order_ids(ids, self._marks() if self._marks else state_of)
        if not ranked:
            return papers
        self.ranked = True
        self.scores = dict(zip(ranked, scores, strict=True))
        return _reordered(papers, [*self.scores, *(pid for pid in ids if pid not in self.scores)])

    def rerank_after(
        self, papers: Sequence[Paper], position: int, state_of: Callable[[str], PaperState]
    ) -> Sequence[Paper]:
        """After a star: the rows after ``position`` ranked again by the changed profile; the rows up to
        it stay where the user saw them."""
        if self.relevance is None or self.like is not None or self.sort != "relevance":
            return papers
        ids = _ids_of(papers)
        head, tail = ids[: position + 1], ids[position + 1 :]
        ranked, scores = self.relevance.order_ids(tail, self._marks() if self._marks else state_of)
        if not ranked:
            return papers
        self.ranked = True
        self.scores.update(zip(ranked, scores, strict=True))
        self._reasons = {}  # the profile changed: every reason is worked out again when shown
        done = set(ranked)
        return _reordered(papers, [*head, *ranked, *(pid for pid in tail if pid not in done)])

    def starred(self, paper_id: str, state: PaperState) -> None:
        """A star was set or taken back: the profile follows at once (well under 100 ms at 10k papers)."""
        if self.relevance is None:
            return
        if state.starred:
            self.relevance.star(paper_id)
        else:
            self.relevance.unstar(paper_id, state.read)

    def like_this(self, paper: Paper, top: int = 50) -> bool:
        """Show the papers most like ``paper``; False when the index lacks it or nothing is alike."""
        if self.relevance is None:
            return False
        similar = self.relevance.similar(paper.id, top=top)
        if not similar:
            return False
        self.like = (paper, similar)
        return True

    def reason(self, paper: Paper) -> str:
        """Why the paper is where it is ("" when the list is not ranked); worked out on first ask."""
        if paper.id not in self.scores or self.relevance is None:
            return ""
        found = self._reasons.get(paper.id)
        if found is None:
            relevance = self.relevance
            found = self._reasons[paper.id] = relevance.index.reasons(relevance.profile, paper.id, paper)
        return found

    def badges(self) -> Mapping[str, str]:
        """Each ranked paper's score as a share of the best one, ``" 87%"``, for the list's date column."""
        return Badges(self.scores) if self.scores else {}

    def label(self, starred_count: int) -> str:
        """What the filter bar says about the order."""
        if self.like is not None:
            return f"like: {clean_line(self.like[0].title)[:24]}"
        if self.sort != "relevance":
            return ""
        if self.relevance is None:
            return "for you: ranking…"
        if not self.ranked and starred_count == 0:
            return "by date: nothing starred"
        return "for you"


class Badges(Mapping[str, str]):
    """Papers' scores as shares of the best one, ``" 87%"``, each written when its row asks for it:
    writing them all at every star cost ~110 ms at 100,000 papers, for the ~40 rows on screen.
    Equal when the scores are (the list then keeps the rows it drew)."""

    def __init__(self, scores: dict[str, float]) -> None:
        self._scores = dict(scores)  # a copy: the ranking's own changes with the next star
        self._best = max(self._scores.values(), default=0.0) or 1.0

    def __getitem__(self, paper_id: str) -> str:
        return f"{round(100 * self._scores[paper_id] / self._best):>3d}%"

    def __iter__(self) -> Iterator[str]:
        return iter(self._scores)

    def __len__(self) -> int:
        return len(self._scores)

    def __contains__(self, paper_id: object) -> bool:
        return paper_id in self._scores

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Badges):
            return self._scores == other._scores
        return isinstance(other, Mapping) and dict(self.items()) == dict(other.items())

    __hash__ = None  # type: ignore[assignment]


def _ids_of(papers: Sequence[Paper]) -> list[str]:
    """The papers' ids, without decoding a :class:`Listing`."""
    return list(papers.ids) if isinstance(papers, Listing) else [p.id for p in papers]


def _reordered(papers: Sequence[Paper], ids: list[str]) -> Sequence[Paper]:
    """``papers`` in the order of ``ids`` (a Listing stays one)."""
    if isinstance(papers, Listing):
        return papers.of(ids)
    by_id = {p.id: p for p in papers}
    return [by_id[pid] for pid in ids]

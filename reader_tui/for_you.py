"""The app's ranking state, kept out of the widgets: which order the list is in ("for you" or by
date), the index once built, "more like this", and each listed paper's score badge and reason.

A module of its own, apart from :mod:`reader_tui.relevance` (the engine), so that the app can start
without loading the ranking code at all: the index is built on demand in a worker, and a session
that never asks for relevance never imports it (~5 ms of every start otherwise).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from reader_tui.listing import Listing
from reader_tui.model import Paper, PaperState
from reader_tui.safety import clean_line

if TYPE_CHECKING:
    from reader_tui.rank import RankIndex
    from reader_tui.relevance import Relevance, Scored


class ForYou:
    """The app's relevance state, kept out of the widgets: which order the list is in, the index once
    built, "more like this", and the score and reason of each listed paper.

    The index is built on demand (the app does it in a worker and hands it to :meth:`ready`), so a
    session that never asks for relevance never pays for it. Lists are ordered by id: a
    :class:`~reader_tui.listing.Listing` stays one (its papers decoded only when drawn).
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

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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from reader_tui.model import Paper, PaperState
from reader_tui.rank import Profile, RankIndex
from reader_tui.store import Store

READ_PROFILE_MAX = 1_000
"""Read papers in the profile at most, the most recently published first."""
DIGEST_SETTING = "digest.last"
DIGEST_WINDOW_DAYS = 14
"""A paper dated more than this long before the last digest is not "new" for the next one."""


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

    Build it off the event loop (the index costs ~0.5 ms a paper); afterwards :meth:`star` and
    :meth:`unstar` keep the profile current in well under 100 ms for 10,000 papers.
    """

    def __init__(self, index: RankIndex, profile: Profile) -> None:
        self.index = index
        self.profile = profile

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
        return cls(index, profile)

    def star(self, paper_id: str) -> None:
        self.profile.remove_read(paper_id)
        self.profile.add_star(paper_id)

    def unstar(self, paper_id: str, read: bool) -> None:
        self.profile.remove_star(paper_id)
        if read:
            self.profile.add_read(paper_id)

    def order(self, papers: Sequence[Paper], states: dict[str, PaperState]) -> Ranking:
        """``papers`` without the starred ones: unread by score, then read by score (see module doc)."""
        empty = PaperState()
        results = [
            p for p in papers if not states.get(p.id, empty).starred and p.id not in self.profile.starred
        ]
        if not self.profile:
            return Ranking([Scored(p, None, "") for p in results], ranked=False, starred=0)
        unread = [p for p in results if not states.get(p.id, empty).read]
        read = [p for p in results if states.get(p.id, empty).read]
        by_id = {p.id: p for p in results}
        out: list[Scored] = []
        for group in (unread, read):
            for ranked in self.index.rank(self.profile, [p.id for p in group]):
                out.append(Scored(by_id[ranked.paper_id], ranked.score, ""))
        return Ranking(out, ranked=True, starred=len(self.profile.starred))

    def explain(self, scored: Scored) -> Scored:
        """The same entry with its reason worked out (done per shown paper, not for the whole list)."""
        if scored.score is None or scored.reasons:
            return scored
        return Scored(scored.paper, scored.score, self.index.reasons(self.profile, scored.paper.id))

    def similar(self, paper_id: str, top: int = 20) -> list[Scored]:
        """The papers most like one, with reasons (against that paper alone, not the profile)."""
        if paper_id not in self.index:
            return []
        alone = self.index.profile([paper_id])
        return [
            Scored(self.index.papers[r.paper_id], r.score, self.index.reasons(alone, r.paper_id))
            for r in self.index.similar(paper_id, top=top)
        ]


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

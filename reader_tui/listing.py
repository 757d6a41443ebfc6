"""A list of papers in display order, decoded from the store only as its rows are read.

The app's lists hold up to 100,000 ids and a screen shows forty papers: the paper list, the filter and
the ranking pass :class:`Listing` around instead of papers. Its own module, apart from the ingest
machinery of :mod:`reader_tui.library`, so that the app's start imports nothing of feeds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import overload

from reader_tui.model import Paper


def decoding(get: Callable[[str], Paper | None]) -> Callable[[str], Paper | None]:
    """``get`` keeping the papers last read (the rows on screen are drawn again and again)."""
    return lru_cache(maxsize=4096)(get)


class Listing(Sequence[Paper]):
    """Papers in a list's order, decoded from the store only when read: the app's lists hold 100,000
    ids, and a screen shows forty papers. ``ids`` gives the order without decoding anything; the
    listings :meth:`of` one library share its decoded papers (the last few thousand read)."""

    def __init__(self, ids: list[str], get: Callable[[str], Paper | None]) -> None:
        self.ids = ids
        self._get = get

    def of(self, ids: list[str]) -> Listing:
        """Other papers of the same library (sharing what was decoded)."""
        return Listing(ids, self._get)

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Paper: ...
    @overload
    def __getitem__(self, index: slice) -> list[Paper]: ...
    def __getitem__(self, index: int | slice) -> Paper | list[Paper]:
        if isinstance(index, slice):
            return [self._paper(paper_id) for paper_id in self.ids[index]]
        return self._paper(self.ids[index])

    def _paper(self, paper_id: str) -> Paper:
        found = self._get(paper_id)
        return found if found is not None else Paper(paper_id, "")  # gone meanwhile: a blank row

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Listing):
            return self.ids == other.ids
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

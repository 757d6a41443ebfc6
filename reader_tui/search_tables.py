"""What the filter and the ranking read from the paper cache, and the small tables they keep there.

The filter lists every paper's search fields (:class:`PaperFields` rows, newest first, loaded once and
kept until a paper is written) and asks SQL which summaries hold a word (~50 ms over 100,000 of them);
``is:new`` finds the papers the last refresh brought; the relevance index reads papers' versions and
texts and keeps its term table (:mod:`reader_tui.term_table`) between sessions. All of it lives in
``papers.sqlite``: the cache writes each paper's search fields and summary text with the paper
(:func:`~reader_tui.store.cache.encode`), and this module only reads them, or writes tables of its own.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from reader_tui.datafiles import DUMPS, saving_to
from reader_tui.paper_fields import PaperFields

if TYPE_CHECKING:  # the store makes one for its cache (and imports this module)
    from reader_tui.store.cache import PaperCache

_BATCH = 500
_ORDER = "ORDER BY published DESC, seq"
"""The library's order: newest first, undated last, ties in the order first seen."""
_JOIN = "FROM paper JOIN summary_text USING (seq) WHERE paper.id IN (SELECT value FROM json_each(?))"
_HITS = "SELECT json_group_array(id) FROM summary_text WHERE instr(text, ?) > 0"
_HITS_AMONG = f"SELECT json_group_array(paper.id) {_JOIN} AND instr(text, ?) > 0"
_TEXTS_OF = f"SELECT paper.id, text {_JOIN}"
_SEARCH_ROWS_OF = f"SELECT paper.id, version, search, text {_JOIN.replace('JOIN', 'LEFT JOIN', 1)}"
_ARRIVED = "CREATE TABLE IF NOT EXISTS arrived (id TEXT PRIMARY KEY) WITHOUT ROWID"
_RANK_TABLE = "CREATE TABLE IF NOT EXISTS rank_table (form TEXT, strings TEXT, numbers BLOB)"
"""Both made by their first write: a cache that never had one answers as if it were empty."""


class SearchTables:
    """The search's view of one paper cache; reads that fail answer "nothing" where that is safe."""

    def __init__(self, cache: PaperCache) -> None:
        self._cache = cache
        self._rows: tuple[int, list[PaperFields]] | None = None
        self._rows_lock = threading.Lock()

    def ids(self) -> list[str]:
        """Every paper's id in the list's order: from the rows if loaded, else from an index (~10 times
        faster than loading them: what the app shows first)."""
        rows = self._rows
        if rows is not None and rows[0] == self._cache.generation:
            return [row.paper_id for row in rows[1]]
        return [paper_id for (paper_id,) in self._cache.read(f"SELECT id FROM paper {_ORDER}")]

    def rows(self) -> list[PaperFields]:
        """Every paper's search fields, in the list's order: the list the app filters. The same list
        until a paper is written (shared: do not change it); one thread loads it at a time."""
        with self._rows_lock:
            generation = self._cache.generation
            if self._rows is None or self._rows[0] != generation:
                self._rows = (generation, self._load_rows())
            return self._rows[1]

    def _load_rows(self) -> list[PaperFields]:
        with contextlib.closing(self._cache.connect()) as db:  # its own: the rows drawn meanwhile never wait
            found = db.execute(f"SELECT id, search FROM paper {_ORDER}").fetchall()
        rows: list[PaperFields] = []
        for start in range(0, len(found), _BATCH):  # one json.loads a batch: ~40% less than one a row
            batch = found[start : start + _BATCH]
            records = json.loads("[" + ",".join(search or "null" for _, search in batch) + "]")
            for (paper_id, _), record in zip(batch, records, strict=True):
                if record is not None:
                    rows.append(PaperFields.from_record(paper_id, record))
                elif (paper := self._cache.get(paper_id)) is not None:  # not filled in (a read-only disk)
                    rows.append(PaperFields(paper, with_text=False))
        return rows

    def summary_hits(self, needle: str, among: list[str] | None = None) -> set[str]:
        """Ids of the papers (of ``among``, or all) whose summary's normalised text contains ``needle``:
        a scan in SQL, answered as one JSON string (~40% faster than a row per paper)."""
        with contextlib.suppress(sqlite3.Error):
            if among is None:
                return set(json.loads(self._cache.read(_HITS, (needle,))[0][0]))
            return set(json.loads(self._cache.read(_HITS_AMONG, (DUMPS(among), needle))[0][0]))
        return set()

    def summary_texts_of(self, ids: list[str]) -> dict[str, str]:
        """Paper id -> its summary's normalised text, for a few papers (ranking's best candidates)."""
        with contextlib.suppress(sqlite3.Error):
            return dict(self._cache.read(_TEXTS_OF, (DUMPS(ids),)))
        return {}

    def versions(self) -> list[tuple[str, int]]:
        """Every paper's id and the write that last changed it, in the list's order (what the relevance
        index indexed, and what changed since). Raises ``sqlite3.Error``: an empty answer would drop
        every paper from the index."""
        return self._cache.read(f"SELECT id, version FROM paper {_ORDER}")

    def search_rows_of(self, ids: list[str]) -> list[tuple[str, int, str | None, str | None]]:
        """Id, version, search fields (JSON, None if not filled in) and summary text of a few papers, in
        one statement: the version is the one of what was read with it. Raises ``sqlite3.Error``."""
        return self._cache.read(_SEARCH_ROWS_OF, (DUMPS(ids),))

    def rank_table(self, form: str) -> tuple[str, bytes] | None:
        """The term table saved under ``form``; None when none is, or one of another form."""
        with contextlib.suppress(sqlite3.Error):  # "no such table" included
            found = self._cache.read("SELECT strings, numbers FROM rank_table WHERE form = ?", (form,))
            return (str(found[0][0]), bytes(found[0][1])) if found else None
        return None

    def save_rank_table(self, form: str, strings: str, numbers: bytes) -> None:
        """Keep one term table, replacing any other (a cache that cannot be written builds it again)."""
        with contextlib.suppress(sqlite3.Error), self._cache.transaction() as db:
            db.execute(_RANK_TABLE)
            db.execute("DELETE FROM rank_table")
            db.execute("INSERT INTO rank_table VALUES (?, ?, ?)", (form, strings, numbers))

    def new_ids(self) -> frozenset[str]:
        """The papers the last refresh brought: what ``is:new`` finds until the next one."""
        with contextlib.suppress(sqlite3.Error):
            return frozenset(paper_id for (paper_id,) in self._cache.read("SELECT id FROM arrived"))
        return frozenset()

    def set_new_ids(self, paper_ids: Iterable[str]) -> None:
        """Replace the papers ``is:new`` finds. Kept here, not in ``state.json``: 100,000 ids after a
        first refresh made that file 1.3 MB, rewritten with every mark. Raises ``StoreError``."""
        with saving_to(self._cache.path.parent), self._cache.transaction() as db:
            db.execute(_ARRIVED)
            db.execute("DELETE FROM arrived")
            db.executemany("INSERT OR IGNORE INTO arrived VALUES (?)", ((pid,) for pid in paper_ids))

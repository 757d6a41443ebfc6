"""The paper cache: ``papers.sqlite``, one row per paper, SQLite in WAL mode.

A write is one transaction of the papers that changed, not a rewrite of the library; it is atomic, safe
with several processes (each merges with :meth:`Paper.merge` what another wrote), and readers never wait
for it. Nothing of the library is held in memory: a row holds the paper as JSON (decoded when shown),
its date (the list's order) and its search fields (:class:`~reader_tui.paper_fields.PaperFields`, loaded for
filtering); the summary's HTML and its normalised text sit in tables of their own, read when a paper is
shown and scanned by SQL when a filter looks for a word (~50 ms over 100,000 summaries).
``seq`` keeps the order papers were first seen; ``version`` is the write that last changed a row.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from reader_tui.model import Paper, SummarySource
from reader_tui.paper_fields import PaperFields
from reader_tui.store.files import DUMPS, LOCK_TIMEOUT, StoreError, check_plain, move_aside

_SCHEMA = """
CREATE TABLE IF NOT EXISTS paper (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    fields TEXT NOT NULL,
    published REAL,
    search TEXT
);
CREATE INDEX IF NOT EXISTS paper_version ON paper (version);
CREATE TABLE IF NOT EXISTS summary (seq INTEGER PRIMARY KEY, html TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS summary_text (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS arrived (id TEXT PRIMARY KEY) WITHOUT ROWID;
"""
_SEARCH_COLUMNS = ("published REAL", "search TEXT")
"""Added to a cache of an earlier build (its rows get them filled on open, :meth:`PaperCache._fill`)."""
_ORDER_INDEX = "CREATE INDEX IF NOT EXISTS paper_order ON paper (published DESC, seq, id)"
"""The list's order with the ids in it: the start reads its ids from the index alone, not from every row
(10k, a fresh connection: 25 -> 5 ms wall, 8 -> 3 ms CPU); the narrower index of earlier builds goes."""
_OLD_ORDER_INDEX = "DROP INDEX IF EXISTS paper_published"
_UPSERT = """
INSERT INTO paper (id, version, fields, published, search) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET version = excluded.version, fields = excluded.fields,
    published = excluded.published, search = excluded.search
"""
_WRITE_SUMMARY = "INSERT OR REPLACE INTO summary (seq, html) SELECT seq, ? FROM paper WHERE id = ?"
_WRITE_TEXT = "INSERT OR REPLACE INTO summary_text (seq, id, text) SELECT seq, id, ? FROM paper WHERE id = ?"
_STORED = """
SELECT paper.id, fields, html FROM paper JOIN summary USING (seq)
WHERE paper.id IN (SELECT value FROM json_each(?))
"""
_SUMMARY = "SELECT html FROM summary JOIN paper USING (seq) WHERE paper.id = ?"
_NEWEST_FIRST = "SELECT id, search FROM paper ORDER BY published DESC, seq"
_IDS = "SELECT id FROM paper ORDER BY published DESC, seq"
"""The library's order: newest first, undated last, ties in the order first seen."""
_HITS = "SELECT json_group_array(id) FROM summary_text WHERE instr(text, ?) > 0"
_HITS_AMONG = """
SELECT json_group_array(paper.id) FROM paper JOIN summary_text USING (seq)
WHERE paper.id IN (SELECT value FROM json_each(?)) AND instr(text, ?) > 0
"""
_AMONG = "WHERE id IN (SELECT value FROM json_each(?))"
_TEXTS_OF = """
SELECT paper.id, text FROM paper JOIN summary_text USING (seq)
WHERE paper.id IN (SELECT value FROM json_each(?))
"""
_BATCH = 500
SEARCH_FORMAT = 1
"""The form of the search fields (``PaperFields.record``, ``summary_text``): raise it when they change."""


def _row(paper: Paper) -> tuple[str, str]:
    """Every field but the summary as JSON (empty ones left out: smaller, faster to load), and the
    summary. Through ``to_dict``/``from_dict``, so a field added to ``Paper`` is kept too."""
    doc = paper.to_dict()
    summary = doc.pop("summary_html")
    doc["links"] = {name: url for name, url in doc["links"].items() if url}
    return DUMPS({k: v for k, v in doc.items() if v or (k == "is_paper" and v is False)}), summary


class Encoded(NamedTuple):
    """A paper as its rows are written: its fields' JSON, summary, date, search fields and summary text.

    Encoding is most of the cost of a save (~35 µs a paper: :class:`PaperFields` and two JSON
    documents); :func:`encode_papers` can run where the papers are read (the parse child of
    :mod:`reader_tui.budget`), which also spares pickling the papers themselves to send them over.
    """

    id: str
    fields: str
    html: str
    published: float | None
    search: str
    text: str


def encode(paper: Paper) -> Encoded:
    fields_json, html = _row(paper)
    search = PaperFields(paper)
    return Encoded(paper.id, fields_json, html, search.timestamp, DUMPS(search.record()), search.text or "")


def encode_papers(papers: list[Paper]) -> list[Encoded]:
    """Each paper encoded for :meth:`PaperCache.save` (a module-level function: it is sent to a child)."""
    return [encode(paper) for paper in papers]


def _paper(fields: str | dict[str, Any], summary: SummarySource) -> Paper | None:
    """A paper from its row's JSON (or an old file's record); None when damaged: it costs only itself."""
    try:
        paper = Paper.from_dict(json.loads(fields) if isinstance(fields, str) else fields)
    except (TypeError, ValueError, KeyError, AttributeError):
        return None
    paper.summary_source = summary
    return paper


def _into_wal(db: sqlite3.Connection) -> None:
    """``PRAGMA journal_mode=WAL``, tried again while another process holds the lock it needs: SQLite
    calls no busy handler there, so two processes opening a new library at once failed, one of them
    with "database is locked" (2 of 40 starts of two processes)."""
    deadline = time.monotonic() + LOCK_TIMEOUT
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorname != "SQLITE_BUSY" or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


class PaperCache:
    """One connection for reads (any thread, never blocked by a write) and one for writes."""

    def __init__(self, path: Path, messages: list[str]) -> None:
        self.path = path
        for name in (path.name, path.name + "-wal", path.name + "-shm"):
            check_plain(path.with_name(name))
        try:
            self._reader = self._connect()
        except sqlite3.DatabaseError as exc:
            if exc.sqlite_errorname not in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
                raise StoreError(f"cannot open the paper cache {path}: {exc}") from None
            aside = move_aside(path)  # damaged: its papers come back with the next refresh
            for name in (path.name + "-wal", path.name + "-shm"):
                with contextlib.suppress(OSError):
                    path.with_name(name).unlink()
            messages.append(f"{path.name} was unreadable ({exc}); moved it to {aside.name} and started empty")
            self._reader = self._connect()
        self._writer: sqlite3.Connection | None = None
        self._read_lock, self._write_lock = threading.Lock(), threading.Lock()
        self._own: set[int] = set()
        """Versions this process wrote (not news to it)."""
        with contextlib.suppress(sqlite3.Error):  # read-only: rows without them are searched in memory
            self._fill()
        self._seen = self._max_version()
        self._data_version = self._read("PRAGMA data_version")[0][0]

    def _connect(self) -> sqlite3.Connection:
        """A connection in WAL mode with the schema. On a read-only disk, a read-only one (writes then
        fail and are reported like any failed save)."""
        uris = (f"file:{self.path}", f"file:{self.path}?mode=ro", f"file:{self.path}?immutable=1")
        for uri in uris:
            db = sqlite3.connect(
                uri, timeout=LOCK_TIMEOUT, isolation_level=None, check_same_thread=False, uri=True
            )
            try:
                if not uri.endswith("immutable=1"):
                    _into_wal(db)
                db.execute("PRAGMA synchronous=NORMAL")  # WAL: a commit survives a crash of the process
                if "?" not in uri:
                    db.executescript(_SCHEMA)
                    columns = {row[1] for row in db.execute("PRAGMA table_info(paper)")}
                    for column in _SEARCH_COLUMNS:
                        if column.split()[0] not in columns:
                            with contextlib.suppress(sqlite3.OperationalError):  # added meanwhile
                                db.execute(f"ALTER TABLE paper ADD COLUMN {column}")
                    db.execute(_ORDER_INDEX)
                    db.execute(_OLD_ORDER_INDEX)
                db.execute("SELECT count(*) FROM paper").fetchone()
                return db
            except sqlite3.DatabaseError as exc:
                db.close()
                if exc.sqlite_errorname not in ("SQLITE_READONLY", "SQLITE_CANTOPEN") or uri == uris[-1]:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        for db in (self._reader, self._writer):
            if db is not None:
                db.close()

    def _read(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        with self._read_lock:
            return self._reader.execute(sql, args).fetchall()

    def _max_version(self) -> int:
        return int(self._read("SELECT coalesce(max(version), 0) FROM paper")[0][0])

    def _fill(self) -> None:
        """Search fields written again, once, when an earlier build wrote them otherwise (or not at all)."""
        if self._read("PRAGMA user_version")[0][0] >= SEARCH_FORMAT:
            return
        todo = self._read("SELECT id FROM paper")
        for start in range(0, len(todo), _BATCH):
            papers = [self.get(paper_id) for (paper_id,) in todo[start : start + _BATCH]]
            self.save([paper for paper in papers if paper is not None], force=True)
        with self._write_lock, self._transaction() as db:
            db.execute(f"PRAGMA user_version = {SEARCH_FORMAT}")

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """The writing connection (opened on first use) in a transaction, committed or rolled back."""
        if self._writer is None:
            self._writer = self._connect()
        with self._writer as db:  # sqlite3: commits at the end, rolls back on an exception
            db.execute("BEGIN IMMEDIATE")
            yield db

    def summary(self, paper_id: str) -> str:
        """A paper's summary HTML ("" when it is not cached, or the cache cannot be read just now)."""
        with contextlib.suppress(sqlite3.Error):
            for (html,) in self._read(_SUMMARY, (paper_id,)):
                return str(html)
        return ""

    def summary_hits(self, needle: str, among: list[str] | None = None) -> set[str]:
        """Ids of the papers (of ``among``, or all) whose summary's normalised text contains ``needle``:
        a scan in SQL, answered as one JSON string (~40% faster than a row per paper)."""
        if among is None:
            found = self._read(_HITS, (needle,))
        else:  # a few: looked up by id
            found = self._read(_HITS_AMONG, (DUMPS(among), needle))
        return set(json.loads(found[0][0]))

    def summary_texts_of(self, ids: list[str]) -> list[tuple[str, str]]:
        """The id and summary's normalised text of each of a few papers, looked up by id."""
        return self._read(_TEXTS_OF, (DUMPS(ids),))

    def __len__(self) -> int:
        return int(self._read("SELECT count(*) FROM paper")[0][0])

    def get(self, paper_id: str) -> Paper | None:
        rows = self._read("SELECT fields FROM paper WHERE id = ?", (paper_id,))
        return _paper(rows[0][0], self.summary) if rows else None

    def papers(self) -> Iterator[Paper]:
        """Every paper, in the order first seen, decoded a batch at a time (bad rows are skipped)."""
        last = 0
        while batch := self._read(
            "SELECT seq, fields FROM paper WHERE seq > ? ORDER BY seq LIMIT ?", (last, _BATCH)
        ):
            last = batch[-1][0]
            for _, text in batch:
                paper = _paper(text, self.summary)
                if paper is not None:
                    yield paper

    def ids(self) -> list[str]:
        """Every paper's id, newest first (see ``_NEWEST_FIRST``): ~10 times faster than :meth:`rows`."""
        return [paper_id for (paper_id,) in self._read(_IDS)]

    def rows(self) -> list[PaperFields]:
        """Every paper's search fields, newest first (see ``_NEWEST_FIRST``)."""
        with contextlib.closing(self._connect()) as db:  # its own: the rows drawn meanwhile never wait
            found = db.execute(_NEWEST_FIRST).fetchall()
        rows: list[PaperFields] = []
        for start in range(0, len(found), _BATCH):  # one json.loads a batch: ~40% less than one a row
            batch = found[start : start + _BATCH]
            records = json.loads("[" + ",".join(search or "null" for _, search in batch) + "]")
            for (paper_id, _), record in zip(batch, records, strict=True):
                if record is not None:
                    rows.append(PaperFields.from_record(paper_id, record))
                elif (paper := self.get(paper_id)) is not None:  # not filled in (a read-only disk)
                    rows.append(PaperFields(paper, with_text=False))
        return rows

    def changed(self) -> set[str]:
        """Ids of the papers another process wrote since the last look (cheap when none did)."""
        try:
            version = self._read("PRAGMA data_version")[0][0]
            if version == self._data_version:
                return set()
            self._data_version, seen, self._seen = version, self._seen, self._max_version()
            rows = self._read("SELECT id, version FROM paper WHERE version > ?", (seen,))
            return {pid for pid, written in rows if written not in self._own}
        except sqlite3.Error:
            return set()

    def save(self, papers: Iterable[Paper | Encoded], force: bool = False) -> list[str]:
        """Write papers in one transaction, each merged into the row another process may have written
        (``force``: written even when that changes nothing, to fill in its search fields); return the
        ids that were not in the cache. The stored rows are looked up in one query and written with
        one statement per table, not four per paper."""
        items = list(papers)
        with self._write_lock, self._transaction() as db:
            version = db.execute("SELECT coalesce(max(version), 0) + 1 FROM paper").fetchone()[0]
            ids = DUMPS([item.id for item in items])
            stored = {paper_id: (fields, html) for paper_id, fields, html in db.execute(_STORED, (ids,))}
            new: list[str] = []
            rows: dict[str, Encoded] = {}  # what this write leaves, by id (a repeat merges into it)
            for item in items:
                if (written := rows.get(item.id)) is not None:
                    theirs = _paper(written.fields, written.html)
                elif (row := stored.get(item.id)) is not None:
                    theirs = _paper(*row)
                else:
                    new.append(item.id)
                    rows[item.id] = item if isinstance(item, Encoded) else encode(item)
                    continue
                paper = item if isinstance(item, Paper) else _paper(item.fields, item.html)
                if paper is None:  # cannot happen to an encoded paper; kept from being a crash
                    continue
                paper = theirs.merge(paper) if theirs is not None else paper
                if paper == theirs and not (force and written is None):
                    continue
                rows[item.id] = encode(paper)
            db.executemany(_UPSERT, [(r.id, version, r.fields, r.published, r.search) for r in rows.values()])
            db.executemany(_WRITE_SUMMARY, [(r.html, r.id) for r in rows.values()])
            db.executemany(_WRITE_TEXT, [(r.text, r.id) for r in rows.values()])
        self._own.add(version)
        return new

    def forget(self, paper_ids: Iterable[str]) -> None:
        """Remove papers, summaries included, in one transaction (a paper a feed now names by another
        id would otherwise be listed twice)."""
        among = (DUMPS(list(paper_ids)),)
        with self._write_lock, self._transaction() as db:
            for table in ("summary", "summary_text"):
                db.execute(f"DELETE FROM {table} WHERE seq IN (SELECT seq FROM paper {_AMONG})", among)
            db.execute(f"DELETE FROM paper {_AMONG}", among)

    def arrived(self) -> list[str]:
        """The ids the last refresh brought (``is:new``)."""
        return [paper_id for (paper_id,) in self._read("SELECT id FROM arrived")]

    def set_arrived(self, paper_ids: Iterable[str]) -> None:
        """Replace the ids the last refresh brought, in one transaction."""
        with self._write_lock, self._transaction() as db:
            db.execute("DELETE FROM arrived")
            db.executemany("INSERT OR IGNORE INTO arrived VALUES (?)", ((pid,) for pid in paper_ids))

    # -- the relevance index's term table, kept between sessions (reader_tui.term_table) ---------
    def versions(self) -> list[tuple[str, int]]:
        """Every paper's id and the write that last changed it, newest first (the list's order)."""
        return self._read(_VERSIONS)

    def search_rows_of(self, ids: list[str]) -> list[tuple[str, int, str | None, str | None]]:
        """Id, version, search fields (JSON) and summary text of each of a few papers, by id: read in
        one statement, so the version is the one of the fields and text read with it."""
        return self._read(_SEARCH_ROWS_OF, (DUMPS(ids),))

    def rank_table(self, form: str) -> tuple[str, bytes] | None:
        """The term table saved under ``form`` (its strings and numbers); None when none is, or one of
        another form (an earlier build's) or from before this table existed."""
        try:
            found = self._read("SELECT strings, numbers FROM rank_table WHERE form = ?", (form,))
        except sqlite3.OperationalError:  # no such table: no build has saved one in this cache yet
            return None
        return (str(found[0][0]), bytes(found[0][1])) if found else None

    def save_rank_table(self, form: str, strings: str, numbers: bytes) -> None:
        """Keep one term table (replacing any other, of whatever form)."""
        with self._write_lock, self._transaction() as db:
            db.execute(_RANK_TABLE)
            db.execute("DELETE FROM rank_table")
            db.execute("INSERT INTO rank_table VALUES (?, ?, ?)", (form, strings, numbers))


_VERSIONS = "SELECT id, version FROM paper ORDER BY published DESC, seq"
_SEARCH_ROWS_OF = """
SELECT paper.id, version, search, text FROM paper LEFT JOIN summary_text USING (seq)
WHERE paper.id IN (SELECT value FROM json_each(?))
"""
_RANK_TABLE = "CREATE TABLE IF NOT EXISTS rank_table (form TEXT, strings TEXT, numbers BLOB)"
"""The relevance index's term table (:mod:`reader_tui.term_table`): one row, made by its first save."""

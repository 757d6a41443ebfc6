"""The paper cache: ``papers.sqlite``, one row per paper, SQLite in WAL mode.

A write is one transaction of the papers that changed, not a rewrite of the library: atomic, safe with
several processes (each merges with :meth:`Paper.merge` what another wrote), and readers never wait for
it. A row holds the paper as JSON (decoded when shown), its date (the list's order) and its search
fields; the summary's HTML and normalised text sit in tables of their own, read when a paper is shown
or searched (:mod:`reader_tui.search_tables` reads what the filter and the ranking need). ``seq`` keeps
the order papers were first seen; ``version`` is the write that last changed a row.
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

from reader_tui.datafiles import DUMPS, LOCK_TIMEOUT, StoreError, check_plain, move_aside
from reader_tui.model import Paper, SummarySource
from reader_tui.paper_fields import PaperFields

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
"""
_SEARCH_COLUMNS = ("published REAL", "search TEXT")
"""Added to a cache of an earlier build (its rows get them filled on open, :meth:`PaperCache._fill`)."""
_ORDER_INDEX = "CREATE INDEX IF NOT EXISTS paper_order ON paper (published DESC, seq, id)"
"""The list's order with the ids in it: the start reads its ids from the index alone (10k: 25 -> 5 ms)."""
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
_AMONG = "WHERE id IN (SELECT value FROM json_each(?))"
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
    """One connection for reads (any thread, never blocked by a write) and one for writes.

    ``generation`` counts the writes of papers seen (this process's, and another's once :meth:`changed`
    saw them): what was read of the papers is current while it stays the same."""

    def __init__(self, path: Path, messages: list[str]) -> None:
        self.path = path
        self.generation = 0
        for name in (path.name, path.name + "-wal", path.name + "-shm"):
            check_plain(path.with_name(name))
        try:
            self._reader = self.connect()
        except sqlite3.DatabaseError as exc:
            if exc.sqlite_errorname not in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
                raise StoreError(f"cannot open the paper cache {path}: {exc}") from None
            aside = move_aside(path)  # damaged: its papers come back with the next refresh
            for name in (path.name + "-wal", path.name + "-shm"):
                with contextlib.suppress(OSError):
                    path.with_name(name).unlink()
            messages.append(f"{path.name} was unreadable ({exc}); moved it to {aside.name} and started empty")
            self._reader = self.connect()
        self._writer: sqlite3.Connection | None = None
        self._read_lock, self._write_lock = threading.Lock(), threading.Lock()
        self._own: set[int] = set()
        """Versions this process wrote (not news to it)."""
        with contextlib.suppress(sqlite3.Error):  # read-only: rows without them are searched in memory
            self._fill()
        self._seen = self._max_version()
        self._data_version = self.read("PRAGMA data_version")[0][0]

    def connect(self) -> sqlite3.Connection:
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

    def read(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        """The rows of one query, on the reading connection. Raises ``sqlite3.Error``."""
        with self._read_lock:
            return self._reader.execute(sql, args).fetchall()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The writing connection (opened on first use) in a transaction, committed or rolled back."""
        with self._write_lock:
            if self._writer is None:
                self._writer = self.connect()
            with self._writer as db:  # sqlite3: commits at the end, rolls back on an exception
                db.execute("BEGIN IMMEDIATE")
                yield db

    def _max_version(self) -> int:
        return int(self.read("SELECT coalesce(max(version), 0) FROM paper")[0][0])

    def _fill(self) -> None:
        """Search fields written again, once, when an earlier build wrote them otherwise (or not at all)."""
        if self.read("PRAGMA user_version")[0][0] >= SEARCH_FORMAT:
            return
        todo = self.read("SELECT id FROM paper")
        for start in range(0, len(todo), _BATCH):
            papers = [self.get(paper_id) for (paper_id,) in todo[start : start + _BATCH]]
            self.save([paper for paper in papers if paper is not None], force=True)
        with self.transaction() as db:
            db.execute(f"PRAGMA user_version = {SEARCH_FORMAT}")

    def summary(self, paper_id: str) -> str:
        """A paper's summary HTML ("" when it is not cached, or the cache cannot be read just now)."""
        with contextlib.suppress(sqlite3.Error):
            for (html,) in self.read(_SUMMARY, (paper_id,)):
                return str(html)
        return ""

    def __len__(self) -> int:
        return int(self.read("SELECT count(*) FROM paper")[0][0])

    def get(self, paper_id: str) -> Paper | None:
        rows = self.read("SELECT fields FROM paper WHERE id = ?", (paper_id,))
        return _paper(rows[0][0], self.summary) if rows else None

    def papers(self) -> Iterator[Paper]:
        """Every paper, in the order first seen, decoded a batch at a time (bad rows are skipped)."""
        last = 0
        while batch := self.read(
            "SELECT seq, fields FROM paper WHERE seq > ? ORDER BY seq LIMIT ?", (last, _BATCH)
        ):
            last = batch[-1][0]
            yield from filter(None, (_paper(text, self.summary) for _, text in batch))

    def changed(self) -> set[str]:
        """Ids of the papers another process wrote since the last look (cheap when none did)."""
        try:
            version = self.read("PRAGMA data_version")[0][0]
            if version == self._data_version:
                return set()
            self._data_version, seen, self._seen = version, self._seen, self._max_version()
            rows = self.read("SELECT id, version FROM paper WHERE version > ?", (seen,))
        except sqlite3.Error:
            return set()
        if found := {pid for pid, written in rows if written not in self._own}:
            self.generation += 1
        return found

    def save(self, papers: Iterable[Paper | Encoded], force: bool = False) -> list[str]:
        """Write papers in one transaction, each merged into the row another process may have written
        (``force``: written even when that changes nothing, to fill in its search fields); return the
        ids that were not in the cache. The stored rows are read in one query and each table written
        with one statement."""
        items = list(papers)
        with self.transaction() as db:
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
                if paper != theirs or (force and written is None):
                    rows[item.id] = encode(paper)
            db.executemany(_UPSERT, [(r.id, version, r.fields, r.published, r.search) for r in rows.values()])
            db.executemany(_WRITE_SUMMARY, [(r.html, r.id) for r in rows.values()])
            db.executemany(_WRITE_TEXT, [(r.text, r.id) for r in rows.values()])
        self._own.add(version)
        self.generation += 1
        return new

    def forget(self, paper_ids: Iterable[str]) -> None:
        """Remove papers, summaries included, in one transaction (a paper a feed now names by another
        id would otherwise be listed twice)."""
        among = (DUMPS(list(paper_ids)),)
        with self.transaction() as db:
            for table in ("summary", "summary_text"):
                db.execute(f"DELETE FROM {table} WHERE seq IN (SELECT seq FROM paper {_AMONG})", among)
            db.execute(f"DELETE FROM paper {_AMONG}", among)
        self.generation += 1

"""The paper cache: ``papers.sqlite``, one row per paper, SQLite in WAL mode.

A write is one transaction of the papers that changed, not a rewrite of the library; it is atomic, safe
with several processes (each merges with :meth:`Paper.merge` what another wrote), and readers never wait
for it. A row holds the list fields as JSON (all loaded at start) and the summary apart, read when a paper
is shown (``Paper.summary_source``). ``seq`` keeps the order papers were first seen; ``version`` is the
write that last changed a row, so a process takes in exactly what others changed since it looked.
"""

from __future__ import annotations

import contextlib
import gc
import json
import sqlite3
import sys
import threading
from collections.abc import Iterable
from dataclasses import fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from reader_tui.model import Links, Paper, SummarySource, Venue
from reader_tui.store.files import LOCK_TIMEOUT, StoreError, check_plain, move_aside

_SCHEMA = """
CREATE TABLE IF NOT EXISTS paper (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    fields TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS paper_version ON paper (version);
CREATE TABLE IF NOT EXISTS summary (seq INTEGER PRIMARY KEY, html TEXT NOT NULL);
"""
"""Summaries (~2/3 of the bytes) sit in their own table, so that loading the list fields at start reads
only the small pages of ``paper``."""
_UPSERT = """
INSERT INTO paper (id, version, fields) VALUES (?, ?, ?)
ON CONFLICT (id) DO UPDATE SET version = excluded.version, fields = excluded.fields RETURNING seq
"""
_SUMMARY = "SELECT html FROM summary JOIN paper USING (seq) WHERE paper.id = ?"
_DUMPS = json.JSONEncoder(separators=(",", ":")).encode


def _row(paper: Paper) -> tuple[str, str]:
    """Every field but the summary as JSON (empty ones left out: smaller, faster to load), and the
    summary. Through ``to_dict``/``from_dict``, so a field added to ``Paper`` is kept too."""
    doc = paper.to_dict()
    summary = doc.pop("summary_html")
    doc["links"] = {name: url for name, url in doc["links"].items() if url}
    return _DUMPS({k: v for k, v in doc.items() if v or (k == "is_paper" and v is False)}), summary


_KNOWN = frozenset(f.name for f in fields(Paper)) | {"links"}


def _paper(doc: dict[str, Any], summary: SummarySource) -> Paper:
    """``Paper.from_dict`` with positional arguments and interned repeating strings: loading 100,000
    papers is most of start-up. A row with a field this does not know goes through ``from_dict``."""
    if not _KNOWN.issuperset(doc):
        paper = Paper.from_dict(doc)
        paper.summary_source = summary
        return paper
    get, links, published = doc.get, doc.get("links"), doc.get("published")
    return Paper(
        doc["id"],
        get("title") or "",
        get("arxiv_id"),
        get("version"),
        list(map(sys.intern, get("authors") or ())),
        get("affiliations") or [],
        list(map(sys.intern, get("categories") or ())),
        get("keywords") or [],
        None,
        Links(links.get("abs"), links.get("pdf"), links.get("post"), links.get("doi")) if links else Links(),
        datetime.fromisoformat(published) if published else None,
        list(map(sys.intern, get("feeds") or ())),
        get("announce_type"),
        get("journal_ref"),
        get("comment"),
        get("is_paper", True),
        summary_source=summary,
        venue=Venue.from_dict(venue) if (venue := get("venue")) else None,
        owned=get("owned", False),
    )


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


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
        self._seen = 0
        self._data_version: int | None = None

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
                    db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")  # WAL: a commit survives a crash of the process
                if "?" not in uri:
                    db.executescript(_SCHEMA)
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

    def summary(self, paper_id: str) -> str:
        """A paper's summary HTML ("" when it is not cached, or the cache cannot be read just now)."""
        try:
            with self._read_lock:
                row = self._reader.execute(_SUMMARY, (paper_id,)).fetchone()
        except sqlite3.Error:
            return ""
        return row[0] if row else ""

    def load(self, since: int = 0) -> dict[str, Paper]:
        """Papers in first-seen order: all, or those written since version ``since``. Bad rows are skipped.

        Rows are decoded 500 at a time in one ``json.loads`` (a call per row costs ~40% more)."""
        with self._read_lock:
            self._data_version = self._reader.execute("PRAGMA data_version").fetchone()[0]
            self._seen = self._reader.execute("SELECT coalesce(max(version), 0) FROM paper").fetchone()[0]
            rows = self._reader.execute("SELECT fields FROM paper WHERE version > ? ORDER BY seq", (since,))
            batches = [[text for (text,) in batch] for batch in iter(lambda: rows.fetchmany(500), [])]
        papers: dict[str, Paper] = {}
        gc_was_on = gc.isenabled()
        gc.disable()  # ~100 objects a paper: the collector would scan them again and again
        try:
            self._decode(batches, papers)
        finally:
            if gc_was_on:
                gc.enable()
        return papers

    def _decode(self, batches: list[list[str]], papers: dict[str, Paper]) -> None:
        reader = self.summary
        for batch in batches:
            try:
                docs = json.loads("[" + ",".join(batch) + "]")
            except ValueError:
                docs = [json.loads(text) for text in batch if _is_json(text)]
            for doc in docs:
                try:
                    paper = _paper(doc, reader)
                except (TypeError, ValueError, KeyError, AttributeError):
                    continue
                papers[paper.id] = paper

    def changed(self) -> dict[str, Paper]:
        """Papers another connection wrote since the last look (cheap when none did)."""
        try:
            with self._read_lock:
                version = self._reader.execute("PRAGMA data_version").fetchone()[0]
            return {} if version == self._data_version else self.load(self._seen)
        except sqlite3.Error:
            return {}

    def save(self, papers: Iterable[Paper]) -> dict[str, Paper]:
        """Write papers in one transaction, each merged into the row another process may have written.

        Returns the papers as stored (summaries read from the cache), to replace the copies in memory.
        """
        with self._write_lock:
            if self._writer is None:
                self._writer = self._connect()
            db = self._writer
            try:
                db.execute("BEGIN IMMEDIATE")
                version = db.execute("SELECT coalesce(max(version), 0) + 1 FROM paper").fetchone()[0]
                stored: dict[str, Paper] = {}
                for paper in papers:
                    row = db.execute(
                        "SELECT fields, html FROM paper JOIN summary USING (seq) WHERE paper.id = ?",
                        (paper.id,),
                    ).fetchone()
                    if row is not None:
                        theirs = _paper(json.loads(row[0]), row[1])
                        paper, unchanged = theirs.merge(paper), theirs
                        if paper == unchanged:
                            stored[paper.id] = replace(unchanged, summary_source=self.summary)
                            continue
                    fields_json, html = _row(paper)
                    (seq,) = db.execute(_UPSERT, (paper.id, version, fields_json)).fetchone()
                    db.execute("INSERT OR REPLACE INTO summary (seq, html) VALUES (?, ?)", (seq, html))
                    stored[paper.id] = replace(paper, summary_source=self.summary)
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        return stored

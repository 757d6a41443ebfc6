"""The store: the library's papers (in the cache) and what the user decided (in memory and on disk).

Papers are written when added, in one transaction, in the caller's thread (a refresh's worker); a disk
that refuses raises :class:`StoreError` there, and the feed's papers come back with the next refresh.
A change of state is in memory at once and on disk within a second, written behind by a daemon thread,
which also looks every ``poll_interval`` seconds whether another process wrote and takes that in
(:attr:`Store.on_change`, :attr:`Store.on_papers_change`). A failed write of state is never hidden:
:attr:`Store.problem` names the folder and the cause until a retry succeeds, the changes stay in
memory, and :meth:`flush`/:meth:`close` raise :class:`StoreError` with that one line.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import math
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any

from reader_tui import paths
from reader_tui.datafiles import DUMPS, StoreError, saving_to
from reader_tui.model import STATE_FIELDS, FieldChange, Paper, PaperState, check_field
from reader_tui.search_tables import SearchTables
from reader_tui.store.cache import Encoded, PaperCache
from reader_tui.store.migrate import migrate
from reader_tui.store.state import StateFile, Tables, fold, new_tables

STATE_FILE, PAPERS_FILE = "state.json", "papers.sqlite"
RETRY_DELAY = 2.0
"""Seconds before a failed write (disk full, read-only, lock held too long) is tried again."""


class Store:
    """Papers, per-field state, settings and source fingerprints, shared safely between processes.

    Returned ``Paper`` objects are shared (treat them as read-only); ``PaperState`` objects are copies.
    What the filter and the ranking read of the papers is :attr:`search`.
    """

    def __init__(
        self, data_dir: Path | None = None, *, flush_delay: float = 0.4, poll_interval: float | None = 1.0
    ) -> None:
        self.data_dir = Path(data_dir) if data_dir is not None else paths.data_dir()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.messages: list[str] = []
        """One-line notes for the user at start (a damaged file restored, the cache migrated)."""
        self.problem: str | None = None
        """Why the last write of state failed ("could not save to DIR: cause"), until a retry succeeds."""
        self.on_change: Callable[[set[str]], None] | None = None
        """Called (from the writer thread) with the ids whose state another process changed."""
        self.on_papers_change: Callable[[set[str]], None] | None = None
        """Called (likewise) with the ids of papers another process added or changed."""
        self._mem, self._state_io = threading.RLock(), threading.Lock()
        self._closing = self._closed = False
        self._last_stamp = 0.0
        self._state_file = StateFile(self.data_dir / STATE_FILE, self.messages)
        self._tables, self._dirty = self._state_file.changes(), new_tables()
        self._cache = PaperCache(self.data_dir / PAPERS_FILE, self.messages)
        migrate(self.data_dir, self._cache, self.messages)
        self.search = SearchTables(self._cache)
        self._delay, self._poll = flush_delay, poll_interval
        self._changed, self._halt = threading.Event(), threading.Event()
        self._writer = threading.Thread(target=self._write_behind, name="reader-tui-store", daemon=True)
        self._writer.start()
        ref = weakref.ref(self)

        def close_at_exit() -> None:  # a forgotten close() must not lose the last second of changes
            if (store := ref()) is not None:
                with contextlib.suppress(Exception):
                    store.close()

        self._atexit = close_at_exit
        atexit.register(close_at_exit)

    @property
    def state_path(self) -> Path:
        return self._state_file.path

    @property
    def papers_path(self) -> Path:
        return self._cache.path

    @property
    def unsaved(self) -> int:
        """How many changes (marks, settings) are not on disk yet."""
        with self._mem:
            return sum(map(len, self._dirty.values()))

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Write what is pending and stop the writer thread; raises :class:`StoreError` if that fails
        (the store is closed all the same). Safe to call twice."""
        if self._closed:
            return
        self._closing = True
        self._halt.set()
        self._changed.set()
        self._writer.join()
        try:
            self.flush()
        finally:
            self._closed = True
            atexit.unregister(self._atexit)
            self._cache.close()

    def flush(self) -> None:
        """Write pending changes now and take in what other processes wrote."""
        if not self._closed:
            self._sync()

    # ------------------------------------------------------------------ papers

    def papers(self) -> list[Paper]:
        """Every paper, in the order first seen, decoded (the app lists :attr:`search` rows instead)."""
        return list(self._cache.papers())

    def get(self, paper_id: str) -> Paper | None:
        return self._cache.get(paper_id)

    def __len__(self) -> int:
        return len(self._cache)

    def __contains__(self, paper_id: object) -> bool:
        return isinstance(paper_id, str) and self._cache.get(paper_id) is not None

    def add_papers(self, papers: Iterable[Paper | Encoded]) -> list[str]:
        """Merge papers into the library (a cached paper's fields win, gaps are filled, feeds are united)
        in one transaction; return the ids that are new. Raises :class:`StoreError` (one line). Papers
        may come encoded already (:func:`~reader_tui.store.cache.encode_papers`, where they were read)."""
        self._check_open()
        with saving_to(self.data_dir):
            return self._cache.save(papers)

    def forget_papers(self, paper_ids: Iterable[str]) -> None:
        """Remove papers from the library (their marks stay). Raises :class:`StoreError` (one line)."""
        self._check_open()
        with saving_to(self.data_dir):
            self._cache.forget(paper_ids)

    # ------------------------------------------------------------------ state

    def state(self, paper_id: str) -> PaperState:
        found = self._tables["state"].get(paper_id)
        return replace(found) if found is not None else PaperState()

    def states(self) -> dict[str, PaperState]:
        """Every paper the user ever marked (papers never touched are absent: unread and unstarred)."""
        with self._mem:
            return {pid: replace(s) for pid, s in self._tables["state"].items()}

    def field_values(self, field: str) -> dict[str, Any]:
        """Paper id -> the value of one field, for the papers where it is set (a note, read...): what a
        filter or a count needs, without copying every state (100,000 marked papers: ~200 ms)."""
        with self._mem:
            return {
                pid: value for pid, state in self._tables["state"].items() if (value := getattr(state, field))
            }

    def set_field(self, paper_id: str, field: str, value: Any) -> PaperState:
        """Change one field of a paper's state; setting the value it has changes nothing, not its time."""
        value = check_field(field, value)
        with self._mem:
            self._change(FieldChange(paper_id, field, value, 0.0))
            return self.state(paper_id)

    def set_read(self, paper_id: str, read: bool) -> PaperState:
        return self.set_field(paper_id, "read", read)

    def set_starred(self, paper_id: str, starred: bool) -> PaperState:
        return self.set_field(paper_id, "starred", starred)

    def toggle_read(self, paper_id: str) -> PaperState:
        with self._mem:
            return self.set_field(paper_id, "read", not self.state(paper_id).read)

    def toggle_starred(self, paper_id: str) -> PaperState:
        with self._mem:
            return self.set_field(paper_id, "starred", not self.state(paper_id).starred)

    def set_read_many(self, paper_ids: Iterable[str], read: bool) -> int:
        """Mark many papers at once (``A`` in the app); one write. Returns how many changed."""
        check_field("read", read)
        with self._mem:
            return sum(self._change(FieldChange(pid, "read", read, 0.0)) for pid in paper_ids)

    def pending_changes(self, limit: int | None = None) -> list[FieldChange]:
        """Changes made on this machine (by any process) that no sync has delivered yet, oldest first."""
        with self._mem:
            changes = [
                state.change(pid, name)
                for pid, state in self._tables["state"].items()
                for name in STATE_FIELDS
                if state.changed_at(name) and name not in state.sent
            ]
        changes.sort(key=lambda change: change.changed_at)
        return changes[:limit] if limit is not None else changes

    def mark_sent(self, changes: Iterable[FieldChange]) -> None:
        """Record that a sync delivered ``changes``; a field changed again since stays pending."""
        with self._mem:
            for change in changes:
                state = self._tables["state"].get(change.paper_id)
                if state is not None and state.change(change.paper_id, change.field) == replace(
                    change, sent=False
                ):
                    self._change(replace(change, sent=True))

    def apply_remote(self, paper_id: str, field: str, value: Any, changed_at: float) -> bool:
        """Take a value from a sync server if it is newer than this machine's (it then counts as sent);
        a local change at ``changed_at`` or later wins, sent or not."""
        change = FieldChange(paper_id, field, check_field(field, value), float(changed_at), sent=True)
        with self._mem:
            return changed_at > self.state(paper_id).changed_at(field) and self._change(change)

    def _change(self, change: FieldChange) -> bool:
        """Apply one field change in memory and schedule its write; a ``changed_at`` of 0 means now.
        False when the field already had this value and sent flag."""
        self._check_open()
        old = self._tables["state"].get(change.paper_id) or PaperState()
        if getattr(old, change.field) == change.value and (change.field in old.sent) == change.sent:
            return False
        if not change.changed_at:
            change = replace(change, changed_at=self._stamp(old.changed_at(change.field)))
        new = replace(old)
        new.take(change)
        self._tables["state"][change.paper_id] = self._dirty["state"][change.paper_id] = new
        self._changed.set()
        return True

    # ------------------------------------------------------------------ settings and sources

    def setting(self, key: str, default: Any = None) -> Any:
        found = self._tables["settings"].get(key)
        return found[0] if found is not None else default

    def set_setting(self, key: str, value: Any) -> None:
        """Remember a small JSON-serializable value (last selected paper, last filter, ...)."""
        self._set_stamped("settings", key, value)

    def source_info(self, source: str) -> dict[str, Any] | None:
        """What was remembered about a feed source (ETag, Last-Modified, content hash), as a copy."""
        found = self._tables["sources"].get(source)
        return json.loads(DUMPS(found[0])) if found is not None and found[0] is not None else None

    def set_source_info(self, source: str, info: dict[str, Any]) -> None:
        self._set_stamped("sources", source, json.loads(DUMPS(info)))

    def _set_stamped(self, table: str, key: str, value: Any) -> None:
        self._check_open()
        DUMPS(value)  # fail here, in the caller, rather than in the writer thread
        with self._mem:
            old = self._tables[table].get(key)
            if old is None or old[0] != value:
                self._tables[table][key] = self._dirty[table][key] = (
                    value,
                    self._stamp(old[1] if old else 0.0),
                )
                self._changed.set()

    # ------------------------------------------------------------------ writing

    def _check_open(self) -> None:
        if self._closing:
            raise RuntimeError("the store is closed")

    def _stamp(self, previous: float) -> float:
        """A change time later than the value it replaces and than any earlier change in this process."""
        now = max(time.time(), math.nextafter(self._last_stamp, math.inf), math.nextafter(previous, math.inf))
        self._last_stamp = now
        return now

    def _write_behind(self) -> None:
        """The writer thread: :meth:`_sync` ``flush_delay`` after a change (a burst is written together,
        never postponed by the changes that follow it), every ``poll_interval`` seconds, and
        ``RETRY_DELAY`` after a failure."""
        while not self._halt.is_set():
            if self._changed.wait(self._poll):
                self._halt.wait(self._delay)  # let a burst gather (close() writes what is left)
            self._changed.clear()
            if self._halt.is_set():
                return
            try:
                self._sync()
            except StoreError:
                self._halt.wait(RETRY_DELAY)
                self._changed.set()

    def _sync(self) -> None:
        """Write this process's changes, or read the file if another process wrote it; take in both."""
        with self._state_io:
            with self._mem:
                mine, self._dirty = self._dirty, new_tables()
            try:
                with saving_to(self.data_dir):
                    if any(mine.values()):
                        disk: Tables | None = self._state_file.write(mine)
                    else:
                        disk = self._state_file.changes() if self._state_file.changed_on_disk() else None
            except StoreError as exc:
                with self._mem:  # keep them for the retry, under anything changed meanwhile
                    for name, table in mine.items():
                        self._dirty[name] = {**table, **self._dirty[name]}
                self.problem = str(exc)
                raise
            self.problem = None
            with self._mem:
                changed = fold(self._tables, disk) if disk is not None else set()
        if changed and self.on_change is not None:
            self.on_change(changed)
        if (arrived := self._cache.changed()) and self.on_papers_change is not None:
            self.on_papers_change(arrived)

"""One sync as the app runs it in the background: from the ``[sync]`` settings to an outcome it can show.

The app calls :func:`sync_once` in a worker thread after start-up and after each refresh; it never waits
for it. Failures come back as one line in :attr:`SyncOutcome.error` (and in the journal, for
``reader-tui sync --status``), never as an exception.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from reader_tui.safety import clean_line
from reader_tui.sync.backend import SyncError
from reader_tui.sync.engine import SYNCED_FIELDS, SyncEngine, SyncReport, SyncStore
from reader_tui.sync.journal import Journal
from reader_tui.sync.settings import SubscriptionFile, SyncSettings, describe, make_backend, secret


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    server: str
    report: SyncReport | None
    """None when the sync failed or was not due."""
    error: str | None
    pending: int
    last_sync: float
    skipped: bool = False
    """Not tried: the wait after the last failure is not over."""

    def line(self) -> str:
        """One short line for under the list: pending changes and the last error."""
        text = f"sync: {self.pending} pending"
        if self.error:
            return clean_line(f"{text} · last error: {self.error}")
        when = datetime.fromtimestamp(self.last_sync).strftime("%H:%M") if self.last_sync else "never"
        return clean_line(f"{text} · synced {when}")

    def detail(self) -> str:
        """For the feeds panel: which server too."""
        return clean_line(f"Sync with {self.server}: {self.line().removeprefix('sync: ')}")


def sync_once(
    store: SyncStore,
    data_dir: object,
    settings: SyncSettings,
    *,
    force: bool = False,
    clock: Callable[[], float] = time.time,
) -> SyncOutcome:
    from pathlib import Path

    journal = Journal.load(Path(str(data_dir)))
    server = describe(settings)

    def pending() -> int:
        return sum(1 for change in store.pending_changes() if change.field in SYNCED_FIELDS)

    if not force and clock() < journal.last_attempt + journal.backoff():
        return SyncOutcome(server, None, journal.last_error, pending(), journal.last_sync, skipped=True)
    from filelock import FileLock, Timeout

    lock = FileLock(str(journal.path) + ".lock", timeout=0)
    try:
        with lock:
            return _sync_locked(store, Journal.load(journal.path.parent), settings, server, pending, clock)
    except Timeout:
        busy = "another sync of this library is running (the app or reader-tui sync); try again after it"
        return SyncOutcome(server, None, busy, pending(), journal.last_sync)


def _sync_locked(
    store: SyncStore,
    journal: Journal,
    settings: SyncSettings,
    server: str,
    pending: Callable[[], int],
    clock: Callable[[], float],
) -> SyncOutcome:
    """The sync proper, under the lock that keeps two processes from syncing one library at once (each
    would write the journal from what it read before the other's run)."""
    try:
        backend = make_backend(settings, secret(settings))
    except SyncError as error:
        journal.last_attempt, journal.failures, journal.last_error = clock(), journal.failures + 1, str(error)
        journal.save()
        return SyncOutcome(server, None, str(error), pending(), journal.last_sync)
    engine = SyncEngine(
        store, backend, journal, server_id=settings.server_id, feeds=SubscriptionFile(), clock=clock
    )
    try:
        report = engine.sync()
    except SyncError as error:
        return SyncOutcome(server, None, str(error), pending(), journal.last_sync)
    finally:
        backend.close()
    return SyncOutcome(server, report, None, pending(), journal.last_sync)

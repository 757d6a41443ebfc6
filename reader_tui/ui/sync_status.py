"""The sync line under the list: runs the sync with a server in the background and says how it went.

Shown only when ``[sync]`` is configured. One sync at a time; a request meanwhile runs once more after
it. When a sync brought new papers or marks the list shows, it posts :class:`SyncStatus.Changed`. The
pending count follows marks made in the app (:meth:`SyncStatus.recount_soon`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.content import Content
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from reader_tui.safety import clean_line
from reader_tui.store import Store

if TYPE_CHECKING:
    from textual.timer import Timer

    from reader_tui.sync.service import SyncOutcome
    from reader_tui.sync.settings import SyncSettings


class SyncStatus(Static):
    """ "synced 2 min ago · 0 pending", or the last error, in one line."""

    DEFAULT_CSS = """
    SyncStatus {
        height: 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    PENDING_RECOUNT_DELAY = 0.5
    """Seconds after the last mark before the pending count is recounted: one count per burst of keys."""

    class Changed(Message):
        """A sync brought new papers or marks: the list must be read again."""

    def __init__(self, store: Store, *, id: str | None = None) -> None:  # noqa: A002 - Textual's keyword
        super().__init__(Content(""), id=id)
        self.store = store
        self.settings: SyncSettings | None = None
        self.running = False
        self.outcome: SyncOutcome | None = None
        """The last sync's outcome (its ``detail()`` is what the feeds panel, ``F``, shows)."""
        self._again = False
        self._pending_timer: Timer | None = None

    def on_mount(self) -> None:
        self.display = False

    def configure(self, config: dict[str, object]) -> None:
        """Read ``[sync]`` from config.toml (a bad one is one error line) and start the first sync."""
        if config.get("sync") is None:
            return  # no sync: nor its HTTP client (~80 ms of start-up) to import
        from reader_tui.sync.settings import SyncConfigError, sync_settings

        try:
            self.settings = sync_settings(config)
        except SyncConfigError as error:
            self.notify(str(error), severity="error", markup=False, timeout=10)
        if self.settings is not None:
            self.display = True
            self.run(force=True)

    def run(self, force: bool = False) -> None:
        """Sync in the background. Unless ``force``, it waits out the backoff after failures."""
        if self.settings is None:
            return
        if self.running:
            self._again = True
            return
        self.running = True
        self._sync_worker(self.settings, force)

    @work(thread=True, group="sync", exit_on_error=False)
    def _sync_worker(self, settings: SyncSettings, force: bool) -> SyncOutcome:
        from reader_tui.sync.service import sync_once

        return sync_once(self.store, self.store.data_dir, settings, force=force)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "sync":
            return
        if event.state not in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        self.running = False
        outcome: SyncOutcome | None = event.worker.result if event.state == WorkerState.SUCCESS else None
        if outcome is None:
            self.update(Content(f"sync failed: {clean_line(str(event.worker.error))}"))  # Content: no markup
        else:
            self._show(outcome)
            report = outcome.report
            if report is not None and (report.new_papers or any(report.taken.values())):
                self.post_message(self.Changed())  # new papers, or marks the list shows
        if self._again:
            self._again = False
            self.run()

    @property
    def detail(self) -> str | None:
        """What the feeds panel (``F``) says about the sync, once one ran."""
        return self.outcome.detail() if self.outcome else None

    def _show(self, outcome: SyncOutcome) -> None:
        self.outcome = outcome
        self.update(Content(outcome.line()))

    def recount_soon(self) -> None:
        """A mark changed in the app: recount the pending changes once the keys pause."""
        if self.outcome is None:
            return
        if self._pending_timer is not None:
            self._pending_timer.stop()
        self._pending_timer = self.set_timer(self.PENDING_RECOUNT_DELAY, self._recount)

    def _recount(self) -> None:
        if self.outcome is not None:
            self._count_pending(self.outcome)

    @work(thread=True, group="pending", exclusive=True, exit_on_error=False)
    def _count_pending(self, outcome: SyncOutcome) -> None:
        """Count in a thread: it reads every paper's state (~170 ms with 100,000 papers marked), which
        the keys pressed meanwhile must not wait for."""
        from dataclasses import replace

        from reader_tui.sync.engine import SYNCED_FIELDS

        pending = sum(1 for change in self.store.pending_changes() if change.field in SYNCED_FIELDS)

        def show() -> None:
            if self.outcome is outcome:  # not overtaken by a sync's own count
                self._show(replace(outcome, pending=pending))

        self.app.call_from_thread(show)

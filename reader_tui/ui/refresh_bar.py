"""The refresh bar: reads feeds off the UI thread, shows progress, and says what came of it.

Shown only while a refresh runs. The worker belongs to the bar, which says in one line each what went
wrong (:func:`report_lines`); the app hears of a finished refresh as a :class:`RefreshBar.Finished`
message, with the feeds that brought new papers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.widgets import ProgressBar, Static
from textual.worker import Worker, WorkerState

from reader_tui.safety import clean_line
from reader_tui.store import Store

if TYPE_CHECKING:
    from reader_tui.library import SourceReport

MAX_ERROR_TOASTS = 2
"""More failed feeds than this (offline, say) get one summary toast instead of a column of them."""

Severity = Literal["information", "warning", "error"]


def report_lines(reports: Iterable[SourceReport]) -> tuple[list[tuple[str, Severity, float]], list[str]]:
    """(warnings and errors to show, one line each with its severity and seconds on screen;
    "feed: N" for each feed that brought new papers)."""
    lines: list[tuple[str, Severity, float]] = []
    new: list[str] = []
    errors: list[str] = []
    for report in reports:
        if report.new:
            new.append(f"{clean_line(report.title or report.source)[:60]}: {report.new}")
        if report.error:
            errors.append(clean_line(report.error))
        lines.extend((clean_line(warning), "warning", 6) for warning in report.warnings)
    if len(errors) > MAX_ERROR_TOASTS:
        summary = f"{len(errors)} feeds could not be read (F lists why); the first: {errors[0]}"
        lines.append((summary, "error", 10))
    else:
        lines.extend((error, "error", 8) for error in errors)
    return lines, new


class RefreshBar(Horizontal):
    """ "refreshing feeds 3/20" and a progress bar, while a refresh runs."""

    @dataclass
    class Finished(Message):
        """The refresh ended; ``new`` says "feed: N" for each feed that brought new papers."""

        new: list[str]

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's keyword
        super().__init__(id=id)
        self._drawn = threading.Event()
        """Set once the screen has been painted with the bar mounted (see :meth:`run_refresh`)."""

    def compose(self) -> ComposeResult:
        yield Static(Content(""), id="refresh-label")
        yield ProgressBar(id="refresh-progress", show_eta=False)

    def on_mount(self) -> None:
        self.display = False
        self.app.call_after_refresh(self._drawn.set)

    def reload(self, store: Store, sources: Sequence[str], subscriptions: Sequence[str]) -> None:
        """Read the feeds named on the command line, else the subscriptions, else the sample digest."""
        from reader_tui.library import sample_sources

        if sources:
            self.run_refresh(store, sources, subscribed=False)
        elif subscriptions:
            self.run_refresh(store, subscriptions, subscribed=True)
        else:
            self.run_refresh(store, sample_sources(), subscribed=False)

    @work(thread=True, exclusive=True, group="ingest", exit_on_error=False)
    def run_refresh(self, store: Store, sources: Sequence[str], subscribed: bool) -> list[SourceReport]:
        """Read feeds off the UI thread; the list keeps working and marking meanwhile.

        Subscriptions go through :func:`reader_tui.refresh.refresh`, which also records which papers
        are new for ``is:new``.

        The start's refresh begins once the first screen is painted: its imports and parsing would
        share the one interpreter lock with drawing the list the user is waiting for (a second or
        so at most, so a screen that never paints cannot hold a refresh back for good).
        """
        self._drawn.wait(timeout=2.0)
        self.app.call_from_thread(self._show, 0, len(sources))

        def progress(report: SourceReport, done: int, total: int) -> None:
            self.app.call_from_thread(self._show, done, total)

        if subscribed:
            from reader_tui.refresh import refresh

            return refresh(store, progress=progress).reports
        from reader_tui.library import ingest

        return ingest(store, list(sources), progress=progress)

    def _show(self, done: int, total: int) -> None:
        self.display = done < total
        self.query_one(ProgressBar).update(total=total, progress=done)
        self.query_one("#refresh-label", Static).update(Content(f"refreshing feeds {done}/{total}"))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "ingest" or event.state not in (WorkerState.ERROR, WorkerState.SUCCESS):
            return
        self.display = False
        if event.state == WorkerState.ERROR:
            self.notify(f"reload failed: {event.worker.error}", severity="error", markup=False)
            return
        lines, new = report_lines(event.worker.result or [])
        for line, severity, timeout in lines:
            self.notify(line, severity=severity, markup=False, timeout=timeout)
        self.post_message(self.Finished(new))

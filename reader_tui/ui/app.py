"""The reading app: filter bar, paper list, detail pane, footer.

The app is thin: it wires widgets to the domain layer. Papers come from the one :class:`Store`
(through :mod:`reader_tui.library`), filtering from :mod:`reader_tui.query`, citations from
:mod:`reader_tui.cite`. Every URL goes through :func:`reader_tui.safety.check_url`; every string from a
feed reaches the screen as ``Content``/``Text`` or with ``markup=False``.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, ProgressBar, Static
from textual.worker import Worker, WorkerState

from reader_tui import paths
from reader_tui.config import ConfigError, auto_refresh, keymap, load_config
from reader_tui.library import SourceReport, default_sources, ingest, newest_first, sample_sources
from reader_tui.model import Paper, PaperState
from reader_tui.query import MatchContext, Query, QueryError, SearchIndex, parse_query
from reader_tui.safety import UnsafeURLError, check_url, clean_line
from reader_tui.store import Store
from reader_tui.ui.detail import DetailPane
from reader_tui.ui.feeds_screen import FeedsScreen
from reader_tui.ui.filter_bar import FilterBar
from reader_tui.ui.help import HelpScreen
from reader_tui.ui.keys import InOrderKeys
from reader_tui.ui.paper_list import PaperList

if TYPE_CHECKING:
    from textual.timer import Timer

    from reader_tui.sync.service import SyncOutcome
    from reader_tui.sync.settings import SyncSettings

Clock = Callable[[], datetime]
Opener = Callable[[str], object]
Clipboard = Callable[[str], None]

NARROW_WIDTH = 100
"""Below this many columns the list and detail panes stack instead of sitting side by side."""

VIEWS = {"all": "", "unread": "unread only", "starred": "starred only"}


def pyperclip_copy(text: str) -> None:
    """Copy with pyperclip; raises when no clipboard tool exists (the app then falls back to OSC 52)."""
    import pyperclip

    pyperclip.copy(text)


def _has_graphical_browser() -> bool:
    return sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


class ReaderApp(InOrderKeys):
    """Triage a day's papers with the keyboard alone."""

    TITLE = "reader-tui"
    CSS_PATH = str(paths.styles_dir() / "reader.tcss")
    ENABLE_COMMAND_PALETTE = True
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW_WIDTH, "-wide")]  # noqa: RUF012 - typed by App
    """Every screen, the modal ones included, is "-narrow" below 100 columns: panes and help columns stack."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "space",
            "mark_read_next",
            "Read+next",
            id="app.read_next",
            tooltip="mark read, go to the next paper",
        ),
        Binding(
            "A",
            "mark_all_read",
            "All read",
            show=False,
            id="app.mark_all_read",
            tooltip="mark the whole list read (asks first)",
        ),
        Binding("m", "toggle_read", "Read", id="app.toggle_read", tooltip="toggle read"),
        Binding("s", "toggle_star", "Star", id="app.toggle_star", tooltip="toggle starred (to read)"),
        Binding(
            "u",
            "view('unread')",
            "Unread",
            show=False,  # with the palette key, the footer must fit 80 columns
            id="app.view_unread",
            tooltip="unread-only view (again: all)",
        ),
        Binding(
            "S",
            "view('starred')",
            "Starred",
            show=False,
            id="app.view_starred",
            tooltip="starred-only view (again: all)",
        ),
        Binding("o", "open_pdf", "PDF", id="app.open_pdf", tooltip="open the PDF"),
        Binding("a", "open_page", "Abstract", id="app.open_page", tooltip="open the abstract or post page"),
        Binding(
            "c", "copy_citation('bibtex')", "Cite", id="app.copy_bibtex", tooltip="copy the BibTeX citation"
        ),
        Binding("y", "copy_link", "Copy link", show=False, id="app.copy_link", tooltip="copy the link"),
        Binding("slash", "focus_filter", "Filter", id="app.filter", tooltip="filter the list"),
        Binding(
            "tab",
            "switch_pane",
            "Pane",
            show=False,
            id="app.switch_pane",
            tooltip="switch between list and detail",
        ),
        Binding("R", "reload", "Reload", show=False, id="app.reload", tooltip="reload the feeds"),
        Binding(
            "F",
            "feeds",
            "Feeds",
            show=False,
            id="app.feeds",
            tooltip="feeds: unread, last refresh, errors",
        ),
        Binding("question_mark", "help", "Help", id="app.help", tooltip="this help"),
        Binding("q", "quit", "Quit", id="app.quit", tooltip="quit"),
    ]
    """Triage keys act on the paper under the cursor, whichever pane has focus."""
    KEEP_FOCUS = frozenset(
        {
            *("app.read_next", "app.toggle_read", "app.toggle_star", "app.view_unread", "app.view_starred"),
            *("app.open_pdf", "app.open_page", "app.copy_bibtex", "app.copy_link", "app.reload"),
            *("list.down", "list.up", "list.first", "list.last", "list.page_up", "list.page_down"),
            *("list.next_unread", "list.previous_unread"),
        }
    )

    def __init__(
        self,
        store: Store,
        sources: Sequence[str] = (),
        *,
        clock: Clock | None = None,
        opener: Opener | None = None,
        clipboard: Clipboard | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.sources = list(sources)
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self._opener = opener
        self._copy: Clipboard = clipboard or pyperclip_copy
        self._load_sample = not sources and len(store) == 0
        self._source_keys: list[str] | None = None
        self.library: list[Paper] = []
        self.index = SearchIndex()
        self.query_obj: Query = parse_query("")
        self.view = "all"
        self.subscriptions: list[str] = []
        self._new_ids: frozenset[str] = frozenset()
        self._prime_generation = 0
        self._restored_query: str | None = None
        self._announce_new = True
        self.user_keymap: dict[str, str] = {}
        """``[keymap]`` from config.toml: binding id -> keys (the help screen shows them)."""

    # ---------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        yield FilterBar(id="filter-bar")
        with Horizontal(id="panes"):
            yield PaperList(self.store.state, id="paper-list")
            yield DetailPane(id="detail")
        with Horizontal(id="refresh-bar"):
            yield Static(Content(""), id="refresh-label")
            yield ProgressBar(id="refresh-progress", show_eta=False)
        sync_status = Static(Content(""), id="sync-status")
        sync_status.display = False  # shown only when [sync] is configured
        sync_status.styles.height = 1
        sync_status.styles.text_wrap = "nowrap"
        sync_status.styles.text_overflow = "ellipsis"
        yield sync_status
        yield Footer()

    @property
    def paper_list(self) -> PaperList:
        return self.query_one(PaperList)

    @property
    def detail(self) -> DetailPane:
        return self.query_one(DetailPane)

    @property
    def filter_bar(self) -> FilterBar:
        return self.query_one(FilterBar)

    def on_mount(self) -> None:
        self.theme = str(self.store.setting("ui.theme", "textual-dark"))
        for message in self.store.messages:
            self.notify(message, severity="warning", markup=False, timeout=10)
        try:
            config = load_config()
        except ConfigError as error:
            self.notify(str(error), severity="error", markup=False, timeout=10)
            config = {}
        if remapped := keymap(config):
            self.user_keymap = remapped
            self.set_keymap(remapped)
        self._sync_settings = self._read_sync_settings(config)
        saved_query = str(self.store.setting("ui.query", "") or "")
        self.view = str(self.store.setting("ui.view", "all") or "all")
        if self.view not in VIEWS:
            self.view = "all"
        if saved_query:
            self.filter_bar.set_text(saved_query)
            if len(self.store) <= self.RESTORE_AT_ONCE_MAX:
                self._set_query(saved_query)
            else:
                self._restored_query = saved_query  # applied once the index is built
        self.paper_list.this_year = self.clock().year
        self._set_new_ids(self._load_new_ids())
        self._load_library(select=str(self.store.setting("ui.selected", "") or "") or None)
        self.screen.set_focus(self.paper_list)
        self.watch(self.paper_list, "cursor", self._follow_cursor, init=False)
        self.watch(self.filter_bar.input, "value", self._filter_changed, init=False)
        if not self.sources:
            self.subscriptions = default_sources(self.store)
        if self.sources or self.subscriptions:
            self.action_reload()
        elif self._load_sample:
            self.notify(
                "This is the sample digest. Add your feeds with: reader-tui add URL",
                markup=False,
                timeout=8,
            )
            self._announce_new = False  # the sample's papers are all "new": the note above says enough
            self.run_refresh(sample_sources(), subscribed=False)
        if minutes := auto_refresh(config):
            self.set_interval(minutes * self.SECONDS_PER_MINUTE, self.action_reload)
        if self._sync_settings is not None:
            self.query_one("#sync-status").display = True
            self.run_sync(force=True)

    def on_resize(self, event: events.Resize) -> None:
        # Screens get "-narrow" from HORIZONTAL_BREAKPOINTS; the footer's compact mode is not CSS.
        narrow = event.size.width < NARROW_WIDTH
        for footer in self.query(Footer):
            footer.compact = narrow  # the full footer overlaps below 100 columns
            if footer.show_command_palette == narrow:  # ctrl+p still works, and help lists it
                footer.show_command_palette = not narrow
                footer.refresh(recompose=True)  # the footer builds its keys in compose

    # ------------------------------------------------------- library & filter
    def _load_library(self, select: str | None = None) -> None:
        if self.sources:
            if self._source_keys is None:
                from reader_tui.feeds import source_key

                self._source_keys = [source_key(source) for source in self.sources]
            keys = set(self._source_keys)
            papers = [p for p in self.store.papers() if keys.intersection(p.feeds)]
        else:
            papers = self.store.papers()
        self.library = newest_first(papers)
        self._apply_filter(keep_id=select)
        self.prime_index(self.library)

    RESTORE_AT_ONCE_MAX = 2_000
    """Libraries up to this size get last session's filter applied at start-up; larger ones show the
    full list first and apply it when the index is built (at 100,000 papers, building it takes ~6 s)."""
    SECONDS_PER_MINUTE = 60.0
    """Unit of ``auto_refresh_minutes``; a test shrinks it to see the timer fire."""

    _GC_THRESHOLDS = gc.get_threshold()
    """The collector's thresholds before any index build; restored after each (a build that replaces
    a running one must not take the raised threshold it left behind for the normal one)."""
    PRIME_CHUNK = 250
    """Papers indexed per idle step: ~10 ms of work, so a key pressed meanwhile waits no longer."""

    def prime_index(self, papers: Sequence[Paper]) -> None:
        """Build the search index in small steps on the UI thread so the first filter keystroke is fast.

        Not a thread: Textual's thread worker made glibc keep each thread's temporary strings in a
        separate arena, nearly doubling peak memory (213 MB against 120 MB at 10,000 papers).

        Meanwhile only the young generations are collected (a full collection over 100,000 papers
        stopped one step for ~220 ms), and when it is done the long-lived objects are frozen out of
        the collector's reach, so a keystroke never pays for a full collection either.
        """
        young, middle, _old = gc.get_threshold()
        gc.set_threshold(young, middle, 1_000_000)
        self._prime_generation += 1
        self.call_later(self._prime_step, list(papers), 0, self._prime_generation)

    def _prime_step(self, papers: list[Paper], start: int, generation: int) -> None:
        if generation != self._prime_generation:
            return  # a newer library replaced this one
        self.index.prime(papers[start : start + self.PRIME_CHUNK])
        if start + self.PRIME_CHUNK < len(papers):
            self.set_timer(0.001, partial(self._prime_step, papers, start + self.PRIME_CHUNK, generation))
        else:
            gc.freeze()
            gc.set_threshold(*self._GC_THRESHOLDS)
            self._apply_restored_query()

    def _apply_restored_query(self) -> None:
        """Apply last session's filter, unless the user has typed another since."""
        text, self._restored_query = self._restored_query, None
        if text is not None and self.filter_bar.text == text and self._set_query(text):
            self._apply_filter()

    def _match_context(self) -> MatchContext:
        return MatchContext(now=self.clock(), state_of=self.store.state, new_ids=self._new_ids)

    def _visible(self) -> list[Paper]:
        papers = self.index.filter(self.query_obj, self.library, self._match_context())
        if self.view == "unread":
            papers = [p for p in papers if not self.store.state(p.id).read]
        elif self.view == "starred":
            papers = [p for p in papers if self.store.state(p.id).starred]
        return papers

    def _apply_filter(self, keep_id: str | None = None) -> None:
        current = self.paper_list.current
        papers = self._visible()
        self.paper_list.set_papers(papers, keep_id=keep_id or (current.id if current else None))
        view = VIEWS[self.view]
        if self._restored_query is not None:
            view = f"{view} indexing…".strip()
        self.filter_bar.show_count(len(papers), len(self.library), view)

    def _set_query(self, text: str) -> bool:
        try:
            self.query_obj = parse_query(text)
        except QueryError as error:
            self.filter_bar.show_error(str(error), len(self.paper_list.papers), len(self.library))
            return False
        return True

    def _filter_changed(self, text: str) -> None:
        """Filter on every keystroke in the bar.

        Called by a watcher on the input's value, in the same call as the keystroke: the bar's
        ``Changed`` message would reach the app through three message queues, a frame later.
        """
        self._restored_query = None
        if self._set_query(text):
            self._apply_filter()
            self.store.set_setting("ui.query", text)

    def action_leave_filter(self, clear: bool) -> None:
        """Back to the list from the filter bar, clearing the query first when ``clear``."""
        if clear:
            self.filter_bar.set_text("")
        self.screen.set_focus(self.paper_list)

    def action_focus_filter(self) -> None:
        # Not ``focus()``, which moves focus later (call_later): the next key must find it moved.
        self.screen.set_focus(self.filter_bar.input)

    def action_view(self, view: str) -> None:
        """Toggle an unread-only or starred-only view on top of the query."""
        self.view = "all" if self.view == view else view
        self.store.set_setting("ui.view", self.view)
        self._apply_filter()

    # -------------------------------------------------------------- selection
    @on(PaperList.Highlighted)
    def _highlighted(self, event: PaperList.Highlighted) -> None:
        self._follow_cursor()

    def _follow_cursor(self, *_: object) -> None:
        """Show the paper under the cursor in the detail pane (once per paper).

        Called straight from the list's ``cursor`` watcher as well as from its ``Highlighted``
        message: the message bubbles through three message queues, which put the detail pane a
        frame or two (~30 ms) behind the list; the watcher runs in the same call as the move.
        """
        paper = self.paper_list.current
        if paper is self.detail.paper and paper is not None:
            return
        self.detail.show(paper, self.store.state(paper.id) if paper else PaperState())
        if paper is not None:
            self.store.set_setting("ui.selected", paper.id)

    @property
    def current(self) -> Paper | None:
        return self.paper_list.current

    def _state_changed(self, paper: Paper) -> None:
        self.paper_list.refresh_paper(paper.id)
        self.detail.update_state(self.store.state(paper.id))
        self._recount_pending_soon()

    def action_toggle_read(self) -> None:
        if (paper := self.current) is not None:
            self.store.toggle_read(paper.id)
            self._state_changed(paper)

    def action_toggle_star(self) -> None:
        if (paper := self.current) is not None:
            state = self.store.toggle_starred(paper.id)
            self._state_changed(paper)
            self.notify("starred (to read)" if state.starred else "unstarred", timeout=1.5)

    def action_mark_read_next(self) -> None:
        if (paper := self.current) is not None:
            self.store.set_read(paper.id, True)
            self._state_changed(paper)
            self.paper_list.action_cursor_down()

    def action_mark_all_read(self) -> None:
        """Mark every unread paper in the list as it stands (filter and view applied) read, after asking."""
        state_of = self.store.state
        unread = [paper.id for paper in self.paper_list.papers if not state_of(paper.id).read]
        if not unread:
            self.notify("nothing unread in this list", timeout=2)
            return
        from reader_tui.ui.confirm import ConfirmScreen

        def answer(yes: bool | None) -> None:
            if yes:
                changed = self.store.set_read_many(unread, True)
                self.paper_list.refresh()  # the read state is part of each cached row's key
                if (paper := self.current) is not None:
                    self.detail.update_state(self.store.state(paper.id))
                self.notify(f"marked {changed:,} papers read", timeout=3)
                self._recount_pending_soon()

        noun = "paper" if len(unread) == 1 else "papers"
        self.push_screen(
            ConfirmScreen(f"Mark the {len(unread):,} unread {noun} in this list as read?"), answer
        )

    def action_switch_pane(self) -> None:
        self.screen.set_focus(self.detail if self.focused is self.paper_list else self.paper_list)

    # ----------------------------------------------------------------- links
    def open_link(self, url: str | None, base: str | None = None) -> None:
        """The one place the app opens a URL: checked first, refused with a one-line reason."""
        try:
            safe = check_url(url, base)
        except UnsafeURLError as error:
            self.notify(str(error), severity="warning", markup=False)
            return
        import webbrowser  # lazy: ~16 ms of start-up for a key most sessions press late

        if self._opener is not None:
            self._opener(safe)
        elif _has_graphical_browser():
            webbrowser.open(safe)
        else:
            # A console browser takes over the terminal: hand it over and take it back after.
            try:
                with self.suspend():
                    opened = webbrowser.open(safe)
            except Exception:
                opened = webbrowser.open(safe)
            if not opened:
                self.notify(f"no browser found; press y to copy the link: {safe}", markup=False)
                return
        self.notify(f"opened {safe}", markup=False, timeout=2)

    def action_open_pdf(self) -> None:
        if (paper := self.current) is not None:
            self.open_link(paper.links.pdf or paper.first_link)

    def action_open_page(self) -> None:
        if (paper := self.current) is not None:
            self.open_link(paper.links.abs or paper.links.post or paper.first_link)

    @on(DetailPane.LinkClicked)
    def _summary_link(self, event: DetailPane.LinkClicked) -> None:
        self.open_link(event.href, base=event.paper.first_link if event.paper else None)

    # ------------------------------------------------------------- clipboard
    def copy_text(self, text: str, what: str) -> None:
        """Copy to the system clipboard, else through the terminal (OSC 52); say which."""
        try:
            self._copy(text)
            where = "clipboard"
        except Exception:
            self.copy_to_clipboard(text)
            where = "terminal clipboard"
        self.notify(f"copied {what} to the {where}", markup=False, timeout=2)

    def action_copy_citation(self, fmt: str = "bibtex") -> None:
        if (paper := self.current) is not None:
            from reader_tui import cite

            self.copy_text(cite.export([paper], fmt), f"{fmt} for {paper.id}")

    def action_copy_link(self) -> None:
        if (paper := self.current) is not None and (link := paper.first_link):
            try:
                self.copy_text(check_url(link), link)
            except UnsafeURLError as error:
                self.notify(str(error), severity="warning", markup=False)

    def action_export_list(self, fmt: str = "bibtex") -> None:
        """Write the papers in the current list to a file in the data folder and say where."""
        papers = list(self.paper_list.papers)
        suffix = {"bibtex": "bib", "ris": "ris", "markdown": "md", "plain": "txt", "json": "json"}[fmt]
        stamp = self.clock().strftime("%Y%m%d-%H%M%S")
        target = Path(paths.data_dir()) / "exports" / f"papers-{stamp}.{suffix}"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            from reader_tui import cite

            target.write_text(cite.export(papers, fmt), encoding="utf-8")
        except OSError as error:
            self.notify(f"export failed: {error.strerror}", severity="error", markup=False)
            return
        self.notify(f"exported {len(papers)} papers to {target}", markup=False, timeout=6)

    # ---------------------------------------------------------------- reload
    def action_reload(self) -> None:
        """Read the feeds again: the ones named on the command line, else the subscriptions."""
        if self.sources:
            self.run_refresh(self.sources, subscribed=False)
        elif self.subscriptions:
            self.run_refresh(self.subscriptions, subscribed=True)
        else:
            self.run_refresh(sample_sources(), subscribed=False)

    @work(thread=True, exclusive=True, group="ingest", exit_on_error=False)
    def run_refresh(self, sources: Sequence[str], subscribed: bool) -> list[SourceReport]:
        """Read feeds off the UI thread; the list keeps working and marking meanwhile.

        Subscriptions go through :func:`reader_tui.refresh.refresh`, which also records which papers
        are new for ``is:new``.
        """
        total = len(sources)
        self.call_from_thread(self._show_progress, 0, total)

        def progress(report: SourceReport, done: int, total: int) -> None:
            self.call_from_thread(self._show_progress, done, total)

        if subscribed:
            from reader_tui.refresh import refresh

            return refresh(self.store, progress=progress).reports
        return ingest(self.store, list(sources), progress=progress)

    def _show_progress(self, done: int, total: int) -> None:
        bar = self.query_one("#refresh-bar")
        bar.display = done < total
        self.query_one("#refresh-progress", ProgressBar).update(total=total, progress=done)
        self.query_one("#refresh-label", Static).update(Content(f"refreshing feeds {done}/{total}"))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "sync":
            self._sync_finished(event)
            return
        if event.worker.group != "ingest":
            return
        if not self.query("#refresh-bar"):
            return  # the app is closing and its widgets are gone (a refresh finished as it quit)
        if event.state == WorkerState.ERROR:
            self.query_one("#refresh-bar").display = False
            self.notify(f"reload failed: {event.worker.error}", severity="error", markup=False)
        elif event.state == WorkerState.SUCCESS:
            self.query_one("#refresh-bar").display = False
            reports: list[SourceReport] = event.worker.result or []
            self._after_ingest(reports)

    MAX_ERROR_TOASTS = 2
    """More failed feeds than this (offline, say) get one summary toast instead of a column of them."""

    def _after_ingest(self, reports: Iterable[SourceReport]) -> None:
        new: list[str] = []
        errors: list[str] = []
        for report in reports:
            if report.new:
                name = clean_line(report.title or report.source)[:60]
                new.append(f"{name}: {report.new}")
            if report.error:
                errors.append(clean_line(report.error))
            for warning in report.warnings:
                self.notify(clean_line(warning), severity="warning", markup=False, timeout=6)
        if len(errors) > self.MAX_ERROR_TOASTS:
            summary = f"{len(errors)} feeds could not be read (F lists why); the first: {errors[0]}"
            self.notify(summary, severity="error", markup=False, timeout=10)
        else:
            for error in errors:
                self.notify(error, severity="error", markup=False, timeout=8)
        self._set_new_ids(self._load_new_ids())
        self._load_library()
        if new and self._announce_new:
            self.notify("new papers: " + "; ".join(new), markup=False, timeout=5)
        self._announce_new = True
        self.run_sync()

    # ------------------------------------------------------------ sync
    _sync_settings: SyncSettings | None = None
    _sync_running = False
    _sync_again = False
    _sync_outcome: SyncOutcome | None = None
    _pending_timer: Timer | None = None
    PENDING_RECOUNT_DELAY = 0.5
    """Seconds after the last mark before the pending count under the list is recounted: one count per
    burst of keys (it reads every paper's state: ~50 ms at 100,000 marked papers)."""

    def _read_sync_settings(self, config: dict[str, object]) -> SyncSettings | None:
        from reader_tui.sync.settings import SyncConfigError, sync_settings

        try:
            return sync_settings(config)
        except SyncConfigError as error:
            self.notify(str(error), severity="error", markup=False, timeout=10)
            return None

    def run_sync(self, force: bool = False) -> None:
        """Sync in the background (one at a time; a request meanwhile runs once more after it). Unless
        ``force``, it waits out the backoff after failures."""
        if self._sync_settings is None:
            return
        if self._sync_running:
            self._sync_again = True
            return
        self._sync_running = True
        self._sync_worker(self._sync_settings, force)

    @work(thread=True, group="sync", exit_on_error=False)
    def _sync_worker(self, settings: SyncSettings, force: bool) -> SyncOutcome:
        from reader_tui.sync.service import sync_once

        return sync_once(self.store, self.store.data_dir, settings, force=force)

    def _show_sync(self, outcome: SyncOutcome) -> None:
        self._sync_outcome = outcome
        self.query_one("#sync-status", Static).update(Content(outcome.line()))

    def _recount_pending_soon(self) -> None:
        if self._sync_outcome is None:
            return
        if self._pending_timer is not None:
            self._pending_timer.stop()
        self._pending_timer = self.set_timer(self.PENDING_RECOUNT_DELAY, self._recount_pending)

    def _recount_pending(self) -> None:
        from dataclasses import replace

        from reader_tui.sync.engine import SYNCED_FIELDS

        if self._sync_outcome is not None:
            pending = sum(1 for change in self.store.pending_changes() if change.field in SYNCED_FIELDS)
            self._show_sync(replace(self._sync_outcome, pending=pending))

    def _sync_finished(self, event: Worker.StateChanged) -> None:
        if event.state not in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        self._sync_running = False
        outcome: SyncOutcome | None = event.worker.result if event.state == WorkerState.SUCCESS else None
        if outcome is None:
            failed = f"sync failed: {clean_line(str(event.worker.error))}"
            self.query_one("#sync-status", Static).update(Content(failed))  # Content: no markup
        else:
            self._show_sync(outcome)
            report = outcome.report
            if report is not None and (report.new_papers or any(report.taken.values())):
                self._load_library()  # new papers, or marks the list shows
        if self._sync_again:
            self._sync_again = False
            self.run_sync()

    def _set_new_ids(self, new_ids: frozenset[str]) -> None:
        """``is:new``, the list's new mark and the detail header all follow the last refresh."""
        self._new_ids = self.detail.new_ids = new_ids
        self.paper_list.set_new_ids(new_ids)

    def _load_new_ids(self) -> frozenset[str]:
        from reader_tui.refresh import new_ids

        return new_ids(self.store)

    def action_feeds(self) -> None:
        """Show every feed with its paper and unread counts, last refresh and last error."""
        from reader_tui.refresh import feed_statuses

        self.push_screen(FeedsScreen(
                feed_statuses(self.store),
                sync=self._sync_outcome.detail() if self._sync_outcome else None,
            ))

    # ------------------------------------------------------------ help & cmds
    def action_help(self) -> None:
        self.push_screen(HelpScreen(self._help_sections()))

    def _help_sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        def rows(bindings: Iterable[Binding]) -> list[tuple[str, str]]:
            return [
                (self._keys_for(binding), binding.tooltip or binding.description or binding.action)
                for binding in bindings
            ]

        return [
            ("Triage", rows(self.BINDINGS)),  # type: ignore[arg-type]
            ("Moving", rows(PaperList.BINDINGS)),  # type: ignore[arg-type]
            ("Filter bar", rows(FilterBar.BINDINGS)),  # type: ignore[arg-type]
            ("Everywhere", [("ctrl+p", "command palette: every action")]),
        ]

    def _keys_for(self, binding: Binding) -> str:
        keys = self.user_keymap.get(binding.id or "", binding.key)
        return ", ".join(
            self.get_key_display(Binding(key.strip(), binding.action)) for key in keys.split(",")
        )

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        commands: list[tuple[str, str, Callable[[], object]]] = [
            ("Mark read and next", "Mark the paper read and move to the next", self.action_mark_read_next),
            ("Toggle read", "Mark the paper read or unread", self.action_toggle_read),
            ("Mark all read", "Mark every paper in the list read (asks first)", self.action_mark_all_read),
            ("Toggle star", "Star the paper (to read) or unstar it", self.action_toggle_star),
            ("Unread only", "Show only unread papers (again: all)", lambda: self.action_view("unread")),
            ("Starred only", "Show only starred papers (again: all)", lambda: self.action_view("starred")),
            ("Open PDF", "Open the paper's PDF in the browser", self.action_open_pdf),
            ("Open abstract page", "Open the abstract or post page", self.action_open_page),
            ("Copy link", "Copy the paper's link", self.action_copy_link),
            ("Filter", "Focus the filter bar", self.action_focus_filter),
            ("Reload feeds", "Read the feeds again", self.action_reload),
            ("Feeds", "Every feed with its unread count, last refresh and last error", self.action_feeds),
            ("Help", "Show every key", self.action_help),
            ("Toggle light/dark", "Switch between the light and dark theme", self.action_toggle_dark),
        ]
        from reader_tui.cite import FORMATS

        for fmt in FORMATS:
            if fmt != "json":
                copy = partial(self.action_copy_citation, fmt)
                commands.append((f"Copy as {fmt}", f"Copy the paper's citation as {fmt}", copy))
            export = partial(self.action_export_list, fmt)
            commands.append((f"Export list as {fmt}", f"Write the list to a {fmt} file", export))
        for title, help_text, callback in commands:
            yield SystemCommand(title, help_text, callback)

    def action_toggle_dark(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"
        self.store.set_setting("ui.theme", self.theme)

    async def action_quit(self) -> None:
        self.store.flush()
        self.exit()


def make_app(
    sources: Sequence[str] = (),
    *,
    store: Store | None = None,
    clock: Clock | None = None,
    opener: Opener | None = None,
    clipboard: Clipboard | None = None,
) -> ReaderApp:
    """Build the app: the CLI and the tests both come through here."""
    return ReaderApp(
        store if store is not None else Store(),
        sources,
        clock=clock,
        opener=opener,
        clipboard=clipboard,
    )

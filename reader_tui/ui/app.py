"""The reading app: filter bar, paper list, detail pane, refresh bar, footer.

The app is thin wiring. What the list shows (library, query, view, ``is:new``, what comes back next
start) is :class:`reader_tui.paper_view.PaperView`; every key, footer entry, palette command and help row is
declared once in :mod:`reader_tui.ui.actions`; links, clipboard and exports go through
:class:`~reader_tui.ui.outbound.Outbound` (every URL through :func:`reader_tui.safety.check_url`);
feeds are read by :class:`~reader_tui.ui.refresh_bar.RefreshBar`'s worker. Every string from a feed
reaches the screen as ``Content``/``Text`` or with ``markup=False``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.markup import escape
from textual.screen import Screen

from reader_tui import paths
from reader_tui.config import ConfigError, auto_refresh, keymap, load_config
from reader_tui.model import Paper, PaperState
from reader_tui.paper_view import PaperView
from reader_tui.store import Store, StoreError
from reader_tui.ui import actions
from reader_tui.ui.detail import DetailPane
from reader_tui.ui.filter_bar import FilterBar
from reader_tui.ui.footer import NARROW_WIDTH, ReaderFooter
from reader_tui.ui.outbound import Clipboard, Opener, Outbound
from reader_tui.ui.paper_list import PaperList
from reader_tui.ui.store_status import StoreChanged, StoreProblem
from reader_tui.ui.sync_status import SyncStatus
from reader_tui.ui.triage import TriageActions

if TYPE_CHECKING:
    from reader_tui.ui.refresh_bar import RefreshBar

Clock = Callable[[], datetime]


class ReaderApp(TriageActions):
    """Triage a day's papers with the keyboard alone."""

    TITLE = "reader-tui"
    CSS_PATH = str(paths.styles_dir() / "reader.tcss")
    ENABLE_COMMAND_PALETTE = True
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW_WIDTH, "-wide")]  # noqa: RUF012 - typed by App
    """Every screen, the modal ones included, is "-narrow" below 100 columns: panes and help columns stack."""
    BINDINGS: ClassVar[list[BindingType]] = actions.bindings("app")
    """Triage keys (``ui/actions.py``): they act on the paper under the cursor, whichever pane has focus."""
    KEEP_FOCUS = actions.KEEP_FOCUS
    SECONDS_PER_MINUTE = 60.0
    """Unit of ``auto_refresh_minutes``; a test shrinks it to see the timer fire."""

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
        self.papers_view = PaperView(store, sources, self.clock)
        self.outbound = Outbound(self, opener, clipboard)
        self.subscriptions: list[str] = []
        self.user_keymap: dict[str, str] = {}
        """``[keymap]`` from config.toml: binding id -> keys (the help screen shows them)."""
        self._load_sample = not sources and len(store) == 0
        self._announce_new = True

    # ---------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        yield FilterBar(id="filter-bar")
        with Horizontal(id="panes"):
            yield PaperList(self.store.state, id="paper-list")
            yield DetailPane(id="detail")
        yield StoreProblem(self.store, id="store-problem")
        yield SyncStatus(self.store, id="sync-status")
        yield ReaderFooter()

    def on_mount(self) -> None:
        if not gc.isenabled():  # the CLI held cycle collection off for the start
            self.call_after_refresh(_collect_from_now_on)
            self.papers_view.freeze_rows = True
        self.store.on_change = self._changed_elsewhere
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
        query, selected = self.papers_view.restore()
        self.detail.display = self.store.setting("ui.detail", True) is not False
        if query:
            self.filter_bar.set_text(query)
        self.paper_list.this_year = self.clock().year
        self._load_new_ids()
        self._load_library(select=selected)
        self.screen.set_focus(self.paper_list)
        self.watch(self.paper_list, "cursor", self._follow_cursor, init=False)
        self.watch(self.filter_bar.input, "value", self._filter_changed, init=False)
        self._start_reading_feeds(config)

    @work(group="start")
    async def _start_reading_feeds(self, config: dict[str, object]) -> None:
        """The start's refresh, the auto-refresh timer and the first sync, once the list is on screen.

        Reading the subscriptions imports the feed layer and a TOML parser (~3.5 ms of CPU before the
        first paint at 10k), a configured sync its client: the first screen needs none of them. A worker
        (on the event loop, not a thread) rather than a callback after the refresh, so that whoever
        waits for the app's workers to finish also waits for the refresh it starts.
        """
        drawn = asyncio.Event()
        self.call_after_refresh(drawn.set)
        with contextlib.suppress(TimeoutError):  # a screen that never paints holds it back 2 s at most
            await asyncio.wait_for(drawn.wait(), 2.0)
        from reader_tui.library import default_sources

        problem = None
        if not self.sources:
            self.subscriptions, problem = default_sources()
            if problem is not None:
                self.notify(problem, severity="error", markup=False, timeout=10)
        if self._load_sample and not self.subscriptions and problem is None:
            note = "This is the sample digest. Add your feeds with: reader-tui add URL"
            self.notify(note, markup=False, timeout=8)
            self._announce_new = False  # the sample's papers are all "new": the note above says enough
        if self.sources or self.subscriptions or self._load_sample:
            await self.action_reload()
        if minutes := auto_refresh(config):
            self.set_interval(minutes * self.SECONDS_PER_MINUTE, self.action_reload)
        self.sync_status.configure(config)

    # ------------------------------------------------------- library & filter
    def _load_library(self, select: str | None = None) -> None:
        """Read the library again, show it, and load what filtering needs behind it."""
        self.papers_view.load()
        ranking = self.papers_view.for_you.needs_index  # "for you" in force: ranked after the first paint
        if ranking:
            self._hold_for_ranking()
        self._apply_filter(keep_id=select)
        # Either thread would slow the drawing of the list; the rows come after a ranking (see above).
        self.call_after_refresh(self._build_relevance if ranking else self.papers_view.prefetch)

    def _apply_filter(self, keep_id: str | None = None) -> None:
        current = self.paper_list.current
        papers = self.papers_view.visible()
        self.paper_list.set_badges(self.papers_view.for_you.badges())
        self.paper_list.set_papers(papers, keep_id=keep_id or (current.id if current else None))
        self.filter_bar.show_count(len(papers), len(self.papers_view.library), self.papers_view.status())
        self._follow_cursor()

    def _filter_changed(self, text: str) -> None:
        """Filter on every keystroke in the bar.

        Called by a watcher on the input's value, in the same call as the keystroke: the bar's
        ``Changed`` message would reach the app through three message queues, a frame later.
        """
        error = self.papers_view.typed(text)
        if error is None:
            self._apply_filter()
        else:
            self.filter_bar.show_error(error, len(self.paper_list.papers), len(self.papers_view.library))

    def action_focus_filter(self) -> None:
        # Not ``focus()``, which moves focus later (call_later): the next key must find it moved.
        self.screen.set_focus(self.filter_bar.input)

    def action_leave_filter(self, clear: bool) -> None:
        """Back to the list from the filter bar, clearing the query first when ``clear``."""
        if clear:
            self.filter_bar.set_text("")
        self.screen.set_focus(self.paper_list)

    def action_view(self, view: str) -> None:
        """Toggle an unread-only or starred-only view on top of the query."""
        self.papers_view.toggle_view(view)
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
        reason = self.papers_view.for_you.reason(paper) if paper else ""
        if paper is self.detail.paper and paper is not None and reason == self.detail.reason:
            return  # the same paper, ranked for the same reason (a ranking that arrives changes it)
        self.detail.reason = reason
        self.detail.show(paper, self.store.state(paper.id) if paper else PaperState())
        if paper is not None:
            self.papers_view.select(paper.id)

    def _state_changed(self, paper: Paper) -> None:
        self.paper_list.refresh_paper(paper.id)
        self.detail.update_state(self.store.state(paper.id))
        self.sync_status.recount_soon()

    def action_toggle_read(self) -> None:
        if (paper := self.current) is not None:
            self.store.toggle_read(paper.id)
            self._state_changed(paper)

    def action_toggle_star(self) -> None:
        if (paper := self.current) is not None:
            state = self.store.toggle_starred(paper.id)
            self._state_changed(paper)
            self.notify("starred (to read)" if state.starred else "unstarred", timeout=1.5)
            for_you = self.papers_view.for_you
            for_you.starred(paper.id, state)
            if for_you.ranked and for_you.like is None:
                papers = for_you.rerank_after(
                    self.paper_list.papers, self.paper_list.cursor, self.store.state
                )
                self.paper_list.set_badges(for_you.badges())
                self.paper_list.set_papers(papers, keep_id=paper.id)
                self._follow_cursor()  # the profile changed: so may the reason shown

    def action_mark_read_next(self) -> None:
        if (paper := self.current) is not None:
            self.store.set_read(paper.id, True)
            self._state_changed(paper)
            self.paper_list.action_cursor_down()

    def action_mark_all_read(self) -> None:
        """Mark every unread paper in the list as it stands (filter and view applied) read, after asking."""
        unread = [pid for pid in self.paper_list.ids if not self.store.state(pid).read]
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
                self.sync_status.recount_soon()

        self.push_screen(ConfirmScreen.mark_read(len(unread)), answer)

    def action_switch_pane(self) -> None:
        self.screen.set_focus(self.detail if self.focused is self.paper_list else self.paper_list)

    # ------------------------------------------------- links, clipboard, export
    def action_open_pdf(self) -> None:
        if (paper := self.current) is not None:
            self.outbound.open_link(paper.links.pdf or paper.first_link)

    def action_open_page(self) -> None:
        if (paper := self.current) is not None:
            self.outbound.open_link(paper.links.abs or paper.links.post or paper.first_link)

    @on(DetailPane.LinkClicked)
    def _summary_link(self, event: DetailPane.LinkClicked) -> None:
        self.outbound.open_link(event.href, base=event.paper.first_link if event.paper else None)

    def action_copy_citation(self, fmt: str = "bibtex") -> None:
        if (paper := self.current) is not None:
            from reader_tui import cite

            self.outbound.copy_text(cite.export([paper], fmt), f"{fmt} for {paper.id}")

    def action_copy_link(self) -> None:
        if (paper := self.current) is not None and (link := paper.first_link):
            self.outbound.copy_link(link)

    def action_export_list(self, fmt: str = "bibtex") -> None:
        """Write the papers in the current list to a file in the data folder and say where."""
        self.outbound.export(list(self.paper_list.papers), fmt, self.clock())

    # ---------------------------------------------------------------- reload
    async def action_reload(self) -> None:
        """Read the feeds again: the ones named on the command line, else the subscriptions."""
        from reader_tui.ui.refresh_bar import RefreshBar  # and the feed layer: not with the app

        bar = self.query_one_optional(RefreshBar)
        if bar is None:
            # Mounted with the first refresh, not with the app: its progress bar is five widgets whose
            # mounting and styling cost the start ~5 ms of CPU at 10k, for a screen that does not show them.
            bar = RefreshBar(id="refresh-bar")
            await self.screen_stack[0].mount(bar, before="#store-problem")
        bar.reload(self.store, self.sources, self.subscriptions)

    def on_refresh_bar_finished(self, event: RefreshBar.Finished) -> None:
        if not self.query(PaperList):
            return  # the app is closing and its widgets are gone (a refresh finished as it quit)
        self._load_new_ids()
        self._load_library()
        if event.new and self._announce_new:
            self.notify("new papers: " + "; ".join(event.new), markup=False, timeout=5)
        self._announce_new = True
        self.run_sync()

    # ------------------------------------------------------------------ sync
    @property
    def sync_status(self) -> SyncStatus:
        return self.query_one(SyncStatus)

    def run_sync(self, force: bool = False) -> None:
        """Sync with the ``[sync]`` server in the background, if one is configured."""
        self.sync_status.run(force)

    @on(SyncStatus.Changed)
    def _synced(self) -> None:
        self._load_library()

    def _load_new_ids(self) -> None:
        """``is:new``, the list's new mark and the detail header all follow the last refresh."""
        self.papers_view.load_new_ids()
        self.detail.new_ids = new_ids = self.papers_view.new_ids
        self.paper_list.set_new_ids(new_ids)

    def action_feeds(self) -> None:
        """Show every feed with its paper and unread counts, last refresh and last error."""
        from reader_tui.refresh import feed_statuses
        from reader_tui.ui.feeds_screen import FeedsScreen

        self.push_screen(FeedsScreen(feed_statuses(self.store), sync=self.sync_status.detail))

    # ------------------------------------------------------------ help & cmds
    def action_help(self) -> None:
        from reader_tui.ui.help import HelpScreen

        def display(key: str) -> str:
            return self.get_key_display(Binding(key, ""))

        self.push_screen(HelpScreen(actions.help_sections(self.user_keymap, display)))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for action in actions.palette_actions():
            yield SystemCommand(
                action.palette_title, action.palette_help, partial(self.run_action, action.action)
            )
        from reader_tui.views import views

        for view in views(self.store):  # each saved view, by name; the palette reads both as markup
            title, query = escape(f"View: {view.name}"), escape(view.query)
            yield SystemCommand(title, query, partial(self._show_view, view.query))

    def action_toggle_dark(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"
        self.store.set_setting("ui.theme", self.theme)

    def _changed_elsewhere(self, ids: set[str]) -> None:
        """From the store's thread: post, never touch widgets."""
        self.post_message(StoreChanged(ids))

    @on(StoreChanged)
    def _repaint_changed(self, message: StoreChanged) -> None:
        base = self.screen_stack[0]  # the list's screen, whatever is on top of it
        for paper_list in base.query(PaperList):
            paper_list.refresh()  # the state is part of each cached row's key
            if (paper := paper_list.current) is not None and paper.id in message.ids:
                base.query_one(DetailPane).update_state(self.store.state(paper.id))

    async def action_quit(self) -> None:
        try:
            self.store.flush()
        except StoreError as error:  # ask, rather than lose the marks silently or with a traceback
            self.screen_stack[0].query_one(StoreProblem).check()
            from reader_tui.ui.confirm import ConfirmScreen

            question = f"{self.store.unsaved:,} changes are not saved ({error}). Quit and lose them?"
            self.push_screen(ConfirmScreen(question), lambda yes: self.exit() if yes else None)
            return
        self.exit()


def _collect_from_now_on() -> None:
    """Turn cycle collection back on after the first paint, leaving out every object alive now (the
    modules, the screen): a full collection then scans only what came later (10k: ~50 ms less a full
    collection, on a busy machine)."""
    gc.freeze()
    gc.enable()


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

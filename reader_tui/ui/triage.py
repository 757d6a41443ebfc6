"""The triage keys of the app that learn from the user: for you (``f``), more like this (``L``), tags
(``t``), notes (``e``), views (``v``, "Save filter as view") and the list-only layout (``z``).

A base class of :class:`~reader_tui.ui.app.ReaderApp`, so the app's class keeps to its wiring: the
relevance state itself lives in :class:`~reader_tui.for_you.ForYou` (in ``PaperView``), the index
is built by :meth:`TriageActions._index_relevance` in a worker, and the dialogs are
:mod:`reader_tui.ui.annotate` and :mod:`reader_tui.ui.views_screen`. Every string from a feed or the
user reaches the screen as ``Content`` or with ``markup=False``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.worker import Worker, WorkerState

from reader_tui.model import Paper, PaperState
from reader_tui.paper_view import PaperView
from reader_tui.safety import clean_line
from reader_tui.store import Store
from reader_tui.ui.detail import DetailPane
from reader_tui.ui.filter_bar import FilterBar
from reader_tui.ui.keys import InOrderKeys
from reader_tui.ui.paper_list import PaperList

if TYPE_CHECKING:  # the ranking code is loaded with the first ranking, not with the app
    from reader_tui.rank import RankIndex
    from reader_tui.rank_segments import Segments, Snapshot
    from reader_tui.relevance import Relevance


class TriageActions(InOrderKeys):
    """The panes, and the actions of the keys above (the app fills in the library and the list)."""

    store: Store
    papers_view: PaperView

    @property
    def paper_list(self) -> PaperList:
        return self.query_one(PaperList)

    @property
    def detail(self) -> DetailPane:
        return self.query_one(DetailPane)

    @property
    def filter_bar(self) -> FilterBar:
        return self.query_one(FilterBar)

    @property
    def current(self) -> Paper | None:
        return self.paper_list.current

    def _apply_filter(self, keep_id: str | None = None) -> None:
        """Show the library through the query, view and order in force (the app's)."""
        raise NotImplementedError

    def _state_changed(self, paper: Paper) -> None:
        """Repaint a paper whose state changed (the app's)."""
        raise NotImplementedError

    # ---------------------------------------------------------- relevance
    def action_for_you(self) -> None:
        """Sort the list by likeness to the starred papers (with reasons), or back by date."""
        self.papers_view.for_you.like = None
        sort = self.papers_view.for_you.toggle_sort()
        self.store.set_setting("ui.sort", sort)
        if self.papers_view.for_you.needs_index:
            self._build_relevance()
        self._apply_filter()
        self.paper_list.cursor = 0

    def action_more_like_this(self) -> None:
        """The papers most like the current one, best first with reasons; again to go back."""
        if self.papers_view.for_you.like is not None:
            back_to = self.papers_view.for_you.like[0].id
            self.papers_view.for_you.like = None
            self._apply_filter(keep_id=back_to)
            return
        if (paper := self.current) is None:
            return
        if self.papers_view.for_you.relevance is None:
            self._like_pending = paper.id
            self.notify("indexing the library for 'more like this'…", timeout=2)
            self._build_relevance()
            return
        if not self.papers_view.for_you.like_this(paper):
            self.notify("nothing in the library is like this paper", timeout=2)
            return
        self._apply_filter()
        self.paper_list.cursor = 0

    _like_pending: str | None = None
    _rows_after_ranking = False

    def _hold_for_ranking(self) -> None:
        """The list is about to be ranked ("for you" restored, or the library reloaded under it): the
        first summary render and the load of the search rows wait for the ranked order. Both would
        run first on the one interpreter (~0.3 s at 10k papers, the ranking's own work is ~0.1 s),
        and the ranking moves the cursor to another paper, whose summary is the one to render."""
        self.detail.hold_summary()
        self._rows_after_ranking = True

    def _ranking_settled(self) -> None:
        """The ranked order is shown, or the ranking failed: what :meth:`_hold_for_ranking` held goes on."""
        self.detail.release_summary()
        if self._rows_after_ranking:
            self._rows_after_ranking = False
            self.papers_view.prefetch()

    def _build_relevance(self) -> None:
        self._index_relevance(self.store.states(), self.papers_view.for_you.last_index)

    @work(thread=True, exclusive=True, group="rank", exit_on_error=False)
    def _index_relevance(self, states: dict[str, PaperState], base: RankIndex | None) -> Relevance:
        """Bring the relevance index up to date off the event loop: the list stays usable meanwhile
        (at 10k papers, ~50 ms of CPU from the one kept in the store, ~0.6 s with none)."""
        from reader_tui.relevance import Relevance

        return Relevance.from_store(self.store, states, base)

    def _after_ranking(self, relevance: Relevance) -> None:
        """Once the ranked list is shown: keep the index for the next start, and work out the
        profile's sums per span, so that a star re-ranks in ~20 ms instead of ~80 (10k papers)."""
        if relevance is self.papers_view.for_you.relevance:
            self._prepare_stars(relevance, relevance.profile.snapshot())

    @work(thread=True, exclusive=True, group="rank-after", exit_on_error=False)
    def _prepare_stars(self, relevance: Relevance, snapshot: Snapshot) -> tuple[Relevance, Segments]:
        relevance.save(self.store)
        return relevance, relevance.index.segments(snapshot)

    def _stars_prepared(self, relevance: Relevance, segments: Segments) -> None:
        """Rank by the segments from now on, unless a star came meanwhile: then work them out again."""
        if not relevance.profile.adopt(segments):
            self._after_ranking(relevance)

    def _relevance_ready(self, relevance: Relevance) -> None:
        self.papers_view.for_you.ready(relevance)
        self.call_after_refresh(self._after_ranking, relevance)
        pending, self._like_pending = self._like_pending, None
        if pending is not None and (paper := self.current) is not None and paper.id == pending:
            self.action_more_like_this()
        elif self.papers_view.for_you.sort == "relevance":
            self._apply_filter()
            self.paper_list.cursor = 0
        self._ranking_settled()

    # --------------------------------------------------------- tags & notes
    def action_tag(self) -> None:
        """Tag the current paper: comma-separated, completed from the tags in use."""
        if (paper := self.current) is None:
            return
        from reader_tui.annotations import known_tags, parse_tags
        from reader_tui.ui.annotate import PromptScreen, TagSuggester

        tags = self.store.state(paper.id).tags

        def save(text: str | None) -> None:
            if text is not None:
                self.store.set_field(paper.id, "tags", parse_tags(text))
                self._state_changed(paper)

        prompt = PromptScreen(
            f"Tags for: {clean_line(paper.title)[:70]}",
            ", ".join(tags) + (", " if tags else ""),
            "comma-separated · → or tab takes the suggestion · enter: save · escape: cancel",
            TagSuggester(known_tags(self.store.field_values("tags"))),
        )
        self.push_screen(prompt, save)

    def action_note(self) -> None:
        """Edit the current paper's note (Markdown) here, or in $EDITOR with ctrl+e."""
        if (paper := self.current) is None:
            return
        from reader_tui.ui.annotate import NoteScreen

        def save(text: str | None) -> None:
            if text is not None:
                note = self.store.set_field(paper.id, "note", text.strip("\n")).note
                self.papers_view.note_changed(paper.id, note)
                self._state_changed(paper)

        screen = NoteScreen(f"Note on: {clean_line(paper.title)[:70]}", self.store.state(paper.id).note)
        self.push_screen(screen, save)

    # ---------------------------------------------------------------- views
    def action_views(self) -> None:
        """Pick a saved view (a number or enter); its query goes into the filter bar."""
        from reader_tui.ui.views_screen import ViewsScreen
        from reader_tui.views import views

        saved = views(self.store)
        counts, total = self.papers_view.unread_counts([view.query for view in saved])
        unread = {view.name: count for view, count in zip(saved, counts, strict=True)}
        self.push_screen(ViewsScreen(saved, unread, total), self._show_view)

    def _show_view(self, query: str | None) -> None:
        """A view was picked: its query goes into the filter bar (None: cancelled)."""
        if query is not None:
            self.papers_view.for_you.like = None
            self.filter_bar.set_text(query)
            self.screen.set_focus(self.paper_list)

    def action_save_view(self) -> None:
        """Name the current filter as a view."""
        from reader_tui.ui.annotate import PromptScreen
        from reader_tui.views import ViewError, add_view

        query = self.filter_bar.text

        def save(name: str | None) -> None:
            if name is None:
                return
            try:
                view = add_view(self.store, name, query)
            except ViewError as error:
                self.notify(str(error), severity="warning", markup=False)
                return
            self.notify(f"saved view {view.name!r}: {view.query}", markup=False, timeout=3)

        if not query.strip():
            self.notify("type a filter first (/), then save it as a view", timeout=3)
            return
        self.push_screen(
            PromptScreen(f"Name for the view: {query[:60]}", "", "enter: save · escape: cancel"), save
        )

    def action_toggle_detail(self) -> None:
        """List only, or list and detail: the choice is remembered."""
        shown = not self.detail.display
        self.detail.display = shown
        self.store.set_setting("ui.detail", shown)
        if not shown and self.focused is self.detail:
            self.screen.set_focus(self.paper_list)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "rank-after" and event.state == WorkerState.SUCCESS:
            relevance, segments = event.worker.result  # type: ignore[misc]
            self._stars_prepared(relevance, segments)
        if event.worker.group != "rank":
            return
        from reader_tui.relevance import Relevance  # imported with the first ranking, not at start

        if event.state == WorkerState.SUCCESS and isinstance(event.worker.result, Relevance):
            self._relevance_ready(event.worker.result)
        elif event.state == WorkerState.ERROR:
            self.notify(f"ranking failed: {event.worker.error}", severity="error", markup=False)
            self._ranking_settled()

"""What the paper list shows and what comes back next start: the library, the query, the view.

The app's screen logic without the screen: which papers are in the library (all, or those of the feeds
named on the command line), which of them the query and the unread/starred view let through, the
``is:new`` set, and last session's query, view and selection saved in the store and restored. The
library is the store's search rows (:meth:`Store.rows`), not papers: a list is a :class:`Listing`, which
decodes a paper only when its row is drawn. Plain Python, no Textual: ``tests/test_paper_view.py``
drives it directly; the app (``ui/app.py``) paints the result.

The query language (:mod:`reader_tui.query`, :mod:`reader_tui.query_match`,
:mod:`reader_tui.search_index`, :mod:`reader_tui.views`: ~5 ms of imports, a dozen frozen dataclasses)
is imported with the first query, or by :meth:`PaperView.prefetch` once the list is on screen: a start
with the filter empty lists the library without it.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from reader_tui.for_you import ForYou
from reader_tui.listing import Listing, decoding
from reader_tui.model import Paper
from reader_tui.paper_fields import PaperFields
from reader_tui.store import Store

if TYPE_CHECKING:
    from reader_tui.query import Query
    from reader_tui.search_index import SearchIndex

VIEWS = {"all": "", "unread": "unread only", "starred": "starred only"}
"""View name -> what the filter bar's status says about it."""


class PaperView:
    """The filtered, viewed library, and the settings that bring it back next start."""

    def __init__(self, store: Store, sources: Sequence[str], clock: Callable[[], datetime]) -> None:
        self.store = store
        self.sources = list(sources)
        """Feeds named on the command line: only their papers are listed. Empty: the whole library."""
        self.clock = clock
        self.library = Listing([], store.get)
        """Every listed paper, newest first."""
        self._index: SearchIndex | None = None
        self.query: Query | None = None
        """The query in force; None while none was typed (every paper matches)."""
        self.view = "all"
        self.new_ids: frozenset[str] = frozenset()
        self._rows: list[PaperFields] | None = []
        """The library's search rows; None until a query needs them (:meth:`prefetch` loads them)."""
        self.for_you = ForYou(str(store.setting("ui.sort", "date") or "date"), store.states)
        """The list's order (by date or for you), "more like this", scores and reasons."""
        self._notes: dict[str, str] | None = None
        """Every note by paper id, read from the store on first use after a load (see :attr:`notes`)."""
        self.freeze_rows = False
        """Keep the search rows out of cycle collection (``gc.freeze`` once loaded, none while they
        load): at 100,000 papers full collections walked them, 0.03-0.2 s pauses during the load and
        inside keystrokes. The app sets it when it runs as the program (not in a test's process,
        where frozen garbage of earlier apps would stay)."""

    # -- restoring -------------------------------------------------------------------------------
    def restore(self) -> tuple[str, str | None]:
        """Take last session's view and query; return the query text to show in the filter bar and
        the id of the paper to select."""
        view = str(self.store.setting("ui.view", "all") or "all")
        self.view = view if view in VIEWS else "all"
        text = str(self.store.setting("ui.query", "") or "")
        if text:
            self.set_query(text)
        return text, str(self.store.setting("ui.selected", "") or "") or None

    # -- the library -----------------------------------------------------------------------------
    def load(self) -> None:
        """Read the library from the store again: its ids at once, its search rows when a query needs
        them (at 100,000 papers the ids take ~0.1 s, the rows ~0.5 s more)."""
        if self.sources:
            from reader_tui.feeds import source_key

            keys = {source_key(source) for source in self.sources}
            self._rows = [row for row in self.store.search.rows() if keys.intersection(row.sources)]
            ids = [row.paper_id for row in self._rows]
        else:
            self._rows, ids = None, self.store.search.ids()
        self.library = Listing(ids, decoding(self.store.get))
        self._notes = None  # read again when a query first needs it, not on every (re)load
        self.for_you.forget_index()

    def prefetch(self) -> None:
        """Load the search rows in a thread of their own, and import the query code, so the first filter
        keystroke finds both."""

        def load() -> None:
            if self.freeze_rows:  # no collection while they are made: it would walk them again and again
                gc.disable()
            try:
                import reader_tui.search_index  # noqa: F401 - and the query modules it imports

                with contextlib.suppress(Exception):  # the store closed meanwhile: nothing to keep
                    self.store.search.rows()
            finally:
                if self.freeze_rows:
                    gc.collect(1)  # what is garbage among the young objects is not frozen for good
                    gc.freeze()
                    gc.enable()

        threading.Thread(target=load, name="reader-tui-rows", daemon=True).start()

    @property
    def index(self) -> SearchIndex:
        """The search index over the library's rows (made with the first query that needs it)."""
        if self._index is None:
            from reader_tui.search_index import SearchIndex

            self._index = SearchIndex(self.store.search.summary_hits)
        return self._index

    def _search_rows(self) -> list[PaperFields]:
        if self._rows is None:
            self._rows = self.store.search.rows()  # waits for a prefetch under way rather than loading twice
        return self._rows

    @property
    def notes(self) -> dict[str, str]:
        """Every note by paper id, for bare words and ``note:`` in the filter.

        Read from the store the first time a query needs it after a load (a pass over every state the
        user ever marked, which start-up and a refresh with the filter empty need not pay).
        """
        if self._notes is None:
            self._notes = self.store.field_values("note")
        return self._notes

    def note_changed(self, paper_id: str, note: str) -> None:
        """The user edited a note: the filter sees it at once (if the notes were read at all)."""
        if self._notes is None:
            return
        if note:
            self._notes[paper_id] = note
        else:
            self._notes.pop(paper_id, None)

    def load_new_ids(self) -> None:
        """``is:new``: the papers the last refresh brought in."""
        self.new_ids = self.store.search.new_ids()

    # -- query and view --------------------------------------------------------------------------
    def set_query(self, text: str) -> str | None:
        """Use ``text`` as the query; on a malformed one keep the last good query and return why."""
        from reader_tui.query import QueryError, parse_query

        try:
            self.query = parse_query(text)
        except QueryError as error:
            return str(error)
        return None

    def typed(self, text: str) -> str | None:
        """The user typed ``text`` in the filter bar: use it (and keep it for next start) if it parses."""
        error = self.set_query(text)
        if error is None:
            self.store.set_setting("ui.query", text)
        return error

    def toggle_view(self, view: str) -> None:
        """Unread-only or starred-only on top of the query; the same view again goes back to all."""
        self.view = "all" if self.view == view else view
        self.store.set_setting("ui.view", self.view)

    def visible(self) -> Sequence[Paper]:
        """The papers the list shows, in order."""
        if self.query is None or self.query.is_empty:
            ids = self.library.ids
        else:
            from reader_tui.query_match import MatchContext

            context = MatchContext(
                now=self.clock(), state_of=self.store.state, new_ids=self.new_ids, notes=self.notes
            )
            rows = self.index.filter_rows(self.query, self._search_rows(), context)
            ids = [row.paper_id for row in rows]
        state = self.store.state
        if self.view == "unread":
            ids = [pid for pid in ids if not state(pid).read]
        elif self.view == "starred":
            ids = [pid for pid in ids if state(pid).starred]
        return self.for_you.order(self.library.of(ids), state)

    def unread_counts(self, queries: Sequence[str]) -> tuple[list[int], int]:
        """Unread papers of the library matching each query, and unread papers in all (the views
        switcher): :func:`~reader_tui.views.unread_counts` over the rows this view lists."""
        from reader_tui.views import unread_counts

        return unread_counts(self.store, self._search_rows(), queries, self.new_ids, self.clock())

    def status(self) -> str:
        """What the filter bar says after the count: the view and the order."""
        starred = 0
        if self.for_you.relevance is not None:
            starred = len(self.for_you.relevance.profile.starred)
        return " ".join(filter(None, (VIEWS[self.view], self.for_you.label(starred))))

    def select(self, paper_id: str) -> None:
        """Remember the paper under the cursor for next start."""
        self.store.set_setting("ui.selected", paper_id)

"""What the paper list shows and what comes back next start: the library, the query, the view.

The app's screen logic without the screen: which papers are in the library (all, or those of the feeds
named on the command line), which of them the query and the unread/starred view let through, the
``is:new`` set, the search index built in small steps, and last session's query, view and selection
saved in the store and restored. Plain Python, no Textual: ``tests/test_paper_view.py`` drives it directly;
the app (``ui/app.py``) only schedules the index steps and paints the result.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from datetime import datetime

from reader_tui.library import newest_first
from reader_tui.model import Paper
from reader_tui.query import MatchContext, Query, QueryError, SearchIndex, notes_of, parse_query
from reader_tui.relevance import ForYou
from reader_tui.store import Store

VIEWS = {"all": "", "unread": "unread only", "starred": "starred only"}
"""View name -> what the filter bar's status says about it."""

RESTORE_AT_ONCE_MAX = 2_000
"""Libraries up to this size get last session's filter applied at start-up; larger ones show the
full list first and apply it when the index is built (at 100,000 papers, building it takes ~6 s)."""
PRIME_CHUNK = 250
"""Papers indexed per step: ~10 ms of work, so a key pressed meanwhile waits no longer."""
_GC_THRESHOLDS = gc.get_threshold()
"""The collector's thresholds before any index build; restored after each (a build that replaces
a running one must not take the raised threshold it left behind for the normal one)."""


class PaperView:
    """The filtered, viewed library, and the settings that bring it back next start."""

    def __init__(self, store: Store, sources: Sequence[str], clock: Callable[[], datetime]) -> None:
        self.store = store
        self.sources = list(sources)
        """Feeds named on the command line: only their papers are listed. Empty: the whole library."""
        self.clock = clock
        self.library: list[Paper] = []
        """Every listed paper, newest first."""
        self.index = SearchIndex()
        self.query: Query = parse_query("")
        self.view = "all"
        self.new_ids: frozenset[str] = frozenset()
        self.pending_query: str | None = None
        """Last session's query, waiting for the index (libraries over :data:`RESTORE_AT_ONCE_MAX`)."""
        self._source_keys: set[str] | None = None
        self._to_index: list[Paper] = []
        self.for_you = ForYou(str(store.setting("ui.sort", "date") or "date"))
        """The list's order (by date or for you), "more like this", scores and reasons."""
        self._notes: dict[str, str] | None = None
        """Every note by paper id, read from the store on first use after a load (see :attr:`notes`)."""

    # -- restoring -------------------------------------------------------------------------------
    def restore(self) -> tuple[str, str | None]:
        """Take last session's view, and its query when the library is small enough to filter at once.

        Returns the query text to show in the filter bar and the id of the paper to select.
        """
        view = str(self.store.setting("ui.view", "all") or "all")
        self.view = view if view in VIEWS else "all"
        text = str(self.store.setting("ui.query", "") or "")
        if text:
            if len(self.store) <= RESTORE_AT_ONCE_MAX:
                self.set_query(text)
            else:
                self.pending_query = text
        return text, str(self.store.setting("ui.selected", "") or "") or None

    def apply_pending_query(self, shown_text: str) -> bool:
        """Once the index is built: apply last session's query unless the user typed another since.

        True when the query changed (the list must be filtered again).
        """
        text, self.pending_query = self.pending_query, None
        return text is not None and shown_text == text and self.set_query(text) is None

    # -- the library and its index ---------------------------------------------------------------
    def load(self) -> None:
        """Read the library from the store again and start indexing it (see :meth:`index_step`)."""
        if self.sources:
            if self._source_keys is None:
                from reader_tui.feeds import source_key

                self._source_keys = {source_key(source) for source in self.sources}
            keys = self._source_keys
            papers = [p for p in self.store.papers() if keys.intersection(p.feeds)]
        else:
            papers = self.store.papers()
        self.library = newest_first(papers)
        self._notes = None  # read again when a query first needs it, not on every (re)load
        self.for_you.forget_index()
        self._to_index = list(self.library)
        # Only the young generations are collected while indexing (a full collection over 100,000
        # papers stopped one step for ~220 ms); when done, the long-lived objects are frozen out of
        # the collector's reach, so a keystroke never pays for a full collection either.
        young, middle, _old = gc.get_threshold()
        gc.set_threshold(young, middle, 1_000_000)

    def index_step(self) -> bool:
        """Index the next :data:`PRIME_CHUNK` papers, so the first filter keystroke is fast; True when done.

        Run in small steps on the UI thread, not in a thread: Textual's thread worker made glibc keep
        each thread's temporary strings in a separate arena, nearly doubling peak memory (213 MB
        against 120 MB at 10,000 papers).
        """
        chunk, self._to_index = self._to_index[:PRIME_CHUNK], self._to_index[PRIME_CHUNK:]
        self.index.prime(chunk)
        if self._to_index:
            return False
        gc.freeze()
        gc.set_threshold(*_GC_THRESHOLDS)
        return True

    @property
    def notes(self) -> dict[str, str]:
        """Every note by paper id, for bare words and ``note:`` in the filter.

        Read from the store the first time a query needs it after a load: copying every state the
        user ever marked costs milliseconds per thousand marks, which start-up and a refresh with
        the filter empty need not pay.
        """
        if self._notes is None:
            self._notes = notes_of(self.store.states())
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
        from reader_tui.refresh import new_ids

        self.new_ids = new_ids(self.store)

    # -- query and view --------------------------------------------------------------------------
    def set_query(self, text: str) -> str | None:
        """Use ``text`` as the query; on a malformed one keep the last good query and return why."""
        try:
            self.query = parse_query(text)
        except QueryError as error:
            return str(error)
        return None

    def typed(self, text: str) -> str | None:
        """The user typed ``text`` in the filter bar: use it (and keep it for next start) if it parses."""
        self.pending_query = None
        error = self.set_query(text)
        if error is None:
            self.store.set_setting("ui.query", text)
        return error

    def toggle_view(self, view: str) -> None:
        """Unread-only or starred-only on top of the query; the same view again goes back to all."""
        self.view = "all" if self.view == view else view
        self.store.set_setting("ui.view", self.view)

    def visible(self) -> list[Paper]:
        """The papers the list shows, in order."""
        notes = {} if self.query.is_empty else self.notes
        context = MatchContext(now=self.clock(), state_of=self.store.state, new_ids=self.new_ids, notes=notes)
        papers = self.index.filter(self.query, self.library, context)
        state = self.store.state
        if self.view == "unread":
            papers = [p for p in papers if not state(p.id).read]
        elif self.view == "starred":
            papers = [p for p in papers if state(p.id).starred]
        return self.for_you.order(papers, state)

    def status(self) -> str:
        """What the filter bar says after the count: the view, and whether a restored query waits."""
        starred = 0
        if self.for_you.relevance is not None:
            starred = len(self.for_you.relevance.profile.starred)
        label = " ".join(filter(None, (VIEWS[self.view], self.for_you.label(starred))))
        return f"{label} indexing…".strip() if self.pending_query is not None else label

    def select(self, paper_id: str) -> None:
        """Remember the paper under the cursor for next start."""
        self.store.set_setting("ui.selected", paper_id)

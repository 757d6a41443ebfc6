"""The filter bar: a query input and a line saying how many papers match (or what is wrong).

The bar only holds what the user typed: the app watches the input's value, owns the query, runs it
and tells the bar the result, so the same query logic serves the CLI and the UI.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Input, Static

from reader_tui.ui import actions

PLACEHOLDER = "/ to filter: words  author:  cat:  kw:  is:unread  is:starred  since:7d  -word  a OR b"


class FilterBar(Horizontal):
    """Query input plus the match count."""

    BINDINGS: ClassVar[list[BindingType]] = actions.bindings("filter")
    """Escape clears the query and returns to the list; enter returns keeping it (``ui/actions.py``).
    The app moves focus while the key is handled, so the keys after it already go to the list."""

    def compose(self) -> ComposeResult:
        yield Input(placeholder=PLACEHOLDER, id="filter-input", select_on_focus=False)
        yield Static("", id="filter-status")

    @property
    def input(self) -> Input:
        return self.query_one("#filter-input", Input)

    @property
    def text(self) -> str:
        return self.input.value

    def set_text(self, text: str) -> None:
        """Put a query in the input without the user typing it (restoring the last session)."""
        self.input.value = text

    def show_count(self, shown: int, total: int, view: str = "") -> None:
        label = f"{shown:,} of {total:,}"
        self.query_one("#filter-status", Static).update(Content(f"{label}{'  ' + view if view else ''}"))
        self.remove_class("-error")

    def show_error(self, message: str, shown: int, total: int) -> None:
        status = f"{message} · {shown:,} of {total:,}"
        self.query_one("#filter-status", Static).update(Content(status))
        self.add_class("-error")

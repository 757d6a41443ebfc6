"""The store as the open app meets it: a lasting line while saving fails, and word from the store's
thread that another process (``reader-tui mark``, a second app) changed marks the list shows."""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from reader_tui.store import Store


@dataclass
class StoreChanged(Message):
    """Another process changed these papers' state (posted from the store's thread, which looks every
    second); the app repaints them."""

    ids: set[str]


class StoreProblem(Static):
    """ "⚠ could not save to DIR: cause. N unsaved changes kept in memory; retrying", shown until a
    retry succeeds (the store keeps the marks and retries on its own)."""

    DEFAULT_CSS = """
    StoreProblem {
        display: none;
        height: auto;
        padding: 0 1;
        background: $error;
        color: $text;
    }
    """

    def __init__(self, store: Store, *, id: str | None = None) -> None:  # noqa: A002 - Textual's keyword
        super().__init__(Content(""), id=id)
        self.store = store

    def on_mount(self) -> None:
        self.set_interval(0.5, self.check)

    def check(self) -> None:
        problem = self.store.problem
        self.display = problem is not None
        if problem is not None:
            unsaved = self.store.unsaved
            self.update(Content(f"⚠ {problem}. {unsaved:,} unsaved changes kept in memory; retrying"))

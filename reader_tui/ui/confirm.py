"""A yes/no question before a change that touches many papers at once (``A``: mark the list read)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from reader_tui.ui import actions


class ConfirmScreen(ModalScreen[bool]):
    """Dismisses with True on ``y``/``enter``, False on ``n``/``escape``.

    The question is built by the app from counts, never from feed text, but it is still shown as
    :class:`Content` so nothing in it is read as markup.
    """

    BINDINGS: ClassVar[list[BindingType]] = actions.bindings("confirm")

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    @classmethod
    def mark_read(cls, count: int) -> ConfirmScreen:
        """The question before ``A``: mark the ``count`` unread papers in the list read?"""
        return cls(f"Mark the {count:,} unread {'paper' if count == 1 else 'papers'} in this list as read?")

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-body"):
            yield Static(Content(self.question), id="confirm-question")
            yield Static(Content.styled("y / enter: yes    n / escape: no", "$text-muted"), id="confirm-keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

"""A yes/no question before a change that touches many papers at once (``A``: mark the list read)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static


class ConfirmScreen(ModalScreen[bool]):
    """Dismisses with True on ``y``/``enter``, False on ``n``/``escape``.

    The question is built by the app from counts, never from feed text, but it is still shown as
    :class:`Content` so nothing in it is read as markup.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-body"):
            yield Static(Content(self.question), id="confirm-question")
            yield Static(Content.styled("y / enter: yes    n / escape: no", "$text-muted"), id="confirm-keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

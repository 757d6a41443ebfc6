"""The views switcher (``v``): saved searches with their unread counts; a number key or enter picks one.

Dismisses with the chosen view's query ("" for every paper), or None when cancelled. Names and
queries are the user's text and are shown as :class:`Content`, never as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from reader_tui.views import View


class ViewsScreen(ModalScreen[str | None]):
    """``0`` every paper, ``1``-``9`` the views in the order they were saved, ``escape`` back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,v", "cancel", "Back", id="views.cancel"),
        *(
            Binding(str(number), f"pick({number})", show=False, id=f"views.pick_{number}")
            for number in range(10)
        ),
    ]

    def __init__(self, views: Sequence[View], unread: dict[str, int], total_unread: int) -> None:
        super().__init__()
        self.views = list(views)
        self.unread = unread
        self.total_unread = total_unread

    def compose(self) -> ComposeResult:
        options = [Option(Content(f"0  All papers  ({self.total_unread:,} unread)"))]
        for number, view in enumerate(self.views, 1):
            key = str(number) if number < 10 else " "
            label = f"{key}  {view.name}  ({self.unread.get(view.name, 0):,} unread)    {view.query}"
            options.append(Option(Content(label)))
        with Vertical(id="views-body", classes="dialog"):
            yield Static(Content("Views"), id="views-title")
            yield OptionList(*options, id="views-list")
            hint = "enter or a number: show it · escape: back · palette: 'Save filter as view'"
            yield Static(Content.styled(hint, "$text-muted"))

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_pick(event.option_index)

    def action_pick(self, number: int) -> None:
        if number == 0:
            self.dismiss("")
        elif 0 < number <= len(self.views):
            self.dismiss(self.views[number - 1].query)

    def action_cancel(self) -> None:
        self.dismiss(None)

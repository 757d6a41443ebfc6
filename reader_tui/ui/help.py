"""The ``?`` help screen: every key and what it does, from the one action table (``ui/actions.py``)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from reader_tui.ui import actions


class HelpScreen(ModalScreen[None]):
    """A modal table of keys and what they do; any of escape, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = actions.bindings("help")

    def __init__(self, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(Content.styled("reader-tui keys", "bold $text-accent"), id="help-title")
            with Horizontal(id="help-columns"):
                for column in self._columns():
                    yield Static(self._content(column), classes="help-column")
            yield Static(Content.styled("escape closes this screen", "$text-muted"), id="help-close")

    def _columns(self) -> list[list[tuple[str, list[tuple[str, str]]]]]:
        """Split the sections into two columns of about equal height, keeping their order."""
        heights = [len(rows) + 2 for _, rows in self.sections]
        half, running = sum(heights) / 2, 0
        for index, height in enumerate(heights):
            if running + height / 2 > half:
                return [self.sections[:index] or self.sections, self.sections[index:] if index else []]
            running += height
        return [self.sections, []]

    def _content(self, sections: list[tuple[str, list[tuple[str, str]]]]) -> Content:
        width = max((len(keys) for _, rows in sections for keys, _ in rows), default=8) + 2
        parts: list[Content | str] = []
        for title, rows in sections:
            parts.extend([Content.styled(title, "bold"), "\n"])
            for keys, description in rows:
                parts.extend([Content.styled(f"{keys:<{width}}", "$text-primary"), description, "\n"])
            parts.append("\n")
        return Content.assemble(*parts)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)

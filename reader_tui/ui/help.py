"""The ``?`` help screen: every key binding, read from the live bindings so it never drifts."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    """A modal table of keys and what they do; any of escape, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close help", id="help.close")
    ]

    def __init__(self, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(self._content(), id="help-text")

    def _content(self) -> Content:
        width = max((len(keys) for _, rows in self.sections for keys, _ in rows), default=8) + 2
        parts: list[Content | str] = [Content.styled("reader-tui keys", "bold $text-accent"), "\n"]
        for title, rows in self.sections:
            parts.extend(["\n", Content.styled(title, "bold"), "\n"])
            for keys, description in rows:
                parts.extend([Content.styled(f"  {keys:<{width}}", "$text-primary"), description, "\n"])
        parts.append(Content.styled("\nescape closes this screen", "$text-muted"))
        return Content.assemble(*parts)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)

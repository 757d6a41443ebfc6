"""The feeds panel: every feed with its papers, unread count, last refresh and last error."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from reader_tui.refresh import FeedStatus
from reader_tui.safety import clean_line
from reader_tui.ui import actions


def feeds_content(statuses: Sequence[FeedStatus], sync: str | None = None) -> Content:
    """One block per feed, built from plain strings (feed titles and errors are untrusted); the sync's
    state first when a sync server is configured."""
    parts: list[Content | str] = [Content.styled("Feeds", "bold $text-accent"), "\n"]
    if sync:
        style = "$text-error" if "error" in sync or "failed" in sync else "$text-muted"
        parts.extend(["\n", Content.styled(clean_line(sync)[:300], style), "\n"])
    if not statuses:
        parts.append("\nNo subscriptions yet. Add one with: reader-tui add URL\n")
    for status in statuses:
        unread_style = "$text-warning" if status.unread else "$text-muted"
        refreshed = status.refreshed.strftime("%Y-%m-%d %H:%M") if status.refreshed else "never"
        parts.extend(
            [
                "\n",
                Content.styled(clean_line(status.title)[:70], "bold"),
                "\n  ",
                Content.styled(f"{status.unread:,} unread", unread_style),
                f" of {status.papers:,} papers · refreshed {refreshed}\n",
            ]
        )
        if status.error:
            parts.extend(["  ", Content.styled(clean_line(status.error)[:200], "$text-error"), "\n"])
    parts.append(Content.styled("\nescape closes this panel", "$text-muted"))
    return Content.assemble(*parts)


class FeedsScreen(ModalScreen[None]):
    """A modal list of feeds; escape, q or F closes it."""

    BINDINGS: ClassVar[list[BindingType]] = actions.bindings("feeds")

    def __init__(self, statuses: Sequence[FeedStatus], sync: str | None = None) -> None:
        super().__init__()
        self.statuses = list(statuses)
        self.sync = sync

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="feeds-body"):
            yield Static(feeds_content(self.statuses, self.sync), id="feeds-text")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)

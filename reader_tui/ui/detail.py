"""The detail pane: the selected paper's metadata, then its summary rendered as Markdown.

Only the selected paper is rendered. The metadata header updates at once (it is cheap); the Markdown
body is debounced so holding ``j`` does not rebuild a long summary for every row passed over.
Feed text is untrusted: the header is built from ``Content`` pieces (never markup) and the summary is
Markdown produced by :mod:`reader_tui.render`, whose links go through the app's one checked opener.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import unquote

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static

from reader_tui.describe import authors_line, elsewhere_line, feed_name, venue_line
from reader_tui.model import Paper, PaperState
from reader_tui.safety import clean_line

if TYPE_CHECKING:
    from textual.widget import AwaitMount
    from textual.widgets import Markdown

_MARKDOWN_LINK = re.compile(r"\]\(<?([^)\s>]+)")
"""The target of a Markdown inline link ``[text](url)`` as :mod:`reader_tui.render` writes them."""

MARKDOWN_DEBOUNCE = 0.1
"""Seconds the cursor must rest on a paper before its summary is rebuilt."""


LABEL_WIDTH = 13
"""Cells taken by a metadata label ("Affiliations" and a space); wrapped values indent to match."""


def _field(label: str, value: str, style: str = "", width: int = 0) -> Content:
    """``label  value``; given the header's ``width``, the value wraps under itself, not under the label.

    A value with no spaces (a link) that does not fit goes on the next line, at full width, so it
    is cut as few times as possible.
    """
    text = Content.styled(clean_line(value), style)
    if width > LABEL_WIDTH and " " not in text.plain and text.cell_length > width - LABEL_WIDTH:
        return Content.assemble((label, "$text-muted"), "\n", text, "\n")
    lines = text.wrap(width - LABEL_WIDTH) if width > LABEL_WIDTH + 10 else [text]
    indent = Content(" " * LABEL_WIDTH)
    parts: list[Content | tuple[str, str] | str] = [(f"{label:<{LABEL_WIDTH}}", "$text-muted")]
    for number, line in enumerate(lines):
        parts.extend([indent, line, "\n"] if number else [line, "\n"])
    return Content.assemble(*parts)


def paper_header(
    paper: Paper, state: PaperState, new: bool = False, width: int = 0, reason: str = ""
) -> Content:
    """The metadata block shown above the summary, built without markup parsing.

    ``width``: the cells the header has, so long values (authors, links) wrap in their own column;
    ``reason``: why the paper ranks where it does (shown while the list is ranked).
    """
    marks = []
    marks.append("unread" if not state.read else "read")
    if state.starred:
        marks.append("★ starred")
    if new:
        marks.append("new in the last refresh")
    parts: list[Content] = [
        Content.styled(clean_line(paper.title) or "(untitled)", "bold $text-accent"),
        Content("\n"),
        Content.styled(" · ".join(marks), "$text-warning" if state.starred else "$text-muted"),
        Content("\n\n"),
    ]
    if reason:
        parts.append(_field("Why", reason, "$text-success", width))
    if state.tags:
        parts.append(_field("Tags", ", ".join(state.tags), "$text-primary", width))
    if state.note:
        parts.append(_field("Note", state.note, "italic", width))
    if paper.authors:
        parts.append(_field("Authors", authors_line(paper.authors), width=width))
    if paper.affiliations:
        parts.append(_field("Affiliations", "; ".join(paper.affiliations), width=width))
    if paper.categories:
        parts.append(_field("Categories", ", ".join(paper.categories), "$text-primary", width))
    if paper.keywords:
        parts.append(_field("Keywords", ", ".join(paper.keywords), width=width))
    if paper.arxiv_id:
        version = f"v{paper.version}" if paper.version else ""
        parts.append(_field("arXiv", f"{paper.arxiv_id}{version}", width=width))
    if paper.published:
        parts.append(_field("Date", paper.published.strftime("%Y-%m-%d %H:%M %Z"), width=width))
    if venue := venue_line(paper):
        parts.append(_field("Journal", venue, width=width))
    elif paper.journal_ref:
        parts.append(_field("Journal", paper.journal_ref, width=width))
    if paper.doi_url:
        parts.append(_field("DOI", paper.doi_url, "underline", width))
    if paper.feeds:
        names = ", ".join(feed_name(feed) for feed in paper.feeds)
        parts.append(_field("Feeds" if len(paper.feeds) > 1 else "Feed", names, width=width))
    if elsewhere := elsewhere_line(paper):
        parts.append(_field("Elsewhere", elsewhere, "$text-muted", width))
    for name, url in (("PDF", paper.links.pdf), ("Abstract", paper.links.abs), ("Post", paper.links.post)):
        if url:
            parts.append(_field(name, url, "underline", width))
    return Content.assemble(*parts)


class DetailPane(VerticalScroll, can_focus=True):
    """Scrollable view of one paper."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "app.switch_pane", "Pane", show=False, id="app.switch_pane"),
    ]
    """The screen's own tab (focus next) would win over the app's and land in the filter bar."""

    @dataclass
    class LinkClicked(Message):
        """A link in the rendered summary was clicked; the app decides whether it may open."""

        href: str
        paper: Paper | None

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's keyword
        super().__init__(id=id)
        self.paper: Paper | None = None
        self._timer: Timer | None = None
        self._rendered_id: str | None = None
        self._header_height = -1
        self._state = PaperState()
        self._header_width = -1
        self._hrefs: dict[str, str] = {}
        self._summary: Markdown | None = None
        """The rendered summary, mounted with the first one (after the list has been drawn)."""
        self._summary_mounted: AwaitMount | None = None
        self.new_ids: frozenset[str] = frozenset()
        """Papers the last refresh brought in (the app keeps this current)."""
        self._held = False
        self.reason = ""
        """Why the shown paper ranks where it does ("" unless the list is ranked); set before :meth:`show`."""

    def compose(self) -> ComposeResult:
        yield Static(Content("No paper selected."), id="detail-header")
        # The summary's Markdown widget (and markdown-it, pygments: ~30 ms of imports) comes with
        # the first summary, after the list has been drawn: see _render_summary.

    def show(self, paper: Paper | None, state: PaperState) -> None:
        """Show ``paper`` now (header) and soon (summary)."""
        self.paper = paper
        header = self.query_one("#detail-header", Static)
        if paper is None:
            header.update(Content("No paper matches."))
            self._schedule_summary()
            return
        self._update_header(paper, state)
        if paper.id != self._rendered_id:
            if self.scroll_y:
                self.scroll_home(animate=False)
            self._schedule_summary()

    def update_state(self, state: PaperState) -> None:
        """Redraw the header after a read/starred change, leaving the summary alone."""
        if self.paper is not None:
            self._update_header(self.paper, state)

    def on_resize(self) -> None:
        """Values wrap to the header's width, so a new width needs a new header.

        (Resize also comes when only the scrollable height changes, as a taller header makes it.)
        """
        if self.paper is not None:
            self.call_after_refresh(self._rewrap_header)

    def _rewrap_header(self) -> None:
        width = self.query_one("#detail-header", Static).content_region.width
        if self.paper is not None and width != self._header_width:
            self._update_header(self.paper, self._state)

    def _update_header(self, paper: Paper, state: PaperState) -> None:
        """Replace the header, re-laying out the pane only when the header's height changes.

        A layout pass moves every block of the rendered summary; skipping it when the new paper's
        header wraps to as many lines as the old one keeps cursor moves cheap.
        """
        self._state = state
        header = self.query_one("#detail-header", Static)
        width = header.content_region.width
        self._header_width = width
        content = paper_header(paper, state, paper.id in self.new_ids, width, self.reason)
        height = len(content.wrap(width)) if width > 0 else -1
        header.update(content, layout=height != self._header_height or height < 0)
        self._header_height = height

    def hold_summary(self) -> None:
        """Render no summary until :meth:`release_summary` (the header still follows the cursor)."""
        self._held = True

    def release_summary(self) -> None:
        if self._held:
            self._held = False
            if self._rendered_id != (self.paper.id if self.paper is not None else None):
                self._schedule_summary()

    def _schedule_summary(self) -> None:
        if self._held:
            return
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(MARKDOWN_DEBOUNCE, self._render_summary)

    async def _render_summary(self) -> None:
        from reader_tui.render import summary_markdown  # with the first summary, after the list is drawn

        paper = self.paper
        markdown = "" if paper is None else summary_markdown(paper.summary_html, paper.first_link)
        self._rendered_id = None if paper is None else paper.id
        # Textual hands link clicks over percent-decoded; remember each link as written so the
        # opener gets the URL the feed gave (``a%20b`` must not become ``a b``, nor ``%26`` an ``&``).
        self._hrefs = {unquote(href): href for href in _MARKDOWN_LINK.findall(markdown)}
        if self._summary is None:
            from textual.widgets import Markdown

            self._summary = Markdown(id="detail-summary", open_links=False)
            self._summary_mounted = self.mount(self._summary)
        if self._summary_mounted is not None:  # a render that starts while the first mounts waits
            await self._summary_mounted
        await self._summary.update(markdown)

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        self.post_message(self.LinkClicked(self._hrefs.get(event.href, event.href), self.paper))

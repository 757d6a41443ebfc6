"""The paper list: one terminal row per paper, fast at 100,000 papers.

A filter keystroke replaces the whole list, so nothing here may cost per paper up front: the widget is a
line-API :class:`~textual.scroll_view.ScrollView` that stores the sequence it is given and renders a row
only when it scrolls into view, keeping recently drawn rows in an LRU cache. There is never one widget
per paper (no DataTable/OptionList/ListView, whose set-up is linear in the row count).

Paper text is untrusted, so rows are built from plain strings (after :func:`~reader_tui.safety.clean_line`)
put straight into :class:`~rich.segment.Segment` objects: nothing is ever parsed as markup. Column widths
are measured in terminal cells, so CJK titles and emoji keep the columns aligned.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar, NamedTuple

from rich.cells import cell_len, chop_cells
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from reader_tui.listing import Listing
from reader_tui.model import Paper, PaperState
from reader_tui.safety import clean_line
from reader_tui.ui import actions

UNREAD_MARK = "●"
NEW_MARK = "N"
"""Takes the unread mark's place on an unread paper that arrived in the last refresh (as in newsboat)."""
STAR_MARK = "★"
ELLIPSIS = "…"
DATE_WIDTH = 8
"""``May 29`` for this year's papers, ``May 2025`` for older ones: the title gets the cells saved."""
AUTHOR_WIDTH = 14
CATEGORY_WIDTH = 8
GAP = 2
MARKS_WIDTH = 4
"""Unread (or new) mark, space, star mark, space."""
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MIN_TITLE_WIDTH = 20
"""Below this even the date gives way, so the title stays readable."""
TITLE_ROOM = 70
"""Author and category are shown only when the title keeps this many cells (newsboat gives ~90 at 120
columns): triage is reading titles. At 120 columns the list's 73 cells give the title 59 (it had 33
with author and category always on), at 160 columns 74 (was 58), at 80 columns 65 (was 39), and 79 at
120 columns with the detail pane hidden (``z``)."""
_NAME_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})


class Columns(NamedTuple):
    """Cell widths of one row's columns for a given widget width; 0 means the column is not shown."""

    date: int
    title: int
    author: int
    category: int


def columns_for(width: int) -> Columns:
    """Lay out a row of ``width`` cells, title first: author and category only while the title keeps
    :data:`TITLE_ROOM` cells (author goes first), the date only while it keeps :data:`MIN_TITLE_WIDTH`."""
    date, author, category = DATE_WIDTH + GAP, GAP + AUTHOR_WIDTH, GAP + CATEGORY_WIDTH
    for shown in ((date, author, category), (date, 0, category), (date, 0, 0), (0, 0, 0)):
        title = width - MARKS_WIDTH - sum(shown)
        needed = TITLE_ROOM if shown[1] or shown[2] else MIN_TITLE_WIDTH
        if title >= needed or shown == (0, 0, 0):
            return Columns(shown[0], max(0, title), shown[1], shown[2])
    raise AssertionError("unreachable")  # pragma: no cover


def fit(text: str, width: int) -> str:
    """``text`` padded or cut to exactly ``width`` cells, ending in … when cut.

    Cutting goes by grapheme and cell width, so a double-width character is never split in half (a
    cut that would land inside one leaves a space instead).
    """
    if width <= 0:
        return ""
    size = cell_len(text)
    if size <= width:
        return text + " " * (width - size)
    head = chop_cells(text, width - 1)[0].rstrip() if width > 1 else ""
    head += ELLIPSIS
    return head + " " * (width - cell_len(head))


def short_date(published: datetime | None, this_year: int) -> str:
    """``May 29`` within ``this_year``, else ``May 2025``; month names are English whatever the locale."""
    if published is None:
        return ""
    month = _MONTHS[published.month - 1]
    if published.year == this_year:
        return f"{month} {published.day:02d}"
    return f"{month} {published.year}"


def short_author(authors: Sequence[str]) -> str:
    """The first author's surname-ish short form, plus " et al." when there are more authors.

    "Rainone, Corrado" and "Corrado Rainone" both give "Rainone"; a name with no spaces (common for
    CJK names) is kept whole; "Jr."-style suffixes are skipped.
    """
    names = [name for name in (clean_line(a) for a in authors) if name]
    if not names:
        return ""
    first = names[0]
    if "," in first:
        surname = first.split(",", 1)[0].strip()
    else:
        parts = first.split(" ")
        while len(parts) > 1 and parts[-1].lower() in _NAME_SUFFIXES:
            parts.pop()
        surname = parts[-1]
    return surname + (" et al." if len(names) > 1 else "")


def format_row(
    paper: Paper,
    state: PaperState,
    width: int,
    *,
    new: bool = False,
    this_year: int = 0,
    badge: str | None = None,
) -> tuple[str, str, str]:
    """The row's text in three parts: unread mark + space, star mark, and the rest (exactly ``width``).

    Split so the star can be coloured on its own; ``"".join`` of the parts is what the user sees.
    ``new``: the paper arrived in the last refresh; ``this_year`` decides how short the date can be;
    ``badge`` takes the date's place (the relevance score when the list is ranked).
    """
    cols = columns_for(width)
    marks = (" " if state.read else NEW_MARK if new else UNREAD_MARK) + " "
    star = STAR_MARK if state.starred else " "
    rest = " "
    if cols.date:
        shown = badge if badge is not None else short_date(paper.published, this_year)
        rest += fit(shown, DATE_WIDTH) + " " * GAP
    rest += fit(clean_line(paper.title), cols.title)
    if cols.author:
        rest += " " * GAP + fit(short_author(paper.authors), AUTHOR_WIDTH)
    if cols.category:
        rest += " " * GAP + fit(clean_line(paper.primary_category), CATEGORY_WIDTH)
    # Widths too small for even the marks: cut everything to the cells there are.
    if width < MARKS_WIDTH:
        whole = fit(marks + star + rest, width) if width > 0 else ""
        return whole, "", ""
    return marks, star, rest


_NOT_ANNOUNCED = object()


class PaperList(ScrollView, can_focus=True):
    """One row per paper: unread/read and starred marks, date, title, first author (+ "et al."), category.

    ``state_of(paper_id)`` is asked for the read/starred state of each row as it is drawn, so it must be
    cheap (a dict lookup). After a state change call :meth:`refresh_paper` (one paper) or ``refresh()``
    (many); the rows re-render because the state is part of the row cache key.
    """

    BINDINGS: ClassVar[list[BindingType]] = actions.bindings("list")
    """Moving keys, declared in ``ui/actions.py``."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "paper-list--cursor",
        "paper-list--unread",
        "paper-list--read",
        "paper-list--starred",
    }

    DEFAULT_CSS = """
    PaperList {
        height: 1fr;
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-gutter: stable;
        & > .paper-list--unread {
            color: $foreground;
            text-style: bold;
        }
        & > .paper-list--read {
            color: $text-muted;
            text-style: none;
        }
        & > .paper-list--starred {
            color: $warning;
        }
        & > .paper-list--cursor {
            color: $block-cursor-blurred-foreground;
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .paper-list--cursor {
            color: $block-cursor-foreground;
            background: $block-cursor-background;
            text-style: $block-cursor-text-style;
        }
    }
    """

    cursor: reactive[int] = reactive(0, repaint=False, init=False)
    """Index of the highlighted row in :attr:`papers` (0 when the list is empty)."""

    @dataclass
    class Highlighted(Message):
        """The highlighted paper changed (``None``: the list is empty). Bursts collapse to the latest."""

        paper: Paper | None
        paper_list: PaperList

        @property
        def control(self) -> PaperList:
            return self.paper_list

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, PaperList.Highlighted) and message.paper_list is self.paper_list

    def __init__(
        self,
        state_of: Callable[[str], PaperState],
        *,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's own keyword
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._state_of = state_of
        self._papers: Sequence[Paper] = ()
        self._ids: Sequence[str] = ()
        self._new_ids: frozenset[str] = frozenset()
        self.this_year = datetime.now(UTC).year
        """Papers from this year show ``May 29``, older ones ``May 2025``; the app sets it from its clock."""
        self._announced: object = _NOT_ANNOUNCED
        # Key: (paper id, read, starred, is cursor row, width, row style). The value keeps the Paper
        # object too: a new Paper with the same id (re-fetched, edited title) must not reuse the strip.
        # Rows of new papers are forgotten wholesale when the new set changes (:meth:`set_new_ids`).
        self._line_cache: LRUCache[tuple[str, bool, bool, bool, int, Style, str | None], tuple[Paper, Strip]]
        self._line_cache = LRUCache(maxsize=1000)
        self._row_styles: dict[tuple[bool, bool], Style] = {}
        self._badges: Mapping[str, str] = {}
        self._star_color: Style | None = None

    # -- public API ---------------------------------------------------------------------------------

    @property
    def papers(self) -> Sequence[Paper]:
        """The rows, in display order (the sequence given to :meth:`set_papers`, not a copy)."""
        return self._papers

    @property
    def ids(self) -> Sequence[str]:
        """The rows' paper ids, in display order (nothing decoded)."""
        return self._ids

    @property
    def current(self) -> Paper | None:
        """The paper under the cursor, or ``None`` when the list is empty."""
        papers = self._papers
        return papers[self.cursor] if 0 <= self.cursor < len(papers) else None

    def set_papers(self, papers: Sequence[Paper], keep_id: str | None = None) -> None:
        """Replace the rows; keep the cursor on ``keep_id`` when it is present, else clamp it.

        Rows are rendered lazily as they are drawn; a :class:`~reader_tui.listing.Listing` decodes only
        those papers. The sequence is stored as given, so do not mutate it afterwards.
        """
        self._papers = papers
        self._ids = papers.ids if isinstance(papers, Listing) else [paper.id for paper in papers]
        target = self._index_of(keep_id) if keep_id is not None else None
        if target is None:
            target = self._clamp(self.cursor)
        self._update_virtual_size()
        self.set_reactive(PaperList.cursor, target)
        self.refresh()
        self._scroll_to_cursor()
        self._announce()

    def set_new_ids(self, new_ids: frozenset[str]) -> None:
        """The papers that arrived in the last refresh: their unread mark becomes :data:`NEW_MARK`."""
        if new_ids != self._new_ids:
            self._new_ids = new_ids
            self._line_cache.clear()
            self.refresh()

    def set_badges(self, badges: Mapping[str, str]) -> None:
        """Short texts shown instead of the date (the relevance score while the list is ranked)."""
        if badges != self._badges:
            self._badges = badges
            self._line_cache.clear()
            self.refresh()

    def select_id(self, paper_id: str) -> bool:
        """Move the cursor to the paper with this id; return False (cursor unchanged) if it is not listed."""
        index = self._index_of(paper_id)
        if index is None:
            return False
        self.cursor = index
        return True

    def refresh_paper(self, paper_id: str) -> None:
        """The paper's state changed: forget its cached rows and repaint its row if it is on screen."""
        cache = self._line_cache
        for key in [key for key in cache.keys() if key[0] == paper_id]:
            cache.discard(key)
        top = round(self.scroll_y)
        ids = self._ids
        for index in range(top, min(len(ids), top + max(1, self.size.height))):
            if ids[index] == paper_id:
                self.refresh_line(index)

    # -- cursor ---------------------------------------------------------------------------------------

    def validate_cursor(self, cursor: int) -> int:
        return self._clamp(cursor)

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_line(old)
        self.refresh_line(new)
        self._scroll_to_cursor()
        self._announce()

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = len(self._papers) - 1

    def action_next_unread(self) -> None:
        """Jump past read papers to the next unread one (as newsboat's ``n``); stay put if none."""
        self._jump_to_unread(range(self.cursor + 1, len(self._papers)))

    def action_previous_unread(self) -> None:
        self._jump_to_unread(range(self.cursor - 1, -1, -1))

    def _jump_to_unread(self, indexes: range) -> None:
        ids, state_of = self._ids, self._state_of
        for index in indexes:
            if not state_of(ids[index]).read:
                self.cursor = index
                return
        self.app.bell()

    def action_page_down(self) -> None:
        self._move_page(+1)

    def action_page_up(self) -> None:
        self._move_page(-1)

    def _move_page(self, direction: int) -> None:
        """Move cursor and view together by a page, so the cursor keeps its place on screen."""
        page = max(1, self.scrollable_content_region.height)
        self.scroll_to(y=self.scroll_y + direction * page, animate=False, immediate=True)
        self.cursor += direction * page

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = round(self.scroll_y) + offset.y
        if 0 <= index < len(self._papers):
            self.cursor = index

    # -- rendering ------------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = round(self.scroll_y) + y
        papers = self._papers
        if not 0 <= index < len(papers):
            return Strip.blank(width, self.rich_style)
        paper = papers[index]
        state = self._state_of(paper.id)
        is_cursor = index == self.cursor
        row_style = self._row_style(state.read, is_cursor)
        badge = self._badges.get(paper.id)
        key = (paper.id, state.read, state.starred, is_cursor, width, row_style, badge)
        cached = self._line_cache.get(key)
        if cached is not None and cached[0] is paper:
            return cached[1]
        marks, star, rest = format_row(
            paper, state, width, new=paper.id in self._new_ids, this_year=self.this_year, badge=badge
        )
        star_style = row_style
        if state.starred and not is_cursor:
            star_style = self._star_style(row_style)
        strip = Strip([Segment(marks, row_style), Segment(star, star_style), Segment(rest, row_style)], width)
        self._line_cache[key] = (paper, strip)
        return strip

    def _row_style(self, read: bool, is_cursor: bool) -> Style:
        """The style of a whole row; memoised because ``rich_style`` walks the DOM on every call."""
        key = (read, is_cursor)
        style = self._row_styles.get(key)
        if style is None:
            # Full (not partial) component styles: they have translucent theme colours (the blurred
            # cursor's background, $text-muted) already blended over the list's background.
            style = self.rich_style + self.get_component_rich_style(
                "paper-list--read" if read else "paper-list--unread"
            )
            if is_cursor:
                style += self.get_component_rich_style("paper-list--cursor")
            self._row_styles[key] = style
        return style

    def _star_style(self, row_style: Style) -> Style:
        if self._star_color is None:
            self._star_color = Style(color=self.get_component_rich_style("paper-list--starred").color)
        return row_style + self._star_color

    def notify_style_update(self) -> None:
        """Theme, focus or CSS changed: recompute row styles; cached rows carry the old colours."""
        super().notify_style_update()
        self._row_styles.clear()
        self._star_color = None
        self._line_cache.clear()
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self._update_virtual_size()
        self._scroll_to_cursor()

    # -- helpers --------------------------------------------------------------------------------------

    def _clamp(self, index: int) -> int:
        return max(0, min(index, len(self._papers) - 1))

    def _index_of(self, paper_id: str) -> int | None:
        ids = self._ids
        cursor = self.cursor
        if 0 <= cursor < len(ids) and ids[cursor] == paper_id:
            return cursor
        try:
            return ids.index(paper_id)
        except ValueError:
            return None

    def _update_virtual_size(self) -> None:
        size = Size(self.scrollable_content_region.width, len(self._papers))
        if size != self.virtual_size:
            self.virtual_size = size  # scrollbars follow on the next layout
            if self.is_mounted and self.scroll_y > self.max_scroll_y:  # a shorter list: no blank page
                self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)

    def _scroll_to_cursor(self) -> None:
        if not self.is_mounted or not self._papers or not self.scrollable_content_region.height:
            return
        self.scroll_to_region(
            Region(0, self.cursor, max(1, self.scrollable_content_region.width), 1),
            animate=False,
            force=True,
            immediate=True,
        )

    def _announce(self) -> None:
        """Post :class:`Highlighted` when the paper under the cursor is not the one last announced."""
        paper = self.current
        if paper is not self._announced:
            self._announced = paper
            self.post_message(self.Highlighted(paper, self))

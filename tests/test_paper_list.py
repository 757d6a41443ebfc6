"""The paper list as a user meets it: keys and clicks move the cursor, rows read right and stay aligned."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.strip import Strip
from textual.widgets import Static

from reader_tui.model import Paper, PaperState
from reader_tui.ui.paper_list import PaperList, columns_for, fit, short_author, short_date

SIZE = (100, 30)
WIDE = (130, 30)
"""Wide enough that the author column shows beside a full title (see paper_list.TITLE_ROOM)."""


def make_paper(i: int, title: str | None = None, authors: Sequence[str] | None = None) -> Paper:
    return Paper(
        id=f"2605.{i:05d}",
        title=title if title is not None else f"Paper number {i} on multi-agent systems",
        authors=list(authors) if authors is not None else ["Corrado Rainone", "Ada Lovelace"],
        categories=["cs.MA", "cs.AI"],
        published=datetime(2026, 5, 29, 12, 0, tzinfo=UTC),
    )


class ListApp(App[None]):
    """Just a PaperList (and a second focusable widget to blur it), with state from a dict."""

    def __init__(self, papers: Sequence[Paper]) -> None:
        super().__init__()
        self.initial = papers
        self.states: dict[str, PaperState] = {}
        self.highlighted: list[Paper | None] = []

    def compose(self) -> ComposeResult:
        yield PaperList(lambda pid: self.states.get(pid, PaperState()), id="papers")
        other = Static("elsewhere", id="other")
        other.can_focus = True
        yield other

    def on_mount(self) -> None:
        self.paper_list.this_year = 2026  # the papers' year: dates show as "May 29"
        self.paper_list.set_papers(self.initial)
        self.paper_list.focus()

    @property
    def paper_list(self) -> PaperList:
        return self.query_one(PaperList)

    def on_paper_list_highlighted(self, message: PaperList.Highlighted) -> None:
        self.highlighted.append(message.paper)


def row(widget: PaperList, y: int) -> str:
    return widget.render_line(y).text


def screen_row(app: App[None], y: int) -> str:
    """What the terminal shows on line ``y``: unlike ``render_line``, only rows that were repainted change."""
    return app.screen._compositor.render_strips()[y].text


def visible(widget: PaperList) -> range:
    top = round(widget.scroll_y)
    return range(top, top + widget.scrollable_content_region.height)


async def test_keys_move_cursor_and_announce_the_paper() -> None:
    papers = [make_paper(i) for i in range(200)]
    app = ListApp(papers)
    async with app.run_test(size=SIZE) as pilot:
        pl = app.paper_list
        await pilot.pause()
        assert app.highlighted[-1] is papers[0]
        page = pl.scrollable_content_region.height

        for key, expected in [
            ("j", 1),
            ("down", 2),
            ("k", 1),
            ("up", 0),
            ("k", 0),
            ("pagedown", page),
            ("pagedown", 2 * page),
            ("pageup", page),
            ("G", 199),
            ("j", 199),
            ("g", 0),
            ("end", 199),
            ("home", 0),
        ]:
            await pilot.press(key)
            await pilot.pause()
            assert pl.cursor == expected, key
            assert pl.current is papers[expected]
            assert app.highlighted[-1] is papers[expected], key
            assert pl.cursor in visible(pl), key
        # The cursor row shows the paper it announces.
        await pilot.press("G")
        await pilot.pause()
        assert "Paper number 199 " in row(pl, pl.cursor - round(pl.scroll_y))


async def test_n_and_p_jump_over_read_papers() -> None:
    papers = [make_paper(i) for i in range(8)]
    app = ListApp(papers)
    for i in (1, 2, 3, 6, 7):
        app.states[papers[i].id] = PaperState(read=True)
    async with app.run_test(size=SIZE) as pilot:
        pl = app.paper_list
        for key, expected in [("n", 4), ("n", 5), ("n", 5), ("p", 4), ("p", 0), ("p", 0)]:
            await pilot.press(key)
            await pilot.pause()
            assert pl.cursor == expected, key  # no unread beyond: the cursor stays (and the bell rings)


async def test_paging_keeps_cursor_on_same_screen_row() -> None:
    app = ListApp([make_paper(i) for i in range(500)])
    async with app.run_test(size=SIZE) as pilot:
        pl = app.paper_list
        await pilot.press("j", "j", "j")
        await pilot.press("pagedown")
        await pilot.pause()
        assert pl.cursor - round(pl.scroll_y) == 3
        await pilot.press("pageup")
        await pilot.pause()
        assert (pl.cursor, round(pl.scroll_y)) == (3, 0)


async def test_hundred_thousand_papers_stay_navigable() -> None:
    papers = [make_paper(i) for i in range(100_000)]
    app = ListApp(papers[:10])
    async with app.run_test(size=SIZE) as pilot:
        pl = app.paper_list
        pl.set_papers(papers)
        await pilot.pause()
        assert pl.virtual_size.height == 100_000
        await pilot.press("G")
        await pilot.pause()
        assert pl.current is papers[-1]
        assert "Paper number 99999 " in row(pl, pl.cursor - round(pl.scroll_y))
        await pilot.press("k", "pageup")
        await pilot.pause()
        assert pl.current is papers[99_998 - pl.scrollable_content_region.height]
        assert app.highlighted[-1] is pl.current
        await pilot.press("g")
        await pilot.pause()
        assert pl.current is papers[0]
        assert "Paper number 0 " in row(pl, 0)


async def test_keep_id_keeps_selection_across_set_papers() -> None:
    papers = [make_paper(i) for i in range(100)]
    app = ListApp(papers)
    async with app.run_test(size=SIZE) as pilot:
        pl = app.paper_list
        assert pl.select_id(papers[60].id)
        await pilot.pause()
        assert app.highlighted[-1] is papers[60]

        # The same paper, now at another position (e.g. the sort order flipped).
        pl.set_papers(papers[::-1], keep_id=papers[60].id)
        await pilot.pause()
        assert pl.current is papers[60]
        assert pl.cursor == 39
        assert pl.cursor in visible(pl)
        assert "Paper number 60 " in row(pl, pl.cursor - round(pl.scroll_y))

        # A filter that drops it: the cursor is clamped and the new current paper announced.
        pl.set_papers(papers[:10], keep_id=papers[60].id)
        await pilot.pause()
        assert pl.current is papers[9]
        assert app.highlighted[-1] is papers[9]

        # Unknown ids are refused without moving.
        assert not pl.select_id("no-such-paper")
        assert pl.current is papers[9]

        # An empty result: nothing current, and that is announced too.
        pl.set_papers([], keep_id=papers[9].id)
        await pilot.pause()
        assert pl.current is None
        assert app.highlighted[-1] is None
        await pilot.press("j", "G", "pagedown")
        assert pl.current is None
        assert row(pl, 0).strip() == ""


async def test_replaced_paper_with_same_id_shows_new_text() -> None:
    app = ListApp([make_paper(0, "Old title")])
    async with app.run_test(size=SIZE) as pilot:
        pl = app.paper_list
        await pilot.pause()
        assert "Old title" in row(pl, 0)
        pl.set_papers([make_paper(0, "Corrected title")], keep_id=make_paper(0).id)
        await pilot.pause()
        assert "Corrected title" in row(pl, 0)


@pytest.mark.parametrize(
    "title",
    [
        "[@click=app.quit]x[/]",
        "[/bold] unbalanced close",
        "[b]b[/b] [link=https://e.x]l[/link]",
        ":warning: $accent {braces}",
    ],
)
async def test_markup_looking_titles_show_literally(title: str) -> None:
    app = ListApp([make_paper(0, title, authors=["[b]Eve[/b]"])])
    async with app.run_test(size=WIDE) as pilot:
        pl = app.paper_list
        await pilot.pause()
        text = row(pl, 0)
        assert title in text
        assert "[b]Eve[/b]" in text
        await pilot.click(PaperList, offset=(20, 0))
        await pilot.pause()
        assert app.is_running


async def test_escape_sequences_and_controls_are_stripped_from_rows() -> None:
    title = "Red\x1b[31m alert\x1b[0m\x1b]8;;https://evil.example\x07click\x1b]8;;\x07 \u202eevil\n\tnext"
    app = ListApp([make_paper(0, title, authors=["Eve\x1b[2J Hacker"])])
    async with app.run_test(size=WIDE) as pilot:
        pl = app.paper_list
        await pilot.pause()
        text = row(pl, 0)
        assert "Red alertclick evil next" in text
        assert "Hacker" in text
        assert not any(ord(ch) < 0x20 or ch == "\u202e" for ch in text)


async def test_wide_characters_keep_columns_aligned() -> None:
    titles = [
        "An ASCII title that is long enough to be cut off somewhere near the author column for sure",
        "大型语言模型的多智能体协作推理与规划研究：一种基于图神经网络的方法以及其在机器人中的应用",
        "x大型语言模型的多智能体协作推理与规划研究：一种基于图神经网络的方法以及其在机器人中的应用",
        "Emoji 🎉🚀🔥 in titles 👩‍🔬 are two cells wide each, and keep going 🎉🚀🔥🎉🚀🔥🎉🚀🔥🎉🚀🔥",
        "Short 中文",
    ]
    papers = [make_paper(i, t, authors=["山田 太郎", "B"] if i == 1 else None) for i, t in enumerate(titles)]
    app = ListApp(papers)
    async with app.run_test(size=(114, 30)) as pilot:  # just wide enough for the author column
        pl = app.paper_list
        await pilot.pause()
        width = pl.scrollable_content_region.width
        rows = [row(pl, y) for y in range(len(papers))]
        for text in rows:
            assert cell_len(text) == width
        # The column after the title (author) starts in the same cell on every row.
        author_starts = {cell_len(text[: text.rindex("et al.")].rstrip().rsplit("  ", 1)[0]) for text in rows}
        assert len(author_starts) == 1
        category_starts = {cell_len(text[: text.index("cs.MA")]) for text in rows}
        assert len(category_starts) == 1
        assert "…" in rows[1] and "…" in rows[2]


async def test_narrow_list_drops_author_then_category() -> None:
    paper = make_paper(0, "A reasonably descriptive title for a paper")
    app = ListApp([paper])
    async with app.run_test(size=(42, 10)) as pilot:  # 40 content cells beside the scrollbar gutter
        pl = app.paper_list
        await pilot.pause()
        text = row(pl, 0)
        assert pl.scrollable_content_region.width == 40
        assert cell_len(text) == 40
        assert "May 29" in text
        assert "A reasonably" in text
        assert "Rainone" not in text and "cs.MA" not in text
    assert columns_for(120).author and columns_for(120).category and columns_for(120).title >= 70
    assert columns_for(100).category and not columns_for(100).author  # the title keeps 70 cells
    mid = columns_for(50)
    assert mid.date and not mid.category and not mid.author and mid.title == 50 - 4 - 10


async def test_refresh_paper_shows_new_markers() -> None:
    papers = [make_paper(i) for i in range(5)]
    app = ListApp(papers)
    async with app.run_test(size=SIZE) as pilot:
        pl = app.paper_list
        await pilot.pause()
        assert screen_row(app, 2).startswith("●   May 29    ")
        unread_style = list(pl.render_line(2))[-1].style
        app.states[papers[2].id] = PaperState(read=True, starred=True)
        pl.refresh_paper(papers[2].id)
        await pilot.pause()
        assert screen_row(app, 2).startswith("  ★ May 29    ")
        assert screen_row(app, 3).startswith("●   ")
        read_style = list(pl.render_line(2))[-1].style
        assert unread_style is not None and read_style is not None
        # Unread rows stand out; read rows are muted.
        assert unread_style.bold and not read_style.bold
        assert unread_style.color != read_style.color
        app.states[papers[2].id] = PaperState(read=False, starred=False)
        pl.refresh_paper(papers[2].id)
        await pilot.pause()
        assert screen_row(app, 2).startswith("●   ")


async def test_new_papers_carry_the_new_mark_until_read() -> None:
    papers = [make_paper(i) for i in range(5)]
    app = ListApp(papers)
    async with app.run_test(size=SIZE) as pilot:
        pl = app.paper_list
        await pilot.pause()
        pl.set_new_ids(frozenset({papers[1].id, papers[2].id}))
        await pilot.pause()
        assert [screen_row(app, y)[:1] for y in range(4)] == ["●", "N", "N", "●"]
        app.states[papers[2].id] = PaperState(read=True)
        pl.refresh_paper(papers[2].id)
        await pilot.pause()
        assert screen_row(app, 2)[:1] == " "  # a read paper needs no flag, new or not
        pl.set_new_ids(frozenset())  # the next refresh brought nothing
        await pilot.pause()
        assert screen_row(app, 1)[:1] == "●"


def test_dates_are_short_this_year_and_keep_the_year_otherwise() -> None:
    assert short_date(datetime(2026, 5, 9, tzinfo=UTC), 2026) == "May 09"
    assert short_date(datetime(2025, 12, 31, tzinfo=UTC), 2026) == "Dec 2025"
    assert short_date(None, 2026) == ""


async def test_cursor_row_is_highlighted_and_differs_when_blurred() -> None:
    app = ListApp([make_paper(i) for i in range(5)])
    async with app.run_test(size=SIZE) as pilot:
        pl = app.paper_list
        await pilot.pause()

        def bg(y: int) -> object:
            style = list(pl.render_line(y))[-1].style
            assert style is not None
            return style.bgcolor

        focused_cursor, plain = bg(0), bg(1)
        assert focused_cursor != plain
        app.query_one("#other").focus()
        await pilot.pause()
        assert not pl.has_focus
        assert bg(0) != focused_cursor
        assert bg(1) == plain


async def test_theme_switch_recolours_rows() -> None:
    app = ListApp([make_paper(i) for i in range(5)])
    async with app.run_test(size=SIZE) as pilot:
        pl = app.paper_list
        app.theme = "textual-dark"
        await pilot.pause()

        def colours() -> tuple[object, object, object]:
            cursor, plain = list(pl.render_line(0))[-1].style, list(pl.render_line(1))[-1].style
            assert cursor is not None and plain is not None
            return cursor.bgcolor, plain.bgcolor, plain.color

        dark = colours()
        app.theme = "textual-light"
        await pilot.pause()
        light = colours()
        assert light[1] != dark[1] and light[2] != dark[2]
        assert light[0] != light[1]
        assert screen_row(app, 1).startswith("●   May 29    Paper number 1 ")


async def test_cursor_move_repaints_only_the_two_rows() -> None:
    drawn: list[int] = []

    class CountingList(PaperList):
        def render_line(self, y: int) -> Strip:
            drawn.append(y)
            return super().render_line(y)

    class CountingApp(ListApp):
        def compose(self) -> ComposeResult:
            yield CountingList(lambda pid: self.states.get(pid, PaperState()))

    app = CountingApp([make_paper(i) for i in range(1000)])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "j")
        await pilot.pause()
        drawn.clear()
        await pilot.press("j")
        await pilot.pause()
        assert sorted(set(drawn)) == [2, 3]
        assert screen_row(app, 3).startswith("●   May 29    Paper number 3 ")


async def test_click_selects_row() -> None:
    papers = [make_paper(i) for i in range(300)]
    app = ListApp(papers)
    async with app.run_test(size=SIZE) as pilot:
        pl = app.paper_list
        await pilot.click(PaperList, offset=(30, 5))
        await pilot.pause()
        assert pl.current is papers[5]
        assert app.highlighted[-1] is papers[5]
        pl.scroll_to(y=100, animate=False, immediate=True)
        await pilot.pause()
        await pilot.click(PaperList, offset=(30, 3))
        await pilot.pause()
        assert pl.current is papers[103]
        assert "Paper number 103 " in row(pl, 3)


async def test_highlighted_bursts_collapse_per_list() -> None:
    app = ListApp([make_paper(0)])
    async with app.run_test(size=SIZE):
        pl = app.paper_list
        other = PaperList(lambda pid: PaperState())
        older, newer = PaperList.Highlighted(make_paper(1), pl), PaperList.Highlighted(make_paper(2), pl)
        assert newer.can_replace(older)
        assert not PaperList.Highlighted(make_paper(2), other).can_replace(older)
        assert newer.control is pl


def test_short_author_forms() -> None:
    assert short_author(["Corrado Rainone", "X"]) == "Rainone et al."
    assert short_author(["Rainone, Corrado"]) == "Rainone"
    assert short_author(["Martin Luther King Jr.", "Y"]) == "King et al."
    assert short_author(["张伟", "李娜"]) == "张伟 et al."
    assert short_author(["  ", "Alan Turing"]) == "Turing"
    assert short_author([]) == ""


def test_fit_never_splits_wide_characters() -> None:
    assert fit("中文字", 5) == "中文…"
    assert fit("中文字", 4) == "中… "
    assert fit("abc", 5) == "abc  "
    assert fit("abcdef", 4) == "abc…"
    for width in range(1, 12):
        assert cell_len(fit("中文🎉字e", width)) == width

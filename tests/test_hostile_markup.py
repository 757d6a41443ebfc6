"""Feed text that looks like Textual markup is shown literally everywhere and clicking it does nothing.

Textual parses ``[...]`` as markup in many places (``Static("...")``, ``notify(...)``, ``Label``), where
``[@click=app.quit]x[/]`` becomes a clickable "x" that quits the app, ``[link=javascript:x]y[/link]`` a
hyperlink that Textual opens itself, and ``[/bold]`` or ``[/`` a crash (MarkupError). Each test puts
those strings where a feed can put them, then checks the screen shows them character for character,
and clicks every cell they occupy: the app must keep running and nothing may be opened or copied.
"""

from __future__ import annotations

import html
import io
from datetime import UTC, datetime, timedelta

from conftest import SealedHarness, wait_until
from rich.console import Console
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input
from textual.widgets._toast import Toast

from reader_tui.model import Links, Paper
from reader_tui.ui.app import ReaderApp
from reader_tui.ui.help import HelpScreen

MARKUP = ["[/bold]", "[/", "[@click=app.quit]x[/]", "[link=javascript:x]y[/link]", "\\"]
ALL_MARKUP = " ".join(MARKUP)
SIZE = (120, 40)
DAY = datetime(2026, 5, 29, 12, 0, tzinfo=UTC)
PDF_WITH_BRACKETS = "https://example.org/[/bold]/[/[@click=app.quit]x[/][link=javascript:x]y[/link]\\"
JS_WITH_BRACKETS = "javascript:[@click=app.quit]x[/][link=javascript:x]y[/link][/bold][/\\"


def hostile_papers() -> list[Paper]:
    """One paper carrying every markup string in every field, then one per string (for list rows)."""
    main = Paper(
        id="markup-main",
        title=f"Main {ALL_MARKUP}",
        authors=MARKUP,
        categories=["[/bold]"],
        keywords=MARKUP,
        summary_html=f"<p>Body {html.escape(ALL_MARKUP)}</p><p>[b]raw[/b] {html.escape('[/')}</p>",
        links=Links(abs=JS_WITH_BRACKETS, pdf=PDF_WITH_BRACKETS),
        published=DAY,
    )
    rows = [
        Paper(id=f"markup-{i}", title=f"{i} {text}", published=DAY - timedelta(days=i + 1))
        for i, text in enumerate(MARKUP)
    ]
    return [main, *rows]


def screen_lines(app: ReaderApp) -> list[str]:
    """The terminal as the user sees it, one string per row."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text().splitlines()


def region_text(app: ReaderApp, widget: Widget) -> str:
    """What the screen shows inside ``widget``'s region, rows joined by newlines."""
    region = widget.region
    lines = screen_lines(app)
    return "\n".join(line[region.x : region.right] for line in lines[region.y : region.bottom])


def assert_no_cell_acts(app: ReaderApp, widget: Widget) -> int:
    """No cell of ``widget`` carries a click action or a hyperlink (what a click would run or open).

    Textual decides what a click does from the style of the cell clicked (``@click`` meta, ``link``),
    so this covers every cell without clicking each one. Returns the number of cells checked.
    """
    region = widget.region
    for y in range(region.y, region.bottom):
        for x in range(region.x, region.right):
            style = app.screen.get_style_at(x, y)
            assert "@click" not in style.meta and not style.link, f"cell ({x}, {y}) acts: {style!r}"
    return region.area


async def click_the_payloads(pilot: Pilot[None], widget: Widget) -> int:
    """Click the "x" of each visible ``[@click=app.quit]x[/]`` and the "y" of each link payload."""
    app = pilot.app
    assert isinstance(app, ReaderApp)
    region = widget.region
    clicks = 0
    for y, line in enumerate(screen_lines(app)[region.y : region.bottom], region.y):
        for payload, target in (("[@click=app.quit]x", "x"), ("[link=javascript:x]y", "y")):
            start = line.find(payload, region.x, region.right)
            while start >= 0:
                await pilot.click(offset=(start + len(payload) - len(target), y))
                clicks += 1
                assert app.is_running, f"clicking {payload!r} at row {y} ran feed text as an action"
                start = line.find(payload, start + 1, region.right)
    return clicks


async def test_list_and_detail_show_markup_literally_and_clicks_do_nothing(sealed: SealedHarness) -> None:
    sealed.store.add_papers(hostile_papers())
    app = sealed.app
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(pilot, lambda: app.detail._rendered_id == "markup-main")
        await pilot.pause()
        rows = region_text(app, app.paper_list)
        for i, text in enumerate(MARKUP):
            assert f"{i} {text}"[:24] in rows  # the title column is 27 cells wide here
        detail = region_text(app, app.detail)
        flat = " ".join(detail.split())  # the pane wraps long lines at spaces
        assert f"Main {ALL_MARKUP}" in flat  # the title, in the header
        assert f"Authors {', '.join(MARKUP)}" in flat
        assert f"Body {ALL_MARKUP}" in flat  # the summary, rendered as Markdown
        assert "[b]raw[/b] [/" in flat
        assert PDF_WITH_BRACKETS[:40] in flat  # the link fields, as text

        assert assert_no_cell_acts(app, app.detail) and assert_no_cell_acts(app, app.paper_list)
        assert await click_the_payloads(pilot, app.detail) >= 6  # title, authors, keywords, summary
        assert await click_the_payloads(pilot, app.paper_list) >= 2
        assert app.is_running
        assert sealed.nothing_left_the_app()
        assert len(app._notifications) == 0  # no click opened anything, so nothing was refused


async def test_notifications_show_markup_literally_and_clicks_do_nothing(sealed: SealedHarness) -> None:
    sealed.store.add_papers(hostile_papers())
    app = sealed.app
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(pilot, lambda: app.current is not None and app.current.id == "markup-main")
        await pilot.press("o")  # the PDF link: https, so it opens, and the toast names it
        await pilot.press("a")  # the abstract link: javascript:, refused in one line
        await wait_until(pilot, lambda: len(list(app.screen.query(Toast))) == 2)
        await pilot.pause()
        assert sealed.opened.calls == [PDF_WITH_BRACKETS]
        messages = [n.message for n in app._notifications]
        assert messages[0] == f"opened {PDF_WITH_BRACKETS}"
        assert messages[1].startswith("refused javascript: link") and "\n" not in messages[1]
        assert "[@click=app.quit]x[/][link=javascript:x]y[/link][/bold][/" in messages[1]
        for toast in app.screen.query(Toast):
            shown = region_text(app, toast).replace("▌", "")  # the toast's left edge
            # The toast wraps anywhere, so compare all but whitespace, character for character.
            assert "".join(shown.split()) == "".join(toast._notification.message.split())
            assert_no_cell_acts(app, toast)
        sealed.opened.calls.clear()
        for toast in list(app.screen.query(Toast)):  # the first click dismisses the toast
            assert await click_the_payloads(pilot, toast) >= 1
        await pilot.pause()
        assert app.is_running
        assert sealed.nothing_left_the_app()


async def test_help_screen_and_palette_show_markup_literally(sealed: SealedHarness) -> None:
    """The help screen takes its rows as text; the palette's search box echoes what was typed."""
    app = sealed.app
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        sections = [(text, [(text, f"does {text}")]) for text in MARKUP]
        await app.push_screen(HelpScreen(sections))
        await pilot.pause()
        body = "\n".join(region_text(app, column) for column in app.screen.query(".help-column"))
        rows = [" ".join(line.split()) for line in body.splitlines()]
        for text in MARKUP:
            assert text in rows  # the section title
            assert f"{text} does {text}" in " ".join(rows)  # keys, description (may wrap in a column)
        help_text = app.screen.query_one("#help-columns")
        assert assert_no_cell_acts(app, help_text)
        assert await click_the_payloads(pilot, help_text) == 6  # 3 rows hold each payload
        assert app.is_running
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("ctrl+p")
        search = app.screen.query(Input).first()
        await wait_until(pilot, lambda: search.has_focus)
        for text in MARKUP:
            search.value = ""
            search.insert_text_at_cursor(text)
            await pilot.pause(0.05)
            assert search.value == text
            assert text in "\n".join(screen_lines(app))
            assert app.is_running
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running
        assert sealed.nothing_left_the_app()

"""The reading app as a user meets it: the real app, driven key by key through Textual's Pilot.

Every test builds the app through ``make_app`` (as the CLI does) on a store in a temporary folder,
with a fixed clock and recorders in place of the browser and the clipboard, and checks what the user
would notice: which papers are listed, what the detail pane says, what reached the browser or the
clipboard, what the notifications say, what is still there after a restart.
"""

from __future__ import annotations

import gc
from datetime import UTC, datetime
from pathlib import Path

from conftest import APP_SIZE, FIXED_NOW, Harness
from textual import events
from textual.command import CommandPalette
from textual.widgets import Input, Static

from reader_tui import cite
from reader_tui.feeds import load_feed
from reader_tui.library import ingest, newest_first, sample_sources
from reader_tui.model import Links, Paper
from reader_tui.paper_fields import PaperFields
from reader_tui.query import parse_query
from reader_tui.query_match import MatchContext
from reader_tui.search_index import SearchIndex
from reader_tui.store import Store
from reader_tui.ui.app import ReaderApp
from reader_tui.ui.detail import DetailPane
from reader_tui.ui.help import HelpScreen
from reader_tui.ui.paper_list import STAR_MARK, UNREAD_MARK

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"


def sample_papers(tmp_path: Path) -> list[Paper]:
    """The sample digests' papers in library order, read by the domain layer on its own store."""
    with Store(tmp_path / "reference") as store:
        ingest(store, sample_sources())
        return newest_first(store.papers())


def header_text(app: ReaderApp) -> str:
    return str(app.query_one("#detail-header", Static).content)


def status_text(app: ReaderApp) -> str:
    return str(app.query_one("#filter-status", Static).content)


def listed_ids(app: ReaderApp) -> list[str]:
    return [paper.id for paper in app.paper_list.papers]


def row_text(app: ReaderApp, paper_id: str) -> str:
    """The list row of a paper as drawn (the paper must be scrolled into view)."""
    papers = app.paper_list.papers
    index = next(i for i, paper in enumerate(papers) if paper.id == paper_id)
    return app.paper_list.render_line(index - round(app.paper_list.scroll_y)).text


# ------------------------------------------------------------------------------------ start-up


async def test_first_start_reads_the_sample_digests(harness: Harness, tmp_path: Path) -> None:
    expected = sample_papers(tmp_path)
    assert len(expected) == 30  # three digests, ten distinct papers each (one repeats items)
    app = harness.app()
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        assert listed_ids(app) == [paper.id for paper in expected]
        assert status_text(app) == "30 of 30"
        notes = harness.notifications(app)
        assert any(note.startswith("This is the sample digest") for note in notes)
        assert not any("new papers" in note for note in notes)  # one note, not two covering the summary
        screen = harness.screen_text(app)
        for paper in expected[:20]:  # the rows on screen; titles are cut to the column
            assert paper.title[:20] in screen
        assert "30 of 30" in screen
        assert app.focused is app.paper_list
        header = header_text(app).splitlines()
        assert header[0] == expected[0].title
        assert "Feed         ftxj-2026-05-29.xml" in header


async def test_a_feed_argument_shows_only_that_feeds_papers(harness: Harness) -> None:
    store = harness.store()
    ingest(store, sample_sources())  # the library already holds the sample digests
    feed = FIXTURES / "arxiv-api-atom-classic-2018-einstein.xml"
    feed_ids = {paper.id for paper in load_feed(str(feed)).papers}
    app = harness.app([str(feed)], store=store)
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        assert set(listed_ids(app)) == feed_ids
        assert status_text(app) == f"{len(feed_ids)} of {len(feed_ids)}"
        assert len(store) == 30 + len(feed_ids)


# ----------------------------------------------------------------------------------- moving


async def test_moving_keys_move_the_cursor_and_the_detail_pane_follows(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=(120, 20)) as pilot:
        await harness.settle(pilot)
        papers = list(app.paper_list.papers)
        page = app.paper_list.scrollable_content_region.height
        assert 0 < page < len(papers) - 1

        async def press_and_check(key: str, index: int) -> None:
            await pilot.press(key)
            await pilot.pause()
            assert app.current is papers[index], key
            assert header_text(app).splitlines()[0] == papers[index].title, key

        await press_and_check("j", 1)
        await press_and_check("down", 2)
        await press_and_check("k", 1)
        await press_and_check("up", 0)
        await press_and_check("G", len(papers) - 1)
        await press_and_check("g", 0)
        await press_and_check("pagedown", page)
        await press_and_check("pageup", 0)
        # The summary follows too, once the cursor rests.
        await pilot.press("j")
        await harness.wait_until(pilot, lambda: app.detail._rendered_id == papers[1].id)


async def test_detail_values_wrap_under_themselves_and_links_stay_whole(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        await pilot.press("j", "j", "j")  # a paper with five authors and a long post link
        await harness.settle(pilot)
        paper = app.current
        assert paper is not None and paper.links.pdf

        def field(label: str) -> list[str]:
            lines = header_text(app).splitlines()
            start = next(i for i, line in enumerate(lines) if line.startswith(label))
            end = next(
                (i for i in range(start + 1, len(lines)) if not lines[i].startswith(" " * 13)), len(lines)
            )
            return lines[start:end]

        authors = field("Authors")
        assert len(authors) > 1  # wrapped at 120 columns (the detail pane is ~45 wide)
        assert " ".join(line[13:].strip() for line in authors) == ", ".join(paper.authors)
        lines = header_text(app).splitlines()
        assert lines[lines.index("PDF") + 1] == paper.links.pdf  # too long for its column: own line, whole

        await pilot.resize_terminal(80, 40)  # panes stack: the detail pane is wide now
        await pilot.pause(0.1)
        await pilot.pause()
        assert field("Authors") == [f"{'Authors':<13}{', '.join(paper.authors)}"]
        assert f"{'PDF':<13}{paper.links.pdf}" in header_text(app).splitlines()


# ----------------------------------------------------------------------------------- triage


async def test_space_marks_read_and_moves_to_the_next(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        first, second = app.paper_list.papers[:2]
        assert row_text(app, first.id).startswith(UNREAD_MARK)
        await pilot.press("space")
        await pilot.pause()
        assert app.store.state(first.id).read
        assert not row_text(app, first.id).startswith(UNREAD_MARK)
        assert app.current is second
        assert header_text(app).splitlines()[:2] == [second.title, "unread"]


async def test_A_marks_the_filtered_list_read_after_asking(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        everything = listed_ids(app)
        await pilot.press("slash", *"cat:cs.CL", "enter")
        await harness.wait_until(pilot, lambda: len(listed_ids(app)) < len(everything))
        in_list = listed_ids(app)
        await pilot.press("space")  # one is read already: the question counts the others
        await pilot.press("A")
        await pilot.pause()
        question = str(app.screen.query_one("#confirm-question", Static).content)
        assert question == f"Mark the {len(in_list) - 1} unread papers in this list as read?"
        await pilot.press("n")  # no: nothing changes
        await pilot.pause()
        assert [app.store.state(pid).read for pid in in_list].count(True) == 1
        await pilot.press("A", "y")
        await pilot.pause()
        assert all(app.store.state(pid).read for pid in in_list)
        assert not any(app.store.state(pid).read for pid in everything if pid not in in_list)
        assert all(not row_text(app, pid).startswith(UNREAD_MARK) for pid in in_list[:5])
        assert header_text(app).splitlines()[1].startswith("read")
        assert f"marked {len(in_list) - 1} papers read" in harness.notifications(app)
        await pilot.press("A")  # nothing left to mark: no question
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        assert "nothing unread in this list" in harness.notifications(app)
        await pilot.press("q")
    assert all(harness.store().state(pid).read for pid in in_list)  # on disk too


async def test_m_toggles_read_and_s_toggles_starred(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        paper = app.current
        assert paper is not None
        await pilot.press("m")
        await pilot.pause()
        assert app.store.state(paper.id).read
        assert header_text(app).splitlines()[1] == "read"
        await pilot.press("m")
        await pilot.pause()
        assert not app.store.state(paper.id).read
        assert header_text(app).splitlines()[1] == "unread"

        await pilot.press("s")
        await pilot.pause()
        assert app.store.state(paper.id).starred
        assert STAR_MARK in row_text(app, paper.id)
        assert "★ starred" in header_text(app).splitlines()[1]
        assert "starred (to read)" in harness.notifications(app)
        await pilot.press("s")
        await pilot.pause()
        assert not app.store.state(paper.id).starred
        assert STAR_MARK not in row_text(app, paper.id)
        assert app.current is paper  # toggling never moves the cursor


async def test_unread_and_starred_views(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        papers = list(app.paper_list.papers)
        await pilot.press("space", "space", "s")  # read 0 and 1, star 2
        await pilot.pause()
        starred = papers[2]

        await pilot.press("u")
        await pilot.pause()
        assert listed_ids(app) == [paper.id for paper in papers[2:]]
        assert status_text(app) == "28 of 30  unread only"
        await pilot.press("u")
        await pilot.pause()
        assert listed_ids(app) == [paper.id for paper in papers]
        assert status_text(app) == "30 of 30"

        await pilot.press("S")
        await pilot.pause()
        assert listed_ids(app) == [starred.id]
        assert status_text(app) == "1 of 30  starred only"
        assert header_text(app).splitlines()[0] == starred.title
        await pilot.press("u")  # switches straight to the other view
        await pilot.pause()
        assert status_text(app) == "28 of 30  unread only"


# ------------------------------------------------------------------------------- links, copy


async def test_o_and_a_hand_the_pdf_and_abstract_urls_to_the_opener(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        paper = app.current
        assert paper is not None
        await pilot.press("o")
        await pilot.pause()
        assert harness.opened.calls == [f"https://arxiv.org/pdf/{paper.id}"]
        await pilot.press("a")
        await pilot.pause()
        assert harness.opened.calls[1] == f"https://arxiv.org/abs/{paper.id}"
        assert f"opened https://arxiv.org/abs/{paper.id}" in harness.notifications(app)


async def test_c_copies_arxiv_bibtex_and_y_copies_the_link(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        paper = app.current
        assert paper is not None and paper.id == "2605.30102"  # newest paper of the sample digests
        await pilot.press("c")
        await pilot.pause()
        (bibtex,) = harness.copied.calls
        lines = bibtex.splitlines()
        # The key arXiv's own "Export BibTeX" gives: surname, year, four title words past stopwords.
        assert lines[0] == "@misc{rainone2026cloudagentsmeetdevice,"
        assert "      eprint={2605.30102}," in lines
        assert "      archivePrefix={arXiv}," in lines
        assert "copied bibtex for 2605.30102 to the clipboard" in harness.notifications(app)

        await pilot.press("y")
        await pilot.pause()
        assert harness.copied.calls[-1] == "https://arxiv.org/abs/2605.30102"


async def test_a_failing_clipboard_falls_back_to_the_terminal(harness: Harness) -> None:
    def broken_clipboard(text: str) -> None:
        raise RuntimeError("no xclip, no xsel")

    app = harness.app(clipboard=broken_clipboard)
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        paper = app.current
        assert paper is not None
        await pilot.press("y")
        await pilot.pause()
        assert app.is_running
        assert app.clipboard == paper.first_link  # sent through OSC 52
        assert f"copied {paper.first_link} to the terminal clipboard" in harness.notifications(app)


async def test_unsafe_links_are_never_opened_or_copied(harness: Harness) -> None:
    store = harness.store()
    evil = "javascript:alert(1)"
    store.add_papers(
        [
            Paper(
                id="evil-1",
                title="A paper with hostile links",
                links=Links(abs=evil, pdf=evil, post=evil),
                published=datetime(2026, 5, 1, tzinfo=UTC),
            )
        ]
    )
    app = harness.app(store=store)
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        assert listed_ids(app) == ["evil-1"]  # a non-empty library: no sample digests loaded
        for key in ("o", "a", "y"):
            await pilot.press(key)
            await pilot.pause()
        # A link in the summary goes through the same gate.
        app.detail.post_message(DetailPane.LinkClicked(evil, app.current))
        await pilot.pause()
        assert harness.opened.calls == []
        assert harness.copied.calls == []
        warnings = [n for n in app._notifications if n.severity == "warning"]
        assert len(warnings) == 4
        assert all("javascript" in n.message for n in warnings)
        assert app.is_running


async def test_command_palette_runs_a_command(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        paper = app.current
        assert paper is not None
        await pilot.press("ctrl+p")
        await harness.wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"Copy as markdown")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await harness.wait_until(pilot, lambda: bool(harness.copied.calls))
        assert harness.copied.calls == [cite.export([paper], "markdown")]
        assert f"[{paper.title}](https://arxiv.org/abs/{paper.id})" in harness.copied.calls[0]
        assert not isinstance(app.screen, CommandPalette)


# ---------------------------------------------------------------------------------- filter bar


def expected_matches(app: ReaderApp, text: str) -> list[str]:
    context = MatchContext(now=FIXED_NOW, state_of=app.store.state)
    rows = [PaperFields(paper) for paper in app.papers_view.library]  # in memory: not the app's own rows
    return [row.paper_id for row in SearchIndex().filter_rows(parse_query(text), rows, context)]


async def test_filter_bar_filters_live_escape_clears_enter_keeps(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        await pilot.press("slash")
        await pilot.pause()
        assert app.focused is app.query_one("#filter-input", Input)
        await pilot.press(*"agen")
        await pilot.pause()
        after_agen = listed_ids(app)
        await pilot.press("t")
        await pilot.pause()
        expected = expected_matches(app, "agent")
        assert 0 < len(expected) < 30
        assert listed_ids(app) == expected
        assert after_agen == expected_matches(app, "agen")  # filtered on every keystroke
        assert status_text(app) == f"{len(expected)} of 30"
        # Keys type into the bar while it has focus, they do not trigger the app's bindings.
        assert harness.opened.calls == [] and not app.store.state(expected[0]).starred

        await pilot.press("escape")
        await pilot.pause()
        assert app.filter_bar.text == ""
        assert len(listed_ids(app)) == 30
        assert app.focused is app.paper_list

        await pilot.press("slash", *"agent", "enter")
        await pilot.pause()
        assert app.filter_bar.text == "agent"
        assert listed_ids(app) == expected
        assert app.focused is app.paper_list
        await pilot.press("j")  # list keys work again
        await pilot.pause()
        assert app.current is not None and app.current.id == expected[1]


async def test_a_malformed_query_reports_and_keeps_the_last_good_list(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        await pilot.press("slash", *"agent")
        await pilot.pause()
        good = listed_ids(app)
        assert 0 < len(good) < 30
        filter_input = app.query_one("#filter-input", Input)
        filter_input.post_message(events.Paste(' title:"unclosed'))  # one change, straight to broken
        await pilot.pause()
        assert filter_input.value == 'agent title:"unclosed'
        assert "unclosed quote" in status_text(app)
        assert f"{len(good)} of 30" in status_text(app)
        assert app.filter_bar.has_class("-error")
        assert listed_ids(app) == good
        assert "unclosed quote" in harness.screen_text(app)
        await pilot.press('"')  # closing the quote makes it a good query again
        await pilot.pause()
        assert not app.filter_bar.has_class("-error")
        assert listed_ids(app) == expected_matches(app, 'agent title:"unclosed"')


async def test_tab_switches_pane(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        assert app.focused is app.paper_list
        await pilot.press("tab")
        await pilot.pause()
        assert app.focused is app.detail
        await pilot.press("s")  # triage keys still act on the selected paper
        await pilot.pause()
        assert app.current is not None and app.store.state(app.current.id).starred
        await pilot.press("tab")
        await pilot.pause()
        assert app.focused is app.paper_list


# --------------------------------------------------------------------------- reload, help, quit


FEED_HEAD = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'


def rss(*titles: str) -> str:
    items = "".join(
        f"<item><title>{title}</title><link>https://example.org/{i}</link>"
        f"<pubDate>Mon, 0{i + 1} Jun 2026 08:00:00 GMT</pubDate></item>"
        for i, title in enumerate(titles)
    )
    return f"{FEED_HEAD}{items}</channel></rss>"


async def test_reload_reads_the_feed_again(harness: Harness, tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(rss("First post"), encoding="utf-8")
    app = harness.app([str(feed)])
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        assert [paper.title for paper in app.paper_list.papers] == ["First post"]
        feed.write_text(rss("First post", "Second post"), encoding="utf-8")
        app.clear_notifications()
        await pilot.press("R")
        await harness.settle(pilot)
        assert [paper.title for paper in app.paper_list.papers] == ["Second post", "First post"]
        assert any("new papers" in note for note in harness.notifications(app))
        assert status_text(app) == "2 of 2"
        feed.unlink()  # a feed that went away: one error, the papers stay
        await pilot.press("R")
        await harness.settle(pilot)
        assert app.is_running
        assert len(app.paper_list.papers) == 2
        assert any(n.severity == "error" for n in app._notifications)


async def test_help_screen_lists_the_keys(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        await pilot.press("question_mark")
        await harness.wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = "\n".join(str(column.content) for column in app.screen.query(".help-column").results(Static))
        lines = [" ".join(line.split()) for line in text.splitlines()]
        for row in (
            "j, ↓ Down",
            "n Next unread",
            "G, end Last",
            "space mark read, go to the next paper",
            "A mark the whole list read (asks first)",
            "m toggle read",
            "s toggle starred (to read)",
            "u unread-only view (again: all)",
            "S starred-only view (again: all)",
            "o open the PDF",
            "a open the abstract or post page",
            "c copy the BibTeX citation",
            "y copy the link",
            "/ filter the list",
            "tab switch between list and detail",
            "R reload the feeds",
            "F feeds: unread, last refresh, errors",
            "? this help",
            "q quit",
            "esc clear, back to the list",
            "⏎ keep, back to the list",
            "ctrl+p command palette: every action",
        ):
            assert row in lines, row
        assert "Read+next" in harness.screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        await pilot.press("question_mark")  # the same key closes it
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        assert app.is_running


async def test_q_quits_and_saves_at_once(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        starred = app.current
        assert starred is not None
        await pilot.press("s", "q")
        await pilot.pause()
        assert app.return_code == 0
    # The first store is still open (no close, no write-behind delay): quitting wrote the change.
    assert harness.store().state(starred.id).starred


# ------------------------------------------------------------------------------- persistence


async def test_state_selection_filter_and_view_come_back_next_start(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        await pilot.press("slash", *"agent", "enter")
        await pilot.press("m", "j", "s", "j", "j")
        await pilot.pause()
        papers = list(app.paper_list.papers)
        read, starred, selected = papers[0].id, papers[1].id, papers[3].id
        assert app.current is not None and app.current.id == selected
        await pilot.press("q")
    app.store.close()

    again = harness.app(store=harness.store())  # a new Store on the same folder
    async with again.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        assert again.store.state(read).read and not again.store.state(read).starred
        assert again.store.state(starred).starred and not again.store.state(starred).read
        assert again.filter_bar.text == "agent"
        assert listed_ids(again) == [paper.id for paper in papers]
        assert again.current is not None and again.current.id == selected
        assert header_text(again).splitlines()[0] == again.current.title
        assert not row_text(again, read).startswith(UNREAD_MARK)
        assert STAR_MARK in row_text(again, starred)
        # The unread-only view persists too.
        await pilot.press("u", "q")
    again.store.close()

    third = harness.app(store=harness.store())
    async with third.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        assert status_text(third) == f"{len(papers) - 1} of 30  unread only"
        assert read not in listed_ids(third)


async def test_light_theme_from_the_palette_persists(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        assert app.theme == "textual-dark"
        await pilot.press("ctrl+p")
        await harness.wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        palette_input = app.screen.query_one(Input)
        palette_input.post_message(events.Paste("Toggle light/dark"))
        await harness.wait_until(pilot, lambda: palette_input.value == "Toggle light/dark")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await harness.wait_until(pilot, lambda: app.theme == "textual-light")
        await pilot.press("q")
    app.store.close()

    again = harness.app(store=harness.store())
    async with again.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        assert again.theme == "textual-light"


# ------------------------------------------------------------------------------ untrusted text

ESC = "\x1b"
HOSTILE_ITEMS = [
    # (title, summary, the title as shown, the summary as shown)
    ("[/bold] closes nothing", "Summary with [/bold] and [b]bold?[/b]", "[/bold] closes nothing", None),
    ("half markup [/", "ends with [/", None, None),
    ("[@click=app.quit]x[/] click me", "[@click=app.quit]quit[/] in the summary", None, None),
    ("[link=javascript:x]y[/link] linked", "[link=javascript:x]y[/link] body", None, None),
    ("lone back\\slash \\", "back\\slash\\", None, None),
    (
        f"{ESC}[31mred{ESC}[0m and {ESC}]0;pwned{ESC}\\ title",
        f"body {ESC}[2J kept",
        "red and title",
        "body kept",
    ),
    ("RLO \u202eevil\u202c reversed", "text \u202egnp.exe", "RLO evil reversed", "text gnp.exe"),
]
"""Markup-like text shows character for character; escapes and BiDi overrides never reach the screen."""


def shown_title(index: int) -> str:
    title, _, shown, _ = HOSTILE_ITEMS[index]
    return shown or title


def shown_summary(index: int) -> str:
    _, summary, _, shown = HOSTILE_ITEMS[index]
    return shown or summary


def xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def hostile_feed(folder: Path) -> Path:
    items = "".join(
        f"<item><title>{xml_escape(title)}</title><link>https://example.org/p/{i}</link>"
        f"<guid isPermaLink='false'>[@click=app.quit]guid{i}[/]</guid>"
        f"<description>{xml_escape(summary)}</description>"
        f"<pubDate>Mon, 01 Jun 2026 0{i}:00:00 GMT</pubDate></item>"
        for i, (title, summary, _, _) in enumerate(HOSTILE_ITEMS)
    )
    path = folder / "hostile.xml"
    path.write_text(f"{FEED_HEAD}{items}</channel></rss>", encoding="utf-8")
    return path


async def test_untrusted_feed_text_is_shown_literally_and_never_acts(
    harness: Harness, tmp_path: Path
) -> None:
    app = harness.app([str(hostile_feed(tmp_path))])
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        assert len(app.paper_list.papers) == len(HOSTILE_ITEMS)
        screen = harness.screen_text(app)
        for index in range(len(HOSTILE_ITEMS)):
            # The list's title column (32 cells at 120 columns) is narrower than some titles.
            assert shown_title(index)[:20] in screen, shown_title(index)
        assert ESC not in screen and "\u202e" not in screen and "pwned" not in screen

        # Walk every paper: the header shows the title, the summary its text, copying notifies.
        await pilot.press("G")  # newest first: the feed's first item is at the bottom
        for index in range(len(HOSTILE_ITEMS)):
            if index:
                await pilot.press("k")
            await harness.settle(pilot)
            assert app.current is not None and app.current.title == shown_title(index)
            assert header_text(app).splitlines()[0] == shown_title(index)
            await pilot.press("c", "y")
            await pilot.pause()
            screen = harness.screen_text(app)
            assert shown_title(index) in screen
            assert shown_summary(index) in screen
            assert ESC not in screen and "\u202e" not in screen
        notes = harness.notifications(app)
        assert any("[@click=app.quit]guid" in note for note in notes)  # the id, shown as is

        # Clicking the hostile text (row, header title, summary) does nothing but select.
        await pilot.click("#paper-list", offset=(10, 0))
        await pilot.click("#detail-header", offset=(3, 1))
        await pilot.click("#detail-summary", offset=(3, 0))
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert harness.opened.calls == []


# ------------------------------------------------------------------------------ narrow terminal


def stacked(app: ReaderApp) -> bool:
    return (
        app.paper_list.region.bottom <= app.detail.region.y and app.paper_list.region.x == app.detail.region.x
    )


async def test_narrow_terminal_stacks_the_panes_and_survives_resizes(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await harness.settle(pilot)
        assert app.screen.has_class("-narrow")
        assert stacked(app)
        await pilot.press("j", "s")
        await pilot.pause()
        assert app.current is app.paper_list.papers[1]
        assert header_text(app).splitlines()[0] == app.paper_list.papers[1].title
        assert "30 of 30" in harness.screen_text(app)
        footer = harness.screen_text(app).splitlines()[-1]
        assert "? Help" in footer and "q Quit" in footer  # the main keys fit in 80 columns

        await pilot.resize_terminal(120, 40)
        await pilot.pause(0.1)
        assert not app.screen.has_class("-narrow")
        assert not stacked(app)
        assert "^p palette" in harness.screen_text(app).splitlines()[-1]
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.1)
        assert app.screen.has_class("-narrow")
        assert stacked(app)
        assert "^p palette" not in harness.screen_text(app).splitlines()[-1]  # room for ? Help

        # Help stacks its columns at 80 columns; a resize while it is up reaches the main screen too.
        await pilot.press("question_mark")
        await pilot.pause()
        triage, moving = app.screen.query(".help-column")
        assert moving.region.y >= triage.region.bottom  # one column under the other
        await pilot.resize_terminal(120, 40)
        await pilot.pause(0.1)
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert not app.screen.has_class("-narrow")
        assert not stacked(app)
        for width, height in ((20, 5), (99, 30)):
            await pilot.resize_terminal(width, height)
            await pilot.pause(0.05)
            await pilot.press("j")
        await pilot.pause(0.1)
        assert app.is_running
        assert app.screen.has_class("-narrow")  # 99 columns is narrow


async def test_cycle_collection_held_off_for_the_start_comes_back_after_the_first_paint(
    harness: Harness,
) -> None:
    """The CLI turns cycle collection off while the app starts (a third of the start's CPU); the app
    must turn it back on once the list is shown, or a long session would never free a cycle."""
    gc.disable()
    try:
        app = harness.app(sample_sources())
        async with app.run_test(size=APP_SIZE) as pilot:
            await pilot.pause()
            assert app.paper_list.papers, "the list is shown"
            assert gc.isenabled()
    finally:
        gc.unfreeze()
        gc.enable()

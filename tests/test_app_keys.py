"""Every key is handled, in order, by the widget that has focus after the keys before it.

Keys arrive in bursts: a fast typist on a slow link, a paste, ``tmux send-keys``. These tests queue a
whole burst at once (``burst``), as one read from the terminal does, instead of ``pilot.press``, which
lets the app go idle between keys. ``tests/test_app_keys_tmux.py`` does the same against the real
binary in a terminal.
"""

from __future__ import annotations

from conftest import FIXED_NOW, Harness, burst
from textual.widgets import Input

from reader_tui.paper_fields import PaperFields
from reader_tui.query import parse_query
from reader_tui.query_match import MatchContext
from reader_tui.search_index import SearchIndex
from reader_tui.ui.detail import DetailPane
from reader_tui.ui.help import HelpScreen
from reader_tui.ui.paper_list import PaperList


async def test_slash_then_a_word_in_one_burst_lands_in_the_filter_bar(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await harness.settle(pilot)
        await burst(pilot, *"/agent")
        assert app.filter_bar.text == "agent"
        assert isinstance(app.focused, Input)
        assert harness.opened.calls == []  # the "a" did not reach the list (open the abstract page)
        context = MatchContext(now=FIXED_NOW, state_of=app.store.state)
        rows = [PaperFields(paper) for paper in app.papers_view.library]
        expected = SearchIndex().filter_rows(parse_query("agent"), rows, context)
        assert 0 < len(expected) < len(app.papers_view.library)
        assert [p.id for p in app.paper_list.papers] == [row.paper_id for row in expected]


async def test_enter_and_escape_hand_the_next_keys_back_to_the_list(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await harness.settle(pilot)
        await burst(pilot, *"/agent", "enter", "j", "j")
        assert app.filter_bar.text == "agent"
        assert app.focused is app.paper_list
        assert app.paper_list.cursor == 2
        shown = len(app.paper_list.papers)
        await burst(pilot, "/", "ctrl+u", *"zzzz", "escape", "s")
        assert app.filter_bar.text == ""
        assert app.focused is app.paper_list
        assert len(app.paper_list.papers) > shown
        current = app.paper_list.current
        assert current is not None and app.store.state(current.id).starred


async def test_screens_opened_and_closed_within_a_burst_get_their_keys(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await harness.settle(pilot)
        await burst(pilot, "question_mark", "q", "j")  # help, close it, then move
        assert not isinstance(app.screen, HelpScreen)
        assert app.paper_list.cursor == 1
        unread = sum(not app.store.state(p.id).read for p in app.paper_list.papers)
        await burst(pilot, "A", "y", "k")  # mark all read, yes, then move up
        assert unread and all(app.store.state(p.id).read for p in app.paper_list.papers)
        assert app.paper_list.cursor == 0
        await burst(pilot, "tab", "tab", "j")  # detail pane and back: the j moves the list
        assert app.focused is app.paper_list and app.paper_list.cursor == 1
        await burst(pilot, "tab")
        assert isinstance(app.focused, DetailPane)


async def test_the_command_palette_gets_the_text_typed_right_after_ctrl_p(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await harness.settle(pilot)
        await burst(pilot, "ctrl+p", *"feeds")
        assert isinstance(app.focused, Input) and app.focused.value == "feeds"
        await burst(pilot, "escape")
        assert isinstance(app.focused, PaperList)


async def test_keys_pressed_while_the_app_starts_are_not_lost(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await burst(pilot, *"/agent", "enter", "j")  # the sample digest is still being read
        await harness.settle(pilot)
        assert app.filter_bar.text == "agent"
        assert app.focused is app.paper_list
        assert harness.opened.calls == []


async def test_editing_keys_in_the_filter_act_in_order_with_the_letters_around_them(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await harness.settle(pilot)
        await burst(pilot, *"/agxy", "backspace", "backspace", "ctrl+u", *"ab", "left", "X", "end", "c")
        assert app.filter_bar.text == "aXbc"
        await burst(pilot, "ctrl+u", *"zzz", "escape", *"jjj")
        assert app.filter_bar.text == "" and app.paper_list.cursor == 3

"""One action table (``ui/actions.py``): bindings, footer, palette and help are all built from it."""

from __future__ import annotations

from conftest import Harness
from textual.binding import Binding

from reader_tui.cite import FORMATS
from reader_tui.ui import actions
from reader_tui.ui.actions import ACTIONS, help_sections, palette_actions
from reader_tui.ui.app import ReaderApp
from reader_tui.ui.confirm import ConfirmScreen
from reader_tui.ui.feeds_screen import FeedsScreen
from reader_tui.ui.filter_bar import FilterBar
from reader_tui.ui.help import HelpScreen
from reader_tui.ui.paper_list import PaperList

OWNERS: dict[str, type] = {
    "app": ReaderApp, "list": PaperList, "filter": FilterBar, "help": HelpScreen, "feeds": FeedsScreen,
    "confirm": ConfirmScreen,
}  # fmt: skip


def test_every_action_has_one_id_and_a_method_where_it_applies() -> None:
    ids = [action.id for action in ACTIONS]
    assert len(ids) == len(set(ids))
    for action in ACTIONS:
        owner = OWNERS[action.scope]
        name = action.action
        if name.startswith("app."):
            owner, name = ReaderApp, name.removeprefix("app.")
        assert hasattr(owner, f"action_{name.split('(')[0]}"), action.id


def test_every_class_binds_exactly_its_rows_of_the_table() -> None:
    for scope, owner in OWNERS.items():
        bound = [(b.id, b.key, b.description, b.show) for b in owner.BINDINGS if isinstance(b, Binding)]
        rows = [(a.id, a.keys, a.label, a.show) for a in ACTIONS if a.scope == scope and a.keys]
        assert bound == rows, scope
    assert ReaderApp.KEEP_FOCUS == {a.id for a in ACTIONS if a.keeps_focus}


def test_help_lists_every_keyed_action_with_the_users_keys() -> None:
    sections = dict(help_sections({"app.toggle_star": "x,ctrl+s"}, lambda key: key.upper()))
    assert ("X, CTRL+S", "toggle starred (to read)") in sections["Triage"]
    assert ("J, DOWN", "Down") in sections["Moving"]
    assert ("ESCAPE", "clear, back to the list") in sections["Filter bar"]
    listed = {row for rows in sections.values() for row in rows}
    for action in ACTIONS:
        if action.keys and action.scope in actions.HELP_SECTIONS and action.id != "app.toggle_star":
            assert any(help_text == action.help for _, help_text in listed), action.id


def test_the_palette_offers_every_app_action_and_each_format() -> None:
    titles = [action.palette_title for action in palette_actions()]
    assert len(titles) == len(set(titles))
    for action in ACTIONS:
        assert (action.palette_title in titles) == (action.scope == "app" and action.palette), action.id
    for fmt in FORMATS:
        assert f"Export list as {fmt}" in titles
        assert (f"Copy as {fmt}" in titles) == (fmt != "json")


async def test_the_running_app_offers_the_table_in_its_palette(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await harness.settle(pilot)
        commands = {command.title: command for command in app.get_system_commands(app.screen)}
        for action in palette_actions():
            assert action.palette_title in commands
        paper = app.paper_list.current
        assert paper is not None and not app.store.state(paper.id).starred
        app.call_later(commands["Toggle star"].callback)  # as the palette runs it
        await harness.wait_until(pilot, lambda: app.store.state(paper.id).starred)

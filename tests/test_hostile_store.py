"""The store as the user meets it: a damaged file is recovered with a message on screen; two running
apps on one library lose no update.

``test_store.py`` proves the recovery itself (every kind of damage, backups, merge rules) and
``test_store_crash.py`` the kill -9 loop; this file proves the part a user sees in the app.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import wait_until
from rich.console import Console
from textual.widgets._toast import Toast

from reader_tui.model import Paper
from reader_tui.store import Store
from reader_tui.ui.app import ReaderApp, make_app

SIZE = (120, 40)
DAY = datetime(2026, 5, 29, 12, 0, tzinfo=UTC)

DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "truncated": lambda raw: raw[: len(raw) // 2],
    "nul-filled": lambda raw: b"\0" * len(raw),
    "not-json": lambda raw: b"<html><body>502 Bad Gateway</body></html>",
}


def paper(pid: str, age: int) -> Paper:
    return Paper(id=pid, title=f"Paper {pid}", published=DAY - timedelta(days=age))


def recorder() -> Callable[[str], None]:
    return lambda text: None


def screen_lines(app: ReaderApp) -> list[str]:
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text().splitlines()


def toast_texts(app: ReaderApp) -> list[str]:
    """The text of each toast on screen, unwrapped (toasts wrap anywhere, so spaces are dropped)."""
    lines = screen_lines(app)
    texts = []
    for toast in app.screen.query(Toast):
        r = toast.region
        texts.append(
            "".join("".join(line[r.x : r.right].replace("▌", "").split()) for line in lines[r.y : r.bottom])
        )
    return texts


def row_of(app: ReaderApp, pid: str) -> str:
    index = [p.id for p in app.paper_list.papers].index(pid)
    return app.paper_list.render_line(index).text


def library_with_backup(data_dir: Path) -> None:
    """Two writes of each file, so each has a backup: "old" is read and cached in the backups."""
    with Store(data_dir, flush_delay=60) as store:
        store.add_papers([paper("old", 1)])
        store.set_read("old", True)
        store.flush()
        store.add_papers([paper("new", 0)])
        store.set_starred("new", True)
        store.flush()


@pytest.mark.parametrize("damage", DAMAGE)
async def test_a_damaged_store_file_is_restored_and_the_app_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    name = "state.json"  # (a damaged papers.sqlite: test_store.py, moved aside and refilled by a refresh)
    monkeypatch.setenv("READER_TUI_HOME", str(tmp_path / "home"))
    data_dir = tmp_path / "home" / "data"
    library_with_backup(data_dir)
    target = data_dir / name
    target.write_bytes(DAMAGE[damage](target.read_bytes()))

    store = Store(data_dir)
    app = make_app(store=store, opener=recorder(), clipboard=recorder())
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await wait_until(pilot, lambda: bool(app.screen.query(Toast)) and bool(app.paper_list.papers))
            await pilot.pause()
            (shown,) = toast_texts(app)
            # "state.json was unreadable; moved it to state.json.corrupt-…; restored the backup from …"
            assert shown.startswith(f"{name}wasunreadable;moveditto{name}.corrupt-"), shown
            assert "restoredthebackupfrom" in shown
            (aside,) = [p.name for p in data_dir.iterdir() if ".corrupt-" in p.name]
            assert aside in shown  # the user is told where the damaged file went
            # What the backup held is back on screen: "old" is listed and shown as read.
            assert "Paper old" in row_of(app, "old") and not row_of(app, "old").startswith("●")
    finally:
        store.close()


async def test_two_apps_on_one_store_lose_no_update(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both apps start from the same library; each changes a different paper; both quit."""
    monkeypatch.setenv("READER_TUI_HOME", str(tmp_path / "home"))
    data_dir = tmp_path / "home" / "data"
    with Store(data_dir) as seed:
        seed.add_papers([paper("first", 0), paper("second", 1)])
    one, two = Store(data_dir), Store(data_dir)  # both loaded before either changes anything
    app_one = make_app(store=one, opener=recorder(), clipboard=recorder())
    app_two = make_app(store=two, opener=recorder(), clipboard=recorder())
    try:
        async with app_one.run_test(size=SIZE) as pilot_one, app_two.run_test(size=SIZE) as pilot_two:
            await wait_until(pilot_one, lambda: app_one.current is not None)
            await wait_until(pilot_two, lambda: app_two.current is not None)
            await pilot_one.press("s")  # star "first"
            await pilot_two.press("j", "m")  # mark "second" read
            await pilot_one.pause()
            await pilot_two.pause()
            assert one.state("first").starred and two.state("second").read
            await pilot_one.press("q")
            await pilot_two.press("q")
        assert app_one.return_code == 0 and app_two.return_code == 0
    finally:
        one.close()
        two.close()
    with Store(data_dir) as third:
        assert third.messages == []
        assert third.state("first").starred and not third.state("first").read
        assert third.state("second").read and not third.state("second").starred

"""The open app and the store's troubles: a failed save shows a lasting line and `q` asks before
losing marks; a mark made meanwhile by the CLI shows within 2 s."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import screen_text, wait_until
from textual.widgets import Static

from reader_tui.model import Paper
from reader_tui.store import Store, state
from reader_tui.ui.app import ReaderApp, make_app
from reader_tui.ui.confirm import ConfirmScreen

REPO = Path(__file__).resolve().parent.parent
SIZE = (120, 40)
DAY = datetime(2026, 5, 29, 12, 0, tzinfo=UTC)


def library(data_dir: Path) -> None:
    with Store(data_dir) as store:
        store.add_papers(
            [Paper(id=f"p{i}", title=f"Paper {i}", published=DAY - timedelta(days=i)) for i in range(3)]
        )


def row(app: ReaderApp, pid: str) -> str:
    index = [p.id for p in app.paper_list.papers].index(pid)
    return app.paper_list.render_line(index).text


def banner(app: ReaderApp) -> str:
    widget = app.screen_stack[0].query_one("#store-problem", Static)
    return str(widget.render()) if widget.display else ""


async def test_a_failed_save_is_shown_until_it_succeeds_and_quitting_asks_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("READER_TUI_HOME", str(tmp_path / "home"))
    data_dir = tmp_path / "home" / "data"
    library(data_dir)
    full = True
    original = state.write_atomic

    def disk(path: Path, payload: bytes) -> None:
        if full:
            raise OSError(28, "No space left on device")
        original(path, payload)

    monkeypatch.setattr(state, "write_atomic", disk)
    store = Store(data_dir, flush_delay=0.05)
    app = make_app(store=store, opener=lambda url: None, clipboard=lambda text: None)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: app.current is not None)
            await pilot.press("m")  # mark p0 read
            await wait_until(pilot, lambda: "No space left on device" in banner(app))
            text = banner(app)
            assert f"could not save to {data_dir}: No space left on device" in text
            assert "unsaved changes kept in memory; retrying" in text
            assert not row(app, "p0").startswith("●")  # the mark is kept (in memory)
            # on screen (unwrapped: a long folder name wraps the line anywhere)
            await wait_until(pilot, lambda: "Nospaceleftondevice" in "".join(screen_text(app).split()))
            await pilot.press("q")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("n")  # stay
            await pilot.pause()
            assert app.is_running and not isinstance(app.screen, ConfirmScreen)
            full = False  # room again: the retry saves it and the line goes
            await wait_until(pilot, lambda: banner(app) == "", timeout=10)
            await pilot.press("q")
        assert app.return_code == 0
    finally:
        with contextlib.suppress(Exception):
            store.close()
    with Store(data_dir) as again:
        assert again.state("p0").read


async def test_quitting_anyway_with_unsaved_marks_ends_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("READER_TUI_HOME", str(tmp_path / "home"))
    data_dir = tmp_path / "home" / "data"
    library(data_dir)

    def read_only(path: Path, payload: bytes) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(state, "write_atomic", read_only)
    store = Store(data_dir, flush_delay=0.05)
    app = make_app(store=store, opener=lambda url: None, clipboard=lambda text: None)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.current is not None)
        await pilot.press("s")
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        question = app.screen.question
        assert "are not saved (could not save to" in question and "Read-only file system" in question
        assert question.endswith("Quit and lose them?")
        await pilot.press("y")
    assert app.return_code == 0


async def test_a_mark_made_by_the_cli_shows_in_the_open_app_within_2_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("READER_TUI_HOME", str(home))
    library(home / "data")
    store = Store(home / "data")  # the default: it looks for other processes' writes every second
    app = make_app(store=store, opener=lambda url: None, clipboard=lambda text: None)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: app.current is not None)
            assert row(app, "p1").startswith("●") and "★" not in row(app, "p0")
            env = {**os.environ, "PYTHONPATH": str(REPO), "READER_TUI_HOME": str(home)}
            for args in (["p1", "--read"], ["p0", "--star"]):
                subprocess.run(
                    [sys.executable, "-m", "reader_tui", "mark", *args],
                    env=env,
                    check=True,
                    capture_output=True,
                )
            marked = time.monotonic()
            await wait_until(
                pilot, lambda: not row(app, "p1").startswith("●") and "★" in row(app, "p0"), timeout=4
            )
            assert time.monotonic() - marked < 2.0
            assert app.detail.paper is not None and app.detail.paper.id == "p0"
            assert "★" in screen_text(app).split("▕")[-1] or store.state("p0").starred
    finally:
        store.close()

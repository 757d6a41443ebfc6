"""Sync in the app: in the background after start and after each refresh, never holding the library back;
the footer line shows pending changes and the last error; F lists the sync too."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import wait_until
from sync_fixtures import TOKEN, FakeMiniflux, miniflux

from reader_tui.model import Paper
from reader_tui.store import Store
from reader_tui.ui.app import make_app

__all__ = ["miniflux"]

FEED = "https://rss.arxiv.org/rss/cs.LG"


def configure(home: Path, url: str) -> None:
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "config.toml").write_text(f'[sync]\nbackend = "miniflux"\nurl = "{url}"\n')


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("READER_TUI_HOME", str(tmp_path))
    monkeypatch.setenv("READER_TUI_SYNC_SECRET", TOKEN)
    return tmp_path


def sync_line(app: object) -> str:
    from textual.widgets import Static

    return str(app.query_one("#sync-status", Static).render())  # type: ignore[attr-defined]


def last_sync(app: object) -> str:
    """The app's own record of the last sync (what the line under the list shows)."""
    outcome = app.sync_status.outcome  # type: ignore[attr-defined]
    return outcome.line() if outcome is not None else ""


async def test_a_star_on_the_server_shows_up_in_the_running_app(home: Path, miniflux: FakeMiniflux) -> None:
    feed = miniflux.add_feed(FEED)
    entry = miniflux.add_entry(feed, "https://arxiv.org/abs/2401.00001v1", "A paper from the server")
    configure(home, miniflux.url)
    with Store(home / "data") as store:
        app = make_app(store=store)
        app._load_sample = False
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: store.get("2401.00001") is not None, timeout=10)
            await wait_until(pilot, lambda: "synced" in last_sync(app), timeout=10)
            assert "0 pending" in last_sync(app)
            await pilot.press("s")  # star it here
            miniflux.set_entry(entry, status="read")  # read it there
            app.run_sync(force=True)
            await wait_until(pilot, lambda: miniflux.entries[entry]["starred"], timeout=10)
            await wait_until(pilot, lambda: store.state("2401.00001").read, timeout=10)


async def test_an_unreachable_server_never_holds_the_library_back(home: Path) -> None:
    configure(home, "http://127.0.0.1:9")
    with Store(home / "data") as store:
        store.add_papers([Paper(id="2401.00002", title="Already here")])
        store.set_read("2401.00002", True)
        app = make_app(store=store)
        app._load_sample = False
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: app.paper_list.current is not None, timeout=5)
            await wait_until(pilot, lambda: "cannot reach" in sync_line(app), timeout=10)
            assert "1 pending" in sync_line(app)
            await pilot.press("F")
            await wait_until(
                pilot, lambda: "cannot reach" in str(app.screen.query_one("#feeds-text").render())
            )


async def test_a_slow_server_never_holds_the_library_back(home: Path, miniflux: FakeMiniflux) -> None:
    configure(home, miniflux.url)
    miniflux.delay, miniflux.delay_method = 3.0, "GET"
    with Store(home / "data") as store:
        store.add_papers([Paper(id="2401.00003", title="Already here")])
        app = make_app(store=store)
        app._load_sample = False
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: app.paper_list.current is not None, timeout=2)
            # The first sync starts once the list is on screen; the server has not answered yet.
            await wait_until(pilot, lambda: app.sync_status.running, timeout=2)
            await pilot.press("s")  # and keys work meanwhile
            assert store.state("2401.00003").starred
            miniflux.delay = 0.0


def test_automatic_syncs_back_off_after_a_failure(home: Path, miniflux: FakeMiniflux) -> None:
    from reader_tui.sync.service import sync_once
    from reader_tui.sync.settings import SyncSettings

    down = SyncSettings("miniflux", "http://127.0.0.1:9")
    now = [1_000_000.0]
    with Store(home / "data") as store:
        first = sync_once(store, store.data_dir, down, force=True, clock=lambda: now[0])
        assert first.error and "cannot reach" in first.line() and not first.skipped
        now[0] += 29
        assert sync_once(store, store.data_dir, down, clock=lambda: now[0]).skipped
        now[0] += 2
        second = sync_once(store, store.data_dir, down, clock=lambda: now[0])
        assert not second.skipped and second.error  # tried again after 30 s; next wait is 60 s
        now[0] += 59
        assert sync_once(store, store.data_dir, down, clock=lambda: now[0]).skipped
        up = SyncSettings("miniflux", miniflux.url)
        assert sync_once(store, store.data_dir, up, force=True).error is None


async def test_the_pending_count_follows_marks_made_in_the_app(home: Path, miniflux: FakeMiniflux) -> None:
    feed = miniflux.add_feed(FEED)
    miniflux.add_entry(feed, "https://arxiv.org/abs/2401.00004v1", "One")
    configure(home, miniflux.url)
    with Store(home / "data") as store:
        app = make_app(store=store)
        app._load_sample = False
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: "synced" in sync_line(app), timeout=10)
            await wait_until(pilot, lambda: app.paper_list.current is not None)
            await pilot.press("s", "m")
            await wait_until(pilot, lambda: "sync: 2 pending" in sync_line(app), timeout=3)
            app.run_sync(force=True)
            await wait_until(pilot, lambda: "sync: 0 pending" in sync_line(app), timeout=10)

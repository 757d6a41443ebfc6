"""The app side of subscriptions: opening on them, refresh progress, is:new, the feeds panel, config.

These drive the real app (``make_app`` on an isolated home) against feeds on disk, so what is asserted
is what the user sees: rows in the list, the match count, notifications and the feeds panel text.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from reader_tui import subscriptions
from reader_tui.config import auto_refresh_minutes
from reader_tui.feeds import load_feed
from reader_tui.ui.refresh_bar import RefreshBar

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
APP_SIZE = (120, 40)


def subscribe(home: Path, *names: str) -> list[Path]:
    """Copy fixture feeds into the home and subscribe to them; return their paths."""
    copies = []
    for name in names:
        target = home / name
        shutil.copy(FIXTURES / name, target)
        copies.append(target)
    subscriptions.save([subscriptions.Subscription(url=str(path)) for path in copies])
    return copies


def write_config(home: Path, text: str) -> None:
    config = home / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text(text, encoding="utf-8")


def listed_ids(app: Any) -> list[str]:
    return [paper.id for paper in app.paper_list.papers]


async def test_app_opens_on_subscriptions_and_marks_them_new(
    harness: Any, reader_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (feed,) = subscribe(reader_home, "arxiv-api-atom-2026-cs-lg.xml")
    expected = {paper.id for paper in load_feed(str(feed)).papers}
    app = harness.app()
    progress: list[tuple[int, int]] = []
    original = RefreshBar._show

    def record(bar: RefreshBar, done: int, total: int) -> None:
        progress.append((done, total))
        original(bar, done, total)

    monkeypatch.setattr(RefreshBar, "_show", record)
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        assert set(listed_ids(app)) == expected  # the subscription, not the sample digest
        assert progress[0] == (0, 1) and progress[-1] == (1, 1)
        assert not app.query_one("#refresh-bar").display  # hidden once done
        assert any("new papers" in note for note in harness.notifications(app))
        assert app.paper_list.render_line(0).text.startswith("N ")  # the list flags them too
        await pilot.press("slash", *"is:new", "enter")
        await pilot.pause()
        assert set(listed_ids(app)) == expected
        assert "new in the last refresh" in harness.screen_text(app)  # the detail header says so
        await pilot.press("F")
        await pilot.pause()
        panel = harness.screen_text(app)
        assert f"{len(expected)} unread of {len(expected)} papers" in panel
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]


async def test_a_dead_subscription_keeps_its_papers_and_says_why(harness: Any, reader_home: Path) -> None:
    (feed,) = subscribe(reader_home, "ftxj-2026-05-29.xml")
    app = harness.app()
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        before = listed_ids(app)
        assert len(before) == 10
        await pilot.press("s")  # star the first paper
        feed.unlink()
        await pilot.press("R")
        await harness.settle(pilot)
        assert listed_ids(app) == before
        errors = [note for note in harness.notifications(app) if feed.name in note]
        assert errors and all("\n" not in note for note in errors)
        assert app.store.state(before[0]).starred
        await pilot.press("F")
        await pilot.pause()
        assert "file not found" in harness.screen_text(app).lower()


async def test_many_dead_feeds_make_one_toast_not_a_column(harness: Any, reader_home: Path) -> None:
    feeds = subscribe(
        reader_home, "ftxj-2026-05-29.xml", "ftxj-2026-04-20.xml", "hf-daily-papers-2026-04-30.xml"
    )
    app = harness.app()
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        papers = len(listed_ids(app))
        for feed in feeds:
            feed.unlink()  # offline, in effect
        app.clear_notifications()
        await pilot.press("R")
        await harness.settle(pilot)
        errors = [
            note for note in harness.notifications(app) if "could not be read" in note or "not found" in note
        ]
        assert len(errors) == 1 and errors[0].startswith("3 feeds could not be read (F lists why)")
        assert len(listed_ids(app)) == papers  # nothing lost
        await pilot.press("F")
        await pilot.pause()
        assert harness.screen_text(app).lower().count("file not found") == 3


async def test_broken_config_is_reported_in_one_line(harness: Any, reader_home: Path) -> None:
    write_config(reader_home, "[keymap\n")
    app = harness.app()
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        notes = [note for note in harness.notifications(app) if "config.toml" in note]
        assert len(notes) == 1 and "line 1" in notes[0] and "\n" not in notes[0]
        assert len(app.paper_list.papers) == 30  # the sample digest still loads


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("auto_refresh_minutes = 15\n", 15.0), ("auto_refresh_minutes = 0\n", 0.0),
     ("auto_refresh_minutes = 'x'\n", 0.0), ("auto_refresh_minutes = 0.2\n", 1.0), ("", 0.0),
     ("auto_refresh_minutes = [\n", 0.0)],
)  # fmt: skip
def test_auto_refresh_minutes(tmp_path: Path, text: str, minutes: float) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    assert auto_refresh_minutes(path) == minutes


async def test_auto_refresh_picks_up_a_feed_change_without_a_key(harness: Any, reader_home: Path) -> None:
    (feed,) = subscribe(reader_home, "ftxj-2026-05-29.xml")
    write_config(reader_home, "auto_refresh_minutes = 1\n")
    app = harness.app()
    app.SECONDS_PER_MINUTE = 0.3  # one "minute" of the timer
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        assert len(listed_ids(app)) == 10
        shutil.copy(FIXTURES / "ftxj-2026-04-20.xml", feed)  # the next day's digest arrives
        expected = {paper.id for paper in load_feed(str(feed)).papers} | set(listed_ids(app))
        await harness.wait_until(pilot, lambda: set(listed_ids(app)) == expected, timeout=10)


async def test_keymap_from_config_remaps_a_key(harness: Any, reader_home: Path) -> None:
    write_config(reader_home, '[keymap]\n"app.toggle_star" = "x"\n')
    app = harness.app()
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        first = app.paper_list.current
        assert first is not None
        await pilot.press("x")
        await pilot.pause()
        assert app.store.state(first.id).starred


async def test_the_refresh_bar_is_seen_above_the_footer_while_feeds_are_read(
    harness: Any, reader_home: Path
) -> None:
    subscribe(reader_home, "arxiv-api-atom-2026-cs-lg.xml")
    app = harness.app()
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        bar = app.query_one(RefreshBar)
        bar._show(1, 3)  # as a refresh of three feeds reports its first
        await pilot.pause()
        rows = harness.screen_text(app).splitlines()
        (row,) = [n for n, line in enumerate(rows) if "refreshing feeds 1/3" in line]
        assert row == len(rows) - 2 and "q Quit" in rows[-1]  # the footer is still there, below it


async def test_a_broken_feeds_file_is_said_in_one_line_and_the_app_goes_on(
    harness: Any, reader_home: Path
) -> None:
    feeds = reader_home / "config" / "feeds.toml"
    feeds.parent.mkdir(parents=True, exist_ok=True)
    feeds.write_text('[[feed]]\nurl = "https://example.org/a.xml\n', encoding="utf-8")  # an unclosed string
    app = harness.app()
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        errors = [note for note in harness.notifications(app) if "feeds.toml" in note]
        assert len(errors) == 1 and "\n" not in errors[0], harness.notifications(app)
        assert app.paper_list.papers  # the sample digest, not an empty screen...
        assert not any("Add your feeds" in note for note in harness.notifications(app))  # ...unannounced

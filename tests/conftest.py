"""Shared fixtures for driving the real reading app headless, deterministically.

The app reads its keymap from the config folder and keeps state in a store, so every app test runs
with ``READER_TUI_HOME`` pointed at a fresh temporary folder: nothing touches the user's files and no
test sees another's state. The clock is fixed (``since:`` queries and export names depend on it), and
the browser and clipboard are replaced by recorders so a test can see what the user would have got.
"""

from __future__ import annotations

import os
import webbrowser
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import WorkerState

from reader_tui.store import Store
from reader_tui.ui.app import ReaderApp, make_app

# The suite runs the same hypothesis examples everywhere, so CI cannot go red on a case nobody has seen
# locally. To hunt for new cases, run with HYPOTHESIS_PROFILE=explore (a fresh random seed each run).
settings.register_profile("suite", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))

FIXED_NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
"""A few days after the newest sample digest, so ``since:`` queries have a stable answer."""

APP_SIZE = (120, 40)
"""The terminal size the app tests and snapshots run at (wide layout)."""


def fixed_clock() -> datetime:
    return FIXED_NOW


class Recorder:
    """Stands in for the browser opener or the clipboard: remembers every string handed over."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, text: str) -> None:
        self.calls.append(text)


def screen_text(app: ReaderApp) -> str:
    """The terminal as the user sees it right now, as plain text (one line per row)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def notification_texts(app: ReaderApp) -> list[str]:
    return [notification.message for notification in app._notifications]


async def wait_until(pilot: Pilot[None], condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Let the app run until ``condition()`` holds; fail (not hang) after ``timeout`` seconds."""
    loop_time = 0.0
    while not condition():
        if loop_time >= timeout:
            raise AssertionError("the app never reached the expected state")
        await pilot.pause(0.02)
        loop_time += 0.02


async def settle(pilot: Pilot[None]) -> None:
    """Wait for the ingest worker, its result handling and the detail pane's (debounced) summary."""
    app = pilot.app
    assert isinstance(app, ReaderApp)
    # Poll rather than workers.wait_for_complete(), which raises if an exclusive worker was replaced.
    busy = (WorkerState.PENDING, WorkerState.RUNNING)
    await wait_until(pilot, lambda: not any(worker.state in busy for worker in app.workers), timeout=20)
    await pilot.pause()
    await wait_until(
        pilot, lambda: app.detail.paper is None or app.detail._rendered_id == app.detail.paper.id
    )
    await pilot.pause()


async def prepare_for_snapshot(pilot: Pilot[None]) -> None:
    """Make a screenshot repeatable: ingest done, no blinking cursor, no toasts."""
    await settle(pilot)
    pilot.app.query_one(Input).cursor_blink = False
    pilot.app.clear_notifications()
    await pilot.pause()


_KEY_NAMES = {
    "/": "slash", " ": "space", "?": "question_mark", "-": "minus", ":": "colon", '"': "quotation_mark",
    "(": "left_parenthesis", ")": "right_parenthesis", ".": "full_stop",
}  # fmt: skip
_KEY_CHARACTERS = {"enter": "\r", "escape": "\x1b", "tab": "\t", "space": " ", "backspace": "\x7f"}


def key_event(key: str) -> events.Key:
    """The event the terminal driver makes for ``key`` (a character like ``/`` or a name like ``ctrl+u``)."""
    if len(key) == 1:
        return events.Key(_KEY_NAMES.get(key, key), key)
    if key.startswith("ctrl+") and len(key) == 6:
        return events.Key(key, chr(ord(key[-1]) - 96))
    return events.Key(key, _KEY_CHARACTERS.get(key))


async def burst(pilot: Pilot[None], *keys: str) -> None:
    """Press ``keys`` as one read from the terminal brings them: all queued at once, no pause between
    them (``pilot.press`` waits for the app to go idle after every key, which hides ordering bugs);
    then let the app handle them."""
    for key in keys:
        pilot.app.post_message(key_event(key))
    await pilot.pause()
    await wait_until(pilot, lambda: not getattr(pilot.app, "keys_pending", False))
    await pilot.pause()


class Harness:
    """Builds apps the way the CLI does (``make_app``) but on a temporary store, with recorders."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.data_dir = home / "data"
        self.opened = Recorder()
        self.copied = Recorder()
        self._stores: list[Store] = []

    def store(self) -> Store:
        """A new Store on the test's data folder (a second call is like the next start of the app)."""
        store = Store(self.data_dir)
        self._stores.append(store)
        return store

    def app(
        self,
        sources: Sequence[str] = (),
        *,
        store: Store | None = None,
        clipboard: Callable[[str], None] | None = None,
    ) -> ReaderApp:
        return make_app(
            sources,
            store=store if store is not None else self.store(),
            clock=fixed_clock,
            opener=self.opened,
            clipboard=clipboard if clipboard is not None else self.copied,
        )

    # The helpers, reachable from the fixture so test modules need not import conftest.
    screen_text = staticmethod(screen_text)
    notifications = staticmethod(notification_texts)
    wait_until = staticmethod(wait_until)
    burst = staticmethod(burst)
    settle = staticmethod(settle)
    prepare_for_snapshot = staticmethod(prepare_for_snapshot)

    def close(self) -> None:
        for store in self._stores:
            store.close()


@pytest.fixture
def reader_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private READER_TUI_HOME for the test (config and data)."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("READER_TUI_HOME", str(home))
    return home


@pytest.fixture
def run(reader_home: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """``run("list", ...)`` -> (exit code, stdout, stderr) of one in-process CLI call."""
    from reader_tui.cli import main

    def call(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return call


@pytest.fixture
def parse_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Sources really parsed: library.ingest takes parse_within from reader_tui.budget at call time."""
    import reader_tui.budget
    from reader_tui.feeds import ParseResult

    calls: list[str] = []
    real = reader_tui.budget.parse_within

    def counting(content: bytes, source: str, seconds: float, **batches: Any) -> ParseResult:
        calls.append(source)
        return real(content, source, seconds, **batches)

    monkeypatch.setattr(reader_tui.budget, "parse_within", counting)
    return calls


@pytest.fixture
def harness(reader_home: Path) -> Iterator[Harness]:
    """App factory on an isolated home; stores it opened are closed after the test."""
    made = Harness(reader_home)
    yield made
    made.close()


class SealedHarness:
    """The real app on a temporary store with every way out of it recorded: the app's opener and
    clipboard, ``webbrowser.open`` and Textual's own ``App.open_url`` (which ``[link=...]`` markup would
    reach). Hostile-input tests use it to prove feed text never leaves the app on its own."""

    def __init__(self, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.store = Store(home / "data")
        self.opened = Recorder()
        self.copied = Recorder()
        self.browser = Recorder()
        self.textual_opened = Recorder()
        monkeypatch.setattr(webbrowser, "open", self.browser)
        self.app = make_app(store=self.store, opener=self.opened, clipboard=self.copied)
        self.app._load_sample = False
        monkeypatch.setattr(self.app, "open_url", self.textual_opened)

    def warnings(self) -> list[str]:
        return [n.message for n in self.app._notifications if n.severity == "warning"]

    def nothing_left_the_app(self) -> bool:
        return not (self.opened.calls or self.copied.calls or self.textual_opened.calls or self.browser.calls)


@pytest.fixture
def sealed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SealedHarness]:
    """A :class:`SealedHarness` with ``READER_TUI_HOME`` in a temporary folder; the store closed after."""
    monkeypatch.setenv("READER_TUI_HOME", str(tmp_path / "home"))
    made = SealedHarness(tmp_path / "home", monkeypatch)
    yield made
    made.store.close()

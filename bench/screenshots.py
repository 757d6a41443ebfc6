"""Save SVG screenshots of the reading app into ``screenshots/`` (for the README and reviews).

Run from the repository: ``.venv/bin/python bench/screenshots.py``. The set-up is the snapshot tests'
one, so the pictures are the same on every machine and every run: a private READER_TUI_HOME and
store in a temporary folder (the user's own files are never read), the bundled sample digests, a
fixed clock, a 120x40 terminal, no blinking cursor and no toasts.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import WorkerState

SIZE = (120, 40)
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
OUT = Path(__file__).resolve().parent.parent / "screenshots"

Scene = Callable[[Pilot[None]], Awaitable[None]]


async def _main_screen(pilot: Pilot[None]) -> None:
    """Nothing to do: the first start on the sample digests."""


async def _filter(pilot: Pilot[None]) -> None:
    await pilot.press("slash", *"agent")


async def _help(pilot: Pilot[None]) -> None:
    await pilot.press("question_mark")


async def _light_triage(pilot: Pilot[None]) -> None:
    """The light theme, with read and starred rows: space marks read and moves on, s stars."""
    await pilot.press("space", "space", "s", "j", "s")
    pilot.app.action_toggle_dark()  # type: ignore[attr-defined]


async def _for_you(pilot: Pilot[None]) -> None:
    """Two papers starred, then ``f``: the rest ranked like them, score in the date column, the reason
    in the detail pane."""
    await pilot.press("s", "j", "j", "s", "f")
    await _settle(pilot)
    await pilot.press("j")


SCENES: dict[str, tuple[Scene, tuple[int, int]]] = {
    "main.svg": (_main_screen, SIZE),
    "filter-agent.svg": (_filter, SIZE),
    "help.svg": (_help, SIZE),
    "narrow-80x24.svg": (_main_screen, (80, 24)),
    "light-triage.svg": (_light_triage, SIZE),
    "for-you.svg": (_for_you, SIZE),
}


async def _settle(pilot: Pilot[None]) -> None:
    """Wait for the ingest worker and the detail pane's debounced summary."""
    from reader_tui.ui.app import ReaderApp

    app = pilot.app
    assert isinstance(app, ReaderApp)
    await pilot.pause()
    busy = (WorkerState.PENDING, WorkerState.RUNNING)
    for _ in range(1000):
        idle = not any(worker.state in busy for worker in app.workers)
        paper = app.detail.paper
        if idle and (paper is None or app.detail._rendered_id == paper.id):
            break
        await pilot.pause(0.02)
    await pilot.pause()


async def _shoot(name: str, scene: Scene, size: tuple[int, int], home: Path) -> Path:
    from reader_tui.store import Store
    from reader_tui.ui.app import make_app

    with Store(home / name / "data") as store:
        app = make_app(store=store, clock=lambda: NOW, opener=lambda url: None, clipboard=lambda text: None)
        async with app.run_test(size=size) as pilot:
            await _settle(pilot)
            app.clear_notifications()  # toasts left on the main screen would show behind the help
            await pilot.pause()
            await scene(pilot)
            await _settle(pilot)
            app.query_one(Input).cursor_blink = False
            app.clear_notifications()
            await pilot.pause()
            await pilot.wait_for_scheduled_animations()
            path = Path(app.save_screenshot(name, path=str(OUT)))
    return path


async def main() -> int:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="reader-tui-screenshots-") as folder:
        home = Path(folder)
        os.environ["READER_TUI_HOME"] = str(home)  # keymap and data: never the user's own
        for name, (scene, size) in SCENES.items():
            path = await _shoot(name, scene, size, home)
            print(f"wrote {path.relative_to(OUT.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

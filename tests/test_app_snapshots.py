"""Screenshots of the reading app compared with approved SVGs in ``__snapshots__/``.

They catch what the behaviour tests cannot: layout, colours, alignment. Each one is deterministic: a
fixed terminal size, a fixed clock, a private READER_TUI_HOME and store, the bundled sample digests,
no blinking cursor and no toasts. After a deliberate visual change, regenerate with
``pytest tests/test_app_snapshots.py --snapshot-update`` and look at the new SVGs before committing.
"""

from __future__ import annotations

from collections.abc import Callable

from conftest import APP_SIZE, Harness
from textual.pilot import Pilot

SnapCompare = Callable[..., bool]


def test_main_screen(snap_compare: SnapCompare, harness: Harness) -> None:
    """The sample digest on first start: list on the left, the newest paper's details on the right."""
    assert snap_compare(harness.app(), terminal_size=APP_SIZE, run_before=harness.prepare_for_snapshot)


def test_filter_in_use(snap_compare: SnapCompare, harness: Harness) -> None:
    """``agent`` typed in the filter bar: the count says how many of the 30 match."""

    async def type_filter(pilot: Pilot[None]) -> None:
        await harness.settle(pilot)
        await pilot.press("slash", *"agent")
        await harness.prepare_for_snapshot(pilot)

    assert snap_compare(harness.app(), terminal_size=APP_SIZE, run_before=type_filter)


def test_triage_marks(snap_compare: SnapCompare, harness: Harness) -> None:
    """Read rows dim, starred rows show a star, the header of the selected paper says read and starred."""

    async def triage(pilot: Pilot[None]) -> None:
        await harness.settle(pilot)
        await pilot.press("space", "s", "j", "m", "s")  # 0 read, 1 starred, 2 read and starred
        await harness.prepare_for_snapshot(pilot)

    assert snap_compare(harness.app(), terminal_size=APP_SIZE, run_before=triage)


def test_for_you_ranked_list(snap_compare: SnapCompare, harness: Harness) -> None:
    """Two papers starred, then ``f``: the rest ranked like them, each score in the date column, the
    starred ones last, and the second paper's reason (``Why``) in the detail pane."""

    async def rank(pilot: Pilot[None]) -> None:
        await harness.settle(pilot)
        await pilot.press("s", "j", "j", "s", "f")
        app = pilot.app
        await harness.wait_until(pilot, lambda: app.papers_view.for_you.ranked, timeout=20)  # type: ignore[attr-defined]
        await pilot.press("j")
        await harness.prepare_for_snapshot(pilot)

    assert snap_compare(harness.app(), terminal_size=APP_SIZE, run_before=rank)


def test_help_screen(snap_compare: SnapCompare, harness: Harness) -> None:
    """``?``: every key with what it does, over the main screen."""

    async def open_help(pilot: Pilot[None]) -> None:
        await harness.settle(pilot)
        pilot.app.clear_notifications()  # toasts left on the main screen would show behind the help
        await pilot.pause()
        await pilot.press("question_mark")
        await harness.prepare_for_snapshot(pilot)

    assert snap_compare(harness.app(), terminal_size=APP_SIZE, run_before=open_help)


def test_narrow_terminal(snap_compare: SnapCompare, harness: Harness) -> None:
    """80x24: the list sits above the detail pane."""
    assert snap_compare(harness.app(), terminal_size=(80, 24), run_before=harness.prepare_for_snapshot)

"""The app's terminal driver: escape answers promptly, and key sequences that start with ESC stay whole.

``PromptEscapeDriver`` replaces Textual's input loop to wake every few ms while a lone ESC byte is
pending. Run in a real pseudo-terminal, as a user's keys arrive: escape clears the filter, an arrow key
(ESC [ B in one write) moves the cursor instead of reaching the app as escape plus "[B", and alt+key
style input does not leave the app stuck polling. Latency itself is measured by bench/bench_app.py.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from conftest import Harness
from pty_terminal import Terminal, app_env

from reader_tui.ui.driver import PromptEscapeDriver

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the Linux/macOS driver")


def test_the_app_uses_the_prompt_driver_on_a_terminal(harness: Harness) -> None:
    assert harness.app().driver_class is PromptEscapeDriver


@pytest.mark.slow
def test_escape_and_arrow_keys_in_a_real_terminal(tmp_path: Path) -> None:
    terminal = Terminal([sys.executable, "-m", "reader_tui"], app_env(tmp_path / "home"), cwd=tmp_path)
    try:
        terminal.wait_for(b"30 of 30", timeout=20)  # the sample digest
        terminal.press(b"/")
        for char in b"zzqx":
            terminal.press(bytes([char]), settle=0.05)
        terminal.wait_for(b"0 of 30", timeout=5)
        mark = len(terminal.seen())
        started = time.monotonic()
        terminal.press(b"\x1b", settle=0)  # a lone escape: clears the filter, back to the list
        terminal.wait_for(b"30 of 30", timeout=5, after=mark)
        assert time.monotonic() - started < 1.0  # (generous: the benchmark measures the real figure)
        mark = len(terminal.seen())
        terminal.press(b"\x1b[B", settle=0)  # arrow down, one write: the cursor moves to paper 2
        terminal.wait_for(b"SAAS: Self-Aware", timeout=5, after=mark)
        terminal.press(b"/", settle=0.2)
        terminal.press(b"\x1bx", settle=0.3)  # ESC plus a key in one write (alt+x): no crash, no hang
        terminal.press(b"\x1b", settle=0.3)
        terminal.press(b"q", settle=0)
    finally:
        status = terminal.close(timeout=10)
    assert status == 0, terminal.seen()[-2000:]

"""The real app in tmux, for tests of what a terminal user sees when keys arrive as a terminal sends them.

``send`` is one ``tmux send-keys`` call: every key in it reaches the app in one burst, as a paste or a
fast typist on a slow link does. Each test gets its own tmux server (``-L``), killed at the end. The app
runs as ``python -m reader_tui`` on a 120x40 window with an isolated ``READER_TUI_HOME``; ``BROWSER`` is
``true``, so a key that wrongly opens a link shows "opened ..." instead of starting a browser.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pty_terminal import app_env

needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")


class Tmux:
    def __init__(self, home: Path, *args: str) -> None:
        self.socket = f"reader-tui-test-{os.getpid()}-{time.monotonic_ns()}"
        env = {**app_env(home), "BROWSER": "true"}
        exports = " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items() if "\n" not in value)
        command = f"exec env -i {exports} {shlex.quote(sys.executable)} -m reader_tui {shlex.join(args)}"
        self._tmux("new-session", "-d", "-x", "120", "-y", "40", command)

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=False)
        return done.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p")

    def send(self, *keys: str, literal: bool = False) -> None:
        """One ``send-keys``: tmux key names (``Escape``, ``Down``, ``C-u``), or text when ``literal``."""
        self._tmux("send-keys", *(["-l"] if literal else []), *keys)

    def wait_for(self, condition: Callable[[str], bool], timeout: float = 20.0) -> float:
        """Seconds until the screen satisfies ``condition`` (polled every ~2 ms); fails after ``timeout``."""
        start = time.perf_counter()
        while not condition(self.screen()):
            if time.perf_counter() - start > timeout:
                raise AssertionError("the screen never showed the expected state:\n" + self.screen())
            time.sleep(0.002)
        return time.perf_counter() - start

    def close(self) -> None:
        self._tmux("kill-server")

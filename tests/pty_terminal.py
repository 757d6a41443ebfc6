"""The real app in a pseudo-terminal, for tests that must see what a terminal sees (bytes, key timing).

Used by the escape-sequence test and the driver test. The app runs as ``python -m reader_tui`` in its
own session on a 120x40 pty with TERM=xterm-256color and an isolated ``READER_TUI_HOME``.
"""

from __future__ import annotations

import errno
import fcntl
import os
import select
import signal
import struct
import subprocess
import termios
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COLUMNS, LINES = 120, 40


def app_env(home: Path) -> dict[str, str]:
    """This process's environment minus what could reach a browser or change colours, plus the home."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER", "TEXTUAL", "NO_COLOR", "ESCDELAY")
    }
    env.update(
        TERM="xterm-256color",
        COLUMNS=str(COLUMNS),
        LINES=str(LINES),
        READER_TUI_HOME=str(home),
        PYTHONPATH=str(REPO),
    )
    return env


class Terminal:
    """The app's pty: keeps every byte the app writes, sends keys."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        self.master = master
        self.proc = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd, start_new_session=True
        )
        os.close(slave)
        self.output = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if not ready:
                if self.proc.poll() is not None:
                    return
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError as error:  # EIO: the app exited and closed its side
                if error.errno == errno.EIO:
                    return
                raise
            if not chunk:
                return
            with self._lock:
                self.output.extend(chunk)

    def seen(self) -> bytes:
        with self._lock:
            return bytes(self.output)

    def wait_for(self, text: bytes, timeout: float, after: int = 0) -> None:
        """Wait until ``text`` is written (at or past byte ``after`` of the output, if given)."""
        deadline = time.monotonic() + timeout
        while text not in self.seen()[after:]:
            assert self.proc.poll() is None, f"the app exited early: {self.seen()[-2000:]!r}"
            assert time.monotonic() < deadline, f"never saw {text!r}: {self.seen()[-2000:]!r}"
            time.sleep(0.05)

    def press(self, key: bytes, settle: float = 0.35) -> None:
        os.write(self.master, key)
        time.sleep(settle)

    def close(self, timeout: float) -> int | None:
        """Exit status, or None when the app had to be killed after ``timeout`` seconds."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
            return None
        finally:
            self._reader.join(timeout=5)
            os.close(self.master)

"""Textual's Linux/macOS driver, answering a lone escape key in ~40 ms instead of ~130.

A terminal sends the escape key as the byte ESC, which is also how every arrow or function key
starts, so the input parser waits ``ESCDELAY`` ms for more bytes before it calls it "escape" (the CLI
sets 10 ms unless the user chose; Textual's default is 100). Textual checks that wait only when its
input thread wakes up, and the thread sleeps in ``select`` for 100 ms at a time: escape (which
clears the filter) took 133 ms (median, tmux, 10,000 papers) where ``ctrl+u`` took 20.

This driver runs the same loop, but while an ESC is the last byte read it wakes every millisecond
(for those 10 ms only); idle, it still sleeps 100 ms at a time. Escape now takes ~40 ms, the filter
work included (``bench/bench_app.py``). Terminals with the kitty keyboard protocol never wait at all.

The loop is Textual 8.2.8's ``LinuxDriver.run_input_thread`` (textual is pinned exactly) with only the
``select`` timeout changed; ``tests/test_driver.py`` runs it in a pseudo-terminal.
"""

from __future__ import annotations

import os
import selectors
import time
from codecs import getincrementaldecoder

from textual._loop import loop_last
from textual._parser import ParseError
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

IDLE_WAIT = 0.1
"""Textual's own wait between checks when nothing is pending."""
ESCAPE_WAIT = 0.001
"""The wait while a lone ESC may still become a longer key sequence."""
ESCAPE_WAIT_LIMIT = 1.0
"""Stop waking early this long after the ESC, whatever the parser did (never spin for nothing)."""


class PromptEscapeDriver(LinuxDriver):
    """:class:`LinuxDriver` whose input thread wakes promptly while an escape key is pending."""

    def run_input_thread(self) -> None:
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        fileno = self.fileno
        parser = XTermParser(self._debug)
        feed, tick = parser.feed, parser.tick
        decode = getincrementaldecoder("utf-8")().decode
        escape_until = 0.0  # while monotonic() is below this, a lone ESC may be pending

        def process(events: list[tuple[selectors.SelectorKey, int]], final: bool = False) -> None:
            nonlocal escape_until
            for last, (_key, mask) in loop_last(events):
                if mask & selectors.EVENT_READ:
                    data = decode(os.read(fileno, 1024 * 4), final=final and last)
                    if not data:
                        break  # stdin is a pipe that closed
                    escape_until = time.monotonic() + ESCAPE_WAIT_LIMIT if data.endswith("\x1b") else 0.0
                    for event in feed(data):
                        self.process_message(event)
            ticked = list(tick())
            if ticked:
                escape_until = 0.0
            for event in ticked:
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                pending = escape_until > time.monotonic()
                process(selector.select(ESCAPE_WAIT if pending else IDLE_WAIT))
            selector.unregister(self.fileno)
            process(selector.select(IDLE_WAIT), final=True)
        finally:
            selector.close()
            try:
                for _event in feed(""):
                    pass
            except (EOFError, ParseError):
                pass

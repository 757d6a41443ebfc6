"""Keys in order: each key reaches the widget that has focus *after* the keys before it were handled.

Textual routes a key in stages, each a separate message queue: the app checks priority bindings and
forwards the key to the focused widget's queue; the widget handles it and bubbles it up, parent by
parent, back to the app, where the ordinary bindings run. The app does not wait for that round trip:
a burst read from the terminal in one go (a fast typist on a slow link, a paste, ``tmux send-keys``) is
forwarded key after key to whatever had focus when the burst arrived. ``/agent`` then gave the query
``gent``: the ``a`` was already on its way to the list (which opened the abstract page) before ``/``
had moved focus to the filter bar.

:class:`InOrderKeys` holds back the keys after one that may move focus or change the screen (a
binding whose id is not in :attr:`~InOrderKeys.KEEP_FOCUS`, any key on a modal screen). They are
routed once that key has come back to the app and its bindings have run, or (for a key a widget
consumed, such as a letter typed into the filter) once a marker message posted right behind it has
travelled the same queues back to the app. Everything done in handling the key (focus moved with
``Screen.set_focus``, a screen pushed or dismissed) is therefore in place for the next one. Keys
known to leave focus where it is and to act at the same stage as the keys after them (``j``, ``s``
on the list, a letter typed into the filter) are not held: they reach the same widget in order
anyway, and holding each one would cost a repaint per key (a burst of 29 ``j`` took 2.4 s instead
of 0.3 s). A key the input acts on through a binding (backspace, ``ctrl+u``) is held, so a letter
sent after it is typed after it acted. Only public API: ``App.on_event``, ``active_bindings``,
``post_message`` and a bubbling message.

The other half of the contract is the key handlers': a key that moves focus must do it while it is
handled, not later (``Widget.focus`` defers the change with ``call_later``; the app uses
``Screen.set_focus``), and not through a chain of messages.
"""

from __future__ import annotations

import time
from collections import deque
from functools import partial
from typing import ClassVar

from textual import events
from textual.app import App
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input

MARKER_CHECK = 0.1
"""Seconds between checks that the widget holding a key's marker is still in the app."""
MARKER_WAIT_LIMIT = 3.0
"""A key still not back after this long is counted as done (never seen; a guard against a stuck app)."""


class KeyHandled(Message, bubble=True):
    """Posted behind a key to the widget it went to; reaching the app means that key is done."""

    def __init__(self, serial: int) -> None:
        super().__init__()
        self.serial = serial


class KeyCheck(Message, bubble=False):
    """Posted to the app by a timer: is the key in flight lost (its widget gone)? Handled in the app's
    own task, like every routing decision, so keys never race each other."""

    def __init__(self, serial: int) -> None:
        super().__init__()
        self.serial = serial


class InOrderKeys(App[None]):
    """An app that routes each key only after the keys before it that may move focus were handled."""

    KEEP_FOCUS: ClassVar[frozenset[str]] = frozenset()
    """Ids of bindings whose action never moves focus or changes the screen."""

    def __init__(self) -> None:
        super().__init__()
        self._waiting_keys: deque[events.Key] = deque()
        self._key_serial = 0
        self._key_in_flight: events.Key | None = None
        self._key_target: Widget | None = None
        self._key_sent_at = 0.0

    @property
    def keys_pending(self) -> bool:
        """Whether keys are still waiting for, or in, their turn."""
        return self._key_in_flight is not None or bool(self._waiting_keys)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            if not event.is_forwarded:  # straight from the terminal: queue it behind the others
                self._waiting_keys.append(event)
                await self._route_waiting_keys()
                return
            await super().on_event(event)  # back from the focused widget: bindings run here
            if event is self._key_in_flight:
                await self._key_done(self._key_serial)
            return
        await super().on_event(event)

    async def _route_waiting_keys(self) -> None:
        while self._key_in_flight is None and self._waiting_keys:
            key = self._waiting_keys.popleft()
            self._key_serial += 1
            self._key_in_flight = None if self._keeps_focus(key) else key
            await super().on_event(key)  # priority bindings, else forward to the focused widget
            if self._key_in_flight is not key:
                continue
            target = self.focused or self.screen
            if not target.post_message(KeyHandled(self._key_serial)):
                self._key_in_flight = None  # the widget is closing: nothing more will happen there
                continue
            self._key_target, self._key_sent_at = target, time.monotonic()
            self._check_later(self._key_serial)

    def _keeps_focus(self, key: events.Key) -> bool:
        """Whether the next key may follow ``key`` at once: ``key`` surely leaves focus and screen as
        they are, and takes effect at the same stage as any key after it."""
        if len(self.screen_stack) > 1:
            return False  # a modal screen: its keys are few, and often close it
        if isinstance(self.focused, Input):
            # A character is typed by the input itself, in order with the next; any other key acts
            # only when it is back at the app (a binding), after a character sent behind it was typed.
            return key.is_printable
        active = self.active_bindings.get(key.key)
        return active is None or active.binding.id in self.KEEP_FOCUS

    def _check_later(self, serial: int) -> None:
        self.set_timer(MARKER_CHECK, partial(self.post_message, KeyCheck(serial)))

    async def _key_done(self, serial: int) -> None:
        if serial != self._key_serial or self._key_in_flight is None:
            return  # a late marker of a key already counted as done
        self._key_in_flight = self._key_target = None
        await self._route_waiting_keys()

    async def on_key_handled(self, message: KeyHandled) -> None:
        message.stop()
        await self._key_done(message.serial)

    async def on_key_check(self, message: KeyCheck) -> None:
        if message.serial != self._key_serial or self._key_in_flight is None:
            return
        target = self._key_target
        lost = target is None or not target.is_attached
        if lost or time.monotonic() - self._key_sent_at > MARKER_WAIT_LIMIT:
            await self._key_done(message.serial)
        else:
            self._check_later(message.serial)

"""What a sync remembers between runs, in ``sync.json`` next to the store: which server entry is which paper,
what the server last said about each, where the last pull stopped, and how the last attempt went.

The paper <-> entry links and the server's last known values are what make the merge three-way: a
field whose value on the server still equals what we last saw there was not changed on the server, so
the local value stands, whatever time the server gives the entry (servers keep one change time per
entry, not per field). The file is small (~60 bytes an entry), written whole and atomically,
never through a link (:mod:`reader_tui.datafiles`), after the store has flushed what the sync applied, so
a kill -9 at any moment leaves either the old journal or the new one, never one ahead of the store.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reader_tui.datafiles import DUMPS, read_plain, write_atomic

JOURNAL_FILE = "sync.json"
BACKOFF_FIRST = 30.0
BACKOFF_MAX = 3600.0
"""After a failed sync the app waits 30 s, then doubles the wait, up to an hour; ``reader-tui sync`` always
tries at once."""


@dataclass(slots=True)
class Link:
    """One server entry: the paper it is, its feed, and its read/starred state as the server last had it
    (None: not seen yet)."""

    paper_id: str
    feed_id: int
    read: bool | None = None
    starred: bool | None = None

    def base(self, name: str) -> bool | None:
        return self.read if name == "read" else self.starred

    def set_base(self, name: str, value: bool) -> None:
        if name == "read":
            self.read = value
        else:
            self.starred = value


@dataclass
class Journal:
    path: Path
    server: str = ""
    """Which server and account the links belong to; another one starts from scratch."""
    cursor: dict[str, Any] = field(default_factory=dict)
    links: dict[int, Link] = field(default_factory=dict)
    remote_feeds: dict[int, str] = field(default_factory=dict)
    """The server's subscriptions (id -> URL) at the last sync: a feed gone since was removed there."""
    local_feeds: list[str] = field(default_factory=list)
    """This machine's subscriptions at the last sync: a feed gone since was removed here."""
    last_sync: float = 0.0
    """When the last successful sync started (POSIX seconds; 0: never)."""
    last_attempt: float = 0.0
    last_error: str | None = None
    failures: int = 0
    messages: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, data_dir: Path) -> Journal:
        path = Path(data_dir) / JOURNAL_FILE
        journal = cls(path)
        try:
            found = read_plain(path)
            if found is None:
                return journal
            raw = json.loads(found)
        except (OSError, ValueError) as error:
            aside = path.with_name(path.name + ".damaged")
            with contextlib.suppress(OSError):
                os.replace(path, aside)
            journal.messages.append(
                f"{path}: unreadable ({error}); moved to {aside.name}, the next sync starts over"
            )
            return journal
        try:
            journal.server = str(raw.get("server", ""))
            journal.cursor = dict(raw.get("cursor") or {})
            journal.links = {
                int(k): Link(v[0], int(v[1]), v[2], v[3]) for k, v in (raw.get("links") or {}).items()
            }
            journal.remote_feeds = {int(k): str(v) for k, v in (raw.get("remote_feeds") or {}).items()}
            journal.local_feeds = [str(url) for url in raw.get("local_feeds") or []]
            journal.last_sync = float(raw.get("last_sync") or 0.0)
            journal.last_attempt = float(raw.get("last_attempt") or 0.0)
            journal.last_error = raw.get("last_error")
            journal.failures = int(raw.get("failures") or 0)
        except (TypeError, ValueError, IndexError, AttributeError) as error:
            journal = cls(path)
            journal.messages.append(f"{path}: not a sync journal ({error}); the next sync starts over")
        return journal

    def reset(self, server: str) -> None:
        """Start over with another server: its entry ids mean nothing here."""
        self.server, self.cursor, self.links, self.remote_feeds = server, {}, {}, {}
        self.local_feeds = []
        self.last_sync = 0.0

    def backoff(self) -> float:
        """Seconds to wait after the last attempt before the app tries again (0 after a success)."""
        if not self.failures:
            return 0.0
        return min(BACKOFF_FIRST * 2 ** (self.failures - 1), BACKOFF_MAX)

    def save(self) -> None:
        data = {
            "server": self.server,
            "cursor": self.cursor,
            "links": {str(k): [v.paper_id, v.feed_id, v.read, v.starred] for k, v in self.links.items()},
            "remote_feeds": {str(k): v for k, v in self.remote_feeds.items()},
            "local_feeds": self.local_feeds,
            "last_sync": self.last_sync,
            "last_attempt": self.last_attempt,
            "last_error": self.last_error,
            "failures": self.failures,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, DUMPS(data).encode())

"""What every feed server looks like to the sync engine: one small interface, one thin adapter per server.

A backend speaks one server's API and nothing else: it never sees the store, never decides a conflict,
never retries. It turns answers into :class:`RemoteEntry` / :class:`RemoteFeed` and failures into one
:class:`SyncError` whose ``str()`` is one line fit for the user (no secret, no traceback).

The adapters share an ``httpx.Client`` set up by :func:`http_client` and count their requests in
``requests`` so tests and the benchmark can show how many a sync took.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import httpx

BATCH = 500
"""Entry ids per write request. Both servers take a list of ids in one JSON body; 500 keeps a request
~4 KB and a failed one cheap to retry, and 1,000 changes cost two requests per kind of change."""

TIMEOUT = 15.0
"""Seconds for connecting and for each read; a server that is down fails the sync fast instead of
holding it (the app never waits for the server anyway: sync runs in the background)."""


class SyncError(Exception):
    """A sync step failed; ``str()`` is one line for the user. Nothing local is lost by it."""


class ServerUnreachable(SyncError):
    """The server could not be reached at all (DNS, refused, timeout, TLS)."""


@dataclass(frozen=True, slots=True)
class RemoteFeed:
    id: int
    url: str
    title: str = ""


@dataclass(slots=True)
class RemoteEntry:
    """One article as the server has it."""

    id: int
    feed_id: int
    url: str
    read: bool
    starred: bool
    title: str = ""
    guid: str = ""
    author: str = ""
    content: str = ""
    """HTML, as the server sanitized it."""
    published: datetime | None = None
    changed_at: float | None = None
    """When the server last changed the entry's read/starred state (POSIX seconds); None when the server
    keeps no such time (Tiny Tiny RSS's API), and the engine falls back to the last sync's time."""


@dataclass(slots=True)
class Pull:
    """What changed on the server since ``cursor``: new or changed entries, and for servers that cannot say
    which states changed, the complete sets of unread and starred entry ids to compare against."""

    entries: list[RemoteEntry]
    cursor: dict[str, Any]
    unread_ids: set[int] | None = None
    starred_ids: set[int] | None = None
    existing: Callable[[Sequence[int]], set[int]] | None = None
    """With the id sets: which of these entries the server still has. An entry the server purged is in
    neither set, which would otherwise read as "marked read"."""


class Backend(Protocol):
    """A feed server. Every method raises :class:`SyncError` (one line) on failure."""

    name: str
    requests: int
    """HTTP requests made so far (for tests and the benchmark)."""

    def feeds(self) -> list[RemoteFeed]: ...

    def subscribe(self, url: str) -> RemoteFeed: ...

    def unsubscribe(self, feed_id: int) -> None: ...

    def pull(self, cursor: dict[str, Any]) -> Pull:
        """Entries new or changed since ``cursor`` ({} the first time) and the cursor to pass next time."""
        ...

    def set_read(self, entry_ids: Sequence[int], read: bool) -> None: ...

    def set_starred(self, entry_ids: Sequence[int], starred: bool) -> None:
        """Set (not toggle) the star; entries already in that state stay as they are."""
        ...

    def mark_feed_read(self, feed_id: int) -> None:
        """Every entry of the feed on the server, including ones this machine never pulled."""
        ...

    def close(self) -> None: ...


def chunks(ids: Sequence[int], size: int = BATCH) -> list[Sequence[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def http_client(base_url: str, headers: dict[str, str] | None = None) -> httpx.Client:
    """The client every adapter uses: its own timeouts, no proxy from the environment for loopback."""
    return httpx.Client(
        base_url=base_url.rstrip("/"),
        headers={"User-Agent": "reader-tui sync", **(headers or {})},
        timeout=httpx.Timeout(TIMEOUT),
        follow_redirects=False,
    )


def send(
    client: httpx.Client, count: Callable[[], None], method: str, path: str, **kwargs: Any
) -> httpx.Response:
    """One request; transport failures become :class:`ServerUnreachable` naming the host, never the
    request (its headers or body may carry the secret)."""
    count()
    try:
        return client.request(method, path, **kwargs)
    except httpx.TimeoutException:
        raise ServerUnreachable(f"{client.base_url.host}: no answer within {TIMEOUT:.0f} s") from None
    except httpx.HTTPError as error:
        reason = type(error).__name__
        cause = error.__cause__ or error.__context__
        detail = str(cause).splitlines()[0] if cause and str(cause) else reason
        raise ServerUnreachable(f"cannot reach {client.base_url.host}: {_strip(detail)}") from None


def _strip(text: str, limit: int = 200) -> str:
    return " ".join(text.split())[:limit]


def json_body(response: httpx.Response, what: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise SyncError(
            f"{what}: the server did not answer with JSON (HTTP {response.status_code})"
        ) from None

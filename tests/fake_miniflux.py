"""An in-process Miniflux server for the sync tests, on a real socket at 127.0.0.1.

It follows Miniflux's own handlers (``internal/api``, 2.2.x) where the sync client depends on them:
routes and methods, ``X-Auth-Token`` (401 ``{"error_message": "access unauthorized"}``), status codes
(201 on create, 204 on updates, 400/404 with ``{"error_message"}``), the entry and feed JSON shapes,
``GET /v1/entries`` filters (``status``, ``starred``, ``feed_id``, ``after_entry_id``,
``changed_after``, ``order``/``direction``, ``limit`` at most 1,000, ``offset``) answering
``{"total", "entries"}``, ``GET /v1/entries/ids``, ``PUT /v1/entries`` with ``status`` and/or ``starred``,
the *toggling* ``PUT /v1/entries/{id}/bookmark``, and ``mark-all-as-read`` touching only unread entries.
Every change of status or star sets ``changed_at`` to now, as the server's SQL does.

``legacy=True`` is a server from before the batch star and the IDs endpoint: ``PUT /v1/entries`` then
requires a valid ``status`` and ``/v1/entries/ids`` falls to ``/v1/entries/{entryID}`` (400).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

TOKEN = "test-token-5f1d"
ORDERS = {
    "id",
    "status",
    "changed_at",
    "published_at",
    "created_at",
    "category_title",
    "category_id",
    "title",
    "author",
}


def rfc3339(stamp: float) -> str:
    """Go's RFC 3339 with nanoseconds, as Miniflux's JSON writes times."""
    whole = datetime.fromtimestamp(int(stamp), UTC).strftime("%Y-%m-%dT%H:%M:%S")
    nanos = round((stamp - int(stamp)) * 1e9)
    return f"{whole}.{nanos:09d}Z" if nanos else f"{whole}Z"


class HTTPError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class FakeMiniflux:
    legacy: bool = False
    feeds: dict[int, dict[str, Any]] = field(default_factory=dict)
    entries: dict[int, dict[str, Any]] = field(default_factory=dict)
    log: list[tuple[str, str]] = field(default_factory=list)
    delay: float = 0.0
    """Seconds to hold every answer to ``delay_method`` requests: lets a test kill a client mid-sync."""
    delay_method: str = "PUT"
    lock: threading.Lock = field(default_factory=threading.Lock)
    _next_id: int = 1
    server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------ test helpers

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    def add_feed(self, feed_url: str, title: str = "") -> int:
        with self.lock:
            return self._new_feed(feed_url, title)

    def _new_feed(self, feed_url: str, title: str = "") -> int:
        feed_id = self._id()
        self.feeds[feed_id] = {
            "id": feed_id,
            "user_id": 1,
            "feed_url": feed_url,
            "site_url": feed_url,
            "title": title or feed_url,
            "checked_at": rfc3339(time.time()),
            "disabled": False,
            "category": {"id": 1, "title": "All", "user_id": 1, "hide_globally": False},
            "icon": None,
        }
        return feed_id

    def add_entry(
        self,
        feed_id: int,
        url: str,
        title: str = "",
        *,
        status: str = "unread",
        starred: bool = False,
        content: str = "",
        author: str = "",
        published: float | None = None,
        changed: float | None = None,
    ) -> int:
        with self.lock:
            entry_id = self._id()
            now = time.time()
            self.entries[entry_id] = {
                "id": entry_id,
                "user_id": 1,
                "feed_id": feed_id,
                "status": status,
                "hash": f"h{entry_id}",
                "title": title or url,
                "url": url,
                "comments_url": "",
                "language": "",
                "published_at": rfc3339(published or now),
                "created_at": rfc3339(now),
                "changed_at": rfc3339(changed or now),
                "_changed": changed or now,
                "content": content,
                "author": author,
                "share_code": "",
                "starred": starred,
                "reading_time": 1,
                "enclosures": [],
                "tags": [],
            }
            return entry_id

    def set_entry(self, entry_id: int, *, changed: float | None = None, **values: Any) -> None:
        """Change an entry as another client of the server would (``changed_at`` follows)."""
        with self.lock:
            self.entries[entry_id].update(values)
            self._touch(self.entries[entry_id], changed)

    @staticmethod
    def _touch(entry: dict[str, Any], changed: float | None = None) -> None:
        stamp = time.time() if changed is None else changed
        entry["_changed"] = stamp
        entry["changed_at"] = rfc3339(stamp)

    def writes(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p in self.log if m != "GET"]

    # ------------------------------------------------------------------ the API

    def handle(self, method: str, target: str, headers: Any, body: bytes) -> tuple[int, Any]:
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query)
        with self.lock:
            self.log.append((method, path))
        if headers.get("X-Auth-Token") != TOKEN:
            raise HTTPError(401, "access unauthorized")
        if method == self.delay_method and self.delay:
            time.sleep(self.delay)
        segments = path.strip("/").split("/")
        if segments[:1] != ["v1"]:
            raise HTTPError(404, "resource not found")
        payload = json.loads(body) if body else None
        with self.lock:
            return self._route(method, segments[1:], query, payload)

    def _route(
        self, method: str, seg: list[str], query: dict[str, list[str]], payload: Any
    ) -> tuple[int, Any]:
        match (method, seg):
            case ("GET", ["feeds"]):
                return 200, list(self.feeds.values())
            case ("POST", ["feeds"]):
                return self._create_feed(payload)
            case ("DELETE", ["feeds", feed_id]):
                feed = self._feed(feed_id)
                del self.feeds[feed["id"]]
                self.entries = {k: e for k, e in self.entries.items() if e["feed_id"] != feed["id"]}
                return 204, None
            case ("PUT", ["feeds", feed_id, "mark-all-as-read"]):
                feed = self._feed(feed_id)
                for entry in self.entries.values():
                    if entry["feed_id"] == feed["id"] and entry["status"] == "unread":
                        entry["status"] = "read"
                        self._touch(entry)
                return 204, None
            case ("GET", ["entries"]):
                return 200, self._find(query)
            case ("GET", ["entries", "ids"]) if not self.legacy:
                return 200, self._ids(query)
            case ("PUT", ["entries"]):
                return self._set_status(payload)
            case ("GET", ["entries", entry_id]):
                return 200, self._public(self._entry(entry_id))
            case ("PUT", ["entries", entry_id, "bookmark"]):
                entry = self.entries.get(_int(entry_id))
                if entry is None:  # the storage's "nothing has been updated", as a server error
                    raise HTTPError(500, "store: nothing has been updated")
                entry["starred"] = not entry["starred"]
                self._touch(entry)
                return 204, None
        raise HTTPError(404, "resource not found")

    def _feed(self, raw: str) -> dict[str, Any]:
        feed_id = _int(raw)
        if feed_id == 0:
            raise HTTPError(400, "invalid feed ID")
        if feed_id not in self.feeds:
            raise HTTPError(404, "resource not found")
        return self.feeds[feed_id]

    def _entry(self, raw: str) -> dict[str, Any]:
        entry_id = _int(raw)
        if entry_id == 0:
            raise HTTPError(400, "invalid entry ID")
        if entry_id not in self.entries:
            raise HTTPError(404, "resource not found")
        return self.entries[entry_id]

    def _public(self, entry: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in entry.items() if not k.startswith("_")}
        out["feed"] = self.feeds.get(entry["feed_id"])
        return out

    def _create_feed(self, payload: Any) -> tuple[int, Any]:
        url = payload.get("feed_url", "") if isinstance(payload, dict) else ""
        if not url:
            raise HTTPError(400, "The feed URL and the category are mandatory.")
        if not url.startswith(("http://", "https://")):
            raise HTTPError(400, "Invalid feed URL.")
        if any(feed["feed_url"] == url for feed in self.feeds.values()):
            raise HTTPError(400, "This feed already exists.")
        return 201, {"feed_id": self._new_feed(url)}

    def _find(self, query: dict[str, list[str]]) -> dict[str, Any]:
        statuses = query.get("status", [])
        for status in statuses:
            if status not in ("read", "unread"):
                raise HTTPError(400, 'invalid entry status, valid status values are: "read" and "unread"')
        order = _one(query, "order", "published_at")
        if order not in ORDERS:
            raise HTTPError(400, "invalid entry order")
        direction = _one(query, "direction", "asc")
        if direction not in ("asc", "desc"):
            raise HTTPError(400, 'invalid direction, valid direction values are: "asc" or "desc"')
        limit, offset = int(_one(query, "limit", "100")), int(_one(query, "offset", "0"))
        if offset < 0:
            raise HTTPError(400, "offset value should be >= 0")
        if limit < 0:
            raise HTTPError(400, "limit value should be >= 0")
        if limit > 1000:
            raise HTTPError(400, "limit value should be <= 1000")
        feed_id = _int(_one(query, "feed_id", "0"))
        if feed_id and feed_id not in self.feeds:
            raise HTTPError(400, "invalid feed ID")
        found = [e for e in self.entries.values() if self._matches(e, query, statuses, feed_id)]
        key = "_changed" if order == "changed_at" else order
        found.sort(key=lambda e: (e[key], e["id"]), reverse=direction == "desc")
        page = found[offset : offset + limit] if limit else found[offset:]
        return {"total": len(found), "entries": [self._public(e) for e in page]}

    @staticmethod
    def _matches(
        entry: dict[str, Any], query: dict[str, list[str]], statuses: list[str], feed_id: int
    ) -> bool:
        if statuses and entry["status"] not in statuses:
            return False
        if feed_id and entry["feed_id"] != feed_id:
            return False
        after_id = _int(_one(query, "after_entry_id", "0"))
        if after_id > 0 and entry["id"] <= after_id:
            return False
        changed_after = _int(_one(query, "changed_after", "0"))
        if changed_after > 0 and not entry["_changed"] > changed_after:
            return False
        if "starred" in query and _one(query, "starred", "") in ("true", "1", "false", "0"):
            return bool(entry["starred"]) == (_one(query, "starred", "") in ("true", "1"))
        return True

    def _ids(self, query: dict[str, list[str]]) -> dict[str, Any]:
        starred = _one(query, "starred", None)
        if starred is not None and starred not in ("true", "false"):
            raise HTTPError(400, 'invalid starred parameter, must be "true" or "false"')
        status = _one(query, "status", None)
        if status is not None and status not in ("read", "unread"):
            raise HTTPError(400, 'invalid status parameter, must be "read" or "unread"')
        limit = _int(_one(query, "limit", "10000"))
        limit = 10000 if limit <= 0 or limit > 10000 else limit
        offset = _int(_one(query, "offset", "0"))
        ids = sorted(
            (
                e["id"]
                for e in self.entries.values()
                if (starred is None or e["starred"] == (starred == "true"))
                and (status is None or e["status"] == status)
            ),
            reverse=True,
        )
        return {"total": len(ids), "entry_ids": ids[offset : offset + limit]}

    def _set_status(self, payload: Any) -> tuple[int, Any]:
        if not isinstance(payload, dict):
            raise HTTPError(400, "invalid JSON")
        ids, status, starred = (
            payload.get("entry_ids") or [],
            payload.get("status") or "",
            payload.get("starred"),
        )
        if not ids:
            raise HTTPError(400, "the list of entries cannot be empty")
        if self.legacy or status:
            if status not in ("read", "unread"):
                raise HTTPError(400, 'invalid entry status, valid status values are: "read" and "unread"')
        elif starred is None:
            raise HTTPError(400, "either the status or the starred field must be specified")
        for entry_id in ids:
            entry = self.entries.get(entry_id)
            if entry is None:
                continue  # the SQL's WHERE id=ANY($3) simply matches nothing
            if status:
                entry["status"] = status
            if starred is not None and not self.legacy:
                entry["starred"] = bool(starred)
            self._touch(entry)
        return 204, None


def _one(query: dict[str, list[str]], key: str, default: Any) -> Any:
    values = query.get(key)
    return values[0] if values else default


def _int(text: str) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return 0


def _handler_for(fake: FakeMiniflux) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            try:
                status, data = fake.handle(self.command, self.path, self.headers, body)
            except HTTPError as error:
                status, data = error.status, {"error_message": error.message}
            raw = b"" if status == 204 else json.dumps(data).encode()
            self.send_response(status)
            if status != 204:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_PUT = do_POST = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
            pass

    return Handler


@pytest.fixture
def miniflux() -> Iterator[FakeMiniflux]:
    fake = FakeMiniflux()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(fake))
    server.daemon_threads = True
    fake.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()

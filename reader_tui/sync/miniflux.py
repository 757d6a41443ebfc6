"""Miniflux's REST API (``/v1``, ``X-Auth-Token``), as its own handlers define it (``internal/api``).

- Subscriptions: ``GET /v1/feeds``, ``POST /v1/feeds`` (``{"feed_url"}`` -> 201 ``{"feed_id"}``),
  ``DELETE /v1/feeds/{id}`` (204; 404 when it is already gone, which is what we wanted).
- Pull: ``GET /v1/entries?order=id&direction=asc&limit=1000&after_entry_id=N&changed_after=T``. Every
  change of status or star sets the entry's ``changed_at`` (server time), so one query returns new
  entries and changed ones. Pages are taken by ``after_entry_id`` (keyset), not ``offset``: an entry that
  changes while we page cannot shift the pages under us. ``limit`` is at most 1,000
  (``model.MaxEntryLimit``).
- Push: ``PUT /v1/entries`` with ``{"entry_ids", "status"}`` (204) for read/unread, and with
  ``{"entry_ids", "starred"}`` on servers that take it (2.2.x's ``setEntryStatusAndStarredHandler``).
  Older servers answer that with 400 ("invalid entry status"); there the only call is
  ``PUT /v1/entries/{id}/bookmark``, which *toggles*, so the entry's current state is read first
  (``GET /v1/entries/{id}``) and it is toggled only when it differs: a retried sync never flips a star
  back.
- ``PUT /v1/feeds/{id}/mark-all-as-read`` (204) marks the whole feed on the server, entries this machine
  never pulled included.

Errors are ``{"error_message": "..."}`` with 400/401/403/404/500; 401 means the token was refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx

from reader_tui.sync.backend import (
    Pull,
    RemoteEntry,
    RemoteFeed,
    SyncError,
    chunks,
    http_client,
    json_body,
    send,
)

PAGE = 1000
"""Entries per page: the server's maximum (``model.MaxEntryLimit``)."""
CHANGED_SLACK = 1
"""``changed_after`` takes whole seconds and compares with ``>``: asking from one second before the newest
change seen re-reads that second's entries (harmless: their state equals what we hold) instead of
missing an entry changed later in the same second."""


def _time(value: object) -> datetime | None:
    """Go's RFC 3339 times (up to nanoseconds, ``Z`` or an offset) as aware datetimes."""
    if not isinstance(value, str) or not value:
        return None
    text = value.replace("Z", "+00:00")
    if "." in text:  # Python takes at most 6 fractional digits
        head, _, rest = text.partition(".")
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{head}.{rest[:digits][:6].ljust(6, '0')}{rest[digits:]}"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


class Miniflux:
    """One Miniflux account, authenticated by an API token (Settings > API Keys)."""

    name = "miniflux"

    def __init__(self, url: str, token: str, *, client: httpx.Client | None = None) -> None:
        self.requests = 0
        self._client = client or http_client(url)
        self._client.headers["X-Auth-Token"] = token
        self._batch_star: bool | None = None
        """Whether ``PUT /v1/entries`` takes ``starred``; None until the server has been asked."""

    def close(self) -> None:
        self._client.close()

    # ------------------------------------------------------------------ HTTP

    def _count(self) -> None:
        self.requests += 1

    def _call(self, method: str, path: str, what: str, ok: tuple[int, ...] = (200,), **kwargs: Any) -> Any:
        response = send(self._client, self._count, method, path, **kwargs)
        if response.status_code in ok:
            return json_body(response, what) if response.status_code == 200 else None
        raise self._error(response, what)

    @staticmethod
    def _error(response: httpx.Response, what: str) -> SyncError:
        status = response.status_code
        if status == 401:
            return SyncError(f"{what}: Miniflux refused the API token (HTTP 401)")
        try:
            message = str(response.json().get("error_message") or "")
        except (ValueError, AttributeError):
            message = ""
        detail = " ".join(message.split())[:200] or response.reason_phrase
        return SyncError(f"{what}: Miniflux answered HTTP {status} ({detail})")

    # ------------------------------------------------------------------ subscriptions

    def feeds(self) -> list[RemoteFeed]:
        data = self._call("GET", "/v1/feeds", "listing feeds")
        if not isinstance(data, list):
            raise SyncError("listing feeds: unexpected answer from Miniflux")
        return [
            RemoteFeed(int(feed["id"]), str(feed.get("feed_url") or ""), str(feed.get("title") or ""))
            for feed in data
            if isinstance(feed, dict) and isinstance(feed.get("id"), int)
        ]

    def subscribe(self, url: str) -> RemoteFeed:
        for feed in self.feeds():  # the server answers "already exists" with a 400 and no id
            if feed.url == url:
                return feed
        data = self._call("POST", "/v1/feeds", f"subscribing to {url}", ok=(200, 201), json={"feed_url": url})
        if data is None:
            for feed in self.feeds():
                if feed.url == url:
                    return feed
            raise SyncError(f"subscribing to {url}: Miniflux gave no feed id")
        return RemoteFeed(int(data["feed_id"]), url)

    def unsubscribe(self, feed_id: int) -> None:
        response = send(self._client, self._count, "DELETE", f"/v1/feeds/{feed_id}")
        if response.status_code not in (204, 404):
            raise self._error(response, f"removing feed {feed_id}")

    # ------------------------------------------------------------------ entries

    def pull(self, cursor: dict[str, Any]) -> Pull:
        changed_after = int(cursor.get("changed_after", 0) or 0)
        newest = float(changed_after)
        entries: list[RemoteEntry] = []
        after_id = 0
        while True:
            params: dict[str, Any] = {"order": "id", "direction": "asc", "limit": PAGE}
            if after_id:
                params["after_entry_id"] = after_id
            if changed_after:
                params["changed_after"] = changed_after
            data = self._call("GET", "/v1/entries", "reading entries", params=params)
            page = data.get("entries") if isinstance(data, dict) else None
            if not isinstance(page, list):
                raise SyncError("reading entries: unexpected answer from Miniflux")
            for raw in page:
                entry = self._entry(raw)
                if entry is not None:
                    entries.append(entry)
                    newest = max(newest, entry.changed_at or 0.0)
                    after_id = max(after_id, entry.id)
            if len(page) < PAGE:
                break
        next_after = max(changed_after, int(newest) - CHANGED_SLACK)
        return Pull(entries, {"changed_after": next_after})

    @staticmethod
    def _entry(raw: object) -> RemoteEntry | None:
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), int):
            return None
        changed = _time(raw.get("changed_at"))
        return RemoteEntry(
            id=raw["id"],
            feed_id=int(raw.get("feed_id") or 0),
            url=str(raw.get("url") or ""),
            read=raw.get("status") == "read",
            starred=bool(raw.get("starred")),
            title=str(raw.get("title") or ""),
            guid=str(raw.get("hash") or ""),
            author=str(raw.get("author") or ""),
            content=str(raw.get("content") or ""),
            published=_time(raw.get("published_at")),
            changed_at=changed.timestamp() if changed else None,
        )

    def set_read(self, entry_ids: Sequence[int], read: bool) -> None:
        status = "read" if read else "unread"
        for batch in chunks(entry_ids):
            self._call(
                "PUT",
                "/v1/entries",
                f"marking {len(batch)} entries {status}",
                ok=(204,),
                json={"entry_ids": list(batch), "status": status},
            )

    def set_starred(self, entry_ids: Sequence[int], starred: bool) -> None:
        what = "starring" if starred else "unstarring"
        for batch in chunks(entry_ids):
            if self._batch_star is not False:
                response = send(
                    self._client,
                    self._count,
                    "PUT",
                    "/v1/entries",
                    json={"entry_ids": list(batch), "starred": starred},
                )
                if response.status_code == 204:
                    self._batch_star = True
                    continue
                if response.status_code != 400 or self._batch_star:
                    raise self._error(response, f"{what} {len(batch)} entries")
                self._batch_star = False  # an older server: no batch form, toggle one by one
            for entry_id in batch:
                self._set_star_by_toggle(entry_id, starred, what)

    def _set_star_by_toggle(self, entry_id: int, starred: bool, what: str) -> None:
        response = send(self._client, self._count, "GET", f"/v1/entries/{entry_id}")
        if response.status_code == 404:
            return  # gone from the server: nothing to star
        if response.status_code != 200:
            raise self._error(response, f"{what} entry {entry_id}")
        current = json_body(response, f"{what} entry {entry_id}")
        if isinstance(current, dict) and bool(current.get("starred")) != starred:
            self._call("PUT", f"/v1/entries/{entry_id}/bookmark", f"{what} entry {entry_id}", ok=(204,))

    def mark_feed_read(self, feed_id: int) -> None:
        self._call("PUT", f"/v1/feeds/{feed_id}/mark-all-as-read", f"marking feed {feed_id} read", ok=(204,))

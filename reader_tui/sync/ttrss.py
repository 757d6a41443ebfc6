"""Tiny Tiny RSS's JSON API (``POST /api/``, one ``{"op": ..., "sid": ...}`` object per call), API level 15+.

- ``login`` gives a session id; a call answered ``NOT_LOGGED_IN`` (the session expired) logs in again once.
- Subscriptions: ``getFeeds`` (``cat_id=-3``: every real feed), ``subscribeToFeed`` (``status.code`` 0 =
  already subscribed, 1 = added; 2-5 are refusals, e.g. 5 for a URL it cannot or will not fetch),
  ``unsubscribeFeed``.
- Pull: ``getHeadlines`` on the "all articles" feed (-4) with ``since_id`` for articles new since the last
  sync, oldest first, 200 a page (the server's maximum). The API keeps no time of a read or star change
  and cannot list changed articles, so each later sync also lists the ids of every unread article (-4,
  ``view_mode=unread``) and every starred one (-1) without their content; the engine compares them with
  what it last saw.
- Push: ``updateArticle`` with a comma-separated ``article_ids`` list (field 2 = unread, field 0 = starred;
  mode 0/1 sets false/true, never toggles), and ``catchupFeed`` for a whole feed.

Errors come back as HTTP 200 with ``{"status": 1, "content": {"error": "..."}}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
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

PAGE = 200
"""Headlines per ``getHeadlines`` call: the server caps ``limit`` at 200."""
ALL_ARTICLES, STARRED = -4, -1
"""Tiny Tiny RSS's virtual feeds."""
FIELD_STARRED, FIELD_UNREAD = 0, 2
SUBSCRIBE_REFUSALS = {
    2: "the server says the URL is not valid",
    3: "the server found no feed at that URL",
    4: "the server found several feeds at that URL",
    5: "the server could not or would not fetch it",
}


def api_url(url: str) -> str:
    """The API endpoint for the address the user gave (the site, or its ``/api/``)."""
    base = url.rstrip("/")
    return base + "/" if base.endswith("/api") else base + "/api/"


class TinyTinyRSS:
    """One Tiny Tiny RSS account (user and password; the user needs "Enable API" in its preferences)."""

    name = "ttrss"

    def __init__(self, url: str, user: str, password: str, *, client: httpx.Client | None = None) -> None:
        self.requests = 0
        self._endpoint = api_url(url)
        self._client = client or http_client(self._endpoint)
        self._user = user
        self._password = password
        self._sid: str | None = None

    def close(self) -> None:
        self._client.close()

    # ------------------------------------------------------------------ HTTP

    def _count(self) -> None:
        self.requests += 1

    def _post(self, payload: dict[str, Any], what: str) -> dict[str, Any]:
        response = send(self._client, self._count, "POST", self._endpoint, json=payload)
        if response.status_code != 200:
            raise SyncError(f"{what}: Tiny Tiny RSS answered HTTP {response.status_code}")
        data = json_body(response, what)
        if not isinstance(data, dict):
            raise SyncError(f"{what}: unexpected answer from Tiny Tiny RSS")
        return data

    def _login(self) -> None:
        data = self._post({"op": "login", "user": self._user, "password": self._password}, "logging in")
        content = data.get("content") or {}
        if data.get("status") != 0 or not isinstance(content, dict) or not content.get("session_id"):
            error = content.get("error") if isinstance(content, dict) else None
            if error == "API_DISABLED":
                raise SyncError(f"logging in: API access is off for {self._user} (Preferences > Enable API)")
            raise SyncError(
                f"logging in: Tiny Tiny RSS refused the user name or password ({error or 'no session'})"
            )
        self._sid = str(content["session_id"])

    def _call(self, op: str, what: str, **params: Any) -> Any:
        for attempt in (1, 2):
            if self._sid is None:
                self._login()
            data = self._post({"op": op, "sid": self._sid, **params}, what)
            content = data.get("content")
            if data.get("status") == 0:
                return content
            error = content.get("error") if isinstance(content, dict) else None
            if error == "NOT_LOGGED_IN" and attempt == 1:
                self._sid = None
                continue
            raise SyncError(f"{what}: Tiny Tiny RSS answered {error or 'an error'}")
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------ subscriptions

    def feeds(self) -> list[RemoteFeed]:
        data = self._call("getFeeds", "listing feeds", cat_id=-3)
        if not isinstance(data, list):
            raise SyncError("listing feeds: unexpected answer from Tiny Tiny RSS")
        return [
            RemoteFeed(int(feed["id"]), str(feed.get("feed_url") or ""), str(feed.get("title") or ""))
            for feed in data
            if isinstance(feed, dict) and isinstance(feed.get("id"), int) and feed["id"] > 0
        ]

    def subscribe(self, url: str) -> RemoteFeed:
        data = self._call("subscribeToFeed", f"subscribing to {url}", feed_url=url)
        status = data.get("status") if isinstance(data, dict) else None
        code = status.get("code") if isinstance(status, dict) else None
        if code in (0, 1) and isinstance(status, dict) and isinstance(status.get("feed_id"), int):
            return RemoteFeed(int(status["feed_id"]), url)
        reason = SUBSCRIBE_REFUSALS.get(code) if isinstance(code, int) else None
        message = status.get("message") if isinstance(status, dict) else None
        detail = f" ({' '.join(str(message).split())[:150]})" if message else ""
        raise SyncError(f"subscribing to {url}: {reason or 'refused'}{detail}")

    def unsubscribe(self, feed_id: int) -> None:
        try:
            self._call("unsubscribeFeed", f"removing feed {feed_id}", feed_id=feed_id)
        except SyncError as error:
            if "FEED_NOT_FOUND" not in str(error):  # already gone is what we wanted
                raise

    # ------------------------------------------------------------------ articles

    def _headlines(self, feed_id: int, what: str, **params: Any) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while True:
            page = self._call(
                "getHeadlines",
                what,
                feed_id=feed_id,
                limit=PAGE,
                skip=len(out),
                order_by="date_reverse",
                **params,
            )
            if not isinstance(page, list):
                raise SyncError(f"{what}: unexpected answer from Tiny Tiny RSS")
            out.extend(item for item in page if isinstance(item, dict) and isinstance(item.get("id"), int))
            if len(page) < PAGE:
                return out

    def pull(self, cursor: dict[str, Any]) -> Pull:
        since_id = int(cursor.get("since_id", 0) or 0)
        fresh = self._headlines(
            ALL_ARTICLES,
            "reading new articles",
            view_mode="all_articles",
            since_id=since_id,
            show_content=True,
        )
        entries = [self._entry(item) for item in fresh]
        newest = max([since_id, *(entry.id for entry in entries)])
        if not since_id:  # the first pull already holds every article's state
            return Pull(entries, {"since_id": newest})
        unread = self._headlines(
            ALL_ARTICLES, "listing unread articles", view_mode="unread", show_content=False
        )
        starred = self._headlines(
            STARRED, "listing starred articles", view_mode="all_articles", show_content=False
        )
        return Pull(
            entries,
            {"since_id": newest},
            unread_ids={item["id"] for item in unread},
            starred_ids={item["id"] for item in starred},
            existing=self.existing,
        )

    def existing(self, entry_ids: Sequence[int]) -> set[int]:
        """Which of these articles the server still has (it purges old ones, unread ones included)."""
        found: set[int] = set()
        for batch in chunks(entry_ids, PAGE):
            data = self._call("getArticle", "checking articles", article_id=",".join(str(i) for i in batch))
            if not isinstance(data, list):
                raise SyncError("checking articles: unexpected answer from Tiny Tiny RSS")
            found.update(
                int(item["id"]) for item in data if isinstance(item, dict) and str(item.get("id")).isdigit()
            )
        return found

    @staticmethod
    def _entry(item: dict[str, Any]) -> RemoteEntry:
        updated = item.get("updated")
        published = datetime.fromtimestamp(updated, UTC) if isinstance(updated, int) and updated > 0 else None
        return RemoteEntry(
            id=item["id"],
            feed_id=int(item.get("feed_id") or 0),
            url=str(item.get("link") or ""),
            read=not item.get("unread", True),
            starred=bool(item.get("marked")),
            title=str(item.get("title") or ""),
            guid=str(item.get("guid") or ""),
            author=str(item.get("author") or ""),
            content=str(item.get("content") or ""),
            published=published,
        )

    def _update(self, entry_ids: Sequence[int], field: int, value: bool, what: str) -> None:
        for batch in chunks(entry_ids):
            self._call(
                "updateArticle",
                what,
                article_ids=",".join(str(i) for i in batch),
                field=field,
                mode=int(value),
            )

    def set_read(self, entry_ids: Sequence[int], read: bool) -> None:
        self._update(
            entry_ids,
            FIELD_UNREAD,
            not read,
            f"marking {len(entry_ids)} articles {'read' if read else 'unread'}",
        )

    def set_starred(self, entry_ids: Sequence[int], starred: bool) -> None:
        self._update(
            entry_ids,
            FIELD_STARRED,
            starred,
            f"{'starring' if starred else 'unstarring'} {len(entry_ids)} articles",
        )

    def mark_feed_read(self, feed_id: int) -> None:
        self._call("catchupFeed", f"marking feed {feed_id} read", feed_id=feed_id, is_cat=False)

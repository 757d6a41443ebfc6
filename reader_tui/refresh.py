"""Refresh: bring every subscription up to date, several at once, losing nothing when a feed fails.

It is :func:`reader_tui.library.ingest` over the subscriptions (conditional GET, unchanged-body and
unchanged-file shortcuts, bounded worker threads, store writes in the calling thread) plus what only
a refresh means:

* "new" papers: the ids that arrived in the last refresh that reached at least one feed are kept by
  the store (:meth:`Store.set_new_ids`), so ``is:new`` finds them until the next refresh;
* per-feed bookkeeping (last refresh, last error) lives in the store's source info, written by
  ``ingest``; ``reader-tui feeds`` and the app read it back through :func:`feed_statuses`.

A refresh never touches read/starred state: the store keeps state apart from the paper cache, so a
change the user makes while feeds are being fetched is never reverted (newsboat #2211).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from reader_tui.library import DEADLINE, MAX_WORKERS, TIMEOUT, ProgressCallback, SourceReport, ingest
from reader_tui.safety import clean_line
from reader_tui.store import Store
from reader_tui.subscriptions import Subscription

OLD_NEW_IDS_SETTING = "refresh.new_ids"
LAST_REFRESH_SETTING = "refresh.last"


@dataclass(slots=True)
class RefreshResult:
    """The outcome of one refresh: a report per feed (subscription order) and the papers it brought."""

    reports: list[SourceReport]
    new_ids: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> int:
        return sum(1 for report in self.reports if report.error is None)

    @property
    def failed(self) -> int:
        return sum(1 for report in self.reports if report.error is not None)

    @property
    def new(self) -> int:
        return len(self.new_ids)


def refresh(
    store: Store,
    subscriptions: Sequence[Subscription] | None = None,
    *,
    force: bool = False,
    workers: int = MAX_WORKERS,
    timeout: float = TIMEOUT,
    deadline: float = DEADLINE,
    progress: ProgressCallback | None = None,
) -> RefreshResult:
    """Refresh the given subscriptions (default: those in ``feeds.toml``; may raise SubscriptionError).

    Blocking; call it from a worker thread in the app. ``progress(report, done, total)`` is called in
    this thread as each feed finishes. When at least one feed was reached, the papers new in this
    refresh replace the previous "new" set.
    """
    if subscriptions is None:
        from reader_tui.subscriptions import load

        subscriptions = load()
    started = time.monotonic()
    reports = ingest(
        store,
        [sub.url for sub in subscriptions],
        force=force,
        workers=workers,
        timeout=timeout,
        deadline=deadline,
        progress=progress,
    )
    new_ids = list(dict.fromkeys(paper_id for report in reports for paper_id in report.new_ids))
    if any(report.error is None for report in reports):
        store.search.set_new_ids(new_ids)
        if store.setting(OLD_NEW_IDS_SETTING) is not None:  # earlier builds kept them in state.json
            store.set_setting(OLD_NEW_IDS_SETTING, None)
        store.set_setting(LAST_REFRESH_SETTING, time.time())
    return RefreshResult(reports, new_ids, time.monotonic() - started)


@dataclass(slots=True)
class FeedStatus:
    """One subscription as ``reader-tui feeds`` (and a per-feed panel in the app) shows it."""

    url: str
    key: str
    title: str
    """The subscription's title, else the feed's own, else the URL; cleaned."""
    tags: list[str]
    papers: int
    """Papers in the library that came from this feed (including ones that have left it)."""
    unread: int
    refreshed: datetime | None
    """Last successful read (a 304 counts); None when never."""
    checked: datetime | None
    """Last attempt, successful or not."""
    error: str | None
    """The last attempt's one-line error, None when it succeeded."""


def feed_statuses(store: Store, subscriptions: Sequence[Subscription] | None = None) -> list[FeedStatus]:
    """Counts and last-refresh facts per subscription, in one pass over the library."""
    if subscriptions is None:
        from reader_tui.subscriptions import load

        subscriptions = load()
    keys = {sub.key: sub for sub in subscriptions}
    papers = dict.fromkeys(keys, 0)
    unread = dict.fromkeys(keys, 0)
    read = store.field_values("read")
    for row in store.search.rows():  # the app has them already; decoding 100,000 papers took 2.5 s
        is_unread = row.paper_id not in read
        for feed in row.sources:
            if feed in papers:
                papers[feed] += 1
                if is_unread:
                    unread[feed] += 1
    statuses = []
    for key, sub in keys.items():
        info = store.source_info(key) or {}
        title = sub.title or str(info.get("title") or "") or sub.url
        statuses.append(
            FeedStatus(
                url=sub.url,
                key=key,
                title=clean_line(title),
                tags=list(sub.tags),
                papers=papers[key],
                unread=unread[key],
                refreshed=_when(info.get("refreshed")),
                checked=_when(info.get("checked")),
                error=clean_line(info["error"]) if info.get("error") else None,
            )
        )
    return statuses


def _when(value: object) -> datetime | None:
    if isinstance(value, int | float) and value > 0:
        return datetime.fromtimestamp(value, UTC)
    return None


__all__ = [
    "LAST_REFRESH_SETTING",
    "FeedStatus",
    "RefreshResult",
    "feed_statuses",
    "refresh",
]

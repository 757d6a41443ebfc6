"""The sync engine: one run pulls what changed on the server, merges it into the store, then sends what
changed here. Backend-neutral: it sees a server only through :class:`~reader_tui.sync.backend.Backend`.

The outbox is the store's own record of unsent changes (``pending_changes``): a mark is in it from the
moment the store acknowledges it, survives kill -9 with the store, and leaves it only when the server
has confirmed it (``mark_sent`` after the write request succeeded). A failed sync loses nothing: what
was not confirmed is sent by the next one, and the app waits longer after each failure
(:meth:`Journal.backoff`).

The merge, per paper field, three-way against the server's last known value (the journal):

* the server's value still equals what we last saw there: the server did not change it; nothing to take;
* it differs: the server changed it; the store takes it unless its own change of that field is newer
  (``apply_remote``). The server's change time is the entry's ``changed_at`` where the server keeps one
  (Miniflux); Tiny Tiny RSS keeps none, and the change is dated at the last sync, so a change made here
  since then, still unsent, wins;
* an entry seen for the first time: its read or star counts as a change on the server; its unread and
  unstarred are only the server's defaults (it fetched the item after this machine marked the paper:
  the mark must not be flipped back);
* afterwards, every linked entry whose server value differs from the paper's value here is sent.

Papers and entries are matched by the entry's URL (an arXiv abs/pdf URL names the arXiv id that is the
paper's id; a DOI URL its DOI; else the post link) and the links are kept in the journal. An entry that
matches no paper is a paper only the server has: it is built from the entry (title, author, content,
URL, date) through the generic feed format and added to the library; a later parse of the same feed
fills in what the server did not carry.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from reader_tui.feeds.common import FeedContext, arxiv_from_url
from reader_tui.feeds.fetch import source_key
from reader_tui.feeds.generic import to_paper
from reader_tui.model import FieldChange, Paper
from reader_tui.sync.backend import Backend, Pull, RemoteEntry, ServerUnreachable, SyncError
from reader_tui.sync.journal import Journal, Link

SYNCED_FIELDS = ("read", "starred")
"""What the servers can hold. Tags and notes stay on this machine (Miniflux has no notes, and neither
server's tags are per user and settable through the API in the same way)."""
_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/")


class State(Protocol):
    @property
    def read(self) -> bool: ...
    @property
    def starred(self) -> bool: ...


class FeedList(Protocol):
    """This machine's subscriptions (``feeds.toml``), as far as a server can share them: http(s) URLs."""

    def urls(self) -> list[str]: ...
    def add(self, url: str, title: str) -> None: ...
    def remove(self, url: str) -> None: ...


class SyncStore(Protocol):
    """The part of the store a sync uses (the store's per-field change record)."""

    def papers(self) -> list[Paper]: ...
    def add_papers(self, papers: Iterable[Paper]) -> list[str]: ...
    def state(self, paper_id: str) -> State: ...
    def pending_changes(self, limit: int | None = None) -> Sequence[FieldChange]: ...
    def mark_sent(self, changes: Iterable[FieldChange]) -> None: ...
    def apply_remote(self, paper_id: str, field: str, value: Any, changed_at: float) -> bool: ...
    def flush(self) -> None: ...


@dataclass
class SyncReport:
    """What one sync did, for the one line per kind of change that ``reader-tui sync`` prints."""

    taken: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    """Changes taken from the server: "read", "unread", "starred", "unstarred"."""
    sent: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    """Entries updated on the server, by the same kinds."""
    new_papers: int = 0
    feeds_here: list[str] = field(default_factory=list)
    """Subscriptions added here because they were added on the server (``-`` prefix: removed)."""
    feeds_there: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """One line each for what did not go through but did not stop the sync (a feed the server refused)."""
    requests: int = 0
    seconds: float = 0.0

    def lines(self) -> list[str]:
        out = [f"from the server: {n} marked {kind}" for kind, n in self.taken.items() if n]
        out += [f"to the server: {n} marked {kind}" for kind, n in self.sent.items() if n]
        if self.new_papers:
            out.append(f"from the server: {self.new_papers} papers this machine did not have")
        out += [f"subscriptions here: {change}" for change in self.feeds_here]
        out += [f"subscriptions on the server: {change}" for change in self.feeds_there]
        return out + [f"not synced: {problem}" for problem in self.problems]


def _kind(name: str, value: bool) -> str:
    return (name if value else f"un{name}") if name == "starred" else ("read" if value else "unread")


def entry_keys(url: str) -> list[str]:
    """The keys an entry's URL can match a paper by: its arXiv id, its DOI, the URL itself."""
    url = url.strip()
    if not url:
        return []
    keys = []
    arxiv = arxiv_from_url(url)
    if arxiv:
        keys.append(arxiv[0])
    lowered = url.lower()
    for prefix in _DOI_PREFIXES:
        if lowered.startswith(prefix):
            keys.append("doi:" + url[len(prefix) :].lower())
    keys += [url, url.rstrip("/")]
    return keys


def paper_keys(paper: Paper) -> list[str]:
    keys = [paper.id]
    if paper.links.doi:
        keys.append("doi:" + paper.links.doi.lower())
    for url in (paper.links.post, paper.links.abs):
        if url:
            keys += [url, url.rstrip("/")]
    return keys


class SyncEngine:
    """Syncs one store with one server account. Not thread-safe: one sync at a time."""

    def __init__(
        self,
        store: SyncStore,
        backend: Backend,
        journal: Journal,
        *,
        server_id: str,
        feeds: FeedList | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.feeds = feeds
        self.backend = backend
        self.journal = journal
        self.clock = clock
        if journal.server != server_id:
            journal.reset(server_id)
        self._feed_urls: dict[int, str] = dict(journal.remote_feeds)
        self._index: dict[str, str] | None = None

    # ------------------------------------------------------------------ public

    def pending(self) -> int:
        """Local changes of synced fields not yet confirmed by the server."""
        return sum(1 for change in self.store.pending_changes() if change.field in SYNCED_FIELDS)

    def due(self, now: float | None = None) -> bool:
        """Whether the backoff after failures allows the app to try now."""
        now = self.clock() if now is None else now
        return now >= self.journal.last_attempt + self.journal.backoff()

    def sync(self) -> SyncReport:
        """One full sync. Raises :class:`SyncError` (one line) when it fails; nothing local is lost."""
        started = self.clock()
        before = self.backend.requests
        report = SyncReport()
        self.journal.last_attempt = started
        try:
            self._sync(report)
        except SyncError as error:
            self.journal.failures += 1
            self.journal.last_error = str(error)
            self._save()
            raise
        self.journal.failures = 0
        self.journal.last_error = None
        self.journal.last_sync = started
        self._save()
        report.requests = self.backend.requests - before
        report.seconds = self.clock() - started
        return report

    # ------------------------------------------------------------------ steps

    def _save(self) -> None:
        """The store first, then the journal: the journal never claims what the store has not written."""
        self.store.flush()
        self.journal.remote_feeds = dict(self._feed_urls)
        self.journal.save()

    def _sync(self, report: SyncReport) -> None:
        self._feed_urls = {feed.id: feed.url for feed in self.backend.feeds()}
        if self.feeds is not None:
            self._sync_feeds(report, self.feeds)
        pulled = self.backend.pull(self.journal.cursor)
        touched = self._take(pulled, report)
        self.journal.cursor = pulled.cursor
        self._save()
        self._send(touched, report)

    def _take(self, pulled: Pull, report: SyncReport) -> set[str]:
        """Merge what the server said; the papers whose links were touched."""
        fallback_time = self.journal.last_sync or 1.0
        links = self.journal.links
        new_papers: list[Paper] = []
        seen: set[int] = set()
        remote: list[tuple[Link, dict[str, bool], float | None]] = []
        for entry in pulled.entries:
            seen.add(entry.id)
            link = links.get(entry.id)
            if link is None:
                paper_id = self._match(entry)
                if paper_id is None:
                    paper = self._paper_from(entry)
                    new_papers.append(paper)
                    self._index_add(paper)
                    paper_id = paper.id
                link = links[entry.id] = Link(paper_id, entry.feed_id)
            remote.append((link, {"read": entry.read, "starred": entry.starred}, entry.changed_at))
        remote += self._from_id_sets(pulled, seen)
        if new_papers:
            report.new_papers += len(self.store.add_papers(new_papers))
        touched: set[str] = set()
        for link, values, changed_at in remote:
            for name, value in values.items():
                base = link.base(name)
                if base == value:
                    continue
                touched.add(link.paper_id)
                link.set_base(name, value)
                if base is None and not value:
                    continue  # first sight of an unread/unstarred entry: the server's default, not a change
                if self.store.apply_remote(link.paper_id, name, value, changed_at or fallback_time):
                    report.taken[_kind(name, value)] += 1
        return touched

    def _from_id_sets(self, pulled: Pull, seen: set[int]) -> list[tuple[Link, dict[str, bool], float | None]]:
        """The linked entries whose state the id sets say changed; entries the server no longer has are
        forgotten (their papers keep their marks)."""
        if pulled.unread_ids is None or pulled.starred_ids is None:
            return []
        changed: dict[int, dict[str, bool]] = {}
        for entry_id, link in self.journal.links.items():
            if entry_id in seen:
                continue
            values = {"read": entry_id not in pulled.unread_ids, "starred": entry_id in pulled.starred_ids}
            if any(link.base(name) != value for name, value in values.items()):
                changed[entry_id] = values
        if changed and pulled.existing is not None:
            still = pulled.existing(sorted(changed))
            for entry_id in [i for i in changed if i not in still]:
                del changed[entry_id], self.journal.links[entry_id]
        return [(self.journal.links[entry_id], values, None) for entry_id, values in changed.items()]

    def _send(self, touched: set[str], report: SyncReport) -> None:
        """Send every linked entry whose server value differs from the paper's value here; then mark the
        changes the server now holds as sent."""
        changes = [c for c in self.store.pending_changes() if c.field in SYNCED_FIELDS]
        entries_of: dict[str, list[int]] = defaultdict(list)
        for entry_id, link in self.journal.links.items():
            entries_of[link.paper_id].append(entry_id)
        groups: dict[tuple[str, bool], list[int]] = defaultdict(list)
        for paper_id in touched | {c.paper_id for c in changes}:
            ids = entries_of.get(paper_id)
            if not ids:
                continue
            state = self.store.state(paper_id)
            for name in SYNCED_FIELDS:
                value = bool(getattr(state, name))
                for entry_id in ids:
                    if self.journal.links[entry_id].base(name) != value:
                        groups[(name, value)].append(entry_id)
        try:
            for (name, value), ids in sorted(groups.items()):
                ids.sort()
                if name == "read":
                    self.backend.set_read(ids, value)
                else:
                    self.backend.set_starred(ids, value)
                for entry_id in ids:
                    self.journal.links[entry_id].set_base(name, value)
                report.sent[_kind(name, value)] += len(ids)
        finally:
            delivered = [
                c
                for c in changes
                if all(self.journal.links[i].base(c.field) == c.value for i in entries_of.get(c.paper_id, []))
            ]
            self.store.mark_sent(delivered)
            self._save()

    def _sync_feeds(self, report: SyncReport, feeds: FeedList) -> None:
        """Two-way subscriptions. Against the lists of the last sync, a feed only one side has was either
        added there or removed here; the first sync only adds, on both sides."""
        remote = {url: feed_id for feed_id, url in self._feed_urls.items()}
        local = set(feeds.urls())
        first = not self.journal.last_sync
        known_here, known_there = set(self.journal.local_feeds), set(self.journal.remote_feeds.values())
        for url in sorted(set(remote) - local):
            if not first and url in known_here:
                self.backend.unsubscribe(remote[url])
                del self._feed_urls[remote[url]]
                report.feeds_there.append(f"removed {url}")
            else:
                feeds.add(url, "")
                local.add(url)
                report.feeds_here.append(f"added {url}")
        for url in sorted(local - set(remote)):
            if not first and url in known_there:
                feeds.remove(url)
                local.discard(url)
                report.feeds_here.append(f"removed {url}")
                continue
            try:
                feed = self.backend.subscribe(url)
            except ServerUnreachable:
                raise
            except SyncError as error:  # the server refused this one feed; the sync goes on
                report.problems.append(str(error))
                continue
            self._feed_urls[feed.id] = url
            report.feeds_there.append(f"added {url}")
        self.journal.local_feeds = sorted(local)

    # ------------------------------------------------------------------ matching

    def _match(self, entry: RemoteEntry) -> str | None:
        if self._index is None:
            self._index = {}
            for paper in self.store.papers():
                self._index_add(paper)
        for key in entry_keys(entry.url):
            found = self._index.get(key)
            if found is not None:
                return found
        return None

    def _index_add(self, paper: Paper) -> None:
        if self._index is not None:
            for key in paper_keys(paper):
                self._index.setdefault(key, paper.id)

    def _paper_from(self, entry: RemoteEntry) -> Paper:
        feed_url = self._feed_urls.get(entry.feed_id, "")
        source = source_key(feed_url) if feed_url else f"{self.backend.name}:feed/{entry.feed_id}"
        raw: dict[str, Any] = {
            "title": entry.title,
            "link": entry.url,
            "id": entry.url if entry.url.lower().startswith(("http://", "https://")) else "",
            "summary": entry.content,
            "summary_detail": {"type": "text/html", "value": entry.content},
            "author": entry.author,
        }
        if entry.published is not None:
            raw["published_parsed"] = entry.published.utctimetuple()
        return to_paper(raw, FeedContext(source_key=source))

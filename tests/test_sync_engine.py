"""The sync engine against both servers (the fake Miniflux and a real Tiny Tiny RSS) and the real store:
what the issue's "done when" asks, server by server."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sync_fixtures import TOKEN, FakeMiniflux, TTRSSAccount, miniflux, ttrss, ttrss_url

from reader_tui.model import Paper
from reader_tui.store import Store
from reader_tui.sync.backend import Backend, SyncError
from reader_tui.sync.engine import SyncEngine, entry_keys
from reader_tui.sync.journal import Journal
from reader_tui.sync.miniflux import Miniflux
from reader_tui.sync.ttrss import TinyTinyRSS

__all__ = ["miniflux", "ttrss", "ttrss_url"]  # fixtures

FEED = "https://rss.arxiv.org/rss/cs.LG"


def closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def arxiv(n: int) -> str:
    return f"2401.{n:05d}"


def paper(n: int) -> Paper:
    return Paper(id=arxiv(n), title=f"Paper {n}", arxiv_id=arxiv(n), feeds=[FEED])


@dataclass
class Server:
    """One server as the tests drive it: seed feeds and entries, change them as another client would, read
    them back, and make a backend that talks to it (or to nowhere)."""

    kind: str
    fake: FakeMiniflux | None = None
    account: TTRSSAccount | None = None

    def add_feed(self, url: str = FEED) -> int:
        if self.fake is not None:
            return self.fake.add_feed(url)
        assert self.account is not None
        return self.account.add_feed(url)

    def add_entry(self, feed: int, n: int, *, read: bool = False, starred: bool = False, **extra: Any) -> int:
        url = f"https://arxiv.org/abs/{arxiv(n)}v1"
        if self.fake is not None:
            status = "read" if read else "unread"
            return self.fake.add_entry(feed, url, f"Paper {n}", status=status, starred=starred, **extra)
        assert self.account is not None
        return self.account.add_entry(feed, url, f"Paper {n}", unread=not read, marked=starred, **extra)

    def add_entries(self, feed: int, ns: range) -> list[int]:
        if self.account is not None:  # one SQL statement, not a thousand
            import ttrss_server

            items: list[dict[str, object]] = [
                {"title": f"Paper {n}", "link": f"https://arxiv.org/abs/{arxiv(n)}v1"} for n in ns
            ]
            return ttrss_server.add_entries(self.account.uid, feed, items)
        return [self.add_entry(feed, n) for n in ns]

    def set(
        self,
        entry: int,
        *,
        read: bool | None = None,
        starred: bool | None = None,
        changed: float | None = None,
    ) -> None:
        if self.fake is not None:
            values: dict[str, Any] = {}
            if read is not None:
                values["status"] = "read" if read else "unread"
            if starred is not None:
                values["starred"] = starred
            self.fake.set_entry(entry, changed=changed, **values)
        else:
            assert self.account is not None
            self.account.set_article(entry, unread=None if read is None else not read, marked=starred)

    def state(self, entry: int) -> tuple[bool, bool]:
        if self.fake is not None:
            found = self.fake.entries[entry]
            return found["status"] == "read", found["starred"]
        assert self.account is not None
        article = self.account.article(entry)
        return not article["unread"], article["marked"]

    def backend(self, *, reachable: bool = True) -> Backend:
        if self.fake is not None:
            return Miniflux(self.fake.url if reachable else closed_port(), TOKEN)
        assert self.account is not None
        url = self.account.url if reachable else closed_port()
        return TinyTinyRSS(url, self.account.user, self.account.password)


@pytest.fixture(params=["miniflux", "ttrss"])
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    if request.param == "miniflux":
        yield Server("miniflux", fake=request.getfixturevalue("miniflux"))
    else:
        yield Server("ttrss", account=request.getfixturevalue("ttrss"))


@dataclass
class Machine:
    """This machine: a store and its sync journal."""

    store: Store

    @property
    def data(self) -> Path:
        return self.store.data_dir

    def engine(self, backend: Backend) -> SyncEngine:
        return SyncEngine(self.store, backend, Journal.load(self.data), server_id="test")

    def sync(self, server: Server, **kwargs: bool) -> Any:
        return self.engine(server.backend(**kwargs)).sync()


@pytest.fixture
def here(tmp_path: Path) -> Iterator[Machine]:
    with Store(tmp_path / "data") as store:
        yield Machine(store)


def linked(server: Server, here: Machine, count: int = 3) -> list[int]:
    """A feed with ``count`` papers on the server and here, linked by a first sync."""
    feed = server.add_feed()
    ids = [server.add_entry(feed, n) for n in range(count)]
    here.store.add_papers(paper(n) for n in range(count))
    here.sync(server)
    return ids


# ---------------------------------------------------------------------------------------------- done when


def test_a_star_on_the_server_appears_here(server: Server, here: Machine) -> None:
    ids = linked(server, here)
    server.set(ids[1], starred=True)
    server.set(ids[2], read=True)
    report = here.sync(server)
    assert here.store.state(arxiv(1)).starred and here.store.state(arxiv(2)).read
    assert not here.store.state(arxiv(0)).read and not here.store.state(arxiv(0)).starred
    assert "from the server: 1 marked starred" in report.lines()
    assert here.engine(server.backend()).pending() == 0


def test_a_read_here_appears_on_the_server(server: Server, here: Machine) -> None:
    ids = linked(server, here)
    here.store.set_field(arxiv(0), "read", True)
    here.store.set_field(arxiv(1), "starred", True)
    report = here.sync(server)
    assert [server.state(i) for i in ids] == [(True, False), (False, True), (False, False)]
    assert "to the server: 1 marked read" in report.lines()
    assert here.store.pending_changes() == []
    assert not here.sync(server).lines()  # nothing left to do, nothing flipped back


def test_an_unreachable_server_loses_nothing_and_the_next_sync_sends_it(
    server: Server, here: Machine
) -> None:
    ids = linked(server, here)
    here.store.set_field(arxiv(0), "read", True)
    here.store.set_field(arxiv(2), "starred", True)
    with pytest.raises(SyncError) as failed:
        here.sync(server, reachable=False)
    assert "\n" not in str(failed.value)
    assert len(here.store.pending_changes()) == 2
    journal = Journal.load(here.data)
    assert journal.failures == 1 and journal.last_error == str(failed.value) and journal.backoff() == 30.0
    here.sync(server)
    assert [server.state(i) for i in ids] == [(True, False), (False, False), (False, True)]
    assert here.store.pending_changes() == [] and Journal.load(here.data).failures == 0


def test_a_mark_here_newer_than_the_servers_wins(server: Server, here: Machine) -> None:
    ids = linked(server, here)
    here.store.set_field(arxiv(2), "read", True)  # here first...
    server.set(ids[0], read=True)  # ...then on the server...
    server.set(ids[1], starred=True)
    server.set(ids[2], read=True)
    time.sleep(0.01)
    here.store.set_field(arxiv(0), "starred", True)  # ...then here again: a different field, both stay
    here.store.set_field(arxiv(1), "read", True)
    here.store.set_field(arxiv(2), "read", False)  # read, unread again: newer than the server's read
    here.sync(server)
    assert [server.state(i) for i in ids] == [(True, True), (True, True), (False, False)]
    assert [(s.read, s.starred) for s in map(here.store.state, map(arxiv, range(3)))] == [
        (True, True),
        (True, True),
        (False, False),
    ]


def test_a_mark_on_the_server_newer_than_the_one_here_wins(miniflux: FakeMiniflux, here: Machine) -> None:
    """Only Miniflux keeps a change time; Tiny Tiny RSS's changes are dated at the last sync (a change
    here since then wins: see the test above)."""
    server = Server("miniflux", fake=miniflux)
    ids = linked(server, here)
    here.store.set_field(arxiv(0), "read", True)
    here.store.set_field(arxiv(0), "read", False)  # unsent: unread, as the server last had it
    server.set(ids[0], read=True, changed=time.time() + 60)  # read there later than the mark here
    here.sync(server)
    assert server.state(ids[0]) == (True, False) and here.store.state(arxiv(0)).read
    assert here.store.pending_changes() == []


def test_mark_all_read_covers_every_paper_of_a_feed(server: Server, here: Machine) -> None:
    feed = server.add_feed()
    ids = server.add_entries(feed, range(250))  # more than a page of Tiny Tiny RSS (Miniflux's: backends)
    other = server.add_feed("https://example.org/other.xml")
    elsewhere = server.add_entry(other, 999)
    here.sync(server)  # the papers come from the server
    assert len(here.store.papers()) == 251
    here.engine(server.backend()).backend.mark_feed_read(feed)  # on the server, by another client
    here.sync(server)
    assert all(here.store.state(arxiv(n)).read for n in range(250))
    assert not here.store.state(arxiv(999)).read and server.state(elsewhere) == (False, False)

    here.store.set_read_many([arxiv(n) for n in range(250)], False)  # and back, here, in one go
    here.sync(server)
    assert not any(server.state(i)[0] for i in ids[::7])
    assert here.store.pending_changes() == []


def test_a_thousand_changes_take_a_bounded_number_of_requests(
    server: Server, here: Machine, capsys: Any
) -> None:
    feed = server.add_feed()
    ids = server.add_entries(feed, range(1000))
    here.sync(server)
    for n in range(1000):
        here.store.set_field(arxiv(n), "read", True)
    for n in range(0, 1000, 2):
        here.store.set_field(arxiv(n), "starred", True)
    engine = here.engine(server.backend())
    report = engine.sync()
    assert report.sent == {"read": 1000, "starred": 500}
    # Miniflux: feeds, two pages of changes (the 1,000 entries, created within a second of the last sync,
    # are read again: changed_after takes whole seconds), 2 batches of read, 1 of stars. Tiny Tiny RSS:
    # login, feeds, new articles, the unread and starred id listings (200 a page: 5 + 1), the same 3 batches.
    assert report.requests <= {"miniflux": 6, "ttrss": 13}[server.kind], report.requests
    with capsys.disabled():
        took = f"{report.requests} requests, {report.seconds:.2f} s"
        print(f"\n{server.kind}: 1,500 changes to 1,000 papers: {took}")
    assert server.state(ids[998]) == (True, True) and server.state(ids[999]) == (True, False)


# ---------------------------------------------------------------------------------------------- merging


def test_a_paper_read_here_before_the_server_fetched_it_stays_read(server: Server, here: Machine) -> None:
    here.store.add_papers([paper(0)])
    here.store.set_field(arxiv(0), "read", True)
    here.sync(server)  # the server does not have it yet: nothing to send it to
    feed = server.add_feed()
    entry = server.add_entry(feed, 0)  # fetched later by the server: unread there, a newer "change"
    here.sync(server)
    assert here.store.state(arxiv(0)).read
    assert server.state(entry) == (True, False)


def test_papers_only_the_server_has_are_pulled_in(server: Server, here: Machine) -> None:
    feed = server.add_feed()
    server.add_entry(feed, 7, starred=True, content="<p>We show <b>things</b>.</p>", author="Ada Lovelace")
    report = here.sync(server)
    got = here.store.get(arxiv(7))
    assert got is not None and report.new_papers == 1
    assert got.title == "Paper 7" and got.authors == ["Ada Lovelace"] and "things" in got.summary_html
    assert got.links.abs == f"https://arxiv.org/abs/{arxiv(7)}" and got.feeds == [FEED]
    assert here.store.state(arxiv(7)).starred
    here.store.add_papers([Paper(id=arxiv(7), title="Paper 7", categories=["cs.LG"], feeds=[FEED])])
    assert here.store.get(arxiv(7)).categories == ["cs.LG"]  # type: ignore[union-attr]  # a local parse enriches it


def test_one_paper_in_two_server_feeds_is_marked_in_both(miniflux: FakeMiniflux, here: Machine) -> None:
    server = Server("miniflux", fake=miniflux)
    a, b = server.add_feed(), server.add_feed("https://rss.arxiv.org/rss/cs.AI")
    ea, eb = server.add_entry(a, 3), server.add_entry(b, 3)
    here.sync(server)
    assert len(here.store.papers()) == 1
    here.store.set_field(arxiv(3), "starred", True)
    here.sync(server)
    assert server.state(ea) == server.state(eb) == (False, True)


def test_a_failure_half_way_keeps_what_was_not_confirmed(miniflux: FakeMiniflux, here: Machine) -> None:
    server = Server("miniflux", fake=miniflux)
    ids = linked(server, here)
    here.store.set_field(arxiv(0), "read", True)
    here.store.set_field(arxiv(1), "starred", True)
    backend = server.backend()
    assert isinstance(backend, Miniflux)
    real = backend.set_starred

    def broken(entry_ids: Any, starred: bool) -> None:
        raise SyncError("starring: Miniflux answered HTTP 500 (boom)")

    backend.set_starred = broken  # type: ignore[method-assign]
    with pytest.raises(SyncError):
        here.engine(backend).sync()
    assert [(c.paper_id, c.field) for c in here.store.pending_changes()] == [(arxiv(1), "starred")]
    backend.set_starred = real  # type: ignore[method-assign]
    here.engine(backend).sync()
    assert [server.state(i) for i in ids] == [(True, False), (False, True), (False, False)]


def test_entry_urls_name_papers_by_arxiv_id_doi_or_link() -> None:
    assert entry_keys("https://arxiv.org/abs/2401.00001v2")[0] == "2401.00001"
    assert "doi:10.1101/2024.01.01.123456" in entry_keys("https://doi.org/10.1101/2024.01.01.123456")
    assert entry_keys("https://blog.example.org/post/") == [
        "https://blog.example.org/post/",
        "https://blog.example.org/post",
    ]
    assert entry_keys("  ") == []


def test_an_article_the_server_purged_is_not_read(ttrss: TTRSSAccount, here: Machine) -> None:
    """Tiny Tiny RSS purges old articles, unread ones too; one gone from the unread list is not a read."""
    import ttrss_server

    server = Server("ttrss", account=ttrss)
    ids = linked(server, here)
    ttrss_server.sql(f"delete from ttrss_entries where id = {ids[0]}")
    server.set(ids[1], read=True)
    report = here.sync(server)
    assert not here.store.state(arxiv(0)).read and here.store.state(arxiv(1)).read
    assert report.taken == {"read": 1}


def test_hostile_server_entries_become_clean_papers(miniflux: FakeMiniflux, here: Machine) -> None:
    feed = miniflux.add_feed(FEED)
    miniflux.add_entry(
        feed,
        "javascript:alert(1)",
        "Evil \x1b]52;c;Y3VybCBldmlsfHNo\x07title [bold]x[/] \u202e",
        content="<script>alert(1)</script><p onclick='x()'>body</p>",
        author="A" * 100,
    )
    here.sync(Server("miniflux", fake=miniflux))
    (got,) = here.store.papers()
    assert "\x1b" not in got.title and "\u202e" not in got.title and "[bold]x[/]" in got.title
    assert got.links.post is None and got.first_link is None and "javascript" not in got.id
    assert "<script>" not in got.summary_html and "body" in got.summary_html

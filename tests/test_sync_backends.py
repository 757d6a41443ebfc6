"""The two server adapters, each against its server: the fake Miniflux (built from Miniflux's handlers) and
a real Tiny Tiny RSS (skipped with one line where it cannot run)."""

from __future__ import annotations

import socket

import pytest
from sync_fixtures import TOKEN, FakeMiniflux, TTRSSAccount, miniflux, ttrss, ttrss_url

from reader_tui.sync.backend import ServerUnreachable, SyncError
from reader_tui.sync.miniflux import Miniflux, _time
from reader_tui.sync.ttrss import TinyTinyRSS

__all__ = ["miniflux", "ttrss", "ttrss_url"]  # fixtures


def closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# ---------------------------------------------------------------------------------------------- Miniflux


def test_go_times_parse_with_nanoseconds_and_offsets() -> None:
    assert _time("2026-11-29T12:41:19.123456789Z").timestamp() == pytest.approx(1795956079.123456)  # type: ignore[union-attr]
    assert _time("2026-11-29T13:41:19+01:00").timestamp() == 1795956079  # type: ignore[union-attr]
    assert _time("garbage") is None and _time(None) is None


def test_miniflux_pull_pages_past_the_server_limit_and_resumes_from_the_cursor(
    miniflux: FakeMiniflux,
) -> None:
    feed = miniflux.add_feed("https://rss.arxiv.org/rss/cs.LG")
    ids = [
        miniflux.add_entry(feed, f"https://arxiv.org/abs/2401.{i:05d}", changed=1_000_000 + i)
        for i in range(2300)
    ]
    client = Miniflux(miniflux.url, TOKEN)
    first = client.pull({})
    assert [e.id for e in first.entries] == ids
    assert client.requests == 3  # 1,000 a page
    assert first.entries[0].url == "https://arxiv.org/abs/2401.00000" and not first.entries[0].read

    miniflux.set_entry(ids[5], status="read")
    miniflux.set_entry(ids[7], starred=True)
    second = client.pull(first.cursor)
    changed = {e.id: (e.read, e.starred) for e in second.entries}
    changed.pop(ids[-1], None)  # the newest second is read again (changed_after takes whole seconds)
    assert changed == {ids[5]: (True, False), ids[7]: (False, True)}


def test_miniflux_read_and_star_go_out_in_batches(miniflux: FakeMiniflux) -> None:
    feed = miniflux.add_feed("https://example.org/feed")
    ids = [miniflux.add_entry(feed, f"https://example.org/{i}") for i in range(1200)]
    client = Miniflux(miniflux.url, TOKEN)
    client.set_read(ids, True)
    client.set_starred(ids[:600], True)
    assert client.requests == 3 + 2
    assert all(miniflux.entries[i]["status"] == "read" for i in ids)
    assert sum(miniflux.entries[i]["starred"] for i in ids) == 600
    client.set_starred(ids[:1], False)
    assert not miniflux.entries[ids[0]]["starred"]


def test_miniflux_without_batch_star_toggles_only_what_differs(miniflux: FakeMiniflux) -> None:
    """Older servers only toggle: starring twice (a retried sync) must not unstar."""
    miniflux.legacy = True
    feed = miniflux.add_feed("https://example.org/feed")
    a, b = (
        miniflux.add_entry(feed, "https://example.org/a"),
        miniflux.add_entry(feed, "https://example.org/b", starred=True),
    )
    client = Miniflux(miniflux.url, TOKEN)
    client.set_starred([a, b], True)
    client.set_starred([a, b], True)
    assert miniflux.entries[a]["starred"] and miniflux.entries[b]["starred"]
    assert miniflux.writes().count(("PUT", f"/v1/entries/{a}/bookmark")) == 1
    assert ("PUT", f"/v1/entries/{b}/bookmark") not in miniflux.writes()


def test_miniflux_subscriptions_and_mark_all_read(miniflux: FakeMiniflux) -> None:
    client = Miniflux(miniflux.url, TOKEN)
    feed = client.subscribe("https://example.org/feed.xml")
    assert client.subscribe("https://example.org/feed.xml") == feed  # already there: the same feed
    assert [f.url for f in client.feeds()] == ["https://example.org/feed.xml"]
    ids = [miniflux.add_entry(feed.id, f"https://example.org/{i}") for i in range(3)]
    client.mark_feed_read(feed.id)
    assert all(miniflux.entries[i]["status"] == "read" for i in ids)
    client.unsubscribe(feed.id)
    client.unsubscribe(feed.id)  # gone already: fine
    assert client.feeds() == []
    with pytest.raises(SyncError, match="Invalid feed URL"):
        client.subscribe("feed.xml")


def test_miniflux_failures_are_one_line_without_the_token(miniflux: FakeMiniflux) -> None:
    with pytest.raises(SyncError) as refused:
        Miniflux(miniflux.url, "wrong-token").feeds()
    assert "401" in str(refused.value) and "wrong-token" not in str(refused.value)
    with pytest.raises(ServerUnreachable) as down:
        Miniflux(closed_port(), TOKEN).pull({})
    assert "\n" not in str(down.value) and TOKEN not in str(down.value)


# ---------------------------------------------------------------------------------------------- Tiny Tiny RSS


def test_ttrss_pull_reads_new_articles_then_the_state_of_old_ones(ttrss: TTRSSAccount) -> None:
    feed = ttrss.add_feed("https://rss.arxiv.org/rss/cs.LG", "cs.LG")
    a = ttrss.add_entry(
        feed, "https://arxiv.org/abs/2401.00001v1", "First", content="<p>x</p>", author="A. Author"
    )
    b = ttrss.add_entry(feed, "https://arxiv.org/abs/2401.00002v1", "Second", marked=True)
    client = TinyTinyRSS(ttrss.url, ttrss.user, ttrss.password)
    first = client.pull({})
    assert [(e.id, e.read, e.starred, e.feed_id) for e in first.entries] == [
        (a, False, False, feed),
        (b, False, True, feed),
    ]
    assert first.entries[0].title == "First" and first.entries[0].author == "A. Author"

    ttrss.set_article(a, unread=False, marked=True)
    c = ttrss.add_entry(feed, "https://arxiv.org/abs/2401.00003v1", "Third")
    second = client.pull(first.cursor)
    assert [e.id for e in second.entries] == [c]
    assert second.unread_ids == {b, c} and second.starred_ids == {a, b}


def test_ttrss_writes_set_state_in_batches(ttrss: TTRSSAccount) -> None:
    feed = ttrss.add_feed("https://example.org/feed", "Example")
    ids = [ttrss.add_entry(feed, f"https://example.org/{i}") for i in range(3)]
    client = TinyTinyRSS(ttrss.url, ttrss.user, ttrss.password)
    client.set_read(ids[:2], True)
    client.set_starred(ids[1:], True)
    client.set_starred(ids[1:], True)  # sets, never toggles
    assert [ttrss.article(i) for i in ids] == [
        {"unread": False, "marked": False},
        {"unread": False, "marked": True},
        {"unread": True, "marked": True},
    ]
    client.mark_feed_read(feed)
    assert not any(ttrss.article(i)["unread"] for i in ids)


def test_ttrss_subscriptions(ttrss: TTRSSAccount) -> None:
    client = TinyTinyRSS(ttrss.url + "/api/", ttrss.user, ttrss.password)
    feed = ttrss.add_feed("https://example.org/feed", "Example")
    assert [(f.id, f.url) for f in client.feeds()] == [(feed, "https://example.org/feed")]
    with pytest.raises(SyncError, match="could not or would not fetch"):  # loopback: refused by the server
        client.subscribe("http://127.0.0.1:9/feed.xml")
    client.unsubscribe(feed)
    client.unsubscribe(feed)
    assert client.feeds() == []


def test_ttrss_refused_password_and_session_expiry(ttrss: TTRSSAccount) -> None:
    with pytest.raises(SyncError, match="refused the user name or password") as refused:
        TinyTinyRSS(ttrss.url, ttrss.user, "not-it").feeds()
    assert "not-it" not in str(refused.value)
    client = TinyTinyRSS(ttrss.url, ttrss.user, ttrss.password)
    client.feeds()
    client._sid = "expired"
    assert client.feeds() == []  # logged in again

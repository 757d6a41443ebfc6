"""Refreshing subscriptions against a real HTTP server on 127.0.0.1 that the tests start.

Every failure a user meets (404, 500, a drip, a gzip bomb, an HTML page, broken XML, a redirect to a
file) must cost only that feed, in one line, keeping its cached papers and every read/starred mark; a
304 must parse nothing; a mark made while a refresh runs must survive it.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from httpserver import FeedServer, Reply, Seen, feed_server

from reader_tui.cli import main
from reader_tui.feeds import load_feed
from reader_tui.feeds.fetch import DEFAULT_MAX_BYTES, USER_AGENT
from reader_tui.library import SourceReport
from reader_tui.refresh import feed_statuses, refresh
from reader_tui.store import Store
from reader_tui.subscriptions import Subscription

__all__ = ["feed_server"]  # the fixture, imported for pytest

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
DIGEST = (FEEDS / "ftxj-2026-05-29.xml").read_bytes()
DIGEST_0420 = (FEEDS / "ftxj-2026-04-20.xml").read_bytes()
DIGEST_IDS = [paper.id for paper in load_feed(str(FEEDS / "ftxj-2026-05-29.xml")).papers]
DIGEST_0420_IDS = [paper.id for paper in load_feed(str(FEEDS / "ftxj-2026-04-20.xml")).papers]
ETAG = '"digest-v1"'
MODIFIED = "Fri, 29 May 2026 12:36:41 GMT"
BROKEN_XML = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</ti'
HTML_PAGE = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Log in first</body></html>"
TIMEOUT, DEADLINE = 0.5, 1.5
"""Short network limits so failing feeds fail fast in tests."""


@pytest.fixture
def store(reader_home: Path) -> Iterator[Store]:
    with Store(reader_home / "data") as opened:
        yield opened


def conditional(body: bytes) -> Callable[[Seen], Reply]:
    """A route that answers 304 to a request carrying its ETag, else the body with validators."""

    def answer(request: Seen) -> Reply:
        if request.header("If-None-Match") == ETAG:
            return Reply(304, headers={"ETag": ETAG})
        return Reply(
            200, body, {"ETag": ETAG, "Last-Modified": MODIFIED, "Content-Type": "application/rss+xml"}
        )

    return answer


def with_items_of(feed: bytes, other: bytes) -> bytes:
    """``feed`` with ``other``'s items appended: yesterday's papers plus today's."""
    items = other[other.index(b"<item>") : other.rindex(b"</item>") + len(b"</item>")]
    return feed.replace(b"</channel>", items + b"</channel>")


def by_key(reports: list[SourceReport]) -> dict[str, SourceReport]:
    return {report.key: report for report in reports}


def feed_of(store: Store, url: str) -> list[str]:
    return sorted(paper.id for paper in store.papers() if url in paper.feeds)


# --------------------------------------------------------------------------- success paths


def test_the_new_papers_are_kept_with_the_papers_not_in_the_state_file_every_mark_rewrites(
    feed_server: FeedServer, store: Store
) -> None:
    """``is:new`` after a refresh, in this process and the next; ``state.json`` (written whole at each
    mark) does not grow with the refresh: 100,000 new ids there made every mark cost 48 ms, not 2."""
    store.set_setting("refresh.new_ids", ["2604.00001"] * 1000)  # as an earlier build left it
    store.flush()
    url = feed_server.route("/feed.xml", conditional(DIGEST))
    refresh(store, [Subscription(url)])
    store.flush()
    assert store.search.new_ids() == frozenset(DIGEST_IDS)
    state_file = store.state_path.read_text()
    assert sum(paper_id in state_file for paper_id in DIGEST_IDS) <= 1  # the feed's sample id
    assert "2604.00001" not in state_file  # the earlier build's copy is gone
    with Store(store.data_dir) as again:
        assert again.search.new_ids() == frozenset(DIGEST_IDS)


def test_200_then_304_parses_nothing_the_second_time(
    feed_server: FeedServer, store: Store, parse_calls: list[str]
) -> None:
    url = feed_server.route("/feed.xml", conditional(DIGEST))
    first = refresh(store, [Subscription(url)])
    [report] = first.reports
    assert report.error is None and report.new == len(DIGEST_IDS) and report.papers == len(DIGEST_IDS)
    assert sorted(first.new_ids) == sorted(DIGEST_IDS) == sorted(store.search.new_ids())
    assert feed_of(store, url) == sorted(DIGEST_IDS)
    assert len(parse_calls) == 1

    second = refresh(store, [Subscription(url)])
    [report] = second.reports
    assert report.error is None and report.not_modified and report.unchanged and report.new == 0
    assert len(parse_calls) == 1  # nothing re-parsed
    sent = feed_server.requests_for("/feed.xml")[-1]
    assert sent.header("If-None-Match") == ETAG
    assert sent.header("If-Modified-Since") == MODIFIED
    assert sent.header("User-Agent") == USER_AGENT
    assert store.search.new_ids() == frozenset()  # nothing arrived in the latest refresh
    assert feed_of(store, url) == sorted(DIGEST_IDS)

    third = refresh(store, [Subscription(url)], force=True)  # --force ignores validators
    assert feed_server.requests_for("/feed.xml")[-1].header("If-None-Match") is None
    assert len(parse_calls) == 2 and third.reports[0].new == 0


def test_a_server_without_validators_sending_the_same_body_is_not_parsed_again(
    feed_server: FeedServer, store: Store, parse_calls: list[str]
) -> None:
    url = feed_server.route("/plain.xml", Reply(200, DIGEST))
    refresh(store, [Subscription(url)])
    [report] = refresh(store, [Subscription(url)]).reports
    assert report.unchanged and not report.not_modified and len(parse_calls) == 1
    feed_server.route("/plain.xml", Reply(200, DIGEST_0420))
    [report] = refresh(store, [Subscription(url)]).reports
    assert report.new == len(DIGEST_0420_IDS) and len(parse_calls) == 2
    assert feed_of(store, url) == sorted(DIGEST_IDS + DIGEST_0420_IDS)  # papers stay after leaving the feed


def test_a_redirect_is_followed_and_papers_keep_the_subscribed_url(
    feed_server: FeedServer, store: Store
) -> None:
    feed_server.route("/new.xml", Reply(200, DIGEST))
    old = feed_server.route("/old.xml", Reply(301, headers={"Location": "/new.xml"}))
    [report] = refresh(store, [Subscription(old)]).reports
    assert report.error is None and report.new == len(DIGEST_IDS)
    assert feed_of(store, old) == sorted(DIGEST_IDS)


def test_one_paper_from_two_feeds_is_one_paper_naming_both(feed_server: FeedServer, store: Store) -> None:
    a = feed_server.route("/a.xml", Reply(200, DIGEST))
    b = feed_server.route("/b.xml", Reply(200, DIGEST))
    result = refresh(store, [Subscription(a), Subscription(b)])
    assert sorted(result.new_ids) == sorted(DIGEST_IDS)  # new once, not twice
    assert len(store) == len(DIGEST_IDS)
    assert all(sorted(paper.feeds) == sorted([a, b]) for paper in store.papers())


# --------------------------------------------------------------------------- failures


def gzip_bomb(size: int) -> bytes:
    """``size`` zero bytes, gzip-compressed without ever holding them in memory (~1000:1)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\0" * 2**20
    parts = [packer.compress(chunk) for _ in range(size // len(chunk))]
    return b"".join([*parts, packer.flush()])


FAILURES: list[tuple[str, Reply, str]] = [
    ("/missing.xml", Reply(404, b"not here"), "HTTP 404 Not Found"),
    ("/error.xml", Reply(500, b"oops"), "HTTP 500 Internal Server Error"),
    (
        "/to-file.xml",
        Reply(302, headers={"Location": "file:///etc/passwd"}),
        "refused redirect to a file: URL",
    ),
    ("/page.xml", Reply(200, HTML_PAGE, {"Content-Type": "text/html"}), "not a feed (HTML page)"),
    ("/broken.xml", Reply(200, BROKEN_XML), "no entries (XML error at line 1"),
    (
        "/bomb.xml",
        Reply(200, gzip_bomb(DEFAULT_MAX_BYTES + 2**21), {"Content-Encoding": "gzip"}),
        f"response is larger than {DEFAULT_MAX_BYTES // 2**20} MB",
    ),
]


def test_each_failure_costs_only_its_feed_and_keeps_its_papers_and_state(
    feed_server: FeedServer, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = feed_server.route("/good.xml", Reply(200, DIGEST_0420))
    subs = [Subscription(good)]
    for path, _reply, _reason in FAILURES:  # every feed works on the first refresh...
        subs.append(Subscription(feed_server.route(path, Reply(200, DIGEST))))
    first = refresh(store, subs, timeout=TIMEOUT, deadline=DEADLINE)
    assert first.failed == 0
    store.set_starred(DIGEST_IDS[0], True)
    store.set_read(DIGEST_IDS[1], True)

    for path, reply, _reason in FAILURES:  # ...then each breaks in its own way
        feed_server.route(path, reply)
    feed_server.route("/good.xml", Reply(200, DIGEST))
    result = refresh(store, subs, timeout=TIMEOUT, deadline=DEADLINE)
    reports = by_key(result.reports)
    assert reports[good].error is None
    for path, _reply, reason in FAILURES:
        error = reports[feed_server.url(path)].error
        assert error is not None and "\n" not in error
        assert error.startswith(f"{feed_server.url(path)}: ") and reason in error, error
        assert feed_of(store, feed_server.url(path)) == sorted(DIGEST_IDS)  # cached papers kept
    assert result.ok == 1 and result.failed == len(FAILURES)
    assert store.state(DIGEST_IDS[0]).starred and store.state(DIGEST_IDS[1]).read

    def decoding(*_: object) -> None:
        raise AssertionError("the feeds panel decoded papers (2.5 s at 100,000): it counts the list's rows")

    monkeypatch.setattr(store, "papers", decoding)
    monkeypatch.setattr(store, "get", decoding)
    statuses = {status.url: status for status in feed_statuses(store, subs)}
    assert statuses[good].error is None and statuses[good].papers == len(DIGEST_IDS + DIGEST_0420_IDS)
    for path, _reply, reason in FAILURES:
        status = statuses[feed_server.url(path)]
        assert status.error is not None and reason in status.error
        assert status.papers == len(DIGEST_IDS) and status.unread == len(DIGEST_IDS) - 1
        assert status.refreshed is not None and status.checked is not None
        assert status.refreshed < status.checked  # last success is the first refresh


def test_a_slow_drip_times_out_while_the_other_feeds_finish(feed_server: FeedServer, store: Store) -> None:
    drip = feed_server.route("/drip.xml", Reply(200, DIGEST[:400], drip=0.05))  # 20 s if let run
    stalled = feed_server.route("/stalled.xml", Reply(200, DIGEST, delay=5))
    fast = [
        feed_server.route(f"/fast{n}.xml", Reply(200, DIGEST if n % 2 else DIGEST_0420)) for n in range(4)
    ]
    finished: list[str] = []
    started = time.monotonic()
    result = refresh(
        store,
        [Subscription(url) for url in [drip, stalled, *fast]],
        progress=lambda report, done, total: finished.append(report.key),
        timeout=TIMEOUT,
        deadline=DEADLINE,
    )
    elapsed = time.monotonic() - started
    reports = by_key(result.reports)
    assert "overall deadline passed" in (reports[drip].error or "")
    assert "timed out" in (reports[stalled].error or "")
    assert all(reports[url].error is None for url in fast)
    assert set(finished[:4]) == set(fast)  # the healthy feeds did not wait for the slow ones
    assert elapsed < 3.0
    assert len(store) == len(DIGEST_IDS) + len(DIGEST_0420_IDS)


def test_feeds_are_fetched_concurrently(feed_server: FeedServer, store: Store) -> None:
    urls = [feed_server.route(f"/slow{n}.xml", Reply(200, DIGEST, delay=0.4)) for n in range(6)]
    started = time.monotonic()
    result = refresh(store, [Subscription(url) for url in urls])
    assert result.failed == 0
    assert time.monotonic() - started < 1.5  # one after another would take 2.4 s


def test_a_mark_made_during_a_refresh_survives_it(feed_server: FeedServer, reader_home: Path) -> None:
    gate = threading.Event()
    url = feed_server.route("/feed.xml", Reply(200, DIGEST))
    data = reader_home / "data"
    with Store(data) as store:
        refresh(store, [Subscription(url)])
        feed_server.route("/feed.xml", Reply(200, with_items_of(DIGEST, DIGEST_0420), gate=gate))
        worker = threading.Thread(target=refresh, args=(store, [Subscription(url)]))
        worker.start()
        deadline = time.monotonic() + 5
        while len(feed_server.requests_for("/feed.xml")) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        # The refresh is now waiting on the server: the user keeps reading.
        store.set_starred(DIGEST_IDS[0], True)
        store.set_read(DIGEST_IDS[0], True)
        store.set_read(DIGEST_IDS[2], True)
        gate.set()
        worker.join(10)
        assert not worker.is_alive()
        assert len(store) == len(DIGEST_IDS) + len(DIGEST_0420_IDS)  # the refresh did its work
        assert store.state(DIGEST_IDS[0]).starred and store.state(DIGEST_IDS[0]).read
        assert store.state(DIGEST_IDS[2]).read
    with Store(data) as reopened:  # and it is what reached the disk
        assert reopened.state(DIGEST_IDS[0]).starred and reopened.state(DIGEST_IDS[2]).read


# --------------------------------------------------------------------------- the commands


def test_refresh_and_feeds_commands(
    feed_server: FeedServer, reader_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    good = feed_server.route("/good.xml", conditional(DIGEST))
    bad = feed_server.route("/bad.xml", Reply(500))
    assert run("refresh") == (
        1,
        "",
        "reader-tui: no subscriptions: `reader-tui add URL` or `reader-tui import-opml FILE`\n",
    )
    run("add", good, "--title", "Digest")
    run("add", bad)
    code, out, err = run("refresh", "--timeout", "1")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert sorted(lines[:2]) == sorted(
        [
            f"ok    Digest: {len(DIGEST_IDS)} new of {len(DIGEST_IDS)}",
            f"FAIL  {bad}: HTTP 500 Internal Server Error",
        ]
    )
    assert lines[2].startswith(f"refreshed 1 of 2 feeds: {len(DIGEST_IDS)} new papers in ")

    code, out, _ = run("list", "--query", "is:new")
    assert code == 0 and len(out.splitlines()) == len(DIGEST_IDS)
    run("mark", DIGEST_IDS[0], "--read")
    code, out, _ = run("feeds")
    assert out.splitlines()[0] == "Digest"
    assert out.splitlines()[2].startswith(
        f"    {len(DIGEST_IDS)} papers, {len(DIGEST_IDS) - 1} unread; last refresh 2"
    )
    assert out.splitlines()[5].endswith(f"): {bad}: HTTP 500 Internal Server Error")

    _, out, _ = run("refresh")
    assert "ok    Digest: not modified" in out.splitlines()
    assert run("list", "--query", "is:new")[1] == ""

    run("remove", good)
    code, out, err = run("refresh", "--timeout", "1")  # every feed failed: exit 1, one line on stderr
    assert code == 1 and out == f"FAIL  {bad}: HTTP 500 Internal Server Error\n"
    assert err.startswith("reader-tui: refreshed 0 of 1 feeds") and len(err.splitlines()) == 1
    assert run("list", "-q", "is:new")[0] == 0  # a refresh that reached nothing keeps the "new" set


def test_quitting_during_a_refresh_does_not_wait_for_a_stalled_feed(
    feed_server: FeedServer, reader_home: Path
) -> None:
    import subprocess
    import sys

    stalled = [feed_server.route(f"/stalled{n}.xml", Reply(200, DIGEST, delay=8)) for n in range(2)]
    code = (
        "import threading, time\n"
        "from reader_tui.refresh import refresh\n"
        "from reader_tui.store import Store\n"
        "from reader_tui.subscriptions import Subscription\n"
        "store = Store()\n"
        f"subs = [Subscription(url) for url in {stalled!r}]\n"
        "threading.Thread(target=refresh, args=(store, subs), daemon=True).start()\n"
        "time.sleep(0.5)\n"
        "print('quit')\n"
    )
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and done.stdout == "quit\n", done.stderr
    assert time.monotonic() - started < 5  # not the 8 s the feeds would take

"""fetch_source from files and over HTTP (a real server on 127.0.0.1): results and one-line errors."""

from __future__ import annotations

import gzip
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from reader_tui.feeds import FeedError, fetch_source, load_feed
from reader_tui.feeds.fetch import USER_AGENT

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
FEED_BYTES = (FEEDS / "ftxj-2026-05-29.xml").read_bytes()
ETAG = '"v1-abc"'


def fetch_error(source: str, **kwargs: object) -> str:
    with pytest.raises(FeedError) as caught:
        fetch_source(source, **kwargs)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{source}: ")
    return message


# --- files ------------------------------------------------------------------------------------------


def test_fetch_a_local_path_and_a_file_url_give_the_same_bytes() -> None:
    path = FEEDS / "ftxj-2026-05-29.xml"
    by_path = fetch_source(str(path))
    by_url = fetch_source(path.as_uri())
    assert by_path.content == by_url.content == FEED_BYTES
    assert not by_path.not_modified and by_path.final_url is None


def test_fetch_expands_the_home_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "f.xml").write_bytes(b"<rss/>")
    assert fetch_source("~/f.xml").content == b"<rss/>"


def test_missing_file(tmp_path: Path) -> None:
    missing = str(tmp_path / "x.xml")
    assert fetch_error(missing) == f"{missing}: file not found"
    assert fetch_error("file://" + missing) == f"file://{missing}: file not found"


def test_directory_and_oversized_file_and_unknown_scheme(tmp_path: Path) -> None:
    assert fetch_error(str(tmp_path)).endswith(": is a directory, not a feed file")
    big = tmp_path / "big.xml"
    big.write_bytes(b"x" * 2000)
    assert fetch_error(str(big), max_bytes=1000).endswith(": file is larger than 1000 bytes")
    assert fetch_error("ftp://example.org/feed.xml").endswith(
        ": unsupported scheme ftp: (use a path or an http(s) URL)"
    )


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path: Path) -> None:
    locked = tmp_path / "locked.xml"
    locked.write_bytes(b"<rss/>")
    locked.chmod(0)
    try:
        assert fetch_error(str(locked)).endswith(": permission denied")
    finally:
        locked.chmod(0o600)


# --- HTTP -------------------------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    seen: ClassVar[list[dict[str, str]]] = []

    def log_message(self, fmt: str, *args: object) -> None:  # keep test output quiet
        pass

    def send(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        Handler.seen.append(dict(self.headers.items()))
        path = self.path
        if path == "/feed.xml":
            if self.headers.get("If-None-Match") == ETAG:
                self.send(304, ETag=ETAG)
            else:
                self.send(200, FEED_BYTES, ETag=ETAG, Last_Modified="Fri, 29 May 2026 12:36:41 GMT")
        elif path == "/moved":
            self.send(301, Location="/feed.xml")
        elif path == "/to-https":
            self.send(302, Location=f"https://127.0.0.1:{self.server.server_address[1]}/feed.xml")
        elif path == "/to-file":
            self.send(302, Location="file:///etc/passwd")
        elif path == "/loop":
            self.send(302, Location="/loop")
        elif path == "/big":
            self.send(200, b"<rss>" + b"x" * 5000 + b"</rss>")
        elif path == "/gzip-bomb":
            self.send(200, gzip.compress(b" " * 200_000), Content_Encoding="gzip")
        elif path == "/slow":
            time.sleep(1.0)
            self.send(200, b"<rss/>")
        elif path == "/drip":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            for _ in range(100):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.02)
        elif path == "/page.html":
            self.send(200, b"<!DOCTYPE html><html><body>Not a feed</body></html>", Content_Type="text/html")
        else:
            self.send(404, b"nope")


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that gave up (timeout tests) is expected; anything else still surfaces."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    Handler.seen = []
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_http_200_then_304_with_the_etag_sent_back(server: str) -> None:
    first = fetch_source(f"{server}/feed.xml", timeout=2)
    assert first.content == FEED_BYTES and not first.not_modified
    assert first.etag == ETAG
    assert first.last_modified == "Fri, 29 May 2026 12:36:41 GMT"
    assert first.final_url == f"{server}/feed.xml"
    assert Handler.seen[0]["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith("reader-tui/")

    again = fetch_source(f"{server}/feed.xml", etag=first.etag, last_modified=first.last_modified, timeout=2)
    assert again.not_modified and again.content is None
    assert again.etag == ETAG and again.last_modified == first.last_modified
    assert Handler.seen[1]["If-None-Match"] == ETAG
    assert Handler.seen[1]["If-Modified-Since"] == "Fri, 29 May 2026 12:36:41 GMT"


def test_http_redirect_is_followed_and_reported(server: str) -> None:
    result = fetch_source(f"{server}/moved", timeout=2)
    assert result.content == FEED_BYTES
    assert result.final_url == f"{server}/feed.xml"


def test_only_https_loads_certificates_and_a_redirect_to_https_is_checked(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loading the CA bundle costs ~75 ms of CPU: a plain-http feed does not, an https hop always does
    (here the plain server cannot answer TLS, so the redirected fetch fails in one line)."""
    from reader_tui.feeds import fetch

    loaded: list[bool] = []
    real = fetch._ssl_context
    monkeypatch.setattr(fetch, "_ssl_context", lambda: loaded.append(True) or real())
    assert fetch_source(f"{server}/feed.xml", timeout=2).content == FEED_BYTES
    assert loaded == []
    fetch_error(f"{server}/to-https", timeout=2)
    assert loaded == [True]


def test_http_errors_are_one_line(server: str) -> None:
    assert fetch_error(f"{server}/missing", timeout=2) == f"{server}/missing: HTTP 404 Not Found"
    assert fetch_error(f"{server}/to-file", timeout=2) == f"{server}/to-file: refused redirect to a file: URL"
    assert fetch_error(f"{server}/loop", timeout=2) == f"{server}/loop: more than 10 redirects"


def test_http_body_is_capped_even_when_compressed(server: str) -> None:
    assert fetch_error(f"{server}/big", max_bytes=1000, timeout=2).endswith(
        ": response is larger than 1000 bytes"
    )
    bomb = fetch_error(f"{server}/gzip-bomb", max_bytes=100_000, timeout=2)
    assert bomb.endswith(": response is larger than 100000 bytes")
    assert len(fetch_source(f"{server}/gzip-bomb", timeout=2).content or b"") == 200_000


def test_http_timeout(server: str) -> None:
    started = time.monotonic()
    message = fetch_error(f"{server}/slow", timeout=0.2)
    assert message.endswith(": timed out (no answer within 0.2 s)")
    assert time.monotonic() - started < 1.0


def test_http_overall_deadline_stops_a_slow_drip(server: str) -> None:
    """Each byte comes well within the read timeout; the whole body would take 2 s."""
    started = time.monotonic()
    message = fetch_error(f"{server}/drip", timeout=1.0, deadline=0.3)
    assert message.endswith(": download too slow (overall deadline passed)")
    assert time.monotonic() - started < 1.0


def test_http_connection_refused() -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert ": cannot connect: " in fetch_error(f"http://127.0.0.1:{port}/feed.xml", timeout=1)


def test_load_feed_over_http_records_the_url_as_the_feed(server: str) -> None:
    result = load_feed(f"{server}/feed.xml")
    assert len(result.papers) == 10
    assert all(p.feeds == [f"{server}/feed.xml"] for p in result.papers)
    with pytest.raises(FeedError, match=r"/page\.html: not a feed \(HTML page\)$"):
        load_feed(f"{server}/page.html")

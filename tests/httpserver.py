"""A real HTTP server on 127.0.0.1 for feed tests: routes are set per test, requests are recorded.

Tests exercise the actual network path (httpx, sockets, redirects, compression, timeouts) rather than
a mocked transport, because the failures users meet (a drip, a bomb, an HTML error page) live there.

Usage (the ``feed_server`` fixture is importable: ``from httpserver import feed_server``)::

    feed_server.route("/feed.xml", Reply(200, FEED_BYTES, {"ETag": '"v1"'}))
    url = feed_server.url("/feed.xml")
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@dataclass
class Reply:
    """One canned answer. ``delay`` waits before answering; ``drip`` sends the body a byte at a time
    with that many seconds between bytes; ``gate`` (an Event) holds the answer until it is set."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drip: float | None = None
    gate: threading.Event | None = None


@dataclass
class Seen:
    """A request the server received."""

    path: str
    headers: dict[str, str]

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


Route = Reply | Callable[[Seen], Reply]


class FeedServer:
    """Serves the routes it is given; unknown paths get 404. Thread-safe enough for concurrent fetches."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt: str, *args: object) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                request = Seen(self.path, dict(self.headers.items()))
                with server._lock:
                    server.seen.append(request)
                    route = server.routes.get(self.path.split("?", 1)[0])
                if route is None:
                    reply = Reply(404, b"not found")
                elif isinstance(route, Reply):
                    reply = route
                else:
                    reply = route(request)
                if reply.gate is not None:
                    reply.gate.wait(10)
                if reply.delay:
                    time.sleep(reply.delay)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if reply.drip is None:
                    self.wfile.write(reply.body)
                    return
                for i in range(len(reply.body)):
                    self.wfile.write(reply.body[i : i + 1])
                    self.wfile.flush()
                    time.sleep(reply.drip)

        class Quiet(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                """A client that gave up (timeout tests) is expected; anything else still surfaces."""
                if not isinstance(sys.exc_info()[1], ConnectionError):
                    super().handle_error(request, client_address)  # type: ignore[arg-type]

        self._httpd = Quiet(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, reply: Route) -> str:
        """Serve ``reply`` at ``path``; returns the full URL."""
        with self._lock:
            self.routes[path] = reply
        return self.url(path)

    def requests_for(self, path: str) -> list[Seen]:
        with self._lock:
            return [seen for seen in self.seen if seen.path == path]


@pytest.fixture
def feed_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FeedServer]:
    """A started :class:`FeedServer`; proxies from the environment are switched off for the test."""
    for name in _PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    server = FeedServer().start()
    try:
        yield server
    finally:
        server.stop()

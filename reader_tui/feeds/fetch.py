"""Getting a feed's bytes from a local path, a ``file://`` URL or an http(s) URL.

Network input is hostile by default: every hop of a redirect must stay on http(s), the body is
counted after decompression (a gzip bomb stops at ``max_bytes``), and an overall deadline bounds a
server that drips one byte at a time under the per-read timeout. Every failure becomes a
:class:`FeedError` with a one-line reason; nothing else escapes.
"""

from __future__ import annotations

import functools
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin, urlsplit

from reader_tui import __version__
from reader_tui.feeds.errors import FeedError

if TYPE_CHECKING:
    import ssl

    import httpx

USER_AGENT = f"reader-tui/{__version__} (+https://github.com/reader-tui)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"
)
MAX_REDIRECTS = 10
DEFAULT_MAX_BYTES = 32 * 2**20
"""Room for a 10,000-item digest (~21 MB), still far below what a decompression bomb would reach."""
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(slots=True)
class FetchResult:
    """What a fetch brought back. ``content`` is None only when the server said "not modified"."""

    source: str
    content: bytes | None
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    final_url: str | None = None
    """The URL after redirects (None for files)."""


def is_url(source: str) -> bool:
    try:
        return urlsplit(source.strip()).scheme.lower() in ("http", "https")
    except ValueError:  # malformed, e.g. "http://[::1"
        return False


def local_path(source: str) -> Path | None:
    """The file a source names, or None when it is an http(s) URL. Unknown schemes raise."""
    text = source.strip()
    try:
        parts = urlsplit(text)
    except ValueError as error:  # e.g. an unclosed IPv6 bracket
        raise FeedError(source, f"malformed URL ({error})") from None
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        return None
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise FeedError(source, f"file URL on another host ({parts.netloc}) is not supported")
        from urllib.request import url2pathname  # lazy: urllib.request costs ~20 ms to import

        return Path(url2pathname(unquote(parts.path)))
    if "://" in text:
        raise FeedError(source, f"unsupported scheme {scheme}: (use a path or an http(s) URL)")
    return Path(text).expanduser()


def source_key(source: str) -> str:
    """The canonical name of a source, as stored in ``Paper.feeds``.

    Files (paths and ``file://`` URLs alike) become their absolute resolved path, so the same file
    named two ways is one feed; URLs are kept as given, minus surrounding whitespace.
    """
    try:
        path = local_path(source)
    except FeedError:
        return source.strip()
    if path is None:
        return source.strip()
    return str(path.resolve())


def fetch_source(
    source: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: float = 10.0,
    max_bytes: int = DEFAULT_MAX_BYTES,
    deadline: float | None = None,
) -> FetchResult:
    """Read ``source`` (path, ``file://`` or http(s) URL) into memory, at most ``max_bytes``.

    ``timeout`` bounds connecting and each read; ``deadline`` (default ``3 * timeout``) bounds the
    whole fetch, redirects included. ``etag`` / ``last_modified`` from an earlier fetch make the
    request conditional; a 304 answer gives ``not_modified=True`` and no content.
    """
    path = local_path(source)
    if path is None:
        return _fetch_http(
            source,
            etag=etag,
            last_modified=last_modified,
            timeout=timeout,
            max_bytes=max_bytes,
            deadline=deadline if deadline is not None else 3 * timeout,
        )
    return FetchResult(source=source, content=_read_file(source, path, max_bytes))


def _read_file(source: str, path: Path, max_bytes: int) -> bytes:
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise FeedError(source, "is a directory, not a feed file")
        if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block or never end
            raise FeedError(source, "not a regular file")
        if info.st_size > max_bytes:
            raise FeedError(source, f"file is larger than {_size(max_bytes)}")
        with path.open("rb") as handle:
            content = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise FeedError(source, "file not found") from None
    except PermissionError:
        raise FeedError(source, "permission denied") from None
    except OSError as exc:
        raise FeedError(source, exc.strerror or str(exc)) from None
    if len(content) > max_bytes:
        raise FeedError(source, f"file is larger than {_size(max_bytes)}")
    return content


def _size(n: int) -> str:
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n} bytes"


def _fetch_http(
    source: str,
    *,
    etag: str | None,
    last_modified: str | None,
    timeout: float,
    max_bytes: int,
    deadline: float,
) -> FetchResult:
    import httpx

    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    give_up_at = time.monotonic() + deadline
    url = source.strip()
    clients: dict[bool, httpx.Client] = {}

    def client_for(url: str) -> httpx.Client:
        """A client for the URL's scheme: only an https one loads the CA bundle (~75 ms of CPU), and
        a plain-http one never sees an https URL, so it needs no certificates to check."""
        secure = urlsplit(url).scheme.lower() == "https"
        if secure not in clients:
            clients[secure] = httpx.Client(
                verify=_ssl_context() if secure else False,
                timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
                follow_redirects=False,
                headers=headers,
            )
        return clients[secure]

    try:
        for _hop in range(MAX_REDIRECTS + 1):
            if time.monotonic() > give_up_at:
                raise FeedError(source, "timed out (overall deadline passed)")
            with client_for(url).stream("GET", url) as response:
                if response.status_code in _REDIRECTS:
                    url = _next_hop(source, url, response)
                    continue
                return _finish(source, url, response, etag, last_modified, max_bytes, give_up_at)
        raise FeedError(source, f"more than {MAX_REDIRECTS} redirects")
    except FeedError:
        raise
    except httpx.TimeoutException:
        raise FeedError(source, f"timed out (no answer within {timeout:g} s)") from None
    except httpx.ConnectError as exc:
        raise FeedError(source, f"cannot connect: {_first_line(exc)}") from None
    except httpx.InvalidURL as exc:
        raise FeedError(source, f"invalid URL: {_first_line(exc)}") from None
    except httpx.HTTPError as exc:
        raise FeedError(source, f"network error: {_first_line(exc) or type(exc).__name__}") from None
    except (OSError, ValueError) as exc:
        raise FeedError(source, f"network error: {_first_line(exc) or type(exc).__name__}") from None
    finally:
        for client in clients.values():
            client.close()


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One TLS context for every fetch: loading the CA bundle costs ~75 ms and holds the GIL."""
    import httpx

    return httpx.create_ssl_context()


def _next_hop(source: str, url: str, response: httpx.Response) -> str:
    location = response.headers.get("Location")
    if not location:
        raise FeedError(source, f"HTTP {response.status_code} redirect without a Location")
    target = urljoin(url, location.strip())
    scheme = urlsplit(target).scheme.lower()
    if scheme not in ("http", "https"):
        raise FeedError(source, f"refused redirect to a {scheme or 'relative'}: URL")
    return target


def _finish(
    source: str,
    url: str,
    response: httpx.Response,
    etag: str | None,
    last_modified: str | None,
    max_bytes: int,
    give_up_at: float,
) -> FetchResult:
    new_etag = response.headers.get("ETag") or etag
    new_modified = response.headers.get("Last-Modified") or last_modified
    if response.status_code == 304:
        return FetchResult(source, None, True, new_etag, new_modified, url)
    if not 200 <= response.status_code < 300:
        reason = response.reason_phrase
        raise FeedError(source, f"HTTP {response.status_code}" + (f" {reason}" if reason else ""))
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes and "Content-Encoding" not in response.headers:
        raise FeedError(source, f"response is larger than {_size(max_bytes)}")
    chunks: list[bytes] = []
    received = 0
    # Decompressed bytes as they arrive: a gzip bomb is counted as it grows, a drip is timed.
    for chunk in response.iter_bytes():
        received += len(chunk)
        if received > max_bytes:
            raise FeedError(source, f"response is larger than {_size(max_bytes)}")
        if time.monotonic() > give_up_at:
            raise FeedError(source, "download too slow (overall deadline passed)")
        chunks.append(chunk)
    return FetchResult(source, b"".join(chunks), False, new_etag, new_modified, url)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


__all__ = ["DEFAULT_MAX_BYTES", "USER_AGENT", "FetchResult", "fetch_source", "is_url", "source_key"]

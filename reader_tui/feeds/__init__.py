"""The feed layer: fetch a feed (file or URL) and turn it into :class:`~reader_tui.model.Paper` objects.

One module per feed format (``ftxj``, ``arxiv_rss``, ``arxiv_legacy``, ``arxiv_api``, ``hf``,
``biorxiv``, ``generic``); ``parse`` picks among them, ``fetch`` gets the bytes, ``tree`` reads
well-formed XML for the formats read from an ElementTree (feedparser reads the rest). Heavy imports
(feedparser, httpx, pylatexenc) happen inside functions, and the names below are looked up on first
use: the app's start reads ``feeds.toml`` through :mod:`.fetch` alone, and the parsers with their
regular expressions (~40 ms) load with the first refresh, after the list has been drawn.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reader_tui.feeds.errors import FeedError
    from reader_tui.feeds.fetch import FetchResult, fetch_source, source_key
    from reader_tui.feeds.parse import load_feed, parse_feed
    from reader_tui.feeds.result import ParseResult

__all__ = [
    "FeedError",
    "FetchResult",
    "ParseResult",
    "fetch_source",
    "load_feed",
    "parse_feed",
    "source_key",
]

_HOME = {
    "FeedError": "errors",
    "FetchResult": "fetch",
    "fetch_source": "fetch",
    "source_key": "fetch",
    "ParseResult": "result",
    "load_feed": "parse",
    "parse_feed": "parse",
}


def __getattr__(name: str) -> Any:
    """``from reader_tui.feeds import parse_feed`` imports :mod:`.parse` then, not with the package."""
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
    globals()[name] = value
    return value

"""The feed layer: fetch a feed (file or URL) and turn it into :class:`~reader_tui.model.Paper` objects.

One module per feed format (``ftxj``, ``arxiv_rss``, ``arxiv_legacy``, ``arxiv_api``, ``hf``,
``biorxiv``, ``generic``); ``parse`` picks among them, ``fetch`` gets the bytes, ``tree`` reads
well-formed XML for the formats read from an ElementTree (feedparser reads the rest). Heavy imports
(feedparser, httpx, pylatexenc) happen inside functions, so importing this package stays cheap.
"""

from reader_tui.feeds.errors import FeedError
from reader_tui.feeds.fetch import FetchResult, fetch_source, source_key
from reader_tui.feeds.parse import ParseResult, load_feed, parse_feed

__all__ = [
    "FeedError",
    "FetchResult",
    "ParseResult",
    "fetch_source",
    "load_feed",
    "parse_feed",
    "source_key",
]

"""The one error the feed layer raises, so callers catch one thing and show one line."""

from __future__ import annotations

from reader_tui.safety import clean_line


class FeedError(Exception):
    """A feed could not be fetched or read. ``str(error)`` is one line: ``"<source>: <reason>"``.

    Both parts are cleaned, so a hostile URL or server message cannot break the status line.
    """

    def __init__(self, source: str, reason: str) -> None:
        self.source = clean_line(source)
        self.reason = clean_line(reason) or "unknown error"
        super().__init__(f"{self.source}: {self.reason}")

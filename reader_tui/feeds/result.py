"""What reading a feed gives: its own module, so that the caller of a parse child can take the result in
without importing every feed reader (:mod:`.parse` imports them all, ~25 ms)."""

from __future__ import annotations

from dataclasses import dataclass, field

from reader_tui.model import Paper


@dataclass(slots=True)
class ParseResult:
    """The papers of one feed, in feed order, each id once."""

    source: str
    title: str | None
    format: str
    """Which reader handled the feed: ftxj, arxiv-rss, arxiv-legacy, arxiv-api, hf, biorxiv, generic."""
    papers: list[Paper]
    warnings: list[str] = field(default_factory=list)
    """One line each: the feed was read, but not all of it was well-formed."""
    renamed: dict[str, str] = field(default_factory=dict)
    """Former id -> id, for papers an earlier release named by guid or link and now names by DOI or
    relayed arXiv id (see :func:`~reader_tui.feeds.generic.former_id`): their marks move."""

"""rss.arxiv.org feeds (the format arXiv has served since 2024).

The guid ``oai:arXiv.org:2403.15527v1`` carries id and version; the description is the plain-text
abstract behind an ``arXiv:ID Announce Type: new`` / ``Abstract:`` prefix; authors are one
comma-separated ``dc:creator`` with TeX accents. Items of 2024 feeds have no date, so the
channel's date stands in. arXiv gives no PDF link, but its URL is fixed by the id.
"""

from __future__ import annotations

import re
from typing import Any

from reader_tui.feeds.common import (
    Entry,
    FeedContext,
    abs_url,
    arxiv_categories,
    arxiv_from_url,
    entry_date,
    entry_text,
    pdf_url,
    plain_to_html,
    split_arxiv_id,
    split_authors,
)
from reader_tui.model import Links, Paper
from reader_tui.safety import clean_line

FORMAT = "arxiv-rss"

_PREFIX = re.compile(r"^\s*arXiv:\S+\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:\s*)?", re.IGNORECASE)


def detect(parsed: Any) -> bool:
    return any(
        str(entry.get("id", "")).startswith("oai:arXiv.org:") or "arxiv_announce_type" in entry
        for entry in parsed.entries
    )


def to_paper(entry: Entry, ctx: FeedContext) -> Paper | None:
    arxiv = split_arxiv_id(entry.get("id")) or arxiv_from_url(entry.get("link"))
    if arxiv is None:
        return None
    arxiv_id, version = arxiv
    abstract = str(entry.get("summary") or "")
    announce_type = clean_line(entry.get("arxiv_announce_type")) or None
    prefix = _PREFIX.match(abstract)
    if prefix:
        abstract = abstract[prefix.end() :]
        announce_type = announce_type or prefix.group("type")
    doi = clean_line(entry.get("arxiv_doi")) or None
    return Paper(
        id=arxiv_id,
        arxiv_id=arxiv_id,
        version=version,
        title=entry_text(entry, "title") or arxiv_id,
        authors=split_authors(entry.get("author")),
        categories=arxiv_categories(tag.get("term") for tag in entry.get("tags") or []),
        summary_html=plain_to_html(abstract),
        links=Links(abs=abs_url(arxiv_id), pdf=pdf_url(arxiv_id), doi=doi),
        published=entry_date(entry) or ctx.feed_date,
        feeds=[ctx.source_key],
        owned=True,
        announce_type=announce_type,
        journal_ref=clean_line(entry.get("arxiv_journal_reference")) or None,
    )

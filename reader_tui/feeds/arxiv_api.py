"""arXiv API responses (Atom), in the classic export.arxiv.org form and the 2025+ arxiv.org form.

feedparser already maps both forms to the same keys (``arxiv_primary_category``, ``arxiv_comment``,
``arxiv_doi``, ``arxiv_journal_ref``). What is left: old-style ids, the primary category first,
subject codes that are not arXiv categories (MSC "53D10, 53D15") dropped, and hard-wrapped
titles and abstracts joined back into prose.
"""

from __future__ import annotations

from typing import Any

from reader_tui.feeds.common import (
    Entry,
    FeedContext,
    abs_url,
    arxiv_categories,
    arxiv_from_url,
    dedupe,
    entry_date,
    entry_text,
    host_of,
    pdf_url,
    plain_to_html,
    safe_link,
)
from reader_tui.model import Links, Paper
from reader_tui.safety import clean_line

FORMAT = "arxiv-api"


def detect(parsed: Any) -> bool:
    if not str(parsed.get("version", "")).startswith("atom"):
        return False
    feed_id = str(parsed.feed.get("id", ""))
    if host_of(feed_id).endswith("arxiv.org") and "/api/" in feed_id:
        return True
    return any(arxiv_from_url(entry.get("id")) for entry in parsed.entries)


def _pdf_link(entry: Entry) -> str | None:
    for link in entry.get("links") or []:
        if link.get("title") == "pdf" or link.get("type") == "application/pdf":
            return safe_link(link.get("href"))
    return None


def to_paper(entry: Entry, ctx: FeedContext) -> Paper | None:
    arxiv = arxiv_from_url(entry.get("id")) or arxiv_from_url(entry.get("link"))
    if arxiv is None:  # e.g. the API's own "Error" entry: shown as a plain item
        return None
    arxiv_id, version = arxiv
    primary = (entry.get("arxiv_primary_category") or {}).get("term")
    doi = clean_line(entry.get("arxiv_doi")) or None
    return Paper(
        id=arxiv_id,
        arxiv_id=arxiv_id,
        version=version,
        title=entry_text(entry, "title") or arxiv_id,
        authors=dedupe(clean_line(author.get("name")) for author in entry.get("authors") or []),
        categories=arxiv_categories((tag.get("term") for tag in entry.get("tags") or []), primary),
        summary_html=plain_to_html(entry.get("summary")),
        links=Links(abs=abs_url(arxiv_id), pdf=_pdf_link(entry) or pdf_url(arxiv_id), doi=doi),
        published=entry_date(entry) or ctx.feed_date,
        feeds=[ctx.source_key],
        owned=True,
        journal_ref=clean_line(entry.get("arxiv_journal_ref")) or None,
        comment=clean_line(entry.get("arxiv_comment")) or None,
    )

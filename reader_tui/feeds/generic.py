"""Any feed the app has no special knowledge of: one item per entry from its title, link, date and body.

Also the fallback for entries of a known format that do not follow it (the "About me" page in the
digest's site feed).
"""

from __future__ import annotations

from typing import Any

from reader_tui.feeds.common import (
    Entry,
    FeedContext,
    abs_url,
    arxiv_from_url,
    clean_html,
    dedupe,
    entry_date,
    entry_doi,
    entry_html,
    entry_text,
    fallback_id,
    pdf_url,
    safe_link,
    split_arxiv_id,
    split_authors,
    strip_tags,
)
from reader_tui.model import Paper
from reader_tui.safety import clean_line

FORMAT = "generic"


def detect(parsed: Any) -> bool:
    """Every feed qualifies; the dispatcher tries this format last."""
    return True


def to_paper(entry: Entry, ctx: FeedContext, *, is_paper: bool | None = None) -> Paper:
    """The entry as a Paper; its id is the arXiv id its own link names, else its guid, else its link.

    ``is_paper`` defaults to whether the entry's *own* link, guid or identifier names a paper
    (arXiv or DOI); links inside the body do not count, because an "About me" page cites papers
    without being one.
    """
    title = entry_text(entry, "title")
    body = clean_html(entry_html(entry))
    link = safe_link(entry.get("link"), ctx.feed_link)
    guid = clean_line(entry.get("id"))
    arxiv = arxiv_from_url(link) or arxiv_from_url(guid) or split_arxiv_id(guid)
    doi = entry_doi(entry)
    paper = Paper(
        id=arxiv[0] if arxiv else (guid or link or fallback_id(title, body)),
        title=title or strip_tags(body)[:80] or "(untitled)",
        summary_html=body,
        published=entry_date(entry),
        feeds=[ctx.source_key],
        is_paper=bool(arxiv or doi) if is_paper is None else is_paper,
    )
    paper.links.doi = doi
    if not arxiv:
        paper.links.post = link
    else:
        paper.arxiv_id, paper.version = arxiv
        paper.links.abs = abs_url(arxiv[0])
        paper.links.pdf = pdf_url(arxiv[0])
    author = entry.get("author")
    if author:
        paper.authors = split_authors(strip_tags(author) if "<" in author else author)
    paper.categories = dedupe(clean_line(tag.get("term")) for tag in entry.get("tags") or [])
    return paper

"""Any feed the app has no special knowledge of: one item per entry from its title, link, date and body.

Also the fallback for entries of a known format that do not follow it (the "About me" page in the
digest's site feed).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reader_tui.feeds import journal
from reader_tui.feeds.common import (
    LINK_MAX,
    TITLE_MAX,
    Entry,
    FeedContext,
    abs_url,
    arxiv_from_url,
    clean_html,
    dedupe,
    entry_authors,
    entry_date,
    entry_html,
    entry_text,
    fallback_id,
    pdf_url,
    read_more_arxiv,
    relay_arxiv,
    safe_link,
    split_arxiv_id,
    strip_tags,
)
from reader_tui.model import Paper, Venue
from reader_tui.safety import clean_line

FORMAT = "generic"


def detect(parsed: Any) -> bool:
    """Every feed qualifies; the dispatcher tries this format last."""
    return True


def to_paper(
    entry: Entry, ctx: FeedContext, *, is_paper: bool | None = None, identifiers: Sequence[str] = ()
) -> Paper:
    """The entry as a Paper; its id is the arXiv id it names, else its DOI, else its guid, else its link.

    The arXiv id is the one the entry's own link or guid names, a relay page's (``tldr.takara.ai/p/ID``)
    or the one paper its body links as "Read more". Journal metadata (authors, DOI, journal, volume,
    pages) comes from :mod:`~reader_tui.feeds.journal`. ``is_paper`` defaults to whether the entry
    names a paper (arXiv or DOI); links inside the body do not count otherwise, because an "About
    me" page cites papers without being one.
    """
    title = entry_text(entry, "title")
    body = clean_html(entry_html(entry))
    link = safe_link(entry.get("link"), ctx.feed_link)
    guid = clean_line(str(entry.get("id") or "")[:LINK_MAX])
    arxiv = (
        arxiv_from_url(link)
        or arxiv_from_url(guid)
        or split_arxiv_id(guid)
        or relay_arxiv(link)
        or relay_arxiv(guid)
        or read_more_arxiv(body)
    )
    meta = journal.read(entry, link, body, identifiers)
    meta.journal = meta.journal or ctx.journal
    body = journal.without_abstract_label(journal.without_lifted(body, meta.lifted))
    doi = meta.doi
    if arxiv:
        paper_id = arxiv[0]
    elif doi:
        paper_id = f"doi:{doi}"
    else:
        paper_id = guid or link or fallback_id(title, body)
    paper = Paper(
        id=paper_id,
        title=title or entry_text(entry, "dc_title") or strip_tags(body)[:80] or "(untitled)",
        summary_html=body,
        published=entry_date(entry) or meta.published,
        feeds=[ctx.source_key],
        is_paper=bool(arxiv or doi) if is_paper is None else is_paper,
        authors=meta.authors or entry_authors(entry),
        venue=Venue(meta.journal, meta.volume, meta.issue, meta.pages, meta.publisher),
        # The journal's own table of contents owns its DOIs; an arXiv relay or an index does not.
        owned=bool(not arxiv and meta.doi_is_own and meta.journal_is_own),
    )
    paper.links.doi = doi
    if not arxiv:
        paper.links.post = link
    else:
        paper.arxiv_id, paper.version = arxiv
        paper.links.abs = abs_url(arxiv[0])
        paper.links.pdf = pdf_url(arxiv[0])
        if link and not arxiv_from_url(link):
            paper.links.post = link
    terms = (str(tag.get("term") or "")[:TITLE_MAX] for tag in entry.get("tags") or [])
    paper.categories = dedupe(clean_line(term) for term in terms)
    return paper


def former_id(entry: Entry, ctx: FeedContext) -> str | None:
    """The id this entry had before a DOI or a relayed arXiv id named the paper: the arXiv id its own
    link or guid names, else its guid, else its link. Marks made under that id move to the new one."""
    link = safe_link(entry.get("link"), ctx.feed_link)
    guid = clean_line(str(entry.get("id") or "")[:LINK_MAX])
    arxiv = arxiv_from_url(link) or arxiv_from_url(guid) or split_arxiv_id(guid)
    return arxiv[0] if arxiv else (guid or link or None)

"""arXiv API responses (Atom), in the classic export.arxiv.org form and the 2025+ arxiv.org form.

Both carry ``arxiv:primary_category``, ``arxiv:comment``, ``arxiv:doi`` and ``arxiv:journal_ref``.
What needs care: old-style ids, the primary category first, subject codes that are not arXiv
categories (MSC "53D10, 53D15") dropped, and hard-wrapped titles and abstracts joined back into prose.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reader_tui.feeds import tree
from reader_tui.feeds.common import (
    FeedContext,
    abs_url,
    arxiv_categories,
    arxiv_from_url,
    dedupe,
    host_of,
    pdf_url,
    plain_to_html,
    safe_link,
)
from reader_tui.model import Links, Paper
from reader_tui.safety import clean_line

if TYPE_CHECKING:
    pass

FORMAT = "arxiv-api"


def detect(doc: tree.Document, entry: tree.Fields) -> bool:
    if doc.kind != "atom":
        return False
    feed_id = tree.line(doc.channel, "id")
    if host_of(feed_id).endswith("arxiv.org") and "/api/" in feed_id:
        return True
    return arxiv_from_url(tree.line(entry, "id")) is not None


def alternate_link(found: tree.Fields) -> str:
    """The entry's page: its ``rel="alternate"`` HTML link (a link without ``rel`` is an alternate)."""
    for link in found.get("link", []):
        if link.get("rel", "alternate") == "alternate" and link.get("type", "text/html") in (
            "text/html",
            "application/xhtml+xml",
        ):
            return clean_line(link.get("href"))
    return ""


def _pdf_link(found: tree.Fields) -> str | None:
    for link in found.get("link", []):
        if link.get("title") == "pdf" or link.get("type") == "application/pdf":
            return safe_link(link.get("href"))
    return None


def read_item(found: tree.Fields, ctx: FeedContext) -> Paper | None:
    arxiv = arxiv_from_url(tree.line(found, "id")) or arxiv_from_url(alternate_link(found))
    if arxiv is None:  # e.g. the API's own "Error" entry: shown as a plain item
        return None
    arxiv_id, version = arxiv
    primary = tree.first(found, "arxiv:primary_category")
    authors = (tree.line(tree.fields(author), "name") for author in found.get("author", []))
    return Paper(
        id=arxiv_id,
        arxiv_id=arxiv_id,
        version=version,
        title=tree.title(found, "atom") or arxiv_id,
        authors=dedupe(authors),
        categories=arxiv_categories(
            (tag.get("term") for tag in found.get("category", [])),
            primary.get("term") if primary is not None else None,
        ),
        summary_html=plain_to_html(tree.body(found, "summary")),
        links=Links(
            abs=abs_url(arxiv_id),
            pdf=_pdf_link(found) or pdf_url(arxiv_id),
            doi=tree.line(found, "arxiv:doi") or None,
        ),
        published=tree.item_date(found) or ctx.feed_date,
        feeds=[ctx.source_key],
        owned=True,
        journal_ref=tree.line(found, "arxiv:journal_ref", "arxiv:journal_reference") or None,
        comment=tree.line(found, "arxiv:comment") or None,
    )

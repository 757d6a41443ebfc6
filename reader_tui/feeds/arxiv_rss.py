"""rss.arxiv.org feeds (the format arXiv has served since 2024).

The guid ``oai:arXiv.org:2403.15527v1`` carries id and version; the description is the plain-text
abstract behind an ``arXiv:ID Announce Type: new`` / ``Abstract:`` prefix; authors are one
comma-separated ``dc:creator`` with TeX accents. Items of 2024 feeds have no date, so the
channel's date stands in. arXiv gives no PDF link, but its URL is fixed by the id.
"""

from __future__ import annotations

import re

from reader_tui.feeds import tree
from reader_tui.feeds.common import (
    FeedContext,
    abs_url,
    arxiv_categories,
    arxiv_from_url,
    pdf_url,
    plain_to_html,
    split_arxiv_id,
    split_authors,
)
from reader_tui.model import Links, Paper
from reader_tui.safety import clean_line

FORMAT = "arxiv-rss"

_PREFIX = re.compile(r"^\s*arXiv:\S+\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:\s*)?", re.IGNORECASE)


def detect(doc: tree.Document, item: tree.Fields) -> bool:
    return doc.kind == "rss" and (
        "arxiv:announce_type" in item or tree.line(item, "guid").startswith("oai:arXiv.org:")
    )


def read_item(found: tree.Fields, ctx: FeedContext) -> Paper | None:
    arxiv = split_arxiv_id(tree.line(found, "guid")) or arxiv_from_url(tree.line(found, "link"))
    if arxiv is None:
        return None
    arxiv_id, version = arxiv
    abstract = tree.body(found, "description", "content:encoded")
    announce_type = tree.line(found, "arxiv:announce_type") or None
    prefix = _PREFIX.match(abstract)
    if prefix:
        abstract = abstract[prefix.end() :]
        announce_type = announce_type or prefix.group("type")
    creators = ", ".join(
        clean_line(tree.raw(e, tree.PEOPLE_MAX)) for e in found.get("dc:creator") or found.get("author") or []
    )
    return Paper(
        id=arxiv_id,
        arxiv_id=arxiv_id,
        version=version,
        title=tree.title(found, "rss") or arxiv_id,
        authors=split_authors(creators),
        categories=arxiv_categories(clean_line(tree.raw(tag)) for tag in found.get("category", [])),
        summary_html=plain_to_html(abstract),
        links=Links(abs=abs_url(arxiv_id), pdf=pdf_url(arxiv_id), doi=tree.line(found, "arxiv:doi") or None),
        published=tree.item_date(found) or ctx.feed_date,
        feeds=[ctx.source_key],
        owned=True,
        announce_type=announce_type,
        journal_ref=tree.line(found, "arxiv:journal_reference", "arxiv:journal_ref") or None,
    )

"""The old export.arxiv.org/rss feeds (RSS 1.0 / RDF, served until early 2024).

Everything beyond the abstract is packed into the title, ``Title. (arXiv:2111.01127v1 [cs.RO])``,
with ``UPDATED`` or ``CROSS LISTED`` before the closing parenthesis; authors are escaped
``<a>`` links in ``dc:creator``; the abstract is hard-wrapped HTML; only the channel has a date.
"""

from __future__ import annotations

import re

from reader_tui.feeds import tree
from reader_tui.feeds.common import (
    TITLE_MAX,
    FeedContext,
    abs_url,
    arxiv_categories,
    arxiv_from_url,
    as_html,
    clean_html,
    dedupe,
    pdf_url,
    split_arxiv_id,
    split_authors,
    strip_tags,
    unwrap_html,
)
from reader_tui.feeds.names import decode_tex
from reader_tui.model import Links, Paper
from reader_tui.safety import clean_line

FORMAT = "arxiv-legacy"

_SUFFIX = re.compile(
    r"\.?\s{0,3}\(arXiv:(?P<id>\S{1,40}?)\s{0,3}(?:\[(?P<category>[^\]]{1,60})\])?\s{0,3}"
    r"(?P<status>[A-Z][A-Z ]{0,30}?)?\s{0,3}\)\s{0,10}$"
)
_ANCHOR_TEXT = re.compile(r"<a\b[^<>]{0,4000}>([^<]{0,1000})</a>", re.I)
_STATUS = {"": "new", "UPDATED": "replace", "CROSS LISTED": "cross"}


def detect(doc: tree.Document, item: tree.Fields) -> bool:
    return doc.kind == "rdf" and _SUFFIX.search(tree.line(item, "title")) is not None


def split_title(title: str) -> tuple[str, tuple[str, int | None] | None, str | None, str]:
    """``"T. (arXiv:2111.01127v1 [cs.RO] UPDATED)"`` -> ``("T", (id, 1), "cs.RO", "UPDATED")``."""
    title = clean_line(title[:TITLE_MAX])
    match = _SUFFIX.search(title)
    if not match:
        return title, None, None, ""
    return (
        title[: match.start()].strip(),
        split_arxiv_id(match.group("id")),
        match.group("category"),
        match.group("status") or "",
    )


def read_item(found: tree.Fields, ctx: FeedContext) -> Paper | None:
    title, arxiv, category, status = split_title(tree.raw(tree.first(found, "title")))
    arxiv = arxiv or arxiv_from_url(tree.line(found, "link"))
    if arxiv is None:
        return None
    arxiv_id, version = arxiv
    creators = ", ".join(tree.raw(e, tree.PEOPLE_MAX).strip() for e in found.get("dc:creator", []))
    names = [decode_tex(strip_tags(name)) for name in _ANCHOR_TEXT.findall(creators)]
    authors = dedupe(names) if names else split_authors(strip_tags(creators))
    return Paper(
        id=arxiv_id,
        arxiv_id=arxiv_id,
        version=version,
        title=title or arxiv_id,
        authors=authors,
        categories=arxiv_categories([], category),
        summary_html=clean_html(unwrap_html(as_html(tree.body(found, "description")))),
        links=Links(abs=abs_url(arxiv_id), pdf=pdf_url(arxiv_id)),
        published=ctx.feed_date,
        feeds=[ctx.source_key],
        owned=True,
        announce_type=_STATUS.get(status.strip(), status.strip().lower() or None),
    )

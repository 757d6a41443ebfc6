"""Hugging Face Daily Papers (the python-feedgen RSS mirror of huggingface.co/papers).

Each item links to arxiv.org/abs/ID; authors, upvotes and the abstract are ``<p><b>Label:</b> …</p>``
paragraphs in the description, after a thumbnail. The thumbnail stays in ``summary_html``; the
upvote count becomes the comment, since it is what readers of this feed triage by.
"""

from __future__ import annotations

import re

from reader_tui.feeds import tree
from reader_tui.feeds.common import (
    FeedContext,
    abs_url,
    arxiv_from_url,
    as_html,
    clean_html,
    pdf_url,
    split_arxiv_id,
    split_authors,
    strip_tags,
)
from reader_tui.model import Links, Paper

FORMAT = "hf"

# The value runs to its </p>, never past the next <p>: linear even when the closing tags are missing.
_FIELD = re.compile(
    r"<p>\s*<b>\s*(?P<label>Authors|Upvotes|Summary)\s*:\s*</b>\s*(?P<value>[^<]*(?:<(?!/?p\b)[^<]*)*)</p>"
)
_HF_PAPER = re.compile(r"huggingface\.co/papers/(?P<id>[^/?#\s]+)")


def detect(doc: tree.Document, item: tree.Fields) -> bool:
    return doc.kind == "rss" and is_hf_item(tree.body(item, "description"))


def is_hf_item(description: str) -> bool:
    return "<b>Summary:</b>" in description and "<b>Authors:</b>" in description


def read_item(found: tree.Fields, ctx: FeedContext) -> Paper | None:
    description = tree.body(found, "description")
    if not is_hf_item(description):
        return None
    link = tree.line(found, "link")
    hf_page = _HF_PAPER.search(link)
    arxiv = (
        arxiv_from_url(link)
        or arxiv_from_url(tree.line(found, "guid"))
        or (split_arxiv_id(hf_page.group("id")) if hf_page else None)
    )
    if arxiv is None:
        return None
    arxiv_id, version = arxiv
    fields: dict[str, str] = {}

    def lift(match: re.Match[str]) -> str:
        label, value = match.group("label"), match.group("value")
        fields.setdefault(label, value)
        return f"<p>{value}</p>" if label == "Summary" else ""

    body = _FIELD.sub(lift, as_html(description))
    upvotes = strip_tags(fields.get("Upvotes"))
    return Paper(
        id=arxiv_id,
        arxiv_id=arxiv_id,
        version=version,
        title=tree.title(found, "rss") or arxiv_id,
        authors=split_authors(strip_tags(fields.get("Authors"))),
        summary_html=clean_html(body),
        links=Links(
            abs=abs_url(arxiv_id),
            pdf=pdf_url(arxiv_id),
            post=f"https://huggingface.co/papers/{arxiv_id}",
        ),
        published=tree.item_date(found),
        feeds=[ctx.source_key],
        comment=f"Hugging Face upvotes: {upvotes}" if upvotes else None,
    )

"""The Hugo "论文速递" paper digest (ftxj.github.io): all metadata sits in the item's HTML.

Each digest item's description starts with ``<p><strong>LABEL:</strong> value</p>`` lines (arXiv
id and links, authors, affiliations, categories, matched keywords), then ``<hr>``, then the write-up
(TL;DR, Motivation...). The labels are Chinese on the zh site and English on the en site.

The markup is generated and regular, so a regex reads it: bs4 would cost ~1 ms per item, which
matters for a site feed with thousands of items. Items that do not start with the ``arXiv:`` line
(the site's "关于我" page) are plain items, not papers, even though they may link to arXiv.
"""

from __future__ import annotations

import re

from reader_tui.feeds import tree
from reader_tui.feeds.common import (
    FeedContext,
    abs_url,
    arxiv_categories,
    arxiv_from_url,
    as_html,
    clean_html,
    dedupe,
    pdf_url,
    safe_link,
    split_arxiv_id,
    split_authors,
    strip_tags,
)
from reader_tui.model import Links, Paper

FORMAT = "ftxj"

_META_LINE = re.compile(
    r"\s*<p>\s*<(strong|b)>\s*(?P<label>[^<]{1,40}?)\s*(?:[:：]\s*)?</\1>\s*(?:[:：]\s*)?"
)
"""A metadata line's start, up to its value; the value runs to the next ``</p>`` (found with
``str.find``: a lazy ``.*?`` tried ``</p>`` at every character of every value)."""
_DIGEST_START = re.compile(r"\s*<p>\s*<(?:strong|b)>\s*arXiv\s*[:：]", re.I)
_RULE = re.compile(r"\s*<hr\s*/?>\s*", re.I)
_HREF = re.compile(r"""<a\s[^<>]{0,2000}?href\s{0,5}=\s{0,5}["']([^"'<>]{1,4000})["']""", re.I)
_CODE = re.compile(r"<code>([^<]{0,400})</code>")
_LABEL_PREFIX = re.compile(r"^[^:：]{0,30}[:：]\s*")
_LIST_SEPARATOR = re.compile(r"[,;，；]")
_CATEGORY_SEPARATOR = re.compile(r"[,，]\s*")

_LABELS = {
    "arxiv": "arxiv",
    "作者": "authors",
    "authors": "authors",
    "author": "authors",
    "单位": "affiliations",
    "affiliations": "affiliations",
    "affiliation": "affiliations",
    "主分类": "categories",
    "primary category": "categories",
    "分类": "categories",
    "categories": "categories",
    "命中关键词": "keywords",
    "matched keywords": "keywords",
    "keywords": "keywords",
}
_NONE_VALUES = {"", "n/a", "na", "none", "-", "无", "未知", "unknown"}


def detect(doc: tree.Document, item: tree.Fields) -> bool:
    return doc.kind == "rss" and is_digest_item(tree.body(item, "description"))


def is_digest_item(description: str) -> bool:
    return bool(_DIGEST_START.match(description))


def split_meta(description: str) -> tuple[dict[str, str], str]:
    """The metadata lines (by canonical field name, raw HTML values) and the body after them."""
    meta: dict[str, str] = {}
    pos = 0
    while (match := _META_LINE.match(description, pos)) and (
        end := description.find("</p>", match.end())
    ) >= 0:
        field = _LABELS.get(match.group("label").strip().lower())
        if field is None:
            break
        meta.setdefault(field, description[match.end() : end])
        pos = end + len("</p>")
    rule = _RULE.match(description, pos)
    if rule:
        pos = rule.end()
    return meta, description[pos:]


def _list(value: str | None) -> list[str]:
    text = strip_tags(value)
    if text.lower() in _NONE_VALUES:
        return []
    return dedupe(part.strip() for part in _LIST_SEPARATOR.split(text))


def _categories(value: str | None) -> list[str]:
    """``<code>cs.MA</code> · 全部: cs.AI, cs.MA`` -> ``["cs.MA", "cs.AI"]`` (primary first)."""
    if not value:
        return []
    code = _CODE.search(value)
    primary = strip_tags(code.group(1)) if code else None
    others: list[str] = []
    for part in strip_tags(value).split("·"):
        others.extend(_CATEGORY_SEPARATOR.split(_LABEL_PREFIX.sub("", part.strip())))
    return arxiv_categories(others, primary)


def read_item(found: tree.Fields, ctx: FeedContext) -> Paper | None:
    """The digest item as a paper; None for an item that is not one (the site's "关于我" page, an
    arXiv line with no readable id), which is then read as a plain item."""
    description = tree.body(found, "description", "content:encoded")
    if not is_digest_item(description):
        return None
    meta, body = split_meta(as_html(description))
    links = Links(post=safe_link(tree.line(found, "link"), ctx.feed_link))
    arxiv: tuple[str, int | None] | None = None
    for href in _HREF.findall(meta.get("arxiv", "")):
        found_id = arxiv_from_url(href)
        if found_id is None:
            continue
        if arxiv is None or (found_id[0] == arxiv[0] and found_id[1] and not arxiv[1]):
            arxiv = found_id
        if "/pdf/" in href:
            links.pdf = safe_link(href)
        else:
            links.abs = safe_link(href)
    if arxiv is None:
        arxiv = split_arxiv_id(strip_tags(meta.get("arxiv")))
    if arxiv is None:
        return None
    arxiv_id, version = arxiv
    links.abs = links.abs or abs_url(arxiv_id)
    links.pdf = links.pdf or pdf_url(arxiv_id)
    return Paper(
        id=arxiv_id,
        arxiv_id=arxiv_id,
        version=version,
        title=tree.title(found, "rss") or arxiv_id,
        authors=split_authors(strip_tags(meta.get("authors"))),
        affiliations=_list(meta.get("affiliations")),
        categories=_categories(meta.get("categories")),
        keywords=_list(meta.get("keywords")),
        summary_html=clean_html(body),
        links=links,
        published=tree.item_date(found),
        feeds=[ctx.source_key],
    )

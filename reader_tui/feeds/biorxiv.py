"""bioRxiv / medRxiv subject-collection feeds (RSS 1.0).

The paper's identity is its DOI (``dc:identifier doi:10.1101/…``), which stays the same across
versions, like an arXiv id without its version. Authors come as "Surname, Initials" pairs in one
``dc:creator``; the subject is only in the channel title ("bioRxiv Subject Collection: Genomics").
"""

from __future__ import annotations

import re
from typing import Any

from reader_tui.feeds.common import (
    Entry,
    FeedContext,
    clean_html,
    entry_authors,
    entry_date,
    entry_doi,
    entry_html,
    entry_text,
    host_of,
    safe_link,
)
from reader_tui.model import Links, Paper

FORMAT = "biorxiv"

_HOSTS = ("biorxiv.org", "medrxiv.org")
_VERSION = re.compile(r"v(\d{1,4})(?:\.[a-z.-]{1,30})?(?:[?#][^\s]{0,2000})?$")
_SUBJECT = re.compile(r"Subject Collection:\s*(.+)$", re.I)


def _is_preprint_server(url: str | None) -> bool:
    # A substring test first: detection asks this of every item of every feed, and urlsplit is slow.
    if not url or "rxiv.org" not in url.lower():
        return False
    return host_of(url).endswith(_HOSTS)


def detect(parsed: Any) -> bool:
    return any(
        _is_preprint_server(str(entry.get("link", "")).strip())
        or str(entry.get("dc_identifier", "")).startswith("doi:10.1101/")
        for entry in parsed.entries
    )


def to_paper(entry: Entry, ctx: FeedContext) -> Paper | None:
    link = safe_link(str(entry.get("link") or "").strip(), ctx.feed_link)
    doi = entry_doi(entry)
    if not doi and not _is_preprint_server(link):
        return None
    version_match = _VERSION.search(link or "")
    version = int(version_match.group(1)) if version_match else None
    pdf = None
    if doi and version and _is_preprint_server(link):
        host = "www.medrxiv.org" if host_of(link).endswith("medrxiv.org") else "www.biorxiv.org"
        pdf = f"https://{host}/content/{doi}v{version}.full.pdf"
    subject = _SUBJECT.search(ctx.feed_title)
    title = entry_text(entry, "title") or entry_text(entry, "dc_title")
    return Paper(
        id=f"doi:{doi}" if doi else str(link),
        title=title or doi or str(link),
        version=version,
        authors=entry_authors(entry),
        categories=[subject.group(1).strip()] if subject else [],
        summary_html=clean_html(entry_html(entry)),
        links=Links(abs=link, pdf=pdf, doi=doi),
        published=entry_date(entry),
        feeds=[ctx.source_key],
        owned=True,
    )

"""Helpers every feed format shares: arXiv ids, dates, author lists, TeX accents, HTML snippets.

Each format module turns one item (an ElementTree element, or a feedparser entry for the formats
feedparser reads) into a :class:`~reader_tui.model.Paper`; the parts they have in common live here
so that, say, an old-style arXiv id (``math/0502287v1``) is understood the same way whether it came
from the API, the RSS feed or a digest.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from reader_tui.feeds.names import people, split_list
from reader_tui.safety import UnsafeURLError, check_url, clean_line, clean_text

# feedparser entries are dict subclasses; formats only ever read them.
Entry = Mapping[str, Any]

# New-style ids (2007+: 0704.0001, 2403.15527) and old-style ones (math/0502287, hep-th/9901001,
# math.DG/0502287), each with an optional version.
_ARXIV_ID = r"(?:\d{4}\.\d{4,5}|[a-z][a-z-]{0,20}(?:\.[A-Za-z]{2})?/\d{7})"
ARXIV_ID_RE = re.compile(rf"(?P<id>{_ARXIV_ID})(?:v(?P<version>\d+))?")
_ARXIV_ID_FULL = re.compile(rf"(?P<id>{_ARXIV_ID})(?:v(?P<version>\d+))?$")
_ARXIV_URL = re.compile(
    rf"^https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/(?P<id>{_ARXIV_ID})(?:v(?P<version>\d+))?"
    r"(?:\.pdf)?/?(?:[?#].*)?$",
    re.IGNORECASE,
)
# arXiv subject classes: cs.LG, math-ph, physics.hist-ph, q-bio.GN. MSC/ACM codes do not match.
_ARXIV_CATEGORY = re.compile(r"^[a-z][a-z-]*(?:\.[A-Za-z][A-Za-z-]*)?$")

LINK_MAX = 8_000
"""Characters of a link kept; browsers and servers refuse longer URLs anyway."""
_TAG = re.compile(r"<[^<>]{0,4000}>")
# Inline markup inside a word is joined, not spaced: "S<sub>N</sub>2" reads "SN2", not "S N 2".
_INLINE_TAG = re.compile(r"</?(?:sub|sup|i|b|em|strong|span|u|small|font|tt|code|var)\b[^<>]{0,2000}>", re.I)
_MARKUP = re.compile(r"</?[A-Za-z][^<>]{0,4000}>|&#?\w{1,32};")
_DANGEROUS_BLOCK = re.compile(
    r"<(script|style|iframe|object|embed)\b[^<>]{0,4000}>.*?(?:</\1\s{0,20}>|$)", re.I | re.S
)
# A paragraph break inside plain-text abstracts: a blank line, or arXiv's "sentence end, newline,
# indent" convention. A plain hard wrap ("the\n  ideal") is not a break.
_HARD_WRAP = re.compile(r"(?<![ \t])[ \t]*\n[ \t]*")  # the look-behind: one attempt per run of blanks
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n|(?<=[.!?:])\n[ \t]+(?=\S)")


@dataclass(slots=True)
class FeedContext:
    """What a format module knows about the feed while it converts one entry."""

    source_key: str
    feed_link: str | None = None
    feed_date: datetime | None = None
    """The channel's own date, for formats whose items carry none (arXiv RSS)."""
    feed_title: str = ""
    journal: str | None = None
    """The journal every item is in, when the feed is a journal's own and names none per item (an Open
    Journal Systems site: its feed title is the journal's name)."""


# --- arXiv ----------------------------------------------------------------------------------------


def split_arxiv_id(text: str | None) -> tuple[str, int | None] | None:
    """``"2403.15527v1"`` -> ``("2403.15527", 1)``; also takes ``oai:arXiv.org:`` and ``arXiv:`` forms."""
    if not text:
        return None
    text = text.strip()
    for prefix in ("oai:arXiv.org:", "arXiv:", "arxiv:"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    match = _ARXIV_ID_FULL.match(text)
    if not match:
        return None
    version = match.group("version")
    return match.group("id"), int(version) if version else None


def arxiv_from_url(url: str | None) -> tuple[str, int | None] | None:
    """The arXiv id and version of an arxiv.org abs/pdf URL, else None."""
    if not url:
        return None
    match = _ARXIV_URL.match(url.strip())
    if not match:
        return None
    version = match.group("version")
    return match.group("id"), int(version) if version else None


_RELAY_URL = re.compile(
    r"^https?://(?:www\.)?(?:tldr\.takara\.ai/p|huggingface\.co/papers|alphaxiv\.org/(?:abs|overview)"
    rf"|arxiv\.org/html|export\.arxiv\.org/abs|paperswithcode\.com/paper/arxiv)/(?P<id>{_ARXIV_ID})"
    r"(?:v(?P<version>\d+))?(?:[/?#.]|$)",
    re.IGNORECASE,
)
_ANCHOR = re.compile(
    r"""<a\s[^<>]{0,2000}?href\s{0,3}=\s{0,3}["']([^"'<>]{1,2000})["'][^<>]{0,2000}>([^<]{0,200})</a""", re.I
)
_READ_MORE = re.compile(r"\s{0,5}(?:read more|arxiv|abs(?:tract)?|pdf|paper|full text|link|more)\b", re.I)
BODY_SCAN_MAX = 200_000
"""Characters of an item's body searched for a "Read more" link to arXiv."""


def relay_arxiv(url: str | None) -> tuple[str, int | None] | None:
    """The arXiv id in a page that relays one paper (``tldr.takara.ai/p/2604.12345``,
    ``huggingface.co/papers/…``, ``alphaxiv.org/abs/…``, ``arxiv.org/html/…``)."""
    if not url:
        return None
    match = _RELAY_URL.match(url.strip()[:2000])
    if not match:
        return None
    version = match.group("version")
    return match.group("id"), int(version) if version else None


def read_more_arxiv(body_html: str) -> tuple[str, int | None] | None:
    """The one arXiv paper a blog item points to with a "Read more" / "arXiv" / "PDF" link.

    Only when every arXiv link in the body names that one paper and one of them is such a link: a
    page citing several papers, or naming one in passing, is not that paper.
    """
    found: dict[str, tuple[str, int | None]] = {}
    labelled = False
    for href, text in _ANCHOR.findall(body_html[:BODY_SCAN_MAX]):
        arxiv = arxiv_from_url(html.unescape(href))
        if arxiv is None:
            continue
        found.setdefault(arxiv[0], arxiv)
        labelled = labelled or bool(_READ_MORE.match(text) or arxiv[0] in text)
    return next(iter(found.values())) if len(found) == 1 and labelled else None


def abs_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/abs/{arxiv_id}"


def pdf_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/pdf/{arxiv_id}"


def arxiv_categories(terms: Iterable[str | None], primary: str | None = None) -> list[str]:
    """Primary first, then the others, duplicates and non-arXiv codes (MSC "53D10, 53D15") dropped."""
    out: list[str] = []
    for term in [primary, *terms]:
        term = clean_line(term)
        if term and _ARXIV_CATEGORY.match(term) and term not in out:
            out.append(term)
    return out


# --- text -----------------------------------------------------------------------------------------


def strip_tags(fragment: str | None) -> str:
    """Visible text of a small HTML fragment, as one clean line (entities decoded)."""
    if not fragment:
        return ""
    if "<" in fragment:
        fragment = _TAG.sub(" ", _INLINE_TAG.sub("", fragment))
    return clean_line(html.unescape(fragment) if "&" in fragment else fragment)


def clean_html(fragment: str | None) -> str:
    """Feed HTML made ready for ``Paper.summary_html``: control characters gone, active content gone.

    feedparser's own sanitizer is switched off for speed; the HTML is only ever turned into
    Markdown, never shown raw, so dropping script/style/embed blocks is all the defence needed.
    """
    if not fragment:
        return ""
    if "<" in fragment and _DANGEROUS_BLOCK.search(fragment):
        fragment = _DANGEROUS_BLOCK.sub("", fragment)
    return clean_text(fragment).strip()


def unwrap_html(fragment: str) -> str:
    """Join hard-wrapped lines of HTML prose (legacy arXiv abstracts) into flowing text."""
    return _HARD_WRAP.sub(" ", fragment)


def plain_to_html(text: str | None) -> str:
    """Plain text (arXiv abstracts, which may contain ``<`` and TeX) as escaped ``<p>`` paragraphs.

    Hard wraps are collapsed; real paragraph breaks are kept.
    """
    text = clean_text(text or "").strip()
    if not text:
        return ""
    paragraphs = (clean_line(p) for p in _PARAGRAPH_BREAK.split(text))
    return "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs if p)


TITLE_MAX = 4_000
"""Characters of a title (or other one-line field) read: a title is a line, not a page."""
BODY_MAX = 1_000_000
"""Characters of an item's body kept (the detail pane shows ~20,000 of them)."""


def entry_text(entry: Entry, key: str) -> str:
    """An entry's text field (title...) as one clean line, tags stripped if the feed sent HTML."""
    value = entry.get(key)
    if not value:
        return ""
    value = str(value)[:TITLE_MAX]
    detail = entry.get(f"{key}_detail") or {}
    if "html" in str(detail.get("type", "")):
        return strip_tags(value)
    return clean_line(value)


def entry_html(entry: Entry) -> str:
    """The richest body an entry has (``content`` beats ``summary``) as HTML; plain text is escaped."""
    candidates = [*(entry.get("content") or []), entry.get("summary_detail") or {}]
    best: Mapping[str, Any] = max(candidates, key=lambda c: len(str(c.get("value") or "")), default={})
    value = str(best.get("value") or entry.get("summary") or "")[:BODY_MAX]
    return as_html(value, plain=str(best.get("type", "")) == "text/plain")


def as_html(value: str, *, plain: bool = False) -> str:
    """An item's body as HTML: kept when it has markup, else (or when ``plain``) escaped paragraphs."""
    if plain or not _MARKUP.search(value):
        return plain_to_html(value)
    return value


def entry_doi(entry: Entry) -> str | None:
    """A bare DOI from ``dc:identifier`` / ``prism:doi`` (``doi:10.1101/x`` -> ``10.1101/x``)."""
    for key in ("prism_doi", "dc_identifier", "arxiv_doi"):
        value = clean_line(entry.get(key))
        if value.lower().startswith("doi:"):
            value = value[4:].strip()
        if value.startswith("https://doi.org/"):
            value = value[len("https://doi.org/") :]
        if value.startswith("10.") and "/" in value:
            return value
    return None


# --- authors --------------------------------------------------------------------------------------


def split_authors(text: str | None) -> list[str]:
    """``"A. Smith, B. Jones and C. Wu"`` -> three names (see :func:`~reader_tui.feeds.names.split_list`)."""
    return split_list(text)


def entry_authors(entry: Entry) -> list[str]:
    """Every author of an entry, in order: each ``dc:creator`` / ``<author>`` (one person or a list)."""
    details = entry.get("authors") or []
    fields = [str(d.get("name") or "") for d in details if isinstance(d, Mapping)]
    if not any(fields):
        fields = [str(entry.get("author") or "")]
    return people(strip_tags(f) if "<" in f else f for f in fields)


def dedupe(items: Iterable[str]) -> list[str]:
    """Non-empty items in first-seen order, without repeats."""
    return list(dict.fromkeys(item for item in items if item))


# --- dates, links, ids ----------------------------------------------------------------------------


def to_datetime(value: time.struct_time | None) -> datetime | None:
    """feedparser's ``*_parsed`` (always UTC) as an aware datetime."""
    if not value:
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def updated_parsed(data: Entry) -> Any:
    """The real ``updated_parsed``: feedparser's ``get`` maps a missing one to ``published_parsed``
    with a DeprecationWarning."""
    return dict.get(data, "updated_parsed") if isinstance(data, dict) else data.get("updated_parsed")


def entry_date(entry: Entry) -> datetime | None:
    """The item's date; a hand-written one feedparser cannot read (``2021/10/16 9:23:28``) as well."""
    for key in ("published", "updated"):
        raw = dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)
        if isinstance(raw, str) and _SLASHED.match(raw):  # feedparser reads 2021/10/16 as November 1st
            return parse_loose_date(raw)
    parsed = to_datetime(entry.get("published_parsed")) or to_datetime(updated_parsed(entry))
    if parsed is None:
        for key in ("published", "updated"):
            value = dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)
            if isinstance(value, str) and (parsed := parse_loose_date(value)):
                break
    return parsed


_MONTH_NAMES = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_NUMERIC_DATE = re.compile(
    r"\s{0,5}(?P<y>\d{4})[-/.](?P<m>\d{1,2})(?:[-/.](?P<d>\d{1,2}))?"
    r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
)
_SLASHED = re.compile(r"\s{0,5}\d{4}/\d{1,2}/\d{1,2}\b")
_WORDY_DATE = re.compile(
    r"(?:(?P<d>\d{1,2})\s)?(?P<m>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]{0,6}\.?,?\s(?:(?P<d2>\d{1,2}),?\s)?"
    r"(?P<y>\d{4})",
    re.I,
)


def parse_loose_date(text: str | None) -> datetime | None:
    """Dates written by hand, read as UTC: ``2021/10/16 9:23:28``, ``2021-08-11``, ``February 2022``,
    ``1 March 2022``, ``Sun, 12 Sep 2021``. A missing day is the 1st."""
    if not text:
        return None
    text = text[:200]
    try:
        if match := _NUMERIC_DATE.match(text):
            hh, mm, ss = (int(match[k] or 0) for k in ("H", "M", "S"))
            return datetime(int(match["y"]), int(match["m"]), int(match["d"] or 1), hh, mm, ss, tzinfo=UTC)
        if match := _WORDY_DATE.search(text):
            month = _MONTH_NAMES[match["m"][:3].lower()]
            day = int(match["d"] or match["d2"] or 1)
            return datetime(int(match["y"]), month, day, tzinfo=UTC)
    except ValueError:
        return None
    return None


def safe_link(url: str | None, base: str | None = None) -> str | None:
    """The link as an absolute http(s) URL, or None when the feed's value cannot be trusted.

    Spaces inside a link (PubMed writes ``?utm_source=Mobile Safari UI/WKWebView``) are
    percent-encoded, as a browser would: the link is the feed's, only written validly.
    """
    if not url:
        return None
    url = url.strip()[:LINK_MAX]
    if " " in url:
        url = url.replace(" ", "%20")
    try:
        return check_url(url, base)
    except UnsafeURLError:
        return None


def host_of(url: str | None) -> str:
    """The host of ``url``; "" when there is none or the URL is malformed (``http://[x``)."""
    if not url:
        return ""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def fallback_id(*parts: str) -> str:
    """An id for an item with no guid and no link: stable because it hashes the item's own text."""
    import hashlib

    digest = hashlib.sha1("\x1f".join(parts).encode("utf-8", "replace")).hexdigest()[:16]
    return f"item:{digest}"

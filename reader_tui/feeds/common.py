"""Helpers every feed format shares: arXiv ids, dates, author lists, TeX accents, HTML snippets.

Each format module turns one feedparser entry into a :class:`~reader_tui.model.Paper`; the parts they
have in common live here so that, say, an old-style arXiv id (``math/0502287v1``) is understood the
same way whether it came from the API, the RSS feed or a digest.
"""

from __future__ import annotations

import html
import importlib
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from reader_tui.safety import UnsafeURLError, check_url, clean_line, clean_text

# feedparser entries are dict subclasses; formats only ever read them.
Entry = Mapping[str, Any]

# New-style ids (2007+: 0704.0001, 2403.15527) and old-style ones (math/0502287, hep-th/9901001,
# math.DG/0502287), each with an optional version.
_ARXIV_ID = r"(?:\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Za-z]{2})?/\d{7})"
ARXIV_ID_RE = re.compile(rf"(?P<id>{_ARXIV_ID})(?:v(?P<version>\d+))?")
_ARXIV_ID_FULL = re.compile(rf"(?P<id>{_ARXIV_ID})(?:v(?P<version>\d+))?$")
_ARXIV_URL = re.compile(
    rf"^https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/(?P<id>{_ARXIV_ID})(?:v(?P<version>\d+))?"
    r"(?:\.pdf)?/?(?:[?#].*)?$",
    re.IGNORECASE,
)
# arXiv subject classes: cs.LG, math-ph, physics.hist-ph, q-bio.GN. MSC/ACM codes do not match.
_ARXIV_CATEGORY = re.compile(r"^[a-z][a-z-]*(?:\.[A-Za-z][A-Za-z-]*)?$")

_TAG = re.compile(r"<[^>]*>")
_MARKUP = re.compile(r"</?[A-Za-z][^>]*>|&#?\w+;")
_DANGEROUS_BLOCK = re.compile(r"<(script|style|iframe|object|embed)\b[^>]*>.*?(?:</\1\s*>|$)", re.I | re.S)
# A paragraph break inside plain-text abstracts: a blank line, or arXiv's "sentence end, newline,
# indent" convention. A plain hard wrap ("the\n  ideal") is not a break.
_HARD_WRAP = re.compile(r"[ \t]*\n[ \t]*")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n|(?<=[.!?:])\n[ \t]+(?=\S)")


@dataclass(slots=True)
class FeedContext:
    """What a format module knows about the feed while it converts one entry."""

    source_key: str
    feed_link: str | None = None
    feed_date: datetime | None = None
    """The channel's own date, for formats whose items carry none (arXiv RSS)."""
    feed_title: str = ""


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
    return clean_line(html.unescape(_TAG.sub(" ", fragment)))


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


def entry_text(entry: Entry, key: str) -> str:
    """An entry's text field (title...) as one clean line, tags stripped if the feed sent HTML."""
    value = entry.get(key)
    if not value:
        return ""
    detail = entry.get(f"{key}_detail") or {}
    if "html" in str(detail.get("type", "")):
        return strip_tags(value)
    return clean_line(value)


def entry_html(entry: Entry) -> str:
    """The richest body an entry has (``content`` beats ``summary``) as HTML; plain text is escaped."""
    candidates = [*(entry.get("content") or []), entry.get("summary_detail") or {}]
    best: Mapping[str, Any] = max(candidates, key=lambda c: len(str(c.get("value") or "")), default={})
    value = str(best.get("value") or entry.get("summary") or "")
    if str(best.get("type", "")) == "text/plain" or not _MARKUP.search(value):
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

_TEX_HINT = re.compile(r"[\\{]")
_AUTHOR_SEPARATOR = re.compile(r",\s*|;\s*|\s+and\s+")
_INITIALS = re.compile(r"^[A-Z][a-z]?\.(?:[- ]*[A-Z][a-z]?\.)*$")


@lru_cache(maxsize=1)
def _latex_converter() -> Any:
    # Imported by name so type checkers need no stubs for this untyped package.
    latex2text = importlib.import_module("pylatexenc.latex2text")
    return latex2text.LatexNodes2Text()


def decode_tex(text: str) -> str:
    """Turn TeX accents into letters: ``Rodr\\'iguez`` -> ``Rodríguez``, ``Fran\\c{c}ois`` -> ``François``.

    Only text that looks like TeX is touched (pylatexenc is slow-ish and reads ``%`` as a comment).
    """
    if not _TEX_HINT.search(text):
        return text
    try:
        decoded = _latex_converter().latex_to_text(text.replace("%", r"\%"))
    except Exception:  # pylatexenc raises assorted errors on malformed TeX: keep the raw name
        return text
    return str(decoded)


def split_authors(text: str | None) -> list[str]:
    """``"A. Smith, B. Jones and C. Wu"`` -> three names, TeX accents decoded, duplicates dropped."""
    if not text:
        return []
    names = []
    for part in _AUTHOR_SEPARATOR.split(clean_line(text)):
        decoded = decode_tex(part)
        # A piece of a clean line is clean but for its ends; only decoded TeX needs cleaning again.
        names.append(part.strip() if decoded is part else clean_line(decoded))
    return dedupe(names)


def split_surname_initials(text: str | None) -> list[str]:
    """``"LAPALU, N., SIMON, A., O'Connell, R. J."`` -> ``["N. LAPALU", "A. SIMON", "R. J. O'Connell"]``.

    bioRxiv writes "Surname, Initials" pairs joined by commas, so a plain comma split would make
    every initial an author. A token that is not followed by initials stands alone.
    """
    if not text:
        return []
    tokens = [t for t in (clean_line(t) for t in clean_line(text).split(",")) if t]
    names: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if i + 1 < len(tokens) and _INITIALS.match(tokens[i + 1]) and not _INITIALS.match(token):
            names.append(f"{tokens[i + 1]} {token}")
            i += 2
        else:
            names.append(token)
            i += 1
    return dedupe(names)


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
    return to_datetime(entry.get("published_parsed")) or to_datetime(updated_parsed(entry))


def safe_link(url: str | None, base: str | None = None) -> str | None:
    """The link as an absolute http(s) URL, or None when the feed's value cannot be trusted."""
    if not url:
        return None
    try:
        return check_url(url.strip(), base)
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

"""Well-formed XML read with ElementTree, for the formats the app reads itself (arXiv, the digests).

expat runs inside ElementTree's C tree builder, which joins each element's text in C: Python sees an
element once, instead of once per run of text as in feedparser (thousands per digest item, each
``&lt;`` one), so a 10,000-item digest is read in a fraction of feedparser's time.

Only plain documents are read here. One with a DOCTYPE or an entity declaration (where expat would
expand entities: billion laughs, external entities), a declared encoding other than UTF-8, or any
XML error gives None, and the caller hands the bytes to feedparser, whose lenient path defuses
entities first. Without a DTD, expat knows only the five predefined entities and refers nothing.

A :class:`Document` is the channel (or Atom feed) and its items, each item's children by name
(:func:`fields`) as soon as its end tag is parsed; the format modules read what they need with the
helpers below, each value cut to a bounded length before anything else reads it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, cast

from reader_tui.feeds.common import BODY_MAX, LINK_MAX, TITLE_MAX, parse_loose_date, strip_tags
from reader_tui.safety import clean_line

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

ATOM = "http://www.w3.org/2005/Atom"
RSS1 = "http://purl.org/rss/1.0/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
# The prefixes the formats use for the namespaces they read; elements of other namespaces are ignored.
PREFIXES = {
    "": "",
    ATOM: "",
    RSS1: "",
    RDF: "rdf",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://arxiv.org/schemas/atom": "arxiv",
    "http://purl.org/rss/1.0/modules/content/": "content",
}

PEOPLE_MAX = 100_000
"""Characters of an author field read: arXiv writes a 3,000-author collaboration as one comma list."""

_XML_ENCODING = re.compile(
    rb"""^(?:\xef\xbb\xbf)?<\?xml[^>]{0,200}?encoding\s{0,20}=\s{0,20}["']([\w.-]{1,40})["']"""
)
_HTMLISH = re.compile(r"</[A-Za-z][\w-]{0,20}\s{0,5}>|&#?\w{1,32};")


Fields = dict[str, list["Element"]]
"""An element's children by name: ``title``, ``dc:creator``, ``arxiv:doi``... (see :func:`fields`)."""


class Broken(Exception):
    """The XML proved ill-formed after items were read from it: the document is feedparser's to read."""


@dataclass(slots=True)
class Document:
    """A feed read as a tree: ``rss`` (2.0), ``rdf`` (RSS 1.0) or ``atom``; the channel (or Atom feed)
    and each item as their children by name (:data:`Fields`).

    Items come as they are parsed and each is cleared once the next is asked for, so a 21 MB digest
    is never held whole as a tree (that cost ~45 MB more than the papers made of it). Iterating
    ``items`` raises :class:`Broken` where the XML turns out ill-formed.
    """

    kind: str
    channel: Fields
    items: Iterator[Fields]


def eligible(content: bytes) -> bool:
    """No DOCTYPE or entity declaration anywhere, and UTF-8 (declared or not).

    Declarations are looked for anywhere, not just before the first tag (which a comment could fake):
    elsewhere they can only sit in comments or CDATA, and then feedparser reading the feed costs time only.
    """
    if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
        return False
    if content[:2] in (b"\xff\xfe", b"\xfe\xff") or content[:1] == b"\x00":
        return False  # UTF-16/32
    declared = _XML_ENCODING.match(content, 0, 1024)
    return declared is None or declared.group(1).lower() in (b"utf-8", b"utf8")


_KINDS = {"rss": "rss", f"{{{RDF}}}RDF": "rdf", f"{{{ATOM}}}feed": "atom"}
_CHANNEL = {"rss": ("channel", 2), "rdf": (f"{{{RSS1}}}channel", 2), "atom": (f"{{{ATOM}}}feed", 1)}
_ITEM = {"rss": ("item", 3), "rdf": (f"{{{RSS1}}}item", 2), "atom": (f"{{{ATOM}}}entry", 2)}
"""Each kind's channel and item element, with the depth (the root is 1) where they count."""
_CHUNK = 1 << 16


def read(content: bytes) -> Document | None:
    """The document as a tree, read up to its first item; None when it is not plain RSS or Atom, or its
    XML is ill-formed before that (feedparser's job either way)."""
    if not eligible(content):
        return None
    events = _events(content)
    try:
        _event, root = next(events)
        kind = _KINDS.get(root.tag)
        if kind is None:
            return None
        channel_tag, channel_depth = _CHANNEL[kind]
        item_tag, item_depth = _ITEM[kind]
        channel = root if kind == "atom" else None
        depth = 1
        for event, element in events:
            if event == "end":
                depth -= 1
                continue
            depth += 1
            if depth == channel_depth and element.tag == channel_tag:
                channel = element
            elif depth == item_depth and element.tag == item_tag:
                break
        else:
            return Document(kind, fields(channel) if channel is not None else {}, iter(()))
    except (StopIteration, Broken):
        return None
    if channel is None:
        return None
    return Document(kind, fields(channel), _items(events, element, depth, item_tag, item_depth))


def _events(content: bytes) -> Iterator[tuple[str, Element]]:
    """expat's start and end events, fed 64 KB at a time; :class:`Broken` on an XML error."""
    from xml.etree.ElementTree import XMLPullParser

    parser: XMLPullParser[Any] = XMLPullParser(events=("start", "end"))
    try:
        for offset in range(0, len(content), _CHUNK):
            parser.feed(content[offset : offset + _CHUNK])
            yield from cast("Iterator[tuple[str, Element]]", parser.read_events())
        parser.close()
        yield from cast("Iterator[tuple[str, Element]]", parser.read_events())
    except Exception as exc:  # ParseError, or an encoding expat refuses
        raise Broken(str(exc)) from None


def _items(
    events: Iterator[tuple[str, Element]], first: Element, depth: int, tag: str, item_depth: int
) -> Iterator[Fields]:
    """Each item's fields as its end tag is parsed, ``first`` (already started) included."""
    current: Element | None = first
    for event, element in events:
        if event == "start":
            depth += 1
            if depth == item_depth and element.tag == tag:
                current = element
            continue
        depth -= 1
        if element is current:
            yield fields(element)
            element.clear()  # its children live on only where the reader kept their fields
            current = None


def name_of(tag: str) -> str | None:
    """``{http://purl.org/dc/elements/1.1/}creator`` -> ``dc:creator``; None for a namespace not read."""
    if tag[:1] != "{":
        return tag.lower()
    uri, _, local = tag[1:].partition("}")
    prefix = PREFIXES.get(uri)
    if prefix is None:
        return None
    return f"{prefix}:{local.lower()}" if prefix else local.lower()


def fields(element: Element) -> Fields:
    """An element's children by name (``title``, ``dc:creator``, ``arxiv:doi``...), in document order."""
    out: Fields = {}
    for child in element:
        if isinstance(child.tag, str) and (name := name_of(child.tag)) is not None:
            out.setdefault(name, []).append(child)
    return out


def raw(element: Element | None, limit: int = TITLE_MAX) -> str:
    """The element's text as written (markup written unescaped inside it kept as markup), cut to ``limit``."""
    if element is None:
        return ""
    if len(element) == 0:
        return (element.text or "")[:limit]
    from xml.etree.ElementTree import tostring

    inner = [element.text or ""]
    size = len(inner[0])
    for child in element:
        if size > limit:
            break
        inner.append(tostring(child, encoding="unicode"))  # its tail included
        size += len(inner[-1])
    return "".join(inner)[:limit]


def first(found: Fields, *names: str) -> Element | None:
    for name in names:
        if elements := found.get(name):
            return elements[0]
    return None


def line(found: Fields, *names: str) -> str:
    """The first of ``names`` present, as one clean line (plain text: an id, a link, a DOI...)."""
    return clean_line(raw(first(found, *names), LINK_MAX))


def body(found: Fields, *names: str) -> str:
    """The first of ``names`` present, as written, up to :data:`~reader_tui.feeds.common.BODY_MAX`."""
    return raw(first(found, *names), BODY_MAX).strip()


def title(found: Fields, kind: str) -> str:
    """The item's (or channel's) title as one line: tags stripped when it is HTML.

    Atom says so (``type="html"``); an RSS title is HTML when it holds a closing tag or an entity
    reference once unescaped, the habit feedparser follows too.
    """
    element = first(found, "title")
    text = raw(element)
    if element is None or not text:
        return ""
    if kind == "atom":
        is_html = element.get("type", "text").lower() in ("html", "text/html", "xhtml")
    else:
        is_html = bool(_HTMLISH.search(text))
    return strip_tags(text) if is_html else clean_line(text)


def parse_date(text: str | None) -> datetime | None:
    """An RFC 822 (RSS) or ISO 8601 (Atom, Dublin Core) date as an aware UTC datetime, to the second;
    a hand-written one (``2021/10/16 9:23:28``, ``February 2022``) as
    :func:`~reader_tui.feeds.common.parse_loose_date` reads it."""
    text = (text or "").strip()[:200]
    if not text:
        return None
    stamp: datetime | None = None
    if text[:1].isdigit() and "/" not in text[:10]:
        try:
            stamp = datetime.fromisoformat(text)
        except ValueError:
            stamp = None
    if stamp is None:
        try:
            stamp = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return parse_loose_date(text)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    try:
        return stamp.astimezone(UTC).replace(microsecond=0)
    except (OverflowError, ValueError):
        return None


def item_date(found: Fields) -> datetime | None:
    """The item's date: when it was published, else when it was last updated."""
    for name in ("pubdate", "published", "dc:date", "updated"):
        if stamp := parse_date(raw(first(found, name), 200)):
            return stamp
    return None

"""OPML import and export, so subscriptions move between reader-tui and other readers (newsboat, ...).

Import accepts what readers actually write: OPML 1.0 and 2.0, ``xmlUrl`` in any letter case, the title
in ``title`` or ``text``, folders (nested outlines) and the OPML 2.0 ``category`` attribute, both read as
tags. Only http(s) and ``file://`` feeds are taken; newsboat's ``query:``/``exec:``/``filter:`` lines
are skipped with a note.

The file is untrusted and parsed with the standard library (``defusedxml`` is not a dependency), so a
document with a DOCTYPE is refused before parsing: without one, expat has no entities to expand (no
"billion laughs") and nothing external to fetch.

Export writes OPML 2.0: a feed with tags sits in a folder named after its first tag (newsboat turns
folders into tags) and lists all its tags in ``category``, so our own import gets every tag back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from reader_tui.safety import clean_line
from reader_tui.subscriptions import Subscription

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

MAX_BYTES = 5 * 2**20
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_SCHEMES = ("http", "https", "file")


class OpmlError(Exception):
    """The file is not OPML we can read; ``str(error)`` is one line naming it."""


@dataclass(slots=True)
class OpmlImport:
    subscriptions: list[Subscription]
    warnings: list[str] = field(default_factory=list)
    """One line per outline that was skipped, and why."""


def read_opml(path: str | Path) -> OpmlImport:
    """Read an OPML file. Raises :class:`OpmlError` with a one-line reason."""
    name = str(path)
    try:
        with open(Path(path).expanduser(), "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise OpmlError(f"{name}: file not found") from None
    except OSError as exc:
        raise OpmlError(f"{name}: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise OpmlError(f"{name}: larger than {MAX_BYTES // 2**20} MB, not a subscription list")
    return parse_opml(data, name)


def parse_opml(data: bytes, name: str = "OPML") -> OpmlImport:
    """The feeds of an OPML document, in document order, each URL once."""
    from xml.etree import ElementTree

    if _DOCTYPE.search(data):
        raise OpmlError(f"{name}: refused a document with a DOCTYPE (OPML needs none)")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise OpmlError(f"{name}: not OPML (XML error: {clean_line(str(exc))})") from None
    if _local(root.tag) != "opml":
        raise OpmlError(f"{name}: not OPML (the document is <{clean_line(_local(root.tag))}>)")
    body = next((child for child in root if _local(child.tag) == "body"), None)
    if body is None:
        raise OpmlError(f"{name}: not OPML (no <body>)")
    result = OpmlImport([])
    seen: set[str] = set()
    for outline, folders in _outlines(body, []):
        url = _attr(outline, "xmlurl").strip()
        if not url:
            continue
        shown = clean_line(url)[:120]
        scheme = urlsplit(url).scheme.lower()
        if scheme not in _SCHEMES or any(ch.isspace() for ch in url) or clean_line(url) != url:
            result.warnings.append(f"skipped {shown!r}: not an http(s) or file feed URL")
            continue
        title = clean_line(_attr(outline, "title") or _attr(outline, "text"))
        if title == url:  # OPML 2.0 wants a text; writers without a title put the URL there
            title = ""
        tags = [*folders, *_categories(_attr(outline, "category"))]
        sub = Subscription(url=url, title=title, tags=list(dict.fromkeys(t for t in tags if t)))
        if sub.key in seen:
            continue
        seen.add(sub.key)
        result.subscriptions.append(sub)
    return result


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _attr(element: Element, name: str) -> str:
    """An attribute by case-insensitive name (``xmlUrl``, ``xmlurl`` and ``XMLURL`` all occur)."""
    for key, value in element.attrib.items():
        if key.lower() == name:
            return value
    return ""


def _outlines(parent: Element, folders: list[str]) -> Iterator[tuple[Element, list[str]]]:
    """Every outline under ``parent`` with the titles of the folders it sits in."""
    for child in parent:
        if _local(child.tag) != "outline":
            continue
        yield child, folders
        if len(child):
            folder = clean_line(_attr(child, "title") or _attr(child, "text"))
            yield from _outlines(
                child, [*folders, folder] if folder and not _attr(child, "xmlurl") else folders
            )


def _categories(value: str) -> list[str]:
    """OPML 2.0 ``category``: comma-separated, slash-delimited paths; each path's last part is a tag."""
    tags = []
    for item in value.split(","):
        parts = [part for part in item.strip().split("/") if part.strip()]
        if parts:
            tags.append(clean_line(parts[-1]))
    return tags


def to_opml(subscriptions: Sequence[Subscription], *, title: str = "reader-tui subscriptions") -> str:
    """An OPML 2.0 document for the subscriptions (local paths become ``file://`` URLs)."""
    from xml.etree import ElementTree as ET

    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(datetime.now(UTC), usegmt=True)
    body = ET.SubElement(root, "body")
    folders: dict[str, Element] = {}
    for sub in subscriptions:
        parent = body
        if sub.tags:
            parent = folders.get(sub.tags[0]) or ET.SubElement(body, "outline", text=sub.tags[0])
            folders[sub.tags[0]] = parent
        attrs = {"type": "rss", "text": sub.title or sub.url, "xmlUrl": _export_url(sub.url)}
        if sub.title:
            attrs["title"] = sub.title
        if sub.tags:
            attrs["category"] = ",".join("/" + tag.replace(",", " ").replace("/", " ") for tag in sub.tags)
        ET.SubElement(parent, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _export_url(url: str) -> str:
    if urlsplit(url).scheme.lower() in _SCHEMES:
        return url
    return Path(url).expanduser().resolve().as_uri()


__all__ = ["OpmlError", "OpmlImport", "parse_opml", "read_opml", "to_opml"]

"""OPML import and export, so subscriptions move between reader-tui and other readers (newsboat, ...).

Import accepts what readers actually write: OPML 1.0 and 2.0, ``xmlUrl`` in any letter case, the title
in ``title`` or ``text``, folders (nested outlines, any depth) and the OPML 2.0 ``category`` attribute,
both read as tags. Only http(s) URLs with a host are taken: an OPML file comes from elsewhere, and must
not subscribe the user to ``file:///etc/shadow`` or ``/proc/self/environ`` (local files need the
user's own ``reader-tui add``). Every other outline (newsboat's ``query:``/``exec:``/``filter:`` lines,
a malformed URL such as ``http://[::1``) is skipped with one line, and the rest is imported.

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

from reader_tui.safety import UnsafeURLError, check_url, clean_line
from reader_tui.subscriptions import Subscription

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

MAX_BYTES = 5 * 2**20
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_SCHEMES = ("http", "https", "file")
"""What export writes (local feeds become ``file://`` URLs for other readers); import takes http(s) only."""


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

    name = clean_line(name)
    if _DOCTYPE.search(data):
        raise OpmlError(f"{name}: refused a document with a DOCTYPE (OPML needs none)")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise OpmlError(f"{name}: not OPML (XML error: {clean_line(str(exc))})") from None
    except (ValueError, LookupError, RecursionError, MemoryError) as exc:  # e.g. an unknown encoding
        raise OpmlError(f"{name}: not OPML ({type(exc).__name__}: {clean_line(str(exc))[:120]})") from None
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
        if _scheme(url) not in ("http", "https"):
            result.warnings.append(f"skipped {shown!r}: not an http(s) feed URL")
            continue
        try:
            check_url(url)
        except UnsafeURLError as refused:
            result.warnings.append(f"skipped {shown!r}: {_why(refused)}")
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


def _scheme(url: str) -> str:
    """The scheme as written (``urlsplit`` raises on a malformed host before it would say)."""
    scheme, colon, _ = url.partition(":")
    return scheme.lower() if colon else ""


def _why(refused: UnsafeURLError) -> str:
    """``check_url``'s reason without the URL it quotes (the warning quotes it already)."""
    return str(refused).partition(": ")[0].removeprefix("refused ") or "refused"


def _outlines(parent: Element, folders: list[str]) -> Iterator[tuple[Element, list[str]]]:
    """Every outline under ``parent``, in document order, with the titles of the folders it sits in.

    A stack, not recursion: an outline nested 5,000 deep was a RecursionError ("internal error").
    """
    stack: list[tuple[Iterator[Element], list[str]]] = [(iter(parent), folders)]
    while stack:
        children, inside = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            continue
        if _local(child.tag) != "outline":
            continue
        yield child, inside
        if len(child):
            folder = clean_line(_attr(child, "title") or _attr(child, "text"))
            nested = [*inside, folder] if folder and not _attr(child, "xmlurl") else inside
            stack.append((iter(child), nested))


def _categories(value: str) -> list[str]:
    """OPML 2.0 ``category``: comma-separated, slash-delimited paths; each path's last part is a tag."""
    tags = []
    for item in value.split(","):
        parts = [part for part in item.strip().split("/") if part.strip()]
        if parts:
            tags.append(clean_line(parts[-1]))
    return tags


def to_opml(
    subscriptions: Sequence[Subscription],
    *,
    title: str = "reader-tui subscriptions",
    skipped: list[str] | None = None,
) -> str:
    """An OPML 2.0 document for the subscriptions (local paths become ``file://`` URLs).

    Titles, tags and URLs are sanitized (an escape or BEL byte would also make the XML unreadable); a
    feed whose URL cannot be written (``http://[::1``, hand-edited into feeds.toml) is left out with one
    line in ``skipped``.
    """
    from xml.etree import ElementTree as ET

    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(datetime.now(UTC), usegmt=True)
    body = ET.SubElement(root, "body")
    folders: dict[str, Element] = {}
    for sub in subscriptions:
        url = _export_url(sub.url)
        if url is None:
            if skipped is not None:
                shown = clean_line(sub.url)[:120]
                skipped.append(f"skipped {shown!r}: not a URL or path that can be exported")
            continue
        tags = [tag for tag in (clean_line(tag) for tag in sub.tags) if tag]
        name = clean_line(sub.title)
        parent = body
        if tags:
            parent = folders.get(tags[0]) or ET.SubElement(body, "outline", text=tags[0])
            folders[tags[0]] = parent
        attrs = {"type": "rss", "text": name or url, "xmlUrl": url}
        if name:
            attrs["title"] = name
        if tags:
            attrs["category"] = ",".join("/" + tag.replace(",", " ").replace("/", " ") for tag in tags)
        ET.SubElement(parent, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _export_url(url: str) -> str | None:
    """The URL to write: http(s) and file URLs as they are, a path as a file URL; None if neither."""
    if url != clean_line(url):
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
        if scheme in ("http", "https"):
            return check_url(url)
        if scheme == "file":
            return url
        if "://" in url:
            return None
        return Path(url).expanduser().resolve().as_uri()
    except (ValueError, OSError, RuntimeError):  # a malformed host, an unresolvable path
        return None


__all__ = ["OpmlError", "OpmlImport", "parse_opml", "read_opml", "to_opml"]

"""Subscriptions: the feeds the user follows, kept in ``feeds.toml`` in the config folder.

The file is meant to be edited by hand as much as by ``reader-tui add/remove``::

    [[feed]]
    url = "https://rss.arxiv.org/rss/cs.LG"
    title = "arXiv cs.LG"
    tags = ["ml", "daily"]

So the commands change it surgically: adding appends a block, removing cuts one block out, and every
other line (comments, blank lines, the user's layout) stays as it was. Only when that cannot be done
safely (the cut would not re-read as the expected list) is the file rewritten whole. Writing uses a tiny
TOML writer of our own (strings and string arrays are all it needs), so no new dependency.

A syntax error is reported as one line with the line number (tomllib puts "(at line N, column M)" in its
message), never as a traceback.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reader_tui import paths
from reader_tui.datafiles import write_user_file
from reader_tui.safety import clean_line

FEEDS_FILE = "feeds.toml"
HEADER = (
    "# reader-tui subscriptions: one [[feed]] block per feed; url is required, title and tags optional.\n"
    "# Edit freely: `reader-tui add` appends a block, `reader-tui remove` cuts one out; the rest stays.\n"
)

_FEED_HEADER = re.compile(r"^\s*\[\[\s*feed\s*\]\]\s*(#.*)?$")
_TABLE_HEADER = re.compile(r"^\s*\[")
_COMMENT = re.compile(r"^\s*#")


class SubscriptionError(Exception):
    """``feeds.toml`` cannot be read or written; ``str(error)`` is one line naming the file."""


@dataclass(slots=True)
class Subscription:
    """One followed feed. ``url`` is an http(s) URL, a ``file://`` URL or an absolute path."""

    url: str
    title: str = ""
    tags: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The source key the feed's papers carry in ``Paper.feeds`` (see ``feeds.source_key``)."""
        from reader_tui.feeds import source_key

        return source_key(self.url)


def feeds_file() -> Path:
    return paths.config_dir() / FEEDS_FILE


# --------------------------------------------------------------------------- reading


def load(path: Path | None = None) -> list[Subscription]:
    """The subscriptions in file order, each URL once; no file, none. Raises :class:`SubscriptionError`."""
    path = path if path is not None else feeds_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except UnicodeDecodeError:
        raise SubscriptionError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise SubscriptionError(f"{path}: {exc.strerror or exc}") from None
    return parse(text, str(path), base=path.parent)


def parse(text: str, name: str = FEEDS_FILE, base: Path | None = None) -> list[Subscription]:
    """Read the text of a feeds file; ``name`` prefixes error messages.

    A hand-written relative path (``url = "digests/today.xml"``) means the file next to ``feeds.toml``,
    wherever the app is started from; ``~`` is the home folder.
    """
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SubscriptionError(f"{name}: {clean_line(str(exc))}") from None
    except RecursionError:  # tomllib recurses per nested array or table
        raise SubscriptionError(f"{name}: nested too deeply to read") from None
    feeds = data.get("feed", [])
    if not isinstance(feeds, list):
        raise SubscriptionError(f"{name}: 'feed' must be written as [[feed]] blocks")
    subscriptions: list[Subscription] = []
    seen: set[str] = set()
    for number, entry in enumerate(feeds, 1):
        sub = _from_table(entry, f"{name}: feed {number}")
        sub.url = _local_path_made_absolute(sub.url, base)
        if sub.key not in seen:
            seen.add(sub.key)
            subscriptions.append(sub)
    return subscriptions


def _local_path_made_absolute(url: str, base: Path | None) -> str:
    """A relative feed file resolved against ``base``; URLs (and what fetching will refuse) as written."""
    from reader_tui.feeds.fetch import FeedError, local_path

    try:
        local = local_path(url)
    except FeedError:
        return url  # an unsupported scheme: the refresh reports it for this feed
    if local is None or "://" in url:  # http(s) and file:// URLs stay as written
        return url
    if local.is_absolute() or base is None:
        return str(local)
    return os.path.normpath(base.absolute() / local)


def _from_table(entry: Any, where: str) -> Subscription:
    if not isinstance(entry, dict):
        raise SubscriptionError(f"{where}: not a table")
    url = entry.get("url")
    if not isinstance(url, str) or not url.strip():
        raise SubscriptionError(f'{where}: needs url = "..."')
    title = entry.get("title", "")
    if not isinstance(title, str):
        raise SubscriptionError(f"{where}: title must be a string")
    tags = entry.get("tags", [])
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise SubscriptionError(f"{where}: tags must be a list of strings")
    return Subscription(url=url.strip(), title=title, tags=list(dict.fromkeys(tags)))


# --------------------------------------------------------------------------- writing


def toml_string(value: str) -> str:
    """A TOML basic string: quotes, backslashes and anything invisible escaped, the rest kept as is.

    Escaping what does not print (controls, BiDi overrides, zero-width marks) keeps the file honest
    to read: a title from an OPML file cannot hide text or reorder a line in the user's editor.
    """
    out = ['"']
    for ch in value:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif not ch.isprintable() and ch != " ":  # controls, BiDi overrides, invisible marks
            out.append(f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def dumps_block(sub: Subscription) -> str:
    """One ``[[feed]]`` block, empty fields left out."""
    lines = ["[[feed]]", f"url = {toml_string(sub.url)}"]
    if sub.title:
        lines.append(f"title = {toml_string(sub.title)}")
    if sub.tags:
        lines.append("tags = [" + ", ".join(toml_string(tag) for tag in sub.tags) + "]")
    return "\n".join(lines) + "\n"


def dumps(subscriptions: Iterable[Subscription]) -> str:
    """A whole feeds file: the header comment, then one block per feed separated by blank lines."""
    return HEADER + "".join("\n" + dumps_block(sub) for sub in subscriptions)


def save(subscriptions: Sequence[Subscription], path: Path | None = None) -> None:
    """Write the whole file (used when there is nothing of the user's to keep)."""
    _write(path if path is not None else feeds_file(), dumps(subscriptions))


def _write(path: Path, text: str) -> None:
    """Replace the file atomically: a crash leaves the old list or the new one, never half of one."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_user_file(path, text)
    except OSError as exc:
        raise SubscriptionError(f"{path}: cannot write ({exc.strerror or exc})") from None


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as exc:
        raise SubscriptionError(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None


# --------------------------------------------------------------------------- editing


def add(
    new: Iterable[Subscription], path: Path | None = None
) -> tuple[list[Subscription], list[Subscription]]:
    """Append the feeds not yet subscribed (by source key); return ``(added, already_there)``.

    Existing lines are kept byte for byte: the new blocks go at the end of the file.
    """
    path = path if path is not None else feeds_file()
    text = _read_text(path)
    current = parse(text, str(path))
    known = {sub.key for sub in current}
    added: list[Subscription] = []
    present: list[Subscription] = []
    for sub in new:
        if sub.key in known:
            present.append(sub)
        else:
            known.add(sub.key)
            added.append(sub)
    if added:
        if not text.strip():
            text = HEADER
        elif not text.endswith("\n"):
            text += "\n"
        text += "".join("\n" + dumps_block(sub) for sub in added)
        _write(path, text)
    return added, present


def remove(url: str, path: Path | None = None) -> Subscription | None:
    """Cut the feed's block out of the file; return it, or None when it was not subscribed."""
    return _edit(url, None, path)


def update(sub: Subscription, path: Path | None = None) -> Subscription | None:
    """Replace the block of the feed ``sub.url`` by one for ``sub``; return the old one (None: absent)."""
    return _edit(sub.url, sub, path)


def _edit(url: str, replacement: Subscription | None, path: Path | None) -> Subscription | None:
    path = path if path is not None else feeds_file()
    text = _read_text(path)
    current = parse(text, str(path))
    key = Subscription(url).key
    old = next((sub for sub in current if sub.key == key), None)
    if old is None:
        return None
    expected = [
        replacement if sub.key == key and replacement is not None else sub
        for sub in current
        if sub.key != key or replacement is not None
    ]
    edited = _edit_blocks(text, key, replacement)
    try:
        ok = edited is not None and parse(edited) == expected
    except SubscriptionError:
        ok = False
    _write(path, edited if ok and edited is not None else dumps(expected))
    return old


def _edit_blocks(text: str, key: str, replacement: Subscription | None) -> str | None:
    """The text with every ``[[feed]]`` block for ``key`` dropped (or the first one replaced).

    A block runs from its header (plus the comment lines right above it) to the next table header.
    Returns None when a block cannot be read on its own, so the caller falls back to a full rewrite.
    """
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if _TABLE_HEADER.match(line)]
    # Comments directly above a header belong to the block they introduce.
    bounds: list[int] = []
    for start in starts:
        begin = start
        while begin > 0 and _COMMENT.match(lines[begin - 1]):
            begin -= 1
        bounds.append(begin)
    if not bounds:
        return None
    pieces = ["".join(lines[: bounds[0]])]
    replaced = False
    for n, begin in enumerate(bounds):
        end = bounds[n + 1] if n + 1 < len(bounds) else len(lines)
        block = "".join(lines[begin:end])
        if not _FEED_HEADER.match(lines[starts[n]]):
            pieces.append(block)
            continue
        try:
            subs = parse(block)
        except SubscriptionError:
            return None
        if len(subs) != 1 or subs[0].key != key:
            pieces.append(block)
        elif replacement is not None and not replaced:
            trailing = block[len(block.rstrip("\n")) :]
            pieces.append(dumps_block(replacement).rstrip("\n") + (trailing or "\n"))
            replaced = True
    return "".join(pieces)


__all__ = [
    "FEEDS_FILE",
    "Subscription",
    "SubscriptionError",
    "add",
    "dumps",
    "dumps_block",
    "feeds_file",
    "load",
    "parse",
    "remove",
    "save",
    "toml_string",
    "update",
]

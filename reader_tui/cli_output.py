"""What every headless command shares: its one-line failure, its output sanitized, the store it opens.

Whatever the feeds or a hand-edited file hold (escape sequences, BEL, BiDi overrides, invisible
characters) goes through :mod:`reader_tui.safety` before it reaches the terminal, so every command
prints through :func:`say` and friends; a failure is a :class:`CommandError`, which ``cli.main`` prints
as one line on stderr with exit status 1.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

from reader_tui.safety import clean_data, clean_line, clean_text

if TYPE_CHECKING:
    from reader_tui.store import Store


class CommandError(Exception):
    """A failure to report on stderr in one line, exit status 1."""


def warn(message: str) -> None:
    print(f"reader-tui: {clean_line(message)}", file=sys.stderr)


def say(text: str, *, flush: bool = False) -> None:
    """Print to stdout through the sanitizer: whatever the feeds or a hand-edited file hold (escape
    sequences, BEL, BiDi overrides, invisible characters) never reaches the terminal."""
    print(clean_text(text), flush=flush)


def say_json(value: object) -> None:
    """Print JSON of ``value`` with every string in it sanitized first (so the JSON stays valid)."""
    print(json.dumps(clean_data(value), ensure_ascii=False, indent=2))


def say_json_list(items: Iterable[object]) -> None:
    """``say_json`` of a list, written an item at a time: ``list --json`` of 100,000 papers never
    holds the whole document (~1 GB as one string once a title carries a CJK character)."""
    first = True
    for item in items:
        text = json.dumps(clean_data(item), ensure_ascii=False, indent=2).replace("\n", "\n  ")
        sys.stdout.write(("[\n  " if first else ",\n  ") + text)
        first = False
    print("[]" if first else "\n]")


def open_store() -> Store:
    from reader_tui.store import Store

    store = Store()
    for message in store.messages:
        warn(message)
    return store


def write_output(target: str | None, text: str, what: str) -> None:
    """Write to a file (atomically), or to stdout for None or ``-``; the note about the file goes to
    stderr."""
    text = clean_text(text)  # already clean from cite/opml: the one sanitizer, applied once more
    if target in (None, "-"):
        sys.stdout.write(text)
        return
    assert target is not None
    from reader_tui.datafiles import write_user_file

    try:
        write_user_file(target, text)  # a full disk or a crash leaves the user's old file whole
    except OSError as error:
        raise CommandError(f"cannot write {clean_line(target)}: {error.strerror or error}") from None
    print(f"wrote {what} to {clean_line(target)}", file=sys.stderr)

"""Tags and notes: the user's own words on a paper, kept per field in the store like read/starred.

Only the shape of a tag is decided here (the store keeps whatever :func:`clean_tags` gives it): one
line, at most :data:`TAG_MAX` characters, no repeats, in the order the user gave. A note is Markdown
of any length the user types, kept as written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from reader_tui.safety import clean_line

TAG_MAX = 60


def clean_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags as stored: each one line of at most :data:`TAG_MAX` characters; empty ones and repeats
    (ignoring case) dropped, first spelling kept."""
    seen: dict[str, str] = {}
    for tag in tags:
        cleaned = " ".join(clean_line(tag).split())[:TAG_MAX].strip()
        if cleaned and cleaned.casefold() not in seen:
            seen[cleaned.casefold()] = cleaned
    return tuple(seen.values())


def parse_tags(text: str) -> tuple[str, ...]:
    """Tags typed in one line, separated by commas: ``"llm, to read"`` -> ``("llm", "to read")``."""
    return clean_tags(text.split(","))


def known_tags(tags_by_paper: Mapping[str, tuple[str, ...]]) -> list[str]:
    """Every tag in use, the most used first (ties alphabetical): what tag completion offers."""
    counts: Counter[str] = Counter()
    for tags in tags_by_paper.values():
        counts.update(tags)
    return sorted(counts, key=lambda tag: (-counts[tag], tag.casefold()))

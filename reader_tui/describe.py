"""A paper's metadata as the one-line texts a person reads: shared by the detail pane and ``reader-tui show``.

Plain strings (already cleaned), no Textual: each face lays them out its own way, and both say the
same thing about a paper's authors, its journal and what other feeds said of it.
"""

from __future__ import annotations

from pathlib import PurePath

from reader_tui.model import Paper
from reader_tui.safety import clean_line

AUTHORS_SHOWN = 12
"""Names shown before "…and N more": a 700-author paper's list would push its abstract off the screen."""


def authors_line(authors: list[str]) -> str:
    """``"A, B, C"``, or the first :data:`AUTHORS_SHOWN` and ``…and 695 more``."""
    if len(authors) <= AUTHORS_SHOWN + 1:
        return ", ".join(authors)
    return f"{', '.join(authors[:AUTHORS_SHOWN])} …and {len(authors) - AUTHORS_SHOWN} more"


def venue_line(paper: Paper) -> str:
    """``Journal · volume(issue) · pages`` as far as the feed said; "" for a paper with no journal."""
    venue = paper.venue
    if not venue.journal:
        return ""
    volume = clean_line(venue.volume)
    if venue.issue:
        volume = f"{volume}({clean_line(venue.issue)})"
    pages = clean_line(venue.pages).replace("--", "–").replace("-", "–")
    return " · ".join(filter(None, (clean_line(venue.journal), volume, pages)))


_SAID = (("title", "title"), ("doi", "DOI"), ("authors", "authors"))


def elsewhere_line(paper: Paper) -> str:
    """What other feeds said where it differs from the paper's own source, in one line:
    ``blog.example/feed: title "…"; DOI 10.9/x``."""
    notes = []
    for feed, said in paper.elsewhere.items():
        words = [
            f'{label} "{said[key]}"' if key == "title" else f"{label} {said[key]}"
            for key, label in _SAID
            if said.get(key)
        ]
        if words:
            notes.append(f"{feed_name(feed)}: {', '.join(words)}")
    return clean_line(" · ".join(notes))


def feed_name(feed: str) -> str:
    """A URL as is, a local file by its name: its folder is noise here (and differs per machine)."""
    return feed if "://" in feed else PurePath(feed).name or feed

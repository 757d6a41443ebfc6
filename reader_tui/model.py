"""The paper model: what every feed format is turned into, and what the store, query and UI consume.

A paper's ``id`` is stable across feeds and days: the arXiv id without its version when there is one,
else the feed's guid, else its link. Two ``Paper`` objects with the same id are the same paper and are
combined with :meth:`Paper.merge`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from operator import attrgetter
from typing import Any

SummarySource = str | Callable[[str], str]
"""A paper's summary as held: its HTML, or a function that reads it by paper id (the store's cache)."""


@dataclass(slots=True)
class Links:
    """Where the paper can be read: abstract page, PDF, the feed's own post page, DOI (bare, no URL)."""

    abs: str | None = None
    pdf: str | None = None
    post: str | None = None
    doi: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"abs": self.abs, "pdf": self.pdf, "post": self.post, "doi": self.doi}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Links:
        data = data or {}
        return cls(abs=data.get("abs"), pdf=data.get("pdf"), post=data.get("post"), doi=data.get("doi"))


@dataclass(slots=True)
class Venue:
    """Where a journal paper was published, as a citation needs it (all text, as the feed wrote it).

    ``pages`` is ``"651-665"`` or a single article number (``"102531"``); ``issue`` is PRISM's
    ``number``. Empty for preprints: arXiv's own journal reference stays in ``Paper.journal_ref``.
    """

    journal: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    publisher: str | None = None

    def __bool__(self) -> bool:
        return any((self.journal, self.volume, self.issue, self.pages, self.publisher))

    def to_dict(self) -> dict[str, str]:
        return {
            name: value
            for name, value in (
                ("journal", self.journal),
                ("volume", self.volume),
                ("issue", self.issue),
                ("pages", self.pages),
                ("publisher", self.publisher),
            )
            if value
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Venue:
        data = data or {}
        return cls(
            journal=data.get("journal"),
            volume=data.get("volume"),
            issue=data.get("issue"),
            pages=data.get("pages"),
            publisher=data.get("publisher"),
        )


CITATION_FIELDS = frozenset(
    {"title", "arxiv_id", "version", "authors", "affiliations", "published", "journal_ref", "venue"}
)
"""What a paper's own source says about it and no other feed may change (with ``links.doi``): a relay
blog linking an arXiv paper, or an index listing a journal's DOI, may add what is missing elsewhere
(its post link, a comment) but never rename, re-author or re-date the paper."""


@dataclass(slots=True, init=False, eq=False)
class Paper:
    """One paper (or, for non-paper feed items, one plain item with ``is_paper`` False).

    Text fields hold clean text (control characters and BiDi overrides removed by the parser) except
    ``summary_html``, which is the feed's HTML with the metadata lines lifted out; it is rendered, never
    shown raw.

    ``summary_html`` is a property over the field ``summary_source``: the HTML itself, or for papers
    loaded from the store a function that reads it from the cache when it is shown (summaries are ~2/3
    of a paper and read one at a time). ``__init__`` is written out for that one field: an explicit
    ``summary_html`` wins, else ``summary_source`` is kept, so ``dataclasses.replace`` works with either.
    """

    id: str
    title: str
    arxiv_id: str | None = None
    version: int | None = None
    authors: list[str] = field(default_factory=list)
    affiliations: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    """Primary category first."""
    keywords: list[str] = field(default_factory=list)
    summary_source: SummarySource = field(default="", repr=False)
    """``summary_html`` as held: the text, or a reader of it."""
    links: Links = field(default_factory=Links)
    published: datetime | None = None
    """Timezone-aware; None when the feed gives no date for the item."""
    feeds: list[str] = field(default_factory=list)
    """Every feed source (URL or absolute path) the paper has been seen in."""
    announce_type: str | None = None
    journal_ref: str | None = None
    comment: str | None = None
    is_paper: bool = True
    venue: Venue = field(default_factory=Venue)
    """Journal, volume, issue, pages, publisher (journal papers); the DOI is ``links.doi``."""
    owned: bool = False
    """This copy came from the paper's own source: an arXiv feed for an arXiv paper, the journal's
    own table of contents (or bioRxiv) for a DOI. See :meth:`merge`."""
    elsewhere: dict[str, dict[str, str]] = field(default_factory=dict)
    """What other feeds said where it differs from the paper's own source: feed -> {"title", "doi",
    "authors"} -> their value. Kept, not applied (see :meth:`merge`), so the reader sees who said what."""

    def __init__(
        self,
        id: str,  # noqa: A002 - the public field name
        title: str,
        arxiv_id: str | None = None,
        version: int | None = None,
        authors: list[str] | None = None,
        affiliations: list[str] | None = None,
        categories: list[str] | None = None,
        keywords: list[str] | None = None,
        summary_html: str | None = None,
        links: Links | None = None,
        published: datetime | None = None,
        feeds: list[str] | None = None,
        announce_type: str | None = None,
        journal_ref: str | None = None,
        comment: str | None = None,
        is_paper: bool = True,
        *,
        summary_source: SummarySource = "",
        venue: Venue | None = None,
        owned: bool = False,
        elsewhere: dict[str, dict[str, str]] | None = None,
    ) -> None:
        self.id = id
        self.title = title
        self.arxiv_id = arxiv_id
        self.version = version
        self.authors = authors if authors is not None else []
        self.affiliations = affiliations if affiliations is not None else []
        self.categories = categories if categories is not None else []
        self.keywords = keywords if keywords is not None else []
        self.summary_source = summary_source if summary_html is None else summary_html
        self.links = links if links is not None else Links()
        self.published = published
        self.feeds = feeds if feeds is not None else []
        self.announce_type = announce_type
        self.journal_ref = journal_ref
        self.comment = comment
        self.is_paper = is_paper
        self.venue = venue if venue is not None else Venue()
        self.owned = owned
        self.elsewhere = elsewhere if elsewhere is not None else {}

    @property
    def doi(self) -> str | None:
        """The bare DOI (``10.1038/…``), or None."""
        return self.links.doi

    @property
    def summary_html(self) -> str:
        """The summary's HTML (read from the store's cache on each access for papers loaded from it)."""
        source = self.summary_source
        return source if isinstance(source, str) else source(self.id)

    @summary_html.setter
    def summary_html(self, html: str) -> None:
        self.summary_source = html

    def __eq__(self, other: object) -> bool:
        """Field by field; summaries by their text, read only when everything else is equal."""
        if other.__class__ is not self.__class__ or not isinstance(other, Paper):
            return NotImplemented
        if _FIELDS_BUT_SUMMARY(self) != _FIELDS_BUT_SUMMARY(other):
            return False
        return self.summary_source == other.summary_source or self.summary_html == other.summary_html

    __hash__ = None  # type: ignore[assignment]  # mutable, like any dataclass with eq

    @property
    def primary_category(self) -> str | None:
        return self.categories[0] if self.categories else None

    @property
    def doi_url(self) -> str | None:
        """``https://doi.org/DOI`` (the DOI percent-encoded where a URL needs it), or None."""
        if not self.links.doi:
            return None
        from urllib.parse import quote

        return "https://doi.org/" + quote(self.links.doi, safe="/:;()._-<>[]")

    @property
    def page_link(self) -> str | None:
        """The paper's own page: abstract, else the feed's post, else the DOI's landing page."""
        return self.links.abs or self.links.post or self.doi_url

    @property
    def first_link(self) -> str | None:
        """The best page to show for the paper: abstract, else post, else DOI page, else PDF."""
        return self.page_link or self.links.pdf

    def merge(self, other: Paper) -> Paper:
        """Combine two sightings of the same paper: keep what each knows, remember both feeds.

        Fields this copy lacks are taken from ``other``; the higher version wins for version-bearing
        fields; ``feeds`` is the union in first-seen order.

        Trust: when exactly one copy comes from the paper's own source (``owned``), its
        :data:`CITATION_FIELDS` and DOI are kept as they are, gaps included; the other copy only adds
        what lies outside them (its post link, PDF, comment, keywords, its feed).
        """
        if other.id != self.id:
            raise ValueError(f"cannot merge {other.id!r} into {self.id!r}")
        if other.owned and not self.owned:
            merged = other.merge(self)
            merged.feeds = list(dict.fromkeys([*self.feeds, *other.feeds]))
            return merged
        guarded = self.owned and not other.owned
        merged = replace(self)
        for f in fields(Paper):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if guarded and f.name in CITATION_FIELDS:
                continue
            if f.name == "elsewhere":
                merged.elsewhere = _said_elsewhere(self, other) if guarded else {**theirs, **mine}
            elif f.name == "feeds":
                merged.feeds = list(dict.fromkeys([*mine, *theirs]))
            elif f.name == "links":
                merged.links = Links(
                    abs=mine.abs or theirs.abs,
                    pdf=mine.pdf or theirs.pdf,
                    post=mine.post or theirs.post,
                    doi=mine.doi if guarded else mine.doi or theirs.doi,
                )
            elif f.name == "venue":
                merged.venue = Venue(
                    *(a or b for a, b in zip(_venue_values(mine), _venue_values(theirs), strict=True))
                )
            elif f.name == "version":
                versions = [v for v in (mine, theirs) if v is not None]
                merged.version = max(versions) if versions else None
            elif f.name in ("is_paper", "owned"):
                setattr(merged, f.name, mine or theirs)
            elif not mine and theirs:
                setattr(merged, f.name, theirs)
        return merged

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; the field names are the public ones of ``reader-tui list --json``."""
        return {
            "id": self.id,
            "arxiv_id": self.arxiv_id,
            "version": self.version,
            "title": self.title,
            "authors": list(self.authors),
            "affiliations": list(self.affiliations),
            "categories": list(self.categories),
            "keywords": list(self.keywords),
            "summary_html": self.summary_html,
            "links": self.links.to_dict(),
            "published": self.published.isoformat() if self.published else None,
            "feeds": list(self.feeds),
            "announce_type": self.announce_type,
            "journal_ref": self.journal_ref,
            "comment": self.comment,
            "is_paper": self.is_paper,
            "venue": self.venue.to_dict(),
            "owned": self.owned,
            "elsewhere": {feed: dict(said) for feed, said in self.elsewhere.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Paper:
        """The inverse of :meth:`to_dict` (missing keys take their defaults). Author names, categories
        and feeds repeat across thousands of papers of a library: each string is held once (interned)."""
        published = data.get("published")
        return cls(
            id=data["id"],
            title=data.get("title") or "",
            arxiv_id=data.get("arxiv_id"),
            version=data.get("version"),
            authors=list(map(sys.intern, data.get("authors") or ())),
            affiliations=list(data.get("affiliations") or []),
            categories=list(map(sys.intern, data.get("categories") or ())),
            keywords=list(data.get("keywords") or []),
            summary_html=data.get("summary_html") or "",
            links=Links.from_dict(data.get("links")),
            published=datetime.fromisoformat(published) if published else None,
            feeds=list(map(sys.intern, data.get("feeds") or ())),
            announce_type=data.get("announce_type"),
            journal_ref=data.get("journal_ref"),
            comment=data.get("comment"),
            is_paper=data.get("is_paper", True),
            venue=Venue.from_dict(data.get("venue")),
            owned=bool(data.get("owned", False)),
            elsewhere=_elsewhere_from(data.get("elsewhere")),
        )


def _elsewhere_from(data: Any) -> dict[str, dict[str, str]]:
    """``elsewhere`` as stored, anything that is not feed -> field -> text dropped (the file is data)."""
    if not isinstance(data, dict):
        return {}
    return {
        str(feed): {str(k): str(v) for k, v in said.items() if isinstance(v, str)}
        for feed, said in list(data.items())[:ELSEWHERE_FEEDS]
        if isinstance(said, dict)
    }


ELSEWHERE_FEEDS = 8
"""Feeds whose differing word on a paper is kept; a paper relayed by more is not worth more notes."""
_NOTE_MAX = 300


def _said_elsewhere(owner: Paper, other: Paper) -> dict[str, dict[str, str]]:
    """The owner's notes, and the other copy's title, DOI and authors where they differ from the owner's."""
    notes = {**other.elsewhere, **owner.elsewhere}
    said: dict[str, str] = {}
    if other.title and _folded(other.title) != _folded(owner.title):
        said["title"] = other.title[:_NOTE_MAX]
    if other.links.doi and other.links.doi.lower() != (owner.links.doi or "").lower():
        said["doi"] = other.links.doi[:_NOTE_MAX]
    if other.authors and [_folded(a) for a in other.authors] != [_folded(a) for a in owner.authors]:
        said["authors"] = ", ".join(other.authors)[:_NOTE_MAX]
    feed = other.feeds[-1] if other.feeds else ""
    if said and feed and (feed in notes or len(notes) < ELSEWHERE_FEEDS):
        notes[feed] = said
    return notes


def _folded(text: str) -> str:
    return " ".join(text.casefold().split()).rstrip(".")


def _venue_values(venue: Venue) -> tuple[str | None, ...]:
    return (venue.journal, venue.volume, venue.issue, venue.pages, venue.publisher)


_FIELDS_BUT_SUMMARY = attrgetter(*(f.name for f in fields(Paper) if f.name != "summary_source"))


STATE_FIELDS = ("read", "starred", "tags", "note")
"""The per-paper fields the user decides. Each carries its own change time, so two processes (or two
machines, through a sync) that change different fields of one paper both keep their change."""


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field of one paper as last changed: the unit that the store merges and a sync sends.

    ``value`` is a bool for read/starred, a ``tuple[str, ...]`` for tags, a ``str`` for the note;
    ``changed_at`` is ``time.time()`` of the change; ``sent`` says whether a sync delivered it.
    """

    paper_id: str
    field: str
    value: Any
    changed_at: float
    sent: bool = False


def check_field(field_name: str, value: Any) -> Any:
    """``value`` in the one form the store keeps for ``field_name``; TypeError/ValueError otherwise.

    Tags become a tuple of distinct non-empty strings in the order given (a string alone is refused:
    it would otherwise become a tag per character).
    """
    if field_name in ("read", "starred"):
        if not isinstance(value, bool):
            raise TypeError(f"{field_name} must be True or False, not {type(value).__name__}")
        return value
    if field_name == "tags":
        if isinstance(value, str | bytes) or not all(isinstance(tag, str) for tag in value):
            raise TypeError("tags must be a sequence of strings")
        return tuple(dict.fromkeys(tag for tag in value if tag))
    if field_name == "note":
        if not isinstance(value, str):
            raise TypeError(f"note must be a string, not {type(value).__name__}")
        return value
    raise ValueError(f"unknown state field {field_name!r} (one of {', '.join(STATE_FIELDS)})")


@dataclass(slots=True)
class PaperState:
    """What the user decided about a paper, field by field.

    ``<field>_at`` is the UTC POSIX time of that field's last change (0.0: never changed); ``sent``
    holds the fields whose current value a sync has delivered. The store hands out copies.
    """

    read: bool = False
    starred: bool = False
    tags: tuple[str, ...] = ()
    note: str = ""
    read_at: float = 0.0
    starred_at: float = 0.0
    tags_at: float = 0.0
    note_at: float = 0.0
    sent: frozenset[str] = frozenset()

    @property
    def changed(self) -> float:
        """The time of the latest change to any field."""
        return max(self.read_at, self.starred_at, self.tags_at, self.note_at)

    def changed_at(self, field_name: str) -> float:
        return float(getattr(self, field_name + "_at"))

    def change(self, paper_id: str, field_name: str) -> FieldChange:
        """The field's current value as a change record."""
        return FieldChange(
            paper_id,
            field_name,
            getattr(self, field_name),
            self.changed_at(field_name),
            field_name in self.sent,
        )

    def take(self, change: FieldChange) -> None:
        """Set one field to ``change``'s value, time and sent flag (the caller decided it is newer)."""
        setattr(self, change.field, change.value)
        setattr(self, change.field + "_at", change.changed_at)
        self.sent = self.sent | {change.field} if change.sent else self.sent - {change.field}

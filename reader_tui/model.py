"""The paper model: what every feed format is turned into, and what the store, query and UI consume.

A paper's ``id`` is stable across feeds and days: the arXiv id without its version when there is one,
else the feed's guid, else its link. Two ``Paper`` objects with the same id are the same paper and are
combined with :meth:`Paper.merge`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any


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
class Paper:
    """One paper (or, for non-paper feed items, one plain item with ``is_paper`` False).

    Text fields hold clean text (control characters and BiDi overrides removed by the parser) except
    ``summary_html``, which is the feed's HTML with the metadata lines lifted out; it is rendered, never
    shown raw.
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
    summary_html: str = ""
    links: Links = field(default_factory=Links)
    published: datetime | None = None
    """Timezone-aware; None when the feed gives no date for the item."""
    feeds: list[str] = field(default_factory=list)
    """Every feed source (URL or absolute path) the paper has been seen in."""
    announce_type: str | None = None
    journal_ref: str | None = None
    comment: str | None = None
    is_paper: bool = True

    @property
    def primary_category(self) -> str | None:
        return self.categories[0] if self.categories else None

    @property
    def first_link(self) -> str | None:
        """The best page to show for the paper: abstract, else post, else PDF."""
        return self.links.abs or self.links.post or self.links.pdf

    def merge(self, other: Paper) -> Paper:
        """Combine two sightings of the same paper: keep what each knows, remember both feeds.

        Fields this copy lacks are taken from ``other``; the higher version wins for version-bearing
        fields; ``feeds`` is the union in first-seen order.
        """
        if other.id != self.id:
            raise ValueError(f"cannot merge {other.id!r} into {self.id!r}")
        merged = replace(self)
        for f in fields(Paper):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if f.name == "feeds":
                merged.feeds = list(dict.fromkeys([*mine, *theirs]))
            elif f.name == "links":
                merged.links = Links(
                    abs=mine.abs or theirs.abs,
                    pdf=mine.pdf or theirs.pdf,
                    post=mine.post or theirs.post,
                    doi=mine.doi or theirs.doi,
                )
            elif f.name == "version":
                versions = [v for v in (mine, theirs) if v is not None]
                merged.version = max(versions) if versions else None
            elif f.name == "is_paper":
                merged.is_paper = mine or theirs
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
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Paper:
        published = data.get("published")
        return cls(
            id=data["id"],
            title=data.get("title") or "",
            arxiv_id=data.get("arxiv_id"),
            version=data.get("version"),
            authors=list(data.get("authors") or []),
            affiliations=list(data.get("affiliations") or []),
            categories=list(data.get("categories") or []),
            keywords=list(data.get("keywords") or []),
            summary_html=data.get("summary_html") or "",
            links=Links.from_dict(data.get("links")),
            published=datetime.fromisoformat(published) if published else None,
            feeds=list(data.get("feeds") or []),
            announce_type=data.get("announce_type"),
            journal_ref=data.get("journal_ref"),
            comment=data.get("comment"),
            is_paper=data.get("is_paper", True),
        )


@dataclass(slots=True)
class PaperState:
    """What the user decided about a paper. ``changed`` is a UTC POSIX timestamp of the last change."""

    read: bool = False
    starred: bool = False
    changed: float = 0.0

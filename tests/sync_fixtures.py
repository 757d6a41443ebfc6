"""Fixtures for the sync tests: the fake Miniflux (in-process) and accounts on the real Tiny Tiny RSS.

Import what a module needs: ``from sync_fixtures import miniflux, ttrss``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace

import pytest
import ttrss_server
from fake_miniflux import TOKEN, FakeMiniflux, miniflux

from reader_tui.model import Paper

__all__ = ["TOKEN", "FakeMiniflux", "MemoryStore", "TTRSSAccount", "miniflux", "ttrss", "ttrss_url"]


@pytest.fixture(scope="session")
def ttrss_url() -> str:
    """The real server (started if installed); these tests skip with one line where it cannot run."""
    try:
        return ttrss_server.start()
    except ttrss_server.Unavailable as error:
        pytest.skip(str(error))


@dataclass
class TTRSSAccount:
    url: str
    uid: int
    user: str
    password: str

    def add_feed(self, url: str, title: str = "") -> int:
        return ttrss_server.add_feed(self.uid, url, title or url)

    def add_entry(self, feed_id: int, link: str, title: str = "", **kwargs: object) -> int:
        return ttrss_server.add_entry(self.uid, feed_id, title or link, link, **kwargs)  # type: ignore[arg-type]

    def article(self, ref_id: int) -> dict[str, bool]:
        rows = ttrss_server.sql(
            "select unread, marked from ttrss_user_entries "
            f"where ref_id = {int(ref_id)} and owner_uid = {self.uid}"
        )
        return {"unread": rows[0][0] == "t", "marked": rows[0][1] == "t"}

    def set_article(self, ref_id: int, *, unread: bool | None = None, marked: bool | None = None) -> None:
        sets = [
            f"unread = {unread}" if unread is not None else "",
            f"marked = {marked}" if marked is not None else "",
        ]
        ttrss_server.sql(
            f"update ttrss_user_entries set {', '.join(s for s in sets if s)} "
            f"where ref_id = {int(ref_id)} and owner_uid = {self.uid}"
        )

    def feed_urls(self) -> set[str]:
        return {
            row[0]
            for row in ttrss_server.sql(f"select feed_url from ttrss_feeds where owner_uid = {self.uid}")
        }


@pytest.fixture
def ttrss(ttrss_url: str) -> TTRSSAccount:
    """A fresh user of its own on the real server: tests on two workers never share data."""
    uid, user, password = ttrss_server.new_user()
    return TTRSSAccount(ttrss_url, uid, user, password)


@dataclass(frozen=True)
class FieldChange:
    """The store contract's change record (see the store's ``pending_changes``)."""

    paper_id: str
    field: str
    value: object
    changed_at: float
    sent: bool = False


@dataclass
class PaperStateView:
    read: bool = False
    starred: bool = False


class MemoryStore:
    """An in-memory store with the store contract's per-field change record: the engine's tests run
    against it until (and beside) the real store."""

    def __init__(self) -> None:
        self._papers: dict[str, Paper] = {}
        self.fields: dict[tuple[str, str], FieldChange] = {}
        self.flushes = 0

    def papers(self) -> list[Paper]:
        return list(self._papers.values())

    def get(self, paper_id: str) -> Paper | None:
        return self._papers.get(paper_id)

    def add_papers(self, papers: Iterable[Paper]) -> list[str]:
        new = []
        for paper in papers:
            if paper.id in self._papers:
                self._papers[paper.id] = self._papers[paper.id].merge(paper)
            else:
                self._papers[paper.id] = paper
                new.append(paper.id)
        return new

    def state(self, paper_id: str) -> PaperStateView:
        read = self.fields.get((paper_id, "read"))
        starred = self.fields.get((paper_id, "starred"))
        return PaperStateView(bool(read and read.value), bool(starred and starred.value))

    def set_field(self, paper_id: str, field: str, value: object) -> None:
        old = self.fields.get((paper_id, field))
        if (old.value if old else False) == value:
            return
        stamp = max(time.time(), math.nextafter(old.changed_at if old else 0.0, math.inf))
        self.fields[(paper_id, field)] = FieldChange(paper_id, field, value, stamp)

    def pending_changes(self, limit: int | None = None) -> list[FieldChange]:
        changes = sorted((c for c in self.fields.values() if not c.sent), key=lambda c: c.changed_at)
        return changes[:limit] if limit is not None else changes

    def mark_sent(self, changes: Iterable[FieldChange]) -> None:
        for change in changes:
            current = self.fields.get((change.paper_id, change.field))
            if (
                current is not None
                and current.changed_at == change.changed_at
                and current.value == change.value
            ):
                self.fields[(change.paper_id, change.field)] = replace(current, sent=True)

    def apply_remote(self, paper_id: str, field: str, value: object, changed_at: float) -> bool:
        old = self.fields.get((paper_id, field))
        if old is not None and changed_at <= old.changed_at:
            return False
        self.fields[(paper_id, field)] = FieldChange(paper_id, field, value, changed_at, sent=True)
        return True

    def flush(self) -> None:
        self.flushes += 1

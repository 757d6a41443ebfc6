"""Fixtures for the sync tests: the fake Miniflux (in-process) and accounts on the real Tiny Tiny RSS.

Import what a module needs: ``from sync_fixtures import miniflux, ttrss``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import ttrss_server
from fake_miniflux import TOKEN, FakeMiniflux, miniflux

__all__ = ["TOKEN", "FakeMiniflux", "TTRSSAccount", "miniflux", "ttrss", "ttrss_url"]


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

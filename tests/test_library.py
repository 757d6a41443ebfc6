"""Ingesting a large feed: its papers are stored batch by batch while the rest is still being parsed, so
a feed that fails midway keeps the papers read before its one-line error, and is read in full next time."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

import reader_tui.budget
from reader_tui.feeds import ParseResult, ftxj
from reader_tui.feeds.parse import parse_feed, stream_feed
from reader_tui.library import ingest
from reader_tui.model import Paper
from reader_tui.store import Store

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
_ID = re.compile(r"\b\d{4}\.\d{5}\b")


def digest(items: int) -> bytes:
    """The ten-item digest fixture grown to ``items`` distinct papers (each copy its own arXiv ids)."""
    text = (FEEDS / "ftxj-2026-05-29.xml").read_text(encoding="utf-8")
    start, end = text.index("<item>"), text.rindex("</item>") + len("</item>")
    seeds = re.findall(r"<item>.*?</item>", text[start:end], re.S)
    out = [text[:start]]
    for n in range(items):
        out.append(_ID.sub(f"26{n % 12 + 1:02d}.{n // 12:05d}", seeds[n % len(seeds)]))
    return "".join([*out, text[end:]]).encode("utf-8")


@pytest.fixture
def store(reader_home: Path) -> Store:
    made = Store(reader_home / "data", poll_interval=None)
    yield made  # type: ignore[misc]
    made.close()


def test_a_feeds_first_papers_come_before_the_rest_of_it_is_read() -> None:
    """The digest is read item by item: its first papers are there before the document's end is even
    parsed (here it is broken; nothing has noticed yet), and they are the papers a whole read gives."""
    content = digest(50).replace(b"</channel>", b"<item><title>cut", 1)
    into = ParseResult("d.xml", None, "", [])
    first = list(itertools.islice(stream_feed(content, "d.xml", into), 5))
    assert into.warnings == [] and into.format == "ftxj"
    assert [p.to_dict() for p in first] == [p.to_dict() for p in parse_feed(digest(50), "d.xml").papers[:5]]


def test_a_large_feed_is_stored_in_batches_while_it_is_parsed(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = tmp_path / "digest.xml"
    feed.write_bytes(digest(5 * reader_tui.budget.BATCH))
    writes: list[int] = []
    real = Store.add_papers

    def counting(self: Store, papers: list[Paper]) -> list[str]:
        writes.append(len(papers))
        return real(self, papers)

    monkeypatch.setattr(Store, "add_papers", counting)
    (report,) = ingest(store, [str(feed)])
    assert report.error is None and report.new == report.papers == 5 * reader_tui.budget.BATCH
    assert writes == [reader_tui.budget.BATCH] * 5
    assert [p.id for p in parse_feed(feed.read_bytes(), str(feed)).papers] == [p.id for p in store.papers()]


def test_a_feed_failing_midway_keeps_the_papers_read_before_and_is_read_in_full_next_time(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader bug at item 450 (in the calling thread here: no child process, so the patch applies):
    the two batches parsed before it are stored and listed as new, the feed reports its one line, and
    its next read is not skipped as "unchanged"."""
    feed = tmp_path / "digest.xml"
    feed.write_bytes(digest(1000))
    monkeypatch.setattr(reader_tui.budget, "_forkserver", lambda: None)
    real = ftxj.read_item
    seen = itertools.count(1)

    def failing(*args: object) -> Paper | None:
        if next(seen) == 450:
            raise RuntimeError("reader bug")
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(ftxj, "read_item", failing)
    (report,) = ingest(store, [str(feed)])
    assert report.error == f"{feed}: unexpected error (RuntimeError: reader bug)"
    assert len(store) == report.new == len(report.new_ids) == 2 * reader_tui.budget.BATCH

    monkeypatch.setattr(ftxj, "read_item", real)
    (again,) = ingest(store, [str(feed)])
    assert again.error is None and not again.unchanged
    assert len(store) == again.papers == 1000 and again.new == 1000 - 2 * reader_tui.budget.BATCH

"""The parse budget: a feed that takes too long to parse fails in one line within its deadline, and
its cached papers stay; ``refresh --timeout`` bounds parsing as well as fetching.

The slow feed here is simply large (thousands of items), so it stays slow whatever the feed readers
do; a deadline far below its parse time stands for a hostile feed whose parse would never end.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from reader_tui import subscriptions
from reader_tui.budget import BATCH, LIST_MAX, TEXT_MAX, cap_fields, parse_within
from reader_tui.feeds import FeedError, parse_feed
from reader_tui.model import Paper

Run = Callable[..., tuple[int, str, str]]


def big_feed(items: int, title: str = "Paper") -> bytes:
    entries = "".join(
        f"<item><title>{title} {n}: learning to triage feeds</title><link>https://example.org/p/{n}</link>"
        f"<guid>https://example.org/p/{n}</guid><author>Ada Lovelace {n}</author>"
        f"<description>&lt;p&gt;Abstract {n}. {'We study things. ' * 40}&lt;/p&gt;</description></item>"
        for n in range(items)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>'
        f"<link>https://example.org/</link>{entries}</channel></rss>"
    ).encode()


def test_within_its_budget_a_parse_gives_what_parsing_here_gives() -> None:
    content = big_feed(2 * BATCH + 50)  # papers come back in batches: all of them, in order
    here = parse_feed(content, "big.xml")
    there = parse_within(content, "big.xml", 60.0)
    assert [p.to_dict() for p in there.papers] == [p.to_dict() for p in here.papers]
    assert there.title == here.title and there.format == here.format


def test_a_parse_past_its_budget_is_stopped_with_one_line() -> None:
    content = big_feed(4000)
    started = time.monotonic()
    with pytest.raises(FeedError) as caught:
        parse_within(content, "big.xml", 0.05)
    assert time.monotonic() - started < 2.0  # stopped, not waited for
    assert str(caught.value).startswith("big.xml: parsing took longer than 0.05 s")
    assert "\n" not in str(caught.value)


def test_a_feed_error_in_the_child_is_the_same_one_line() -> None:
    with pytest.raises(FeedError) as caught:
        parse_within(b"<html><body>hello</body></html>", "page.html", 60.0)
    assert str(caught.value) == "page.html: not a feed (HTML page)"


def test_refresh_timeout_bounds_parsing_and_keeps_the_cached_papers(
    run: Run, reader_home: Path, tmp_path: Path
) -> None:
    feed = tmp_path / "big.xml"
    feed.write_bytes(big_feed(3000))
    subscriptions.save([subscriptions.Subscription(url=str(feed))])
    code, out, _ = run("refresh", "--timeout", "60")
    assert code == 0 and "3000 new of 3000" in out

    feed.write_bytes(big_feed(6000, title="Changed"))  # a new body: parsed again, with 0.3 s in all
    started = time.monotonic()
    code, out, _ = run("refresh", "--timeout", "0.1")
    took = time.monotonic() - started
    assert code == 1
    assert f"FAIL  {feed}: parsing took longer than" in out
    assert took < 3.0, f"refresh --timeout 0.1 took {took:.1f} s"
    code, out, _ = run("list")
    assert code == 0 and len(out.splitlines()) == 3000 and "Changed" not in out  # the cache stayed


def test_titles_and_names_are_capped_before_they_reach_the_library(run: Run, tmp_path: Path) -> None:
    long_title = "word " * 20_000  # 100,000 characters
    long_author = "Ada " * 25_000  # spaces keep the feed readers' own regexes quick here
    feed = tmp_path / "long.xml"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Long</title><link>https://e.org/</link>'
        f"<item><title>{long_title}</title><link>https://e.org/1</link><author>{long_author}</author>"
        "<description>x</description></item></channel></rss>",
        encoding="utf-8",
    )
    result = parse_within(feed.read_bytes(), str(feed), 60.0)
    (paper,) = result.papers
    assert len(paper.title) == TEXT_MAX and paper.title.endswith("…")
    assert all(len(author) <= TEXT_MAX for author in paper.authors)
    code, out, _ = run("export", str(feed), "--format", "bibtex")
    assert code == 0 and len(out) < 3 * TEXT_MAX + 500


def test_lists_are_capped() -> None:
    from reader_tui.feeds import ParseResult
    from reader_tui.model import Paper

    paper = Paper(
        id="x", title="t", authors=[f"Author {n}" for n in range(LIST_MAX + 10)], keywords=["k" * 9000]
    )
    capped = cap_fields(ParseResult("s", None, "generic", [paper])).papers[0]
    assert len(capped.authors) == LIST_MAX and capped.keywords == ["k" * (TEXT_MAX - 1) + "…"]


_prepared = 0


def _encode_twice_then_fail(papers: list[Paper]) -> list[str]:
    """A ``prepare`` for the child (found there by name): the third batch meets a bug."""
    global _prepared
    _prepared += 1
    if _prepared == 3:
        raise RuntimeError("bug in batch 3")
    return [paper.id for paper in papers]


def test_batches_come_while_the_child_parses_and_an_error_after_them_is_one_line() -> None:
    """The child sends each batch as it is parsed (made by ``prepare`` there); one that fails midway
    has handed over the batches before its error, which comes as the same one line."""
    content = big_feed(5 * BATCH)
    batches: list[list[str]] = []
    with pytest.raises(FeedError) as caught:
        parse_within(content, "big.xml", 60.0, on_batch=batches.append, prepare=_encode_twice_then_fail)
    assert str(caught.value) == "big.xml: unexpected error (RuntimeError: bug in batch 3)"
    assert batches == [
        [p.id for p in parse_feed(content, "big.xml").papers[n * BATCH : (n + 1) * BATCH]] for n in range(2)
    ]

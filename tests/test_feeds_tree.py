"""One path per format: arXiv and digest feeds are read from an ElementTree, everything else by feedparser.

The formats the app knows are read from the tree alone (feedparser is never called for them); a
document the tree reader must not touch (a DOCTYPE, entity declarations, a foreign encoding, ill-formed
XML) goes to feedparser, and its arXiv items still come out as the arXiv papers they are.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest

from reader_tui.feeds import parse_feed, tree

FEEDS = Path(__file__).parent / "fixtures" / "feeds"

TREE_READ = {
    "arxiv-api-atom-2026-cs-lg.xml": "arxiv-api",
    "arxiv-api-atom-classic-2018-einstein.xml": "arxiv-api",
    "arxiv-rss-legacy-rdf-cs-2021-11-02.xml": "arxiv-legacy",
    "arxiv-rss-stat-2024-03-26.xml": "arxiv-rss",
    "ftxj-2026-04-20.xml": "ftxj",
    "ftxj-2026-04-24-duplicate-papers.xml": "ftxj",
    "ftxj-2026-05-29.xml": "ftxj",
    "hf-daily-papers-2026-04-30.xml": "hf",
}


@pytest.fixture
def feedparser_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = feedparser.parse

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(feedparser, "parse", counting)
    return calls


@pytest.mark.parametrize(("name", "fmt"), TREE_READ.items())
def test_known_formats_are_read_from_the_tree_alone(name: str, fmt: str, feedparser_calls: list[int]) -> None:
    result = parse_feed((FEEDS / name).read_bytes(), name)
    assert result.format == fmt
    assert result.papers and all(p.arxiv_id for p in result.papers)
    assert feedparser_calls == []


def test_a_site_feed_reads_its_one_plain_page_through_feedparser(feedparser_calls: list[int]) -> None:
    result = parse_feed((FEEDS / "ftxj-site-zh.xml").read_bytes(), "site.xml")
    assert result.format == "ftxj"
    assert [p.title for p in result.papers if not p.is_paper] == ["关于我"]
    assert len(feedparser_calls) == 1


@pytest.mark.parametrize("name", ["biorxiv-rss1-genomics.xml", "broken-utf8-declared-invalid-bytes.xml"])
def test_other_feeds_are_read_by_feedparser(name: str, feedparser_calls: list[int]) -> None:
    parse_feed((FEEDS / name).read_bytes(), name)
    assert len(feedparser_calls) == 1


def _digest(head: str = "", encoding: str = "utf-8") -> bytes:
    item = (FEEDS / "ftxj-2026-05-29.xml").read_text(encoding="utf-8")
    items = item[item.index("<item>") : item.rindex("</item>") + 7]
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>{head}<rss version="2.0"><channel><title>d</title>'
        f"{items}</channel></rss>"
    ).encode(encoding, "xmlcharrefreplace")


def _refused_by_the_tree(content: bytes) -> bool:
    """Not read by the tree: refused at once, or ill-formed where its items are reached."""
    doc = tree.read(content)
    if doc is None:
        return True
    with pytest.raises(tree.Broken):
        list(doc.items)
    return True


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(_digest(head="<!DOCTYPE rss>"), id="doctype"),
        pytest.param(_digest(head='<!DOCTYPE rss [<!ENTITY a "x">]>'), id="entity-declaration"),
        pytest.param(_digest(head=f"<!--{'x' * 80_000}--><!DOCTYPE rss>"), id="doctype-behind-a-comment"),
        pytest.param(_digest(encoding="iso-8859-1"), id="latin-1"),
    ],
)
def test_documents_the_tree_must_not_read_go_to_feedparser_and_keep_their_papers(content: bytes) -> None:
    """Whatever path reads a digest, its items are the arXiv papers they link, not a lost feed."""
    assert _refused_by_the_tree(content)
    result = parse_feed(content, "digest.xml")
    assert result.format == "generic"
    assert {p.arxiv_id for p in result.papers} >= {"2605.30102"}


def test_a_digest_cut_short_keeps_its_items_read_as_the_digest() -> None:
    """A download cut before the closing tags: every item was read before the XML broke, and stays
    the digest's paper (authors, categories), with a warning, not a generic reading of it."""
    whole = parse_feed(_digest(), "digest.xml")
    cut = parse_feed(_digest().replace(b"</channel></rss>", b""), "digest.xml")
    assert cut.format == "ftxj"
    assert [p.to_dict() for p in cut.papers] == [p.to_dict() for p in whole.papers]
    assert any(w.startswith("XML error (") for w in cut.warnings) and not whole.warnings


def test_a_digest_broken_midway_keeps_the_items_before_and_reads_the_rest_leniently() -> None:
    """An unescaped ``&`` in the 6th item: the first five are the digest's papers, read as the tree
    gave them; feedparser reads the five after them. Each paper once."""
    content = _digest()
    sixth = content.index(b"<item>", content.index(b"<item>") + 1)
    for _ in range(4):
        sixth = content.index(b"<item>", sixth + 1)
    content = content[:sixth] + content[sixth:].replace(b"<title>", b"<title>R&D ", 1)
    whole = parse_feed(_digest(), "digest.xml")
    broken = parse_feed(content, "digest.xml")
    assert [p.to_dict() for p in broken.papers[:5]] == [p.to_dict() for p in whole.papers[:5]]
    assert [p.arxiv_id for p in broken.papers] == [p.arxiv_id for p in whole.papers]
    assert broken.papers[5].title.startswith("R&D")  # feedparser's reading of the stray "&"
    assert any("after item 5; read the rest leniently" in w for w in broken.warnings)


def test_an_entity_bomb_is_never_expanded() -> None:
    entities = "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' if i else '<!ENTITY l0 "lol">' for i in range(10)
    )
    bomb = _digest(head=f"<!DOCTYPE rss [{entities}]>").replace(b"<title>d</title>", b"<title>&l9;</title>")
    started = time.perf_counter()
    assert tree.read(bomb) is None  # refused before anything is parsed
    result = parse_feed(bomb, "bomb.xml")
    assert time.perf_counter() - started < 5
    assert "lol" not in (result.title or "")


def test_an_external_entity_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    content = _digest(head=f'<!DOCTYPE rss [<!ENTITY x SYSTEM "file://{secret}">]>').replace(
        b"<title>d</title>", b"<title>&x;</title>"
    )
    result = parse_feed(content, "xxe.xml")
    assert all("TOP-SECRET" not in (p.title + p.summary_html) for p in result.papers)
    assert "TOP-SECRET" not in (result.title or "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fri, 29 May 2026 12:36:41 +0000", datetime(2026, 5, 29, 12, 36, 41, tzinfo=UTC)),
        ("Tue, 26 Mar 2024 00:00:00 -0400", datetime(2024, 3, 26, 4, 0, tzinfo=UTC)),
        ("Tue, 26 Mar 2024 00:00:00 GMT", datetime(2024, 3, 26, tzinfo=UTC)),
        ("2021-11-02T20:30:00-05:00", datetime(2021, 11, 3, 1, 30, tzinfo=UTC)),
        ("2026-04-29T17:59:01Z", datetime(2026, 4, 29, 17, 59, 1, tzinfo=UTC)),
        ("2026-04-29T17:59:01.123456Z", datetime(2026, 4, 29, 17, 59, 1, tzinfo=UTC)),
        ("2026-04-29", datetime(2026, 4, 29, tzinfo=UTC)),
        ("2021/10/16 9:23:28", datetime(2021, 10, 16, 9, 23, 28, tzinfo=UTC)),
        ("February 2022", datetime(2022, 2, 1, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
    ],
)
def test_dates_are_read_as_utc(text: str, expected: datetime | None) -> None:
    assert tree.parse_date(text) == expected


def test_a_huge_title_is_cut_before_it_is_read() -> None:
    content = _digest().replace(b"<title>d</title>", b"<title>" + b"x" * 5_000_000 + b"</title>", 1)
    result = parse_feed(content, "big-title.xml")
    assert len(result.title or "") <= 4_000


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(b"<x/>" * 600_000, "feed too large to read (600,0", id="any-feed-past-max-tags"),
        pytest.param(
            b"<item><title>t</title><link>https://x.example/1</link></item>" * 60_000,
            "feed too large to read (360,0",
            id="feedparser-feed-past-its-bound",
        ),
    ],
)
def test_feeds_too_large_to_read_are_refused_in_one_line_at_once(body: bytes, message: str) -> None:
    """Millions of tiny elements, or a generic feed feedparser would take many seconds over."""
    from reader_tui.feeds import FeedError

    content = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>' + body + b"</channel></rss>"
    )
    started = time.process_time()  # CPU: on a busy machine the wall clock says more of the others
    with pytest.raises(FeedError) as caught:
        parse_feed(content, "huge.xml")
    assert time.process_time() - started < 3  # a tree of the first case took 72 s of CPU and 770 MB
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_digest_of_ten_thousand_items_is_well_within_the_bounds() -> None:
    from reader_tui.feeds.parse import MAX_TAGS

    item = (FEEDS / "ftxj-2026-05-29.xml").read_bytes()
    assert item.count(b"<") / 10 * 10_000 < MAX_TAGS / 3


def test_a_big_digest_is_read_item_by_item_not_held_whole() -> None:
    """Each item's elements are let go once the next item is asked for: a 21 MB digest held whole as a
    tree made the parse child's peak 147 MB; read item by item, 73 MB."""
    doc = tree.read(_digest())
    assert doc is not None
    items = iter(doc.items)
    first = next(items)
    shell = doc.channel["item"][0]  # the first item's element, as the channel held it when it began
    assert len(shell) == sum(len(elements) for elements in first.values()) > 3
    next(items)
    assert len(shell) == 0 and not shell.text
    assert len(list(items)) == 8

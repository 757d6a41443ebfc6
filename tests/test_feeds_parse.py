"""Ill-formed, hostile and huge input, de-duplication, and the shared helpers the formats rely on."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reader_tui import safety
from reader_tui.feeds import FeedError, load_feed, parse_feed, source_key
from reader_tui.feeds.common import (
    arxiv_categories,
    arxiv_from_url,
    plain_to_html,
    split_arxiv_id,
    split_authors,
)
from reader_tui.feeds.names import decode_tex
from reader_tui.safety import clean_line, clean_text

FEEDS = Path(__file__).parent / "fixtures" / "feeds"


def one_line_error(content: bytes, source: str = "feed.xml") -> str:
    with pytest.raises(FeedError) as caught:
        parse_feed(content, source)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{source}: ")
    return message


# --- broken and non-feed input ---------------------------------------------------------------------


def test_truncated_feed_is_one_line_error_with_the_xml_problem() -> None:
    path = FEEDS / "broken-truncated-reuters-rss2.xml"
    with pytest.raises(FeedError) as caught:
        load_feed(str(path))
    assert str(caught.value) == f"{path}: no entries (XML error at line 19: no element found)"


def test_invalid_utf8_still_loads_its_item_with_a_warning() -> None:
    result = load_feed(str(FEEDS / "broken-utf8-declared-invalid-bytes.xml"))
    assert len(result.papers) == 1
    assert result.papers[0].summary_html  # the mojibake body, decoded by feedparser's fallback
    assert result.papers[0].is_paper is False
    assert len(result.warnings) == 1
    assert "utf-8" in result.warnings[0] and "\n" not in result.warnings[0]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty document"),
        (b"  \n\t", "empty document"),
        (
            b"<!DOCTYPE html><html><head><title>Hi</title></head><body>x</body></html>",
            "not a feed (HTML page)",
        ),
        (b"\n<html lang=en><body><p>Moved</p></body></html>", "not a feed (HTML page)"),
        (b'{"items": []}', "not a feed (JSON)"),
        (b"hello, world", "not a feed (plain text)"),
        (b'<?xml version="1.0"?><config><a/></config>', "not a feed (XML but no RSS or Atom)"),
    ],
)
def test_non_feeds_are_refused_with_a_clear_reason(content: bytes, reason: str) -> None:
    assert one_line_error(content) == f"feed.xml: {reason}"


def test_random_binary_is_refused() -> None:
    blob = bytes(range(256)) * 8 + os.urandom(4096)
    assert one_line_error(blob) == "feed.xml: not a feed (binary data)"


def test_a_valid_feed_with_no_items_is_empty_not_an_error() -> None:
    result = parse_feed(b'<rss version="2.0"><channel><title>Quiet</title></channel></rss>', "q.xml")
    assert result.papers == [] and result.title == "Quiet"
    assert result.warnings == ["the feed has no entries"]


def test_entity_expansion_bomb_returns_quickly_and_small() -> None:
    entities = "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' if i else '<!ENTITY lol0 "lol">' for i in range(10)
    )
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE rss [{entities}]>'
        '<rss version="2.0"><channel><title>t</title>'
        "<item><title>&lol9;</title><link>https://a.example/1</link></item></channel></rss>"
    ).encode()
    parse_feed(b'<rss version="2.0"><channel></channel></rss>', "warm-up.xml")  # import cost aside
    started = time.perf_counter()
    try:
        result = parse_feed(bomb, "bomb.xml")
    except FeedError as error:
        assert "\n" not in str(error)
    else:
        assert all(len(p.title) < 1000 and len(p.summary_html) < 1000 for p in result.papers)
    assert time.perf_counter() - started < 0.5  # undefused, expat's own limit lets ~1.5 s through


def test_harmless_entity_declarations_still_work() -> None:
    feed = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY nbsp "&#160;"><!ENTITY co "ACME">]>'
        b'<rss version="2.0"><channel><title>News from &co;</title>'
        b"<item><title>a&nbsp;b</title><link>https://a.example/1</link></item></channel></rss>"
    )
    result = parse_feed(feed, "ok.xml")
    assert result.title == "News from ACME"
    assert [p.title for p in result.papers] == ["a b"]
    assert result.warnings == []


def test_external_entities_are_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-TOKEN")
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
        '<rss version="2.0"><channel><title>x</title>'
        "<item><title>a &xxe; b</title><link>https://a.example/1</link></item></channel></rss>"
    ).encode()
    try:
        result = parse_feed(xxe, "xxe.xml")
    except FeedError:
        return
    assert all("TOP-SECRET" not in p.title + p.summary_html for p in result.papers)


def test_content_that_looks_like_a_path_is_not_opened(tmp_path: Path) -> None:
    """feedparser opens short byte strings as file names; the parser must hand it the bytes."""
    feed = tmp_path / "feed.xml"
    feed.write_bytes((FEEDS / "biorxiv-rss1-genomics.xml").read_bytes())
    assert one_line_error(str(feed).encode()) == "feed.xml: not a feed (plain text)"


def test_terminal_escapes_and_active_html_are_removed() -> None:
    hostile = (
        b'<rss version="2.0"><channel><title>t\x1b[2J</title><item>'
        b"<title>Ti\xe2\x80\xaetle\x1b]8;;https://evil.example\x07 ok</title>"
        b"<link>https://arxiv.org/abs/2401.00001</link>"
        b"<description>&lt;p&gt;fine&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
        b"&lt;style&gt;p{}&lt;/style&gt;</description>"
        b"<author>Eve\x1b[31m Red</author></item></channel></rss>"
    )
    result = parse_feed(hostile, "h.xml")
    (paper,) = result.papers
    assert result.title == "t"
    assert paper.title == "Title ok"
    assert paper.summary_html == "<p>fine</p>"
    assert paper.authors == ["Eve Red"]


def test_feed_error_is_one_line_even_for_hostile_sources() -> None:
    error = FeedError("https://x.example/\nfeed\x1b[2J", "HTTP 500\r\nInternal\tError")
    assert str(error) == "https://x.example/ feed: HTTP 500 Internal Error"


# --- de-duplication and source keys ------------------------------------------------------------------


def test_same_paper_twice_in_one_feed_is_merged(tmp_path: Path) -> None:
    """The later sighting fills what the first lacks; the feed is recorded once."""
    feed = (
        b'<rss version="2.0"><channel><title>t</title>'
        b"<item><title>First sighting</title><link>https://arxiv.org/abs/2401.00001v1</link></item>"
        b"<item><title>Second sighting</title><link>https://arxiv.org/abs/2401.00001v3</link>"
        b"<description>Abstract text</description><author>A. Author</author></item>"
        b"</channel></rss>"
    )
    path = tmp_path / "twice.xml"
    path.write_bytes(feed)
    (paper,) = load_feed(str(path)).papers
    assert paper.id == "2401.00001"
    assert paper.title == "First sighting"
    assert paper.version == 3
    assert paper.summary_html == "<p>Abstract text</p>"
    assert paper.authors == ["A. Author"]
    assert paper.feeds == [str(path.resolve())]


def test_source_key_names_a_file_one_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "my feed.xml"
    path.write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    assert source_key("my feed.xml") == str(path.resolve())
    assert source_key(path.as_uri()) == str(path.resolve())
    assert source_key("  https://rss.example/feed?x=1 ") == "https://rss.example/feed?x=1"


# --- shared helpers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2403.15527v1", ("2403.15527", 1)),
        ("oai:arXiv.org:2403.15527v12", ("2403.15527", 12)),
        ("arXiv:0704.0001", ("0704.0001", None)),
        ("math/0502287v1", ("math/0502287", 1)),
        ("math.DG/0502287", ("math.DG/0502287", None)),
        ("hep-th/9901001v2", ("hep-th/9901001", 2)),
        ("not-an-id", None),
        ("2403.15527 and more", None),
    ],
)
def test_split_arxiv_id(text: str, expected: tuple[str, int | None] | None) -> None:
    assert split_arxiv_id(text) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://arxiv.org/abs/2604.22748v1", ("2604.22748", 1)),
        ("http://arxiv.org/pdf/math/0502287v1", ("math/0502287", 1)),
        ("https://export.arxiv.org/abs/2111.01127", ("2111.01127", None)),
        ("https://arxiv.org/pdf/2401.00001v2.pdf", ("2401.00001", 2)),
        ("https://arxiv.org.evil.example/abs/2401.00001", None),
        ("https://ftxj.github.io/zh/about/", None),
    ],
)
def test_arxiv_from_url(url: str, expected: tuple[str, int | None] | None) -> None:
    assert arxiv_from_url(url) == expected


@pytest.mark.parametrize(
    ("tex", "text"),
    [
        ("Rodr\\'iguez-G\\'alvez", "Rodríguez-Gálvez"),
        ('Knollm\\"uller', "Knollmüller"),
        ("\\'Etienne", "Étienne"),
        ("Fran\\c{c}ois", "François"),
        ("P\\v{r}emysl", "Přemysl"),
        ("Erd\\H{o}s", "Erdős"),
        ("Jos\\`e \\~Nu\\~nez G\\^ete", "Josè Ñuñez Gête"),
        ("O'Connell", "O'Connell"),
        ("Ren\\'e 100% Sure", "René 100% Sure"),
    ],
)
def test_decode_tex_accents(tex: str, text: str) -> None:
    assert decode_tex(tex) == text


def test_split_authors() -> None:
    assert split_authors("A. Smith, B. Jones and C. Wu") == ["A. Smith", "B. Jones", "C. Wu"]
    assert split_authors("Jos\\'e M. F. Moura,  Oren Wright ,") == ["José M. F. Moura", "Oren Wright"]
    assert split_authors("") == []


def test_surname_initials_pairs_are_not_split_at_every_comma() -> None:
    assert split_authors("LAPALU, N., Lu, A., Plaumann, P.-L., O'Connell, R. J.") == [
        "N. LAPALU",
        "A. Lu",
        "P.-L. Plaumann",
        "R. J. O'Connell",
    ]
    assert split_authors("Consortium X, Smith, J.") == ["Consortium X", "J. Smith"]


def test_plain_abstracts_become_escaped_paragraphs() -> None:
    wrapped = "  We study\nthe case p < 0.05 & more.\n  Second paragraph\nhere.\n"
    assert (
        plain_to_html(wrapped)
        == "<p>We study the case p &lt; 0.05 &amp; more.</p><p>Second paragraph here.</p>"
    )
    assert plain_to_html("One\n\nTwo") == "<p>One</p><p>Two</p>"
    assert plain_to_html("") == ""


PIECES = ["\u202e", "\u2066", "\u200d", "\x1b[31m", "\x9b1m", "\x1b]8;;x\x07", "\r\n", "\n", "\t"]


@given(st.lists(st.one_of(st.characters(max_codepoint=0x250), st.sampled_from(PIECES))).map("".join))
def test_clean_text_fast_path_is_exactly_the_full_cleaning(text: str) -> None:
    """clean_text skips its work when nothing needs dropping; the result must be what the work gives."""
    full = safety._ESCAPE_SEQUENCE.sub("", text.replace("\r\n", "\n")).translate(safety._DROP_MULTILINE)
    assert clean_text(text) == full


@given(st.text(st.one_of(st.characters(), st.sampled_from(["\u2028", "\x85", "\u3000", "\xa0", "\x1c"]))))
def test_clean_line_folds_whitespace_exactly_as_the_pattern_does(text: str) -> None:
    """clean_line folds with ``str.split()``: every character ``\\s`` matches, and only those."""
    assert clean_line(text) == re.sub(r"\s+", " ", clean_text(text)).strip()


def test_arxiv_categories_primary_first_codes_dropped() -> None:
    terms = ["math.DG", "math-ph", "53C25, 53A30 (Primary); 53B20 (Secondary)", "I.2.7", "math-ph"]
    assert arxiv_categories(terms, "math.MP") == ["math.MP", "math.DG", "math-ph"]


# --- speed -----------------------------------------------------------------------------------------


def test_a_large_digest_feed_parses_in_reasonable_time() -> None:
    """2,000 digest items (~6 MB): guards against per-item costs creeping up (bs4, sanitizer)."""
    text = (FEEDS / "ftxj-site-zh.xml").read_text(encoding="utf-8")
    head, rest = text.split("<item>", 1)
    items = ["<item>" + chunk for chunk in rest.split("<item>")]
    items[-1] = items[-1].split("</channel>")[0]
    digest_items = [item for item in items if "/zh/about/" not in item]
    many = []
    for n in range(2000):
        item = digest_items[n % len(digest_items)]
        fresh = f"{9000 + n // 10000:04d}.{n % 10000:05d}"
        many.append(re.sub(r"arxiv\.org/(abs|pdf)/\d{4}\.\d{4,5}", rf"arxiv.org/\1/{fresh}", item))
    big = (head + "".join(many) + "</channel></rss>").encode()
    started = time.perf_counter()
    result = parse_feed(big, "big.xml")
    elapsed = time.perf_counter() - started
    assert len(result.papers) == 2000
    assert elapsed < 20, f"{elapsed:.1f} s for 2,000 items"


def test_one_unreadable_item_does_not_lose_the_feed(monkeypatch: pytest.MonkeyPatch) -> None:
    from reader_tui.feeds import hf, tree

    real = hf.read_item

    def flaky(item: Any, ctx: Any) -> Any:
        if "2604.21003" in tree.line(item, "link"):
            raise ValueError("odd markup\nsecond line")
        return real(item, ctx)

    monkeypatch.setattr(hf, "read_item", flaky)
    result = load_feed(str(FEEDS / "hf-daily-papers-2026-04-30.xml"))
    assert len(result.papers) == 21
    assert result.warnings == ["item 1 skipped: odd markup second line"]

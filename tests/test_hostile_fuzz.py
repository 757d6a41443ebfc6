"""Property tests: no input makes feed extraction or citation export raise anything unexpected.

The query parser (``test_query.py``), the HTML renderer (``test_render.py``), ``check_url`` and
``clean_text`` (``test_safety.py``) and BibTeX from arbitrary titles and authors (``test_cite.py``)
have theirs already. Here: ``parse_feed`` on random bytes and on random feed-shaped XML gives a
``ParseResult`` or a one-line ``FeedError`` and nothing else, and every export format takes a paper
whose every field is arbitrary.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import bibtexparser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader_tui import cite
from reader_tui.feeds import FeedError, ParseResult, parse_feed
from reader_tui.model import Links, Paper

FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")

text = st.text(max_size=12)

FRAGMENTS = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<?xml version="1.0" encoding="iso-8859-1"?>',
    '<!DOCTYPE rss [<!ENTITY a "b"><!ENTITY c "&a;&a;">]>',
    "&a;",
    "&c;",
    "&nbsp;",
    '<rss version="2.0">',
    "</rss>",
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">',
    '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">',
    "</feed>",
    "<channel>",
    "</channel>",
    "<item>",
    "</item>",
    "<entry>",
    "</entry>",
    "<title>",
    "</title>",
    "<link>",
    "</link>",
    '<link href="https://arxiv.org/abs/2401.00001v2" rel="alternate"/>',
    "https://arxiv.org/abs/2401.00001v2",
    "https://www.biorxiv.org/content/10.1101/2024.01.01.000001v1",
    "javascript:alert(1)",
    "<guid>",
    "</guid>",
    "<id>",
    "</id>",
    "<description>",
    "</description>",
    "<summary>",
    "</summary>",
    "&lt;p&gt;&lt;strong&gt;arXiv:&lt;/strong&gt; ",  # the digest's first metadata line
    "&lt;p&gt;&lt;strong&gt;作者:&lt;/strong&gt; A. Author, B. Author&lt;/p&gt;",
    "&lt;hr&gt;",
    "&lt;a href=&quot;https://arxiv.org/pdf/2401.00001&quot;&gt;PDF&lt;/a&gt;",
    "<![CDATA[",
    "]]>",
    "&#x1b;]52;c;SGVsbG8=&#x7;",
    "&#x202e;",
    "&#x9b;",
    "\x1b[2J",
    "<pubDate>Fri, 29 May 2026 12:36:41 +0000</pubDate>",
    "<pubDate>not a date</pubDate>",
    "<updated>2026-05-29T12:00:00Z</updated>",
    "<published>9999-12-31T23:59:59-12:00</published>",
    "<author>",
    "</author>",
    "<name>",
    "</name>",
    "<dc:creator>Smith, J., Doe, A.</dc:creator>",
    '<category term="cs.AI"/>',
    "<category>cs.LG</category>",
    "<arxiv:announce_type>new</arxiv:announce_type>",
    '<arxiv:doi xmlns:arxiv="http://arxiv.org/schemas/atom">10.1000/x</arxiv:doi>',
    "<",
    ">",
    "&",
    "\x00",
    "\xff",
]
feed_like = st.lists(st.one_of(st.sampled_from(FRAGMENTS), text), max_size=60).map(
    lambda parts: "".join(parts).encode("utf-8", "surrogatepass")
)


def parses_or_fails_in_one_line(content: bytes) -> None:
    try:
        result = parse_feed(content, "fuzz.xml")
    except FeedError as error:
        assert str(error).startswith("fuzz.xml: ") and "\n" not in str(error)
        return
    assert isinstance(result, ParseResult)
    # A well-formed feed with no entries (an arXiv query with no hits) is not an error: it says so.
    assert result.papers or result.warnings == ["the feed has no entries"]
    for paper in result.papers:
        for value in (paper.title, *paper.authors, *paper.categories, *paper.keywords, paper.summary_html):
            assert not FORBIDDEN.search(value), value
        for url in (paper.links.abs, paper.links.pdf, paper.links.post):
            assert url is None or re.match(r"(?i)https?://", url), url


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_random_bytes_give_papers_or_one_feed_error(content: bytes) -> None:
    parses_or_fails_in_one_line(content)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(feed_like)
def test_random_feed_shaped_xml_gives_papers_or_one_feed_error(content: bytes) -> None:
    parses_or_fails_in_one_line(content)


def test_malformed_item_link_costs_only_that_item() -> None:
    feed = (
        b'<rss version="2.0"><channel><title>t</title>'
        b"<item><title>Bad link</title><link>http://[www.biorxiv.org/x</link></item>"
        b"<item><title>Good</title><link>https://example.org/good</link></item></channel></rss>"
    )
    result = parse_feed(feed, "bad-link.xml")
    assert "Good" in [paper.title for paper in result.papers]


# --- citation export -----------------------------------------------------------------------------

any_text = st.text(max_size=40)
urls = st.one_of(
    st.none(),
    any_text,
    st.sampled_from(
        [
            "https://arxiv.org/abs/2401.00001v2",
            "http://[::1",
            "javascript:alert(1)",
            " https://example.org/",
            "--incognito",
            "https://example.org/\x1b]52;c;SGVsbG8=\x07",
        ]
    ),
)
dates = st.one_of(
    st.none(),
    st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))]),
    ),
)
papers = st.builds(
    Paper,
    id=any_text,
    title=any_text,
    arxiv_id=st.one_of(st.none(), any_text, st.just("2401.00001")),
    version=st.one_of(st.none(), st.integers(min_value=-5, max_value=10**6)),
    authors=st.lists(any_text, max_size=25),
    affiliations=st.lists(any_text, max_size=3),
    categories=st.lists(any_text, max_size=3),
    keywords=st.lists(any_text, max_size=3),
    summary_html=any_text,
    links=st.builds(Links, abs=urls, pdf=urls, post=urls, doi=urls),
    published=dates,
    feeds=st.lists(any_text, max_size=2),
    announce_type=st.one_of(st.none(), any_text),
    journal_ref=st.one_of(st.none(), any_text),
    comment=st.one_of(st.none(), any_text),
    is_paper=st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(papers, min_size=1, max_size=3))
def test_every_export_format_takes_any_paper(batch: list[Paper]) -> None:
    for fmt in cite.FORMATS:
        exported = cite.export(batch, fmt)
        if fmt != "json":  # JSON escapes control characters itself
            assert not FORBIDDEN.search(exported), (fmt, exported)
    library = bibtexparser.parse_string(cite.export(batch, "bibtex"))
    assert library.failed_blocks == [] and len(library.entries) == len(batch)

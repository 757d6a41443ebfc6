"""The fast feed reader gives exactly what feedparser gives, and leaves to feedparser what it cannot.

Every fixture is parsed both ways and must give identical papers; generated feeds that combine the
quirks feedparser has (two titles, guid as link, ``&amp;`` in links, mojibake repair, authors with
e-mail addresses, namespaced extras...) must too. Ill-formed XML, DOCTYPEs and elements the fast reader
does not follow must fall back. The tables the fast reader copied from feedparser are checked against
the installed feedparser, so an upgrade that changes them fails here rather than silently.
"""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest
from feedparser.datetimes import _parse_date
from feedparser.html import _cp1252
from feedparser.mixin import _FeedParserMixin
from feedparser.sanitizer import _HTMLSanitizer
from feedparser.util import FeedParserDict
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from reader_tui.feeds import FeedError, fastpath, parse_feed

# feedparser warns about its own updated_parsed fallback when the formats read an entry's date.
pytestmark = pytest.mark.filterwarnings("ignore:To avoid breaking existing software:DeprecationWarning")

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
WELL_FORMED = sorted(p.name for p in FEEDS.glob("*.xml") if not p.name.startswith("broken-"))
BROKEN = sorted(p.name for p in FEEDS.glob("broken-*.xml"))


def both_ways(content: bytes, source: str = "feed.xml") -> tuple[Any, Any]:
    """parse_feed through the fast reader and through feedparser: (result or error text) each."""
    outcomes: list[Any] = []
    for fast in (True, False):
        try:
            result = parse_feed(content, source, fast=fast)
        except FeedError as error:
            outcomes.append(str(error))
        else:
            outcomes.append(
                (result.format, result.title, result.warnings, [p.to_dict() for p in result.papers])
            )
    return outcomes[0], outcomes[1]


# --- the fixtures --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", WELL_FORMED)
def test_every_well_formed_fixture_is_read_fast_and_gives_the_same_papers(name: str) -> None:
    content = (FEEDS / name).read_bytes()
    assert fastpath.parse(content) is not None, "the fast reader declined a well-formed fixture"
    fast, slow = both_ways(content, str(FEEDS / name))
    assert not isinstance(slow, str) and slow[3], "the fixture should hold papers"
    assert fast == slow


@pytest.mark.parametrize("name", BROKEN)
def test_broken_fixtures_fall_back_to_feedparser(name: str) -> None:
    content = (FEEDS / name).read_bytes()
    assert fastpath.parse(content) is None
    fast, slow = both_ways(content)
    assert fast == slow


# --- documents the fast reader must leave to feedparser -----------------------------------------------

ITEM = "<item><title>T</title><link>https://arxiv.org/abs/2401.00001</link>{}</item>"


def plain_rss(items: str, head: str = "", channel: str = "<title>Feed</title>") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{head}'
        '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:atom="http://www.w3.org/2005/Atom">'
        f"<channel>{channel}{items}</channel></rss>"
    ).encode()


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(plain_rss(ITEM.format(""), head='<!DOCTYPE rss [<!ENTITY a "x">]>'), id="doctype"),
        pytest.param(plain_rss(ITEM.format(""), head="<!DOCTYPE rss>"), id="bare-doctype"),
        pytest.param(plain_rss(ITEM.format("")).replace(b"utf-8", b"iso-8859-1"), id="latin-1-declared"),
        pytest.param(plain_rss(ITEM.format("")).decode().encode("utf-16"), id="utf-16"),
        pytest.param(plain_rss(ITEM.format("<description>a &nbsp; b</description>")), id="undefined-entity"),
        pytest.param(plain_rss(ITEM.format(""))[:-20], id="truncated"),
        pytest.param(plain_rss(ITEM.format('<media:content url="https://x.example/v.mp4"/>')), id="media"),
        pytest.param(plain_rss(ITEM.format('<source url="https://x.example/">X</source>')), id="source"),
        pytest.param(plain_rss(ITEM.format("<description><p>raw</p></description>")), id="markup-in-text"),
        pytest.param(plain_rss(ITEM.format("<description>a</description>" * 2)), id="two-descriptions"),
        pytest.param(plain_rss(ITEM.format('<description mode="base64">YQ==</description>')), id="base64"),
        pytest.param(plain_rss('<item xml:base="https://x.example/"><link>/a</link></item>'), id="xml-base"),
        pytest.param(plain_rss("", channel="<item><title>outside a channel</title></item>").replace(
            b"<channel>", b"").replace(b"</channel>", b""), id="item-outside-channel"),
        pytest.param(b'<?xml version="1.0"?><config><a/></config>', id="not-a-feed"),
        pytest.param(
            b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>x</id>'
            b'<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">hi</div></content></entry></feed>',
            id="atom-content",
        ),
    ],
)  # fmt: skip
def test_what_the_fast_reader_does_not_follow_goes_to_feedparser(content: bytes) -> None:
    assert fastpath.parse(content) is None
    fast, slow = both_ways(content)
    assert fast == slow


@pytest.mark.parametrize(
    "head", [f"<!--{'x' * 80_000}-->", "<!-- <rss> -->"], ids=["long-comment", "tag-in-comment"]
)
def test_a_doctype_behind_a_comment_still_falls_back(head: str) -> None:
    """Neither a long comment nor a tag inside one hides a DOCTYPE from the check."""
    content = plain_rss(ITEM.format(""), head=f"{head}<!DOCTYPE rss [<!ENTITY a 'b'>]>").replace(
        b"T<", b"&a;<"
    )
    assert b"<title>&a;</title>" in content
    assert fastpath.parse(content) is None
    fast, slow = both_ways(content)
    assert fast == slow


def test_entity_bomb_is_not_expanded_by_the_fast_reader() -> None:
    entities = "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' if i else '<!ENTITY l0 "lol">' for i in range(10)
    )
    bomb = plain_rss("<item><title>&l9;</title></item>", head=f"<!DOCTYPE rss [{entities}]>")
    started = time.perf_counter()
    assert fastpath.parse(bomb) is None
    assert time.perf_counter() - started < 0.05


# --- feedparser's quirks, combined at random ------------------------------------------------------------

TEXTS = [
    "Plain title",
    "  padded\n  over lines  ",
    "Caf\u00c3\u00a9 and na\u00c3\u00afve",  # UTF-8 read as Latin-1: feedparser repairs it
    "smart \u0093quotes\u0094 \u0085",  # C1 controls: feedparser maps them through cp1252
    "Müller &amp; Ünal",
    "论文速递 多智能体",
    "&lt;b&gt;bold&lt;/b&gt; title",  # looks like HTML to feedparser
    "&lt;x-tag&gt;not html&lt;/x-tag&gt;",
    "a &amp;amp; b &amp;nbsp; c",
    "Fran\\c{c}ois Rodr\\'iguez",
    "",
]
URLS = [
    "https://arxiv.org/abs/2401.00001v2",
    "http:////arxiv.org/pdf/2401.00002",
    "https://ftxj.github.io/zh/posts/2026-05-29/01-x/",
    "https://www.biorxiv.org/content/10.1101/2026.01.01.000001v1?rss=1",
    "https://example.org/a?x=1&amp;y=2&amp;amp;z=3",
    "relative/path",
    "oai:arXiv.org:2403.15527v1",
    "",
]
DATES = [
    "Fri, 29 May 2026 12:36:41 +0000",
    "Mon, 1 Jan 2024 00:00:00 GMT",
    "Sat, 03 Oct 2026 23:59:59 -0930",
    "2026-04-30T17:33:16Z",
    "2018-02-05T00:00:00-05:00",
    "2021-11-02T20:30:00.123+01:00",
    "Tue, 31 Feb 2026 10:00:00 +0000",
    "29 May 2026",
    "yesterday",
]
DIGEST = (
    "&lt;p&gt;&lt;strong&gt;arXiv:&lt;/strong&gt; &lt;a href=&quot;https://arxiv.org/abs/2605.30102&quot;&gt;"
    "2605.30102&lt;/a&gt;&lt;/p&gt;&lt;p&gt;&lt;strong&gt;作者:&lt;/strong&gt; A. B, C. D&lt;/p&gt;&lt;hr&gt;"
    "&lt;p&gt;Body&lt;/p&gt;"
)
HF = "&lt;p&gt;&lt;b&gt;Authors:&lt;/b&gt; X Y&lt;/p&gt;&lt;p&gt;&lt;b&gt;Summary:&lt;/b&gt; S&lt;/p&gt;"
BODIES = [*TEXTS, DIGEST, HF, "arXiv:2403.15527v1 Announce Type: new \nAbstract: We study x &lt; y."]
CREATORS = ["A. Smith, B. Jones and C. Wu", "me@example.org (Mia Example)", "Jos\\'e", "x@y.org", ""]

# Element templates with the values to fill them with: {} takes one of the values (a template with no
# {} is used as is).
ITEM_PARTS: list[tuple[str, list[str]]] = [
    ("<title>{}</title>", TEXTS),
    ('<title type="html">{}</title>', TEXTS),
    ('<title xml:lang="en">{}</title>', TEXTS),
    ("<dc:title>{}</dc:title>", TEXTS),
    ("<link>{}</link>", URLS),
    ("<link/>", []),
    ('<atom:link href="{}" rel="alternate" type="text/html"/>', URLS),
    ('<atom:link href="{}" rel="related" type="application/pdf" title="pdf"/>', URLS),
    ("<guid>{}</guid>", URLS),
    ('<guid isPermaLink="false">{}</guid>', URLS),
    ("<description>{}</description>", BODIES),
    ('<description rdf:parseType="Literal">{}</description>', BODIES),
    ("<content:encoded>{}</content:encoded>", BODIES),
    ("<pubDate>{}</pubDate>", DATES),
    ("<dc:date>{}</dc:date>", DATES),
    ("<category>{}</category>", ["cs.LG", "stat.ME", ""]),
    ('<category domain="arxiv">{}</category>', ["cs.LG", ""]),
    ('<category domain="">{}</category>', TEXTS),
    ("<dc:subject>{}</dc:subject>", TEXTS),
    ("<dc:creator>{}</dc:creator>", CREATORS),
    ("<author>{}</author>", CREATORS),
    ("<ax:announce_type>{}</ax:announce_type>", ["new", "replace", ""]),
    ("<ax:DOI>{}</ax:DOI>", ["10.1000/xyz", ""]),
    ('<ax:primary_category term="cs.CV" scheme="http://arxiv.org/schemas/atom"/>', []),
    ("<dc:identifier>{}</dc:identifier>", ["doi:10.1101/2026.01.01.1", "x"]),
    ("<comments>{}</comments>", URLS),
    ('<enclosure url="{}" type="application/pdf" length="1"/>', URLS),
    ("<dc:rights>{}</dc:rights>", TEXTS),
    ("<description><![CDATA[{}]]></description>", ["<p>raw <b>HTML</b> &amp; more</p>", " x ", ""]),
    ("<title>{}<!-- a comment --> tail</title>", TEXTS),
    ("<slash:comments>{}</slash:comments>", ["3", ""]),
    ("<wfw:commentRss>{}</wfw:commentRss>", URLS),
]
CHANNEL_PARTS: list[tuple[str, list[str]]] = [
    ("<title>{}</title>", TEXTS),
    ("<link>{}</link>", URLS),
    ('<atom:link href="https://x.example/feed" rel="self" type="application/rss+xml"/>', []),
    ('<atom:link href="{}" rel="alternate" type="text/html"/>', URLS),
    ("<pubDate>{}</pubDate>", DATES),
    ("<lastBuildDate>{}</lastBuildDate>", DATES),
    ("<description>{}</description>", TEXTS),
    (
        "<image><url>https://x.example/i.png</url><title>{}</title><link>https://x.example/</link></image>",
        TEXTS,
    ),
    ("<textInput><title>Search</title><name>q</name><link>https://x.example/s</link></textInput>", []),
    ("<skipDays><day>Saturday</day></skipDays>", []),
    ("<generator>Hugo</generator><language>zh</language>", []),
]
ATOM_PARTS: list[tuple[str, list[str]]] = [
    ("<id>{}</id>", URLS),
    ("<title>{}</title>", TEXTS),
    ('<title type="html">{}</title>', TEXTS),
    ('<link href="{}" rel="alternate" type="text/html"/>', URLS),
    ('<link title="pdf" href="{}" rel="related" type="application/pdf"/>', URLS),
    ('<summary type="html">{}</summary>', BODIES),
    ('<summary type="text">{}</summary>', BODIES),
    ("<summary>{}</summary>", BODIES),
    ("<published>{}</published>", DATES),
    ("<updated>{}</updated>", DATES),
    ("<author><name>{}</name></author>", CREATORS),
    ("<author><name>A. Name</name><email>{}</email></author>", ["a@b.org", ""]),
    ("<author><name>{}</name><arxiv:affiliation>Uni</arxiv:affiliation></author>", TEXTS),
    ('<category term="{}" scheme="http://arxiv.org/schemas/atom"/>', ["cs.LG", "53D10"]),
    ('<arxiv:primary_category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>', []),
    ("<arxiv:comment>{}</arxiv:comment>", TEXTS),
    ("<arxiv:journal_ref>{}</arxiv:journal_ref>", TEXTS),
    ("<arxiv:doi>{}</arxiv:doi>", ["10.1000/xyz", ""]),
]


def parts(templates: list[tuple[str, list[str]]]) -> st.SearchStrategy[str]:
    return st.one_of(
        [
            st.sampled_from(values).map(template.format) if values else st.just(template)
            for template, values in templates
        ]
    )


def rss(items: list[str], channel: str = "", after: str = "", prefix: str = "ax") -> bytes:
    return (
        (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<rss version="2.0" xmlns:{prefix}="http://arxiv.org/schemas/atom" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns:slash="http://purl.org/rss/1.0/modules/slash/" '
            'xmlns:wfw="http://wellformedweb.org/CommentAPI/">'
            f"<channel>{channel}{''.join(items)}{after}</channel></rss>"
        )
        .replace("<ax:", f"<{prefix}:")
        .encode()
    )


def rdf(items: list[tuple[str, str]], channel: str = "") -> bytes:
    return (
        '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:ax="http://arxiv.org/schemas/atom" '
        'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:slash="http://purl.org/rss/1.0/modules/slash/" '
        'xmlns:wfw="http://wellformedweb.org/CommentAPI/">'
        f'<channel rdf:about="https://x.example/">{channel}<items><rdf:Seq><rdf:li rdf:resource="x"/>'
        "</rdf:Seq></items></channel>"
        '<image rdf:about="https://x.example/i.png"><title>Img</title><url>https://x.example/i.png</url></image>'
        + "".join(f'<item rdf:about="{about}">{body}</item>' for about, body in items)
        + "</rdf:RDF>"
    ).encode()


def atom(entries: list[str], head: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom">'
        f"<id>https://arxiv.org/api/x</id>{head}"
        + "".join(f"<entry>{body}</entry>" for body in entries)
        + "</feed>"
    ).encode()


@st.composite
def rss_feeds(draw: st.DrawFn) -> bytes:
    """An RSS 2.0 feed of 1-3 items, channel elements before and after the items."""
    item = st.lists(parts(ITEM_PARTS), min_size=1, max_size=8).map(
        lambda xs: "<item>" + "".join(xs) + "</item>"
    )
    return rss(
        draw(st.lists(item, min_size=1, max_size=3)),
        channel="".join(draw(st.lists(parts(CHANNEL_PARTS), max_size=4))),
        after="".join(draw(st.lists(parts(CHANNEL_PARTS), max_size=2))),
        prefix=draw(st.sampled_from(["arxiv", "ax"])),  # an unknown namespace, under the feed's own prefix
    )


@st.composite
def rdf_feeds(draw: st.DrawFn) -> bytes:
    """An RSS 1.0 (RDF) feed: items outside the channel, identified by rdf:about."""
    body = st.lists(parts(ITEM_PARTS), min_size=1, max_size=6).map("".join)
    items = draw(st.lists(st.tuples(st.sampled_from(URLS), body), min_size=1, max_size=3))
    return rdf(items, channel="".join(draw(st.lists(parts(CHANNEL_PARTS[:7]), max_size=4))))


@st.composite
def atom_feeds(draw: st.DrawFn) -> bytes:
    entries = draw(
        st.lists(st.lists(parts(ATOM_PARTS), min_size=1, max_size=8).map("".join), min_size=1, max_size=3)
    )
    head = "".join(draw(st.lists(parts(ATOM_PARTS[1:4]), max_size=3)))
    return atom(entries, head)


# What the format modules read of an entry; each must come out of both readers the same.
READ_KEYS = (
    "title", "title_detail", "link", "links", "id", "summary", "summary_detail", "content",
    "published_parsed", "updated_parsed", "author", "authors", "tags", "dc_identifier", "prism_doi",
    "dc_title", "arxiv_announce_type", "arxiv_doi", "arxiv_primary_category", "arxiv_comment",
    "arxiv_journal_ref", "arxiv_journal_reference",
)  # fmt: skip


def plain(value: Any) -> Any:
    """feedparser's values without its extras: details reduced to type and value, dicts made plain."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        if "value" in value and "type" in value:
            return {"type": value["type"], "value": value["value"]}
        return {k: plain(v) for k, v in value.items()}
    return value


def assert_same_as_feedparser(content: bytes) -> None:
    fast = fastpath.parse(content)
    slow = feedparser.parse(io.BytesIO(content), sanitize_html=False, resolve_relative_uris=False)
    # Declined documents go to feedparser: nothing to compare. Hypothesis fails the test if it must
    # discard most examples, so the fast reader cannot pass by declining everything.
    assume(fast is not None)
    assert fast is not None
    assert not slow.bozo, "the fast reader accepted a document feedparser found ill-formed"
    assert fast["version"] == slow.version
    for key in ("title", "title_detail", "link", "id", "published_parsed", "updated_parsed"):
        assert plain(fast.feed.get(key)) == plain(dict.get(slow.feed, key)), key
    assert len(fast.entries) == len(slow.entries)
    for mine, theirs in zip(fast.entries, slow.entries, strict=True):
        for key in READ_KEYS:
            assert plain(mine.get(key)) == plain(dict.get(theirs, key)), key
    assert both_ways(content)[0] == both_ways(content)[1]


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(rss_feeds())
def test_generated_rss_reads_exactly_as_feedparser_reads_it(content: bytes) -> None:
    assert_same_as_feedparser(content)


@FUZZ
@given(rdf_feeds())
def test_generated_rss1_reads_exactly_as_feedparser_reads_it(content: bytes) -> None:
    assert_same_as_feedparser(content)


@FUZZ
@given(atom_feeds())
def test_generated_atom_reads_exactly_as_feedparser_reads_it(content: bytes) -> None:
    assert_same_as_feedparser(content)


@pytest.mark.parametrize(("template", "values"), ITEM_PARTS)
def test_every_generated_item_element_is_followed_by_the_fast_reader(
    template: str, values: list[str]
) -> None:
    for value in values or [""]:
        item = f"<item><title>T</title>{template.format(value)}</item>"
        assert fastpath.parse(rss([item])) is not None, item
        assert fastpath.parse(rdf([("https://x.example/1", item[6:-7])])) is not None, item


@pytest.mark.parametrize(("template", "values"), ATOM_PARTS)
def test_every_generated_atom_element_is_followed_by_the_fast_reader(
    template: str, values: list[str]
) -> None:
    for value in values or [""]:
        assert fastpath.parse(atom([template.format(value)])) is not None, template.format(value)


# --- dates ---------------------------------------------------------------------------------------------

MOMENTS = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2099, 12, 30))
OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda m: timedelta(minutes=m))


@given(MOMENTS, OFFSETS, st.sampled_from(["num", "GMT", "UT", "UTC", "Z"]), st.booleans())
def test_rfc822_dates_as_feedparser_parses_them(
    moment: datetime, offset: timedelta, zone: str, day: bool
) -> None:
    minutes = int(offset.total_seconds() // 60)
    tz = (
        f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
        if zone == "num"
        else zone
    )
    value = f"{moment:%a, }" * day + f"{moment.day} {moment:%b %Y %H:%M:%S} {tz}"
    assert fastpath.parse_date(value) == _parse_date(value)


@given(MOMENTS, OFFSETS, st.booleans())
def test_w3c_dates_as_feedparser_parses_them(moment: datetime, offset: timedelta, fraction: bool) -> None:
    minutes = int(offset.total_seconds() // 60)
    tz = f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}" if minutes else "Z"
    value = f"{moment:%Y-%m-%dT%H:%M:%S}" + (f".{moment.microsecond:06d}" if fraction else "") + tz
    assert fastpath.parse_date(value) == _parse_date(value)


@pytest.mark.parametrize(
    "value",
    ["Tue, 31 Feb 2026 10:00:00 +0000", "2026-13-01T00:00:00Z", "29 May 2026", "Fri, 29 May 26 1:2:3 EST"],
)
def test_unusual_dates_are_left_to_feedparser(value: str) -> None:
    assert fastpath.parse_date(value) == _parse_date(value)


def test_dates_come_out_as_utc() -> None:
    parsed = fastpath.parse_date("Sat, 03 Oct 2026 23:59:59 -0930")
    assert parsed is not None
    assert datetime(*parsed[:6], tzinfo=UTC) == datetime(2026, 10, 4, 9, 29, 59, tzinfo=UTC)


# --- the tables copied from feedparser ----------------------------------------------------------------


def test_copied_tables_match_the_installed_feedparser() -> None:
    handlers = {
        name.split("_", 2)[2]
        for name in dir(_FeedParserMixin)
        if name.startswith(("_start_", "_end_")) and callable(getattr(_FeedParserMixin, name))
    }
    assert fastpath.HANDLED == handlers
    assert fastpath.NAMESPACES == {uri.lower(): prefix for uri, prefix in _FeedParserMixin.namespaces.items()}
    assert fastpath.KEYMAP == {
        key: value[0] if isinstance(value, list) else value for key, value in FeedParserDict.keymap.items()
    }
    assert fastpath.HTML_ELEMENTS == frozenset(_HTMLSanitizer.acceptable_elements)
    assert fastpath.CP1252 == _cp1252

"""Every real fixture feed reads into the papers it holds, with the metadata a reader sees.

Expected values are taken from the fixture text (see tests/fixtures/feeds/SOURCES.md); counts and
id sets are re-derived from the raw XML with simple regexes, independently of the parser.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reader_tui.feeds import ParseResult, load_feed, parse_feed, source_key
from reader_tui.model import Paper

FEEDS = Path(__file__).parent / "fixtures" / "feeds"


def load(name: str) -> ParseResult:
    return load_feed(str(FEEDS / name))


def by_id(result: ParseResult) -> dict[str, Paper]:
    return {paper.id: paper for paper in result.papers}


def raw(name: str) -> str:
    return (FEEDS / name).read_bytes().decode("utf-8", "replace")


def digest_ids(name: str) -> set[str]:
    """arXiv ids on the digest's ``arXiv:`` meta lines, read straight from the escaped XML."""
    pattern = r"&lt;strong&gt;arXiv:&lt;/strong&gt; &lt;a href=&#34;https://arxiv.org/abs/(\d{4}\.\d{4,5})"
    return set(re.findall(pattern, raw(name)))


# --- the Hugo 论文速递 digest -----------------------------------------------------------------------


def test_digest_day_reads_every_paper_with_its_meta_lines() -> None:
    result = load("ftxj-2026-05-29.xml")
    assert result.format == "ftxj"
    assert result.title == "2026-05-29 论文速递 on JXIN's Home"
    assert {p.id for p in result.papers} == digest_ids("ftxj-2026-05-29.xml")
    assert len(result.papers) == 10

    paper = by_id(result)["2605.30102"]
    assert paper.title == "When Cloud Agents Meet Device Agents: Lessons from Hybrid Multi-Agent Systems"
    assert paper.arxiv_id == "2605.30102"
    assert paper.authors == ["Corrado Rainone", "Davide Belli", "Bence Major", "Arash Behboodi"]
    assert paper.affiliations == ["Qualcomm AI Research"]
    assert paper.categories == ["cs.MA", "cs.AI"]  # primary first, cs.MA not repeated
    assert paper.keywords == ["large language model", "llm", "agent", "agentic", "multi-agent", "inference"]
    assert paper.links.abs == "https://arxiv.org/abs/2605.30102"
    assert paper.links.pdf == "https://arxiv.org/pdf/2605.30102"
    assert paper.links.post == (
        "https://ftxj.github.io/zh/posts/2026-05-29/10-when-cloud-agents-meet-device-agents-lessons-from-hybrid-mul/"
    )
    assert paper.published == datetime(2026, 5, 29, 12, 36, 41, tzinfo=UTC)
    assert paper.is_paper


def test_digest_summary_starts_at_the_write_up_not_the_meta_lines() -> None:
    papers = load("ftxj-2026-05-29.xml").papers
    with_body = [p for p in papers if p.summary_html]
    # Items whose description stops after the meta lines have no <hr> and no body.
    descriptions = re.findall(r"<description>(.*?)</description>", raw("ftxj-2026-05-29.xml"), re.S)
    assert len(with_body) == sum("&lt;hr&gt;" in d for d in descriptions) == 9
    for paper in with_body:
        assert paper.summary_html.startswith('<h2 id="tldr">TL;DR</h2>'), paper.id
    for paper in papers:
        for label in ("arXiv:", "作者:", "单位:", "主分类:", "命中关键词:"):
            assert f"<strong>{label}</strong>" not in paper.summary_html, (paper.id, label)
        assert not paper.summary_html.startswith("<hr")


def test_older_digest_layout_has_no_affiliations_and_keeps_versions() -> None:
    result = load("ftxj-2026-04-20.xml")
    assert {p.id for p in result.papers} == digest_ids("ftxj-2026-04-20.xml")
    assert all(p.affiliations == [] for p in result.papers)
    papers = by_id(result)
    assert papers["2604.18655"].version == 2  # from the href 2604.18655v2; the link text has none
    assert papers["2604.18655"].links.abs == "https://arxiv.org/abs/2604.18655v2"
    assert papers["2604.18789"].categories == ["cs.AI", "cs.CR", "cs.LG"]
    assert papers["2604.18170"].authors == ["Ziyang Liu"]
    assert papers["2604.18170"].keywords == [
        "llm", "rag", "serving", "kv cache", "speculative decoding", "fine-tun",
    ]  # fmt: skip


def test_repeated_papers_in_one_digest_become_one_paper_each() -> None:
    name = "ftxj-2026-04-24-duplicate-papers.xml"
    assert raw(name).count("<item>") == 13
    result = load(name)
    ids = [p.id for p in result.papers]
    assert len(ids) == 10 and len(set(ids)) == 10
    assert set(ids) == digest_ids(name)
    assert all(p.feeds == [source_key(str(FEEDS / name))] for p in result.papers)
    canaries = by_id(result)["2604.22191"]
    assert canaries.authors == ["Chaoran Chen", "Dayu Yuan", "Peter Kairouz"]
    assert canaries.categories == ["cs.CR", "cs.CL"]


def test_digest_item_without_category_or_keyword_lines() -> None:
    paper = by_id(load("ftxj-2026-04-24-duplicate-papers.xml"))["2604.22748"]
    assert paper.categories == [] and paper.keywords == []
    assert paper.authors[:2] == ["Meng Chu", "Xuan Billy Zhang"]
    assert len(paper.authors) == 42
    assert paper.summary_html == ""  # this copy has nothing after the author line


def test_site_feed_keeps_the_about_page_as_a_plain_item() -> None:
    name = "ftxj-site-zh.xml"
    result = load(name)
    assert raw(name).count("<item>") == 84
    papers = [p for p in result.papers if p.is_paper]
    plain = [p for p in result.papers if not p.is_paper]
    assert {p.id for p in papers} == digest_ids(name)
    assert len(papers) == 73  # 83 digest items, 10 ids seen twice
    assert len(plain) == 1
    about = plain[0]
    assert about.id == "https://ftxj.github.io/zh/about/"
    assert about.title == "关于我"
    assert about.arxiv_id is None and about.authors == [] and about.categories == []
    assert about.links.post == "https://ftxj.github.io/zh/about/"
    assert about.published == datetime(2024, 8, 7, 17, 2, 27, tzinfo=UTC)  # +0800 in the feed
    # Its publication list links to arXiv, but that cited paper is not an item of the feed.
    assert "arxiv.org/abs/2404.11068" in about.summary_html
    assert "2404.11068" not in {p.id for p in result.papers}


def test_english_digest_labels_are_read_like_the_chinese_ones() -> None:
    """The en site's feeds (not saved) use Authors:/Affiliations:/Primary category:/Matched keywords:."""
    text = raw("ftxj-2026-05-29.xml")
    for zh, en in [
        ("作者:", "Authors:"),
        ("单位:", "Affiliations:"),
        ("主分类:", "Primary category:"),
        ("全部:", "All:"),
        ("命中关键词:", "Matched keywords:"),
    ]:
        text = text.replace(zh, en)
    english = by_id(parse_feed(text.encode(), "en.xml"))["2605.30102"]
    chinese = by_id(load("ftxj-2026-05-29.xml"))["2605.30102"]
    assert english.authors == chinese.authors
    assert english.affiliations == chinese.affiliations
    assert english.categories == chinese.categories
    assert english.keywords == chinese.keywords
    assert english.summary_html == chinese.summary_html


# --- rss.arxiv.org ----------------------------------------------------------------------------------


def test_arxiv_rss_reads_every_item() -> None:
    name = "arxiv-rss-stat-2024-03-26.xml"
    result = load(name)
    assert result.format == "arxiv-rss"
    guids = re.findall(r"oai:arXiv.org:([\d.]+)v\d+", raw(name))
    assert [p.id for p in result.papers] == guids and len(guids) == 123
    counts = Counter(p.announce_type for p in result.papers)
    assert counts == {"new": 35, "cross": 27, "replace": 41, "replace-cross": 20}


def test_arxiv_rss_item_fields() -> None:
    papers = by_id(load("arxiv-rss-stat-2024-03-26.xml"))
    paper = papers["2403.15527"]
    assert paper.title == "Conformal online model aggregation"
    assert paper.version == 1
    assert paper.authors == ["Matteo Gasparin", "Aaditya Ramdas"]
    assert paper.categories == ["stat.ML", "cs.LG"]
    assert paper.announce_type == "new"
    assert paper.links.abs == "https://arxiv.org/abs/2403.15527"
    assert paper.links.pdf == "https://arxiv.org/pdf/2403.15527"
    assert paper.summary_html.startswith("<p>Conformal prediction equips machine learning models")
    assert "Announce Type" not in paper.summary_html and "Abstract:" not in paper.summary_html
    # Items carry no date in 2024 feeds: the channel's pubDate stands in.
    assert paper.published == datetime(2024, 3, 26, 4, 0, tzinfo=UTC)
    assert all(p.published == paper.published for p in papers.values())


def test_arxiv_rss_tex_accents_doi_and_journal_ref() -> None:
    papers = by_id(load("arxiv-rss-stat-2024-03-26.xml"))
    names = {name for paper in papers.values() for name in paper.authors}
    assert "Borja Rodríguez-Gálvez" in names
    assert "José M. F. Moura" in names
    assert "Jakob Knollmüller" in names
    assert "Étienne Marcotte" in names
    assert not any("\\" in name for name in names)
    assert papers["2403.15908"].links.doi == "10.1109/ACDSA59508.2024.10467448"
    assert papers["2304.04712"].journal_ref == "Computational Statistics, 2024"
    assert sum(1 for p in papers.values() if p.links.doi) == 8
    assert sum(1 for p in papers.values() if p.journal_ref) == 5


def test_arxiv_rss_abstract_paragraphs_survive_but_hard_wraps_do_not() -> None:
    papers = by_id(load("arxiv-rss-stat-2024-03-26.xml"))
    wrapped = papers["2403.16813"].summary_html  # every line ends "\n  " mid-sentence
    assert wrapped.count("<p>") == 1 and "\n" not in wrapped
    assert "SMART) is the ideal study design" in wrapped
    assert papers["2403.15400"].summary_html.count("<p>") == 4


# --- export.arxiv.org legacy RSS 1.0 -------------------------------------------------------------------


def test_legacy_arxiv_rss_reads_id_version_category_and_status_from_the_title() -> None:
    name = "arxiv-rss-legacy-rdf-cs-2021-11-02.xml"
    result = load(name)
    assert result.format == "arxiv-legacy"
    assert len(result.papers) == 444
    assert Counter(p.announce_type for p in result.papers) == {"new": 251, "replace": 192, "cross": 1}
    first = result.papers[0]
    assert first.id == "2111.01127" and first.version == 1
    assert first.title == "NSS-VAEs: Generative Scene Decomposition for Visual Navigable Space Construction"
    assert first.categories == ["cs.RO"]
    assert first.authors == ["Zheng Chen", "Lantao Liu"]
    assert first.published == datetime(2021, 11, 3, 1, 30, tzinfo=UTC)  # channel dc:date, -05:00
    assert first.summary_html.startswith("<p>Detecting navigable space is the first and also a critical")
    assert "\n" not in first.summary_html
    assert not any("(arXiv:" in p.title for p in result.papers)
    cross = next(p for p in result.papers if p.announce_type == "cross")
    assert cross.id == "2111.00459" and cross.categories == ["eess.SY"]
    assert cross.title.endswith("under a generalized interference model")


def test_legacy_titles_ending_in_a_question_mark_keep_it() -> None:
    titles = {p.title for p in load("arxiv-rss-legacy-rdf-cs-2021-11-02.xml").papers}
    assert "Can Vision Transformers Perform Convolution?" in titles


# --- arXiv API Atom -----------------------------------------------------------------------------------


def test_classic_api_response() -> None:
    name = "arxiv-api-atom-classic-2018-einstein.xml"
    result = load(name)
    assert result.format == "arxiv-api"
    expected = re.findall(r"<id>http://arxiv.org/abs/(\S+?)v\d+</id>", raw(name))
    assert [p.id for p in result.papers] == expected and len(expected) == 10
    papers = by_id(result)
    old = papers["math/0502287"]
    assert old.arxiv_id == "math/0502287" and old.version == 1
    assert old.links.pdf == "http://arxiv.org/pdf/math/0502287v1"
    assert old.links.abs == "https://arxiv.org/abs/math/0502287"
    assert "math/0507289" in papers
    poincare = papers["0808.2097"]
    assert poincare.categories == ["math.DG", "math-ph", "math.MP"]  # MSC codes dropped
    assert poincare.authors == ["A. Rod Gover", "Felipe Leitner"]
    assert poincare.title == "A class of compact Poincare-Einstein manifolds: properties and construction"
    assert papers["1801.05533"].categories == ["math.DG"]
    assert papers["1801.05533"].comment == "12 pages, no figures"
    assert papers["1801.05533"].published == datetime(2018, 1, 17, 3, 5, 51, tzinfo=UTC)
    summary = papers["1801.05533"].summary_html
    assert summary.startswith(
        "<p>In this article, we study the Einstein-Weyl structures on almost cosymplectic manifolds."
    )
    assert "\n" not in summary


def test_current_api_response() -> None:
    name = "arxiv-api-atom-2026-cs-lg.xml"
    result = load(name)
    assert result.format == "arxiv-api"
    assert len(result.papers) == 20
    papers = by_id(result)
    tide = papers["2604.26951"]
    assert tide.categories == ["cs.CL", "cs.AI", "cs.LG"]
    assert tide.authors == ["Gongbo Zhang", "Wen Wang", "Ye Tian", "Li Yuan"]
    assert tide.links.pdf == "https://arxiv.org/pdf/2604.26951v1"
    assert tide.comment == "15 pages, 3 figures. Code: https://github.com/PKU-YuanGroup/TIDE"
    manns = papers["2604.26888"]
    assert manns.links.doi == "10.1007/978-3-031-85252-7_10"
    assert manns.journal_ref is not None and "Bäck" in manns.journal_ref
    assert manns.authors == ["Janis Mohr", "Jörg Frochte"]
    assert sum(1 for p in result.papers if p.comment) == raw(name).count("<arxiv:comment>") == 12
    assert papers["2604.26922"].summary_html.count("<p>") == 2  # a real paragraph break


# --- Hugging Face daily papers, bioRxiv, generic ------------------------------------------------------


def test_hugging_face_daily_papers() -> None:
    name = "hf-daily-papers-2026-04-30.xml"
    result = load(name)
    assert result.format == "hf"
    assert [p.id for p in result.papers] == re.findall(r"<link>https://arxiv.org/abs/(\S+)</link>", raw(name))
    assert len(result.papers) == 22
    paper = result.papers[0]
    assert paper.id == "2604.21003" and paper.title == "The Last Harness You'll Ever Build"
    assert paper.authors == ["Haebin Seong", "Li Yin", "Haoran Zhang"]
    assert paper.comment == "Hugging Face upvotes: 1"
    assert paper.published == datetime(2026, 4, 22, tzinfo=UTC)
    assert "social-thumbnails/papers/2604.21003.png" in paper.summary_html
    assert "<p>AI agents are increasingly deployed" in paper.summary_html
    for label in ("Authors:", "Upvotes:", "Summary:"):
        assert label not in paper.summary_html
    assert paper.links.post == "https://huggingface.co/papers/2604.21003"


def test_biorxiv_surname_initials_authors_and_doi() -> None:
    result = load("biorxiv-rss1-genomics.xml")
    assert result.format == "biorxiv"
    (paper,) = result.papers
    assert paper.authors == [
        "N. LAPALU", "A. SIMON", "A. Lu", "P.-L. Plaumann", "J. Amselem",
        "S. Pigne", "A. Auger", "C. Koch", "J.-F. Dallery", "R. J. O'Connell",
    ]  # fmt: skip
    assert paper.id == "doi:10.1101/2023.12.16.571984"
    assert paper.arxiv_id is None
    assert paper.links.doi == "10.1101/2023.12.16.571984"
    assert paper.links.abs == "http://biorxiv.org/cgi/content/short/2023.12.16.571984v1?rss=1"
    assert paper.version == 1
    assert paper.title.startswith("Complete genome of the Medicago anthracnose fungus")
    assert "\n" not in paper.title
    assert paper.categories == ["Genomics"]
    assert paper.published == datetime(2023, 12, 16, tzinfo=UTC)
    assert paper.summary_html.startswith("<p>Colletotrichum destructivum (Cd) is a phytopathogenic fungus")


GENERIC_RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Lab news</title><link>https://lab.example/</link>
<item><title>We moved &amp; grew</title><link>https://lab.example/news/moved</link>
<guid isPermaLink="false">news-42</guid><pubDate>Tue, 02 Jan 2024 10:00:00 +0100</pubDate>
<description>&lt;p&gt;New &lt;b&gt;building&lt;/b&gt;.&lt;/p&gt;</description><category>news</category></item>
<item><title>Our preprint</title><link>https://arxiv.org/abs/2401.00001v2</link>
<description>Plain text, no markup &amp; a &lt; sign.</description></item>
</channel></rss>"""

GENERIC_ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title><id>urn:blog</id>
<updated>2024-05-01T00:00:00Z</updated>
<entry><title type="html">A &lt;i&gt;post&lt;/i&gt;</title><id>urn:post:1</id>
<link rel="alternate" href="https://blog.example/p/1"/><updated>2024-05-01T08:30:00</updated>
<author><name>Ada Lovelace</name></author><content type="html">&lt;p&gt;Body&lt;/p&gt;</content></entry>
</feed>"""


def test_generic_rss_items() -> None:
    result = parse_feed(GENERIC_RSS, "https://lab.example/feed.xml")
    assert result.format == "generic"
    assert result.title == "Lab news"
    news, preprint = result.papers
    assert news.id == "news-42"  # the guid
    assert news.title == "We moved & grew"
    assert news.links.post == "https://lab.example/news/moved"
    assert news.published == datetime(2024, 1, 2, 9, 0, tzinfo=UTC)
    assert news.summary_html == "<p>New <b>building</b>.</p>"
    assert news.categories == ["news"]
    assert news.is_paper is False
    assert news.feeds == ["https://lab.example/feed.xml"]
    assert preprint.id == "2401.00001" and preprint.version == 2 and preprint.is_paper
    assert preprint.summary_html == "<p>Plain text, no markup &amp; a &lt; sign.</p>"
    assert preprint.published is None


def test_generic_atom_entry_without_timezone_is_utc() -> None:
    (post,) = parse_feed(GENERIC_ATOM, "blog.xml").papers
    assert post.id == "urn:post:1"
    assert post.title == "A post"
    assert post.authors == ["Ada Lovelace"]
    assert post.links.post == "https://blog.example/p/1"
    assert post.published == datetime(2024, 5, 1, 8, 30, tzinfo=UTC)
    assert post.summary_html == "<p>Body</p>"


# --- invariants over every fixture -----------------------------------------------------------------

READABLE = sorted(p.name for p in FEEDS.glob("*.xml") if not p.name.startswith("broken-truncated"))


@pytest.mark.parametrize("name", READABLE)
def test_every_field_is_clean_and_every_date_is_aware(name: str) -> None:
    result = load(name)
    assert result.papers
    key = source_key(str(FEEDS / name))
    for paper in result.papers:
        assert paper.feeds == [key]
        assert paper.published is None or paper.published.tzinfo is not None
        for text in [paper.id, paper.title, *paper.authors, *paper.categories, *paper.keywords]:
            assert text == text.strip() and text, (paper.id, text)
            assert not re.search(r"[\x00-\x1f\x7f-\x9f]", text), (paper.id, text)
            assert html.unescape(text) == text or "&" not in text, (paper.id, text)
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", paper.summary_html)
        for link in (paper.links.abs, paper.links.pdf, paper.links.post):
            assert link is None or link.startswith(("http://", "https://")), link

"""Journal, PubMed and publisher feeds: every author, the DOI, the journal, the date, per real feed.

The expected values were written by hand from the XML of each feed in
``tests/fixtures/feeds/scholarly/`` (sources in its SOURCES.md), a few items per feed: first, second
and a later one where the feed has a habit worth pinning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from conftest import APP_SIZE, Harness

from reader_tui.feeds import ParseResult, load_feed, parse_feed
from reader_tui.feeds.journal import RULES
from reader_tui.model import Paper

SCHOLARLY = Path(__file__).parent / "fixtures" / "feeds" / "scholarly"


def load(name: str) -> ParseResult:
    return load_feed(str(SCHOLARLY / name))


@dataclass
class Expect:
    """One item as the XML gives it; ``None`` means the feed does not carry that field."""

    index: int
    title_start: str
    authors: list[str]
    date: date
    doi: str | None = None
    journal: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    arxiv_id: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


FEEDS: dict[str, tuple[int, list[Expect]]] = {
    "nature-rss1-2024-07.xml": (
        75,
        [
            Expect(
                0,
                "Catalysis of an SN2 pathway",  # S<sub>N</sub>2 in the feed
                ["Gabriel J. Lovinger", "Marcus H. Sak", "Eric N. Jacobsen"],
                date(2024, 7, 18),
                doi="10.1038/s41586-024-07811-4",
                journal="Nature",
            ),
            Expect(
                74,
                "The Spinoff Prize 2024",
                ["Herb Brody"],
                date(2024, 7, 11),
                doi="10.1038/d41586-024-02156-4",
                journal="Nature",
            ),
        ],
    ),
    "pubmed-search-rss2-2021-12.xml": (
        15,
        [
            Expect(
                0,
                "Description of Gyrodactylus banmae",
                [
                    "Xiao Jin",
                    "Wenxiang Li",
                    "Yingyin Cheng",
                    "Ming Li",
                    "Shangong Wu",
                    "Hong Zou",
                    "Guitang Wang",
                ],
                date(2021, 12, 20),
                doi="10.1016/j.parint.2021.102531",
                journal="Parasitology international",
                pages="102531",
            ),
            Expect(
                1,
                "Propioniciclava soli sp. nov.",
                [
                    "Le-Le Li",
                    "Jiang-Yuan Zhao",
                    "Yu Geng",
                    "Yu-Guang Zhou",
                    "Hui-Ren Yuan",
                    "Man Cai",
                    "Meng-Liang Wen",
                    "Ming-Gang Li",
                    "Shu-Kun Tang",
                ],
                date(2021, 12, 20),
                doi="10.1007/s00203-021-02621-y",
                journal="Archives of microbiology",
                volume="204",
                issue="1",
                pages="39",
            ),
        ],
    ),
    "wiley-taxon-atypon-rss2-2021-12.xml": (
        66,
        [
            Expect(
                0,
                "Phylogenomic analysis confirms polyphyly",
                ["Rachel M. Binks", "Margaret Heslewood", "Peter G. Wilson", "Margaret Byrne"],
                date(2021, 12, 20),
                doi="10.1002/tax.12650",
                journal="TAXON",
            ),
            Expect(
                65,
                "Epitypification of the Linnaean name",
                ["Duilio Iamonico", "Paola Fortini", "Romeo Di Pietro"],
                date(2021, 10, 7),
                doi="10.1002/tax.12592",
                journal="TAXON",
            ),
        ],
    ),
    "cambridge-core-canent-rss1-2021-12.xml": (
        15,
        [
            Expect(
                0,
                "Detection of food in immature",
                ["Toshio Inoda"],  # <dc:creator>Inoda, Toshio</dc:creator>
                date(2021, 8, 11),
                doi="10.4039/tce.2021.38",
                journal="The Canadian Entomologist",
                pages="651-665",
            ),
            Expect(
                1,
                "Associative learning and memory",
                ["Josué Sant’Ana", "Roberta Tognon", "Patrícia D.S. Pires", "Patrícia L.F. Gregório"],
                date(2021, 8, 18),
                doi="10.4039/tce.2021.39",
                journal="The Canadian Entomologist",
                pages="666-671",
            ),
        ],
    ),
    "ojs-entomologisk-tidskrift-atom-2021-12.xml": (
        10,
        [
            Expect(
                0,
                "Ett nytt släkte Gretiella",
                ["Julia Stigenberg", "Cornelis Van Achterberg"],  # e-mails in <email>, not in the names
                date(2021, 12, 9),
                journal="Entomologisk Tidskrift",  # an OJS site: the feed's title
            ),
        ],
    ),
    "ieee-tpami-aggregator-rss2-2026.xml": (
        353,
        [
            Expect(
                0,
                "EAR-Net: Pursuing End-to-End",
                ["Yuzhen Liu", "Qiulei Dong"],
                date(2026, 6, 29),
                doi="10.1109/tpami.2026.3708244",
                journal="IEEE Transactions on Pattern Analysis and Machine Intelligence",
                pages="1-17",
            ),
        ],
    ),
    "pensoft-zookeys-rss091-2021-12.xml": (
        100,
        [
            Expect(
                0,
                "Checklist and keys to Deltocephalinae",
                [
                    "Hassan Naveed",
                    "Bismillah Shah",
                    "Bilal Saeed Khan",
                    "Chengquan Cao",
                    "Mick Webb",
                    "Yalin Zhang",
                ],
                date(2021, 12, 21),
                doi="10.3897/zookeys.1078.47616",
                journal="ZooKeys",
                volume="1078",
                pages="135-188",
            ),
        ],
    ),
    "chinese-entomotaxonomia-rss2-nonrfc-dates.xml": (
        10,
        [
            Expect(
                0,
                "广州海珠斯萤叶甲属一新种",
                ["范存祥", "林志斌", "俞雅丽", "李志强", "徐思远", "杨星科", "聂瑞娥"],
                date(2021, 10, 16),  # <pubDate>2021/10/16 9:23:28</pubDate>
            ),
            Expect(1, "林奈收藏的欧洲蝴蝶模式标本研究", ["Stanislav K. KORB"], date(2021, 11, 9)),
        ],
    ),
    "jekyll-arxiv-stat-digest-atom-2024-07.xml": (
        48,
        [
            Expect(
                0,
                "A Closed-Form Solution to the 2-Sample Problem",
                ["Franziska Hoerbst", "Gurpinder Singh Sidhu", "Melissa Tomkins", "Richard J. Morris"],
                date(2024, 7, 1),
                arxiv_id="2406.19989",  # only in the content's "Read more" link
            ),
        ],
    ),
    "arxiv-api-query-rfeed-jwst-rss2-2026-08.xml": (
        300,
        [
            Expect(
                0,
                "An Optical Illusion",
                [
                    "Tiger Yu-Yang Hsiao",
                    "Danielle A. Berg",
                    "Steven L. Finkelstein",
                    "Ansh R. Gupta",
                    "Zorayda Martinez",
                    "Anthony J. Taylor",
                    "Hollis B. Akins",
                    "Oscar A. Chavez Ortiz",
                    "John Chisholm",
                    "Lukas J. Furtak",
                    "Vasily Kokorev",
                ],
                date(2026, 8, 20),
                arxiv_id="2608.20339",
            ),
        ],
    ),
    "takara-tldr-daily-ai-papers-rss2-2026-04.xml": (
        50,
        [Expect(0, "EnerGS: Energy-Based Gaussian Splatting", [], date(2026, 4, 29), arxiv_id="2604.26238")],
    ),
    "google-scholar-alert-atom-2021-11.xml": (
        10,
        [
            Expect(0, "Description of a new species of Histampica", [], date(2021, 11, 6)),
            Expect(
                1,
                "Our unknown neighbor",
                [],
                date(2021, 11, 6),
                doi="10.1371/journal.pone.0258454",  # from the PLOS article link's ?id=
            ),
        ],
    ),
}


def test_every_shared_scholarly_feed_is_covered() -> None:
    assert set(FEEDS) == {p.name for p in SCHOLARLY.glob("*.xml")}


@pytest.mark.parametrize("name", sorted(FEEDS))
def test_scholarly_feed_items_as_the_xml_gives_them(name: str) -> None:
    count, expected = FEEDS[name]
    papers = load(name).papers
    assert len(papers) == count
    for want in expected:
        paper = papers[want.index]
        assert paper.title.startswith(want.title_start), paper.title  # Pensoft's leading U+FEFF is gone
        assert paper.authors == want.authors
        assert paper.published is not None and paper.published.date() == want.date
        assert paper.links.doi == want.doi
        assert paper.venue.journal == want.journal
        assert (paper.venue.volume, paper.venue.issue, paper.venue.pages) == (
            want.volume,
            want.issue,
            want.pages,
        )
        assert paper.arxiv_id == want.arxiv_id
        if want.arxiv_id:
            assert paper.id == want.arxiv_id
        elif want.doi:
            assert paper.id == f"doi:{want.doi}"  # identity: arXiv id, else DOI, else guid/link


def test_a_collaboration_stays_one_author_and_a_huge_list_is_kept_whole() -> None:
    paper = load("wiley-taxon-atypon-rss2-2021-12.xml").papers[1]
    assert paper.authors[0] == "The Brazil Flora Group"
    assert paper.authors[1] == "Janaína Gomes‐da‐Silva"
    assert len(paper.authors) == 982  # the dc:creator list, one name per comma-separated piece
    assert paper.authors[-1] == "Alexandre R. Zuntini"


def test_pubmed_links_with_spaces_are_kept_and_encoded() -> None:
    paper = load("pubmed-search-rss2-2021-12.xml").papers[0]
    assert paper.links.post is not None
    assert paper.links.post.startswith("https://pubmed.ncbi.nlm.nih.gov/34929406/?utm_source=Mobile%20Safari")
    assert paper.first_link == paper.links.post


def test_sub_and_sup_in_titles_join_the_word() -> None:
    paper = load("nature-rss1-2024-07.xml").papers[0]
    assert paper.title == "Catalysis of an SN2 pathway by geometric preorganization"


def test_journal_tables_of_contents_own_their_papers_and_relays_do_not() -> None:
    assert all(p.owned for p in load("nature-rss1-2024-07.xml").papers)
    assert all(p.owned for p in load("wiley-taxon-atypon-rss2-2021-12.xml").papers)
    assert not any(p.owned for p in load("pubmed-search-rss2-2021-12.xml").papers)  # an index
    assert not any(p.owned for p in load("takara-tldr-daily-ai-papers-rss2-2026-04.xml").papers)


# --- publisher habits: one test per rule ----------------------------------------------------------------


def rss_item(inner: str, ns: str = "") -> bytes:
    return (
        f'<?xml version="1.0"?><rss version="2.0" {ns}><channel><title>t</title><link>https://j.example/</link>'
        f"<item>{inner}</item></channel></rss>"
    ).encode()


DC_NS = 'xmlns:dc="http://purl.org/dc/elements/1.1/"'


def one(inner: str, ns: str = "") -> Paper:
    return parse_feed(rss_item(inner, ns), "test.xml").papers[0]


def test_the_rules_are_the_documented_ones() -> None:
    assert [rule.name for rule in RULES] == [
        "doi-in-link",
        "labelled-lines",
        "citation-line",
        "category-volume",
        "author-paragraph",
    ]


def test_rule_doi_in_link() -> None:
    paper = one(
        "<title>T</title><link>https://onlinelibrary.wiley.com/doi/full/10.1111/jam.15413?af=R</link>"
    )
    assert paper.links.doi == "10.1111/jam.15413"
    assert paper.id == "doi:10.1111/jam.15413"
    springer = one(
        "<title>T</title><link>https://link.springer.com/article/10.1007/s00203-021-02621-y</link>"
    )
    assert springer.links.doi == "10.1007/s00203-021-02621-y"
    guid = one('<title>T</title><guid isPermaLink="false">10.1109/tpami.2026.3708244</guid>')
    assert guid.links.doi == "10.1109/tpami.2026.3708244"


SCIENCEDIRECT = """<title>Microplastics in the gut of fish</title>
<link>https://www.sciencedirect.com/science/article/pii/S0025326X21012345?dgcid=rss_sd_all</link>
<guid isPermaLink="true">https://www.sciencedirect.com/science/article/pii/S0025326X21012345</guid>
<description><![CDATA[<p>Publication date: February 2022</p><p><b>Source:</b> Marine Pollution Bulletin,
Volume 175</p><p>Author(s): Nicolas Ory, Camille Lacroix, Arnaud Huvet</p>]]></description>"""


def test_rule_labelled_lines_reads_sciencedirect() -> None:
    paper = one(SCIENCEDIRECT)
    assert paper.authors == ["Nicolas Ory", "Camille Lacroix", "Arnaud Huvet"]
    assert paper.published == datetime(2022, 2, 1, tzinfo=UTC)
    assert paper.venue.journal == "Marine Pollution Bulletin"
    assert paper.venue.volume == "175"
    from reader_tui import cite

    assert cite.bibtex_key(paper).startswith("ory2022")  # not unknownunknown…


def test_rule_citation_line_reads_pensoft_pubmed_and_ieee() -> None:
    pensoft = load("pensoft-zookeys-rss091-2021-12.xml").papers[0]
    assert (pensoft.venue.journal, pensoft.venue.volume, pensoft.venue.pages) == (
        "ZooKeys",
        "1078",
        "135-188",
    )
    pubmed = load("pubmed-search-rss2-2021-12.xml").papers[1]
    assert (pubmed.venue.volume, pubmed.venue.issue, pubmed.venue.pages) == ("204", "1", "39")
    ieee = load("ieee-tpami-aggregator-rss2-2026.xml").papers[0]
    assert ieee.venue.pages == "1-17" and ieee.authors == ["Yuzhen Liu", "Qiulei Dong"]


def test_rule_category_volume() -> None:
    paper = one(
        "<title>T</title><link>https://j.example/a/1</link>"
        "<category>Vol. 12 No. 3 (2021): pp. 45-67</category>"
    )
    assert (paper.venue.volume, paper.venue.issue, paper.venue.pages) == ("12", "3", "45-67")


def test_rule_author_paragraph_reads_the_whole_list_behind_a_first_author() -> None:
    paper = one(
        "<title>T</title><link>https://arxiv.org/abs/2608.20339v1</link><author>A. One</author>"
        "<description>&lt;p&gt; A. One, B. Two, C. Three &lt;/p&gt;&lt;p&gt;Abstract.&lt;/p&gt;</description>"
    )
    assert paper.authors == ["A. One", "B. Two", "C. Three"]


def test_dublin_core_and_prism_fields() -> None:
    paper = one(
        "<title>T</title><link>https://j.example/a/1</link>"
        "<dc:creator>Smith, Jane</dc:creator><dc:creator>van der Berg, Jan</dc:creator>"
        "<dc:identifier>doi:10.1000/xyz.1</dc:identifier><dc:publisher>Example Press</dc:publisher>"
        "<prism:publicationName>J. Example</prism:publicationName><prism:volume>12</prism:volume>"
        "<prism:number>3</prism:number><prism:startingPage>45</prism:startingPage>"
        "<prism:endingPage>67</prism:endingPage><prism:coverDate>2021-09-01</prism:coverDate>",
        ns='xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:prism="http://prismstandard.org/namespaces/basic/2.0/"',
    )
    assert paper.authors == ["Jane Smith", "Jan van der Berg"]
    assert paper.links.doi == "10.1000/xyz.1"
    assert (paper.venue.journal, paper.venue.volume, paper.venue.issue, paper.venue.pages) == (
        "J. Example",
        "12",
        "3",
        "45-67",
    )
    assert paper.venue.publisher == "Example Press"
    assert paper.published == datetime(2021, 9, 1, tzinfo=UTC)  # no pubDate: PRISM's cover date


# --- arXiv papers relayed by blogs, and trust between feeds ------------------------------------------------


def test_relay_links_and_read_more_name_the_arxiv_paper() -> None:
    takara = load("takara-tldr-daily-ai-papers-rss2-2026-04.xml").papers[0]
    assert takara.id == "2604.26238"
    assert takara.links.post == "https://tldr.takara.ai/p/2604.26238"
    assert takara.links.abs == "https://arxiv.org/abs/2604.26238"
    about_page = one(
        "<title>About me</title><link>https://blog.example/about</link>"
        '<description>&lt;a href="https://arxiv.org/abs/2401.00001"&gt;one&lt;/a&gt; and '
        '&lt;a href="https://arxiv.org/abs/2401.00002"&gt;Read more&lt;/a&gt;</description>'
    )
    assert about_page.arxiv_id is None  # two papers named: it is neither


def test_a_relay_never_overwrites_the_arxiv_feeds_paper_whichever_is_read_first() -> None:
    owner = Paper(
        id="2401.00002",
        title="The real title",
        arxiv_id="2401.00002",
        version=1,
        authors=["Real Author"],
        owned=True,
    )
    owner.links.abs = "https://arxiv.org/abs/2401.00002"
    planted = one(
        "<title>Planted title</title><link>https://arxiv.org/abs/2401.00002v9</link><author>Mallory</author>"
        "<dc:identifier>doi:10.9999/planted</dc:identifier><comments>x</comments>",
        ns='xmlns:dc="http://purl.org/dc/elements/1.1/"',
    )
    planted.links.post = "https://blog.example/post"
    for merged in (owner.merge(planted), planted.merge(owner)):
        assert merged.title == "The real title"
        assert merged.authors == ["Real Author"]
        assert merged.version == 1
        assert merged.links.doi is None  # not even a gap is filled with the relay's DOI
        assert merged.links.post == "https://blog.example/post"  # what it may add
        assert merged.owned
    assert owner.merge(planted).feeds == [*owner.feeds, *planted.feeds]
    said = {"title": "Planted title", "doi": "10.9999/planted", "authors": "Mallory"}
    for merged in (owner.merge(planted), planted.merge(owner)):
        assert merged.elsewhere == {planted.feeds[-1]: said}  # kept aside, shown, never applied


def test_what_another_feed_said_is_kept_only_where_it_differs(tmp_path: Path) -> None:
    from reader_tui.model import PaperState
    from reader_tui.store import Store
    from reader_tui.ui.detail import paper_header

    owner = Paper(
        id="2401.00002", title="The Real Title.", arxiv_id="2401.00002", authors=["Ann Lee"], owned=True
    )
    owner.feeds = ["https://rss.arxiv.org/rss/cs"]
    agreeing = Paper(
        id="2401.00002", title="the real  title", authors=["ann lee"], feeds=["https://a.example/f"]
    )
    assert owner.merge(agreeing).elsewhere == {}
    other = Paper(
        id="2401.00002", title="A Catchier Title", authors=["Ann Lee"], feeds=["https://b.example/f"]
    )
    merged = owner.merge(agreeing).merge(other)
    assert merged.elsewhere == {"https://b.example/f": {"title": "A Catchier Title"}}
    header = paper_header(merged, PaperState(), width=200).plain
    assert 'Elsewhere https://b.example/f: title "A Catchier Title"' in " ".join(header.split())
    assert "Elsewhere" not in paper_header(owner, PaperState(), width=200).plain
    with Store(tmp_path / "data", poll_interval=None) as store:
        store.add_papers([owner])
        store.add_papers([other])  # a later refresh of the other feed meets the stored paper
    with Store(tmp_path / "data", poll_interval=None) as again:
        kept = again.get("2401.00002")
        assert kept is not None and kept.title == "The Real Title."
        assert kept.elsewhere == {"https://b.example/f": {"title": "A Catchier Title"}}


# --- what a reader sees: citations, query fields, the detail pane, the `a` key ------------------------------


def test_journal_papers_cite_as_article_and_arxiv_papers_keep_their_form() -> None:
    from reader_tui import cite

    cambridge = load("cambridge-core-canent-rss1-2021-12.xml").papers[0]
    assert cite.bibtex(cambridge) == (
        "@article{inoda2021detectionfoodimmatureadult,\n"
        "      title={Detection of food in immature and adult stages of water scavenger beetle, Hydrophilus "
        "acuminatus (Coleoptera: Hydrophilidae)}, \n"
        "      author={Toshio Inoda},\n"
        "      journal={The Canadian Entomologist},\n"
        "      pages={651--665},\n"
        "      year={2021},\n"
        "      month=aug,\n"
        "      doi={10.4039/tce.2021.38},\n"
        "      url={https://doi.org/10.4039/tce.2021.38}, \n"
        "}"
    )
    pubmed = load("pubmed-search-rss2-2021-12.xml").papers[1]
    entry = cite.bibtex(pubmed)
    assert entry.startswith("@article{li2021propioniciclava")
    for line in (
        "journal={Archives of microbiology}",
        "volume={204}",
        "number={1}",
        "pages={39}",
        "month=dec",
    ):
        assert f"      {line}," in entry.splitlines()
    ris = cite.ris(pubmed).splitlines()
    assert ris[0] == "TY  - JOUR"
    for line in (
        "JO  - Archives of microbiology",
        "VL  - 204",
        "IS  - 1",
        "SP  - 39",
        "DO  - 10.1007/s00203-021-02621-y",
    ):
        assert line in ris
    assert "AU  - Li, Le-Le" in ris
    chinese = load("chinese-entomotaxonomia-rss2-nonrfc-dates.xml").papers[0]
    assert cite.bibtex_key(chinese).startswith("范2021")  # the family name, first
    relayed = load("takara-tldr-daily-ai-papers-rss2-2026-04.xml").papers[0]
    assert cite.bibtex(relayed).startswith("@misc{") and "archivePrefix={arXiv}" in cite.bibtex(relayed)


def test_journal_and_doi_in_the_query_language() -> None:
    from reader_tui.model import PaperState
    from reader_tui.paper_fields import PaperFields
    from reader_tui.query import parse_query
    from reader_tui.query_match import MatchContext
    from reader_tui.search_index import SearchIndex

    papers = [
        *load("wiley-taxon-atypon-rss2-2021-12.xml").papers[:3],
        *load("nature-rss1-2024-07.xml").papers[:3],
        *load("takara-tldr-daily-ai-papers-rss2-2026-04.xml").papers[:2],
    ]
    ctx = MatchContext(
        now=datetime(2026, 1, 1, tzinfo=UTC), state_of=lambda _: PaperState(), new_ids=frozenset()
    )

    def found(text: str) -> list[str]:
        query = parse_query(text)
        rows = [PaperFields(paper) for paper in papers]
        result = [row.paper_id for row in SearchIndex().filter_rows(query, rows, ctx)]
        assert result == [p.id for p in papers if query.matches(p, ctx)]
        return result

    assert found("journal:taxon") == [p.id for p in papers[:3]]
    assert found("journal:nature") == [p.id for p in papers[3:6]]
    assert found("doi:10.1002/tax.12640") == ["doi:10.1002/tax.12640"]
    assert found("doi:https://doi.org/10.1038/s41586-024-07811-4") == ["doi:10.1038/s41586-024-07811-4"]
    assert found("-journal:taxon doi:10.1038") == [p.id for p in papers[3:6]]


def test_detail_header_shows_the_journal_line_the_doi_link_and_a_short_author_list() -> None:
    from reader_tui.model import PaperState
    from reader_tui.ui.detail import paper_header

    flora = load("wiley-taxon-atypon-rss2-2021-12.xml").papers[1]
    text = paper_header(flora, PaperState(), width=200).plain
    assert "The Brazil Flora Group, Janaína Gomes‐da‐Silva" in text
    assert "…and 970 more" in text
    assert "Alexandre R. Zuntini" not in text
    assert "https://doi.org/10.1002/tax.12640" in text
    pubmed = load("pubmed-search-rss2-2021-12.xml").papers[1]
    assert "Archives of microbiology · 204(1) · 39" in paper_header(pubmed, PaperState(), width=200).plain
    cambridge = load("cambridge-core-canent-rss1-2021-12.xml").papers[0]
    assert "The Canadian Entomologist · 651–665" in paper_header(cambridge, PaperState(), width=200).plain


async def test_a_opens_the_doi_page_when_there_is_no_abstract_page(harness: Harness, tmp_path: Path) -> None:
    feed = tmp_path / "toc.xml"
    feed.write_bytes(
        rss_item('<title>No page of its own</title><guid isPermaLink="false">10.1002/tax.12650</guid>')
    )
    app = harness.app([str(feed)])
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        assert app.current is not None and app.current.id == "doi:10.1002/tax.12650"
        await pilot.press("a")
        await pilot.pause()
        assert harness.opened.calls == ["https://doi.org/10.1002/tax.12650"]


def test_a_leading_abstract_label_is_not_kept_as_the_abstracts_first_word() -> None:
    """Pensoft starts every description with "Abstract:": the paper's text starts with its first sentence."""
    from reader_tui.feeds import journal
    from reader_tui.textfold import html_to_text

    for pensoft in load("pensoft-zookeys-rss091-2021-12.xml").papers:
        assert "Abstract:" not in pensoft.summary_html
        assert not html_to_text(pensoft.summary_html).lower().startswith(("abstract", "summary"))
    first = load("pensoft-zookeys-rss091-2021-12.xml").papers[0]
    assert html_to_text(first.summary_html).startswith("Keys to all levels of the subfamily Deltocephalinae")
    assert journal.without_abstract_label("<p> <b>SUMMARY.</b> Fish.</p>") == "<p> <b></b> Fish.</p>"
    assert (
        journal.without_abstract_label("<p>We study it. Abstract: x</p>") == "<p>We study it. Abstract: x</p>"
    )
    assert journal.without_abstract_label("<p>Abstracts of talks</p>") == "<p>Abstracts of talks</p>"


def test_metadata_lines_a_rule_read_are_not_shown_again_as_the_abstract() -> None:
    sciencedirect = one(
        SCIENCEDIRECT.replace("]]></description>", "<p>We sampled 300 fish.</p>]]></description>")
    )
    assert "We sampled 300 fish." in sciencedirect.summary_html
    for line in ("Publication date", "Marine Pollution Bulletin", "Author(s)", "Ory"):
        assert line not in sciencedirect.summary_html
    pensoft = load("pensoft-zookeys-rss091-2021-12.xml").papers[0]
    assert "ZooKeys 1078" not in pensoft.summary_html and "Hassan Naveed" not in pensoft.summary_html
    assert "Keys to all levels of the subfamily Deltocephalinae" in pensoft.summary_html
    pubmed = load("pubmed-search-rss2-2021-12.xml").papers[0]
    assert "Parasitol Int. 2021" not in pubmed.summary_html and "Gyrodactylus" in pubmed.summary_html
    ieee = load("ieee-tpami-aggregator-rss2-2026.xml").papers[0]
    assert "Qiulei Dong" not in ieee.summary_html and "pp. 1-17" not in ieee.summary_html


@pytest.mark.parametrize(
    "content",
    [
        '<rss version="2.0"><channel><title>Acta Foo</title><generator>OJS 3.3.0.5 http://pkp.sfu.ca/ojs/'
        "</generator><item><title>A</title><link>https://j.example/index.php/af/article/view/1</link>"
        "</item></channel></rss>",
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" '
        'xmlns:admin="http://webns.net/mvcb/"><channel rdf:about="https://j.example/"><title>Acta Foo</title>'
        '<admin:generatorAgent rdf:resource="http://pkp.sfu.ca/ojs/"/></channel>'
        '<item rdf:about="https://j.example/1"><title>A</title><link>https://j.example/1</link></item></rdf:RDF>',
    ],
    ids=["rss2", "rss1"],
)
def test_an_open_journal_systems_feed_names_its_journal_in_its_title(content: str) -> None:
    assert parse_feed(content.encode(), "ojs.xml").papers[0].venue.journal == "Acta Foo"
    blog = content.replace("OJS 3.3.0.5 http://pkp.sfu.ca/ojs/", "Hugo").replace(
        "pkp.sfu.ca/ojs", "x.example"
    )
    assert parse_feed(blog.encode(), "blog.xml").papers[0].venue.journal is None


@pytest.mark.parametrize(
    "identifiers",
    [
        ["doi:10.1016/j.parint.2021.102531", "pmid:34929406"],
        ["pmid:34929406", "doi:10.1016/j.parint.2021.102531"],
        ["https://j.example/a/1", "doi:10.1016/j.parint.2021.102531", "urn:isbn:978-3-16-148410-0"],
    ],
)
def test_every_dc_identifier_is_looked_at_for_the_doi(identifiers: list[str]) -> None:
    """feedparser keeps only the last ``dc:identifier``; the DOI may be any of them."""
    ids = "".join(f"<dc:identifier>{value}</dc:identifier>" for value in identifiers)
    paper = one(f"<title>T</title><link>https://j.example/a/1</link>{ids}", DC_NS)
    assert paper.links.doi == "10.1016/j.parint.2021.102531"
    assert paper.id == "doi:10.1016/j.parint.2021.102531"


def test_marks_made_under_an_items_former_id_move_to_its_doi_or_arxiv_id(tmp_path: Path) -> None:
    """An earlier release named a journal item by its guid and a relay's item by its link: a reader's
    marks on them must survive the move to DOI and arXiv identity."""
    from reader_tui.library import ingest
    from reader_tui.store import Store

    wiley = str(SCHOLARLY / "wiley-taxon-atypon-rss2-2021-12.xml")
    takara = str(SCHOLARLY / "takara-tldr-daily-ai-papers-rss2-2026-04.xml")
    with Store(tmp_path / "data", poll_interval=None) as store:
        store.set_starred("10.1002/tax.12640", True)
        store.set_read("10.1002/tax.12640", True)
        store.set_read("https://tldr.takara.ai/p/2604.26238", True)
        store.set_read("10.1002/tax.12650", True)
        store.set_starred("doi:10.1002/tax.12650", True)  # marked under its new id too: that one stands
        ingest(store, [wiley, takara])
        moved = store.state("doi:10.1002/tax.12640")
        assert moved.starred and moved.read
        assert store.state("2604.26238").read
        kept = store.state("doi:10.1002/tax.12650")
        assert kept.starred and not kept.read
        assert not store.state("doi:10.1002/tax.12636").read  # no marks, nothing invented


def test_a_paper_stored_under_its_former_id_is_listed_once_after_the_move(tmp_path: Path) -> None:
    """The library an earlier release wrote holds the journal item under its guid: after the refresh
    that names it by its DOI, the list shows it once, under the DOI, with the reader's marks."""
    from reader_tui.library import ingest
    from reader_tui.model import Paper
    from reader_tui.store import Store

    wiley = str(SCHOLARLY / "wiley-taxon-atypon-rss2-2021-12.xml")
    with Store(tmp_path / "data", poll_interval=None) as store:
        store.add_papers([Paper("10.1002/tax.12640", "Brazilian Flora 2020", feeds=[wiley])])
        store.set_starred("10.1002/tax.12640", True)
        ingest(store, [wiley])
        ids = store.search.ids()
        assert "10.1002/tax.12640" not in ids and store.get("10.1002/tax.12640") is None
        assert ids.count("doi:10.1002/tax.12640") == 1
        assert len(ids) == len(load("wiley-taxon-atypon-rss2-2021-12.xml").papers)
        assert store.state("doi:10.1002/tax.12640").starred
    with Store(tmp_path / "data", poll_interval=None) as again:  # and so it stays on disk
        assert "10.1002/tax.12640" not in again.search.ids()

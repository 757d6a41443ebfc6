"""Citations: arXiv's exact BibTeX for real fixture papers, safe BibTeX for hostile text, other formats."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import bibtexparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader_tui import cite
from reader_tui.model import Links, Paper
from reader_tui.safety import clean_line

FEEDS = Path(__file__).parent / "fixtures" / "feeds"


def fixture_paper(fixture: str, *, title: str, authors: list[str], **fields: object) -> Paper:
    """A Paper typed in from a fixture, after checking the fixture really says so."""
    text = (FEEDS / fixture).read_text(encoding="utf-8")
    assert title in text, title
    for author in authors:
        assert author in text, author
    arxiv_id = fields.get("arxiv_id")
    return Paper(id=str(arxiv_id or title), title=title, authors=authors, **fields)  # type: ignore[arg-type]


def when(year: int, month: int = 1, day: int = 1) -> datetime:
    return datetime(year, month, day, 12, 0, tzinfo=UTC)


CLOUD_AGENTS = fixture_paper(
    "ftxj-2026-05-29.xml",
    title="When Cloud Agents Meet Device Agents: Lessons from Hybrid Multi-Agent Systems",
    authors=["Corrado Rainone", "Davide Belli", "Bence Major", "Arash Behboodi"],
    arxiv_id="2605.30102",
    categories=["cs.MA", "cs.AI"],
    links=Links(abs="https://arxiv.org/abs/2605.30102", pdf="https://arxiv.org/pdf/2605.30102"),
    published=datetime(2026, 5, 29, 12, 36, 41, tzinfo=UTC),
)

EINSTEIN_WEYL = fixture_paper(
    "arxiv-api-atom-classic-2018-einstein.xml",
    title="Einstein-Weyl structures on almost cosymplectic manifolds",
    authors=["Xiaomin Chen"],
    arxiv_id="1801.05533",
    version=1,
    categories=["math.DG"],
    links=Links(abs="http://arxiv.org/abs/1801.05533v1", pdf="http://arxiv.org/pdf/1801.05533v1"),
    published=datetime(2018, 1, 17, 3, 5, 51, tzinfo=UTC),
)

OLD_STYLE_ID = fixture_paper(
    "arxiv-api-atom-classic-2018-einstein.xml",
    title="On pseudo-Hermitian Einstein spaces",
    authors=["Felipe Leitner"],
    arxiv_id="math/0502287",
    categories=["math.DG"],
    published=datetime(2005, 2, 14, 15, 36, 34, tzinfo=UTC),
)

# The 2024 RSS feed writes accents as TeX and gives no per-item date (the channel's is 26 Mar 2024).
GENERALIZATION_BOUNDS = fixture_paper(
    "arxiv-rss-stat-2024-03-26.xml",
    title="A note on generalization bounds for losses with finite moments",
    authors=["Borja Rodr\\'iguez-G\\'alvez", "Omar Rivasplata", "Ragnar Thobaben", "Mikael Skoglund"],
    arxiv_id="2403.16681",
    categories=["stat.ML", "cs.LG"],
    published=when(2024, 3, 26),
)

ADDITIVE_NETWORKS = fixture_paper(
    "arxiv-api-atom-2026-cs-lg.xml",
    title="Multiple Additive Neural Networks for Structured and Unstructured Data",
    authors=["Janis Mohr", "Jörg Frochte"],
    arxiv_id="2604.26888",
    categories=["cs.LG"],
    links=Links(abs="https://arxiv.org/abs/2604.26888v1", doi="10.1007/978-3-031-85252-7_10"),
    published=datetime(2026, 4, 29, 16, 57, 40, tzinfo=UTC),
)

MEDICAGO = fixture_paper(
    "biorxiv-rss1-genomics.xml",
    title=(
        "Complete genome of the Medicago anthracnose fungus, Colletotrichum destructivum, "
        "reveals a mini-chromosome-like region within a core chromosome."
    ),
    authors=[
        "LAPALU, N.",
        "SIMON, A.",
        "Lu, A.",
        "Plaumann, P.-L.",
        "Amselem, J.",
        "Pigne, S.",
        "Auger, A.",
        "Koch, C.",
        "Dallery, J.-F.",
        "O'Connell, R. J.",
    ],
    links=Links(
        abs="http://biorxiv.org/cgi/content/short/2023.12.16.571984v1?rss=1", doi="10.1101/2023.12.16.571984"
    ),
    published=when(2023, 12, 16),
)


def parse_one(text: str) -> dict[str, str]:
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    assert len(library.entries) == 1, text
    entry = library.entries[0]
    return {"key": entry.key, "type": entry.entry_type, **{f.key: f.value for f in entry.fields}}


# ---------------------------------------------------------------------------------------------
# arXiv's exact output


def test_attention_is_all_you_need_is_byte_identical_to_arxiv() -> None:
    paper = Paper(
        id="1706.03762",
        arxiv_id="1706.03762",
        version=7,
        title="Attention Is All You Need",
        authors=[
            "Ashish Vaswani",
            "Noam Shazeer",
            "Niki Parmar",
            "Jakob Uszkoreit",
            "Llion Jones",
            "Aidan N. Gomez",
            "Lukasz Kaiser",
            "Illia Polosukhin",
        ],
        categories=["cs.CL", "cs.LG"],
        published=when(2023, 8, 2),
    )
    assert cite.bibtex(paper) == (
        "@misc{vaswani2023attentionneed,\n"
        "      title={Attention Is All You Need}, \n"
        "      author={Ashish Vaswani and Noam Shazeer and Niki Parmar and Jakob Uszkoreit and Llion Jones"
        " and Aidan N. Gomez and Lukasz Kaiser and Illia Polosukhin},\n"
        "      year={2023},\n"
        "      eprint={1706.03762},\n"
        "      archivePrefix={arXiv},\n"
        "      primaryClass={cs.CL},\n"
        "      url={https://arxiv.org/abs/1706.03762}, \n"
        "}"
    )


def test_digest_paper_with_colon_and_stopwords() -> None:
    # "When" is a stopword; "Agents:" keeps its place as a word and loses only the colon.
    assert cite.bibtex(CLOUD_AGENTS) == (
        "@misc{rainone2026cloudagentsmeetdevice,\n"
        "      title={When Cloud Agents Meet Device Agents: Lessons from Hybrid Multi-Agent Systems}, \n"
        "      author={Corrado Rainone and Davide Belli and Bence Major and Arash Behboodi},\n"
        "      year={2026},\n"
        "      eprint={2605.30102},\n"
        "      archivePrefix={arXiv},\n"
        "      primaryClass={cs.MA},\n"
        "      url={https://arxiv.org/abs/2605.30102}, \n"
        "}"
    )


def test_one_author_paper_skips_arxivs_stopword_almost_and_drops_the_version() -> None:
    assert cite.bibtex(EINSTEIN_WEYL) == (
        "@misc{chen2018einsteinweylstructurescosymplecticmanifolds,\n"
        "      title={Einstein-Weyl structures on almost cosymplectic manifolds}, \n"
        "      author={Xiaomin Chen},\n"
        "      year={2018},\n"
        "      eprint={1801.05533},\n"
        "      archivePrefix={arXiv},\n"
        "      primaryClass={math.DG},\n"
        "      url={https://arxiv.org/abs/1801.05533}, \n"
        "}"
    )


def test_old_style_identifier() -> None:
    assert cite.bibtex(OLD_STYLE_ID) == (
        "@misc{leitner2005pseudohermitianeinsteinspaces,\n"
        "      title={On pseudo-Hermitian Einstein spaces}, \n"
        "      author={Felipe Leitner},\n"
        "      year={2005},\n"
        "      eprint={math/0502287},\n"
        "      archivePrefix={arXiv},\n"
        "      primaryClass={math.DG},\n"
        "      url={https://arxiv.org/abs/math/0502287}, \n"
        "}"
    )


def test_tex_accented_name_is_written_in_unicode_and_keyed_like_arxiv() -> None:
    # arXiv converts the TeX accents and keeps accented letters in the key.
    assert cite.bibtex(GENERALIZATION_BOUNDS) == (
        "@misc{rodríguezgálvez2024notegeneralizationboundslosses,\n"
        "      title={A note on generalization bounds for losses with finite moments}, \n"
        "      author={Borja Rodríguez-Gálvez and Omar Rivasplata and Ragnar Thobaben and Mikael Skoglund},\n"
        "      year={2024},\n"
        "      eprint={2403.16681},\n"
        "      archivePrefix={arXiv},\n"
        "      primaryClass={stat.ML},\n"
        "      url={https://arxiv.org/abs/2403.16681}, \n"
        "}"
    )


def test_journal_doi_goes_before_url_in_arxivs_url_form() -> None:
    assert cite.bibtex(ADDITIVE_NETWORKS) == (
        "@misc{mohr2026multipleadditiveneuralnetworks,\n"
        "      title={Multiple Additive Neural Networks for Structured and Unstructured Data}, \n"
        "      author={Janis Mohr and Jörg Frochte},\n"
        "      year={2026},\n"
        "      eprint={2604.26888},\n"
        "      archivePrefix={arXiv},\n"
        "      primaryClass={cs.LG},\n"
        "      doi={https://doi.org/10.1007/978-3-031-85252-7_10},\n"
        "      url={https://arxiv.org/abs/2604.26888}, \n"
        "}"
    )


def test_arxivs_own_datacite_doi_is_not_written() -> None:
    paper = Paper(
        id="2605.30102",
        arxiv_id="2605.30102",
        title="X",
        links=Links(doi="10.48550/arXiv.2605.30102"),
    )
    assert "doi=" not in cite.bibtex(paper)


def test_key_words_are_space_separated_tokens_like_arxivs() -> None:
    # arXiv gives "karajagi2026leapliveexperiments": "--" is one of the four words.
    paper = Paper(
        id="2601.22534",
        arxiv_id="2601.22534",
        title="LEAP -- Live Experiments for Active Pedagogy",
        authors=["Sumedh Karajagi", "Sampad Bhusan Mohanty", "Bhaskar Krishnamachari"],
        published=when(2026),
    )
    assert cite.bibtex_key(paper) == "karajagi2026leapliveexperiments"


@pytest.mark.parametrize(
    ("name", "key_start"),
    [
        ("Jan van der Berg", "vanderberg2020"),
        ("Ludwig van Beethoven", "vanbeethoven2020"),
        ("Martin Luther King Jr.", "king2020"),
        ("Martin Luther King, Jr.", "king2020"),
        ("ATLAS Collaboration", "atlascollaboration2020"),
        ("Plato", "plato2020"),
        ("LAPALU, N.", "lapalu2020"),
    ],
)
def test_surname_rules(name: str, key_start: str) -> None:
    paper = Paper(id="x", title="Deep Results", authors=[name], published=when(2020))
    assert cite.bibtex_key(paper) == key_start + "deepresults"


def test_biorxiv_paper_is_an_article_with_its_doi() -> None:
    assert cite.bibtex(MEDICAGO) == (
        "@article{lapalu2023completegenomemedicagoanthracnose,\n"
        "      title={Complete genome of the Medicago anthracnose fungus, Colletotrichum destructivum, "
        "reveals a mini-chromosome-like region within a core chromosome.}, \n"
        "      author={LAPALU, N. and SIMON, A. and Lu, A. and Plaumann, P.-L. and Amselem, J. and Pigne, S. "
        "and Auger, A. and Koch, C. and Dallery, J.-F. and O'Connell, R. J.},\n"
        "      journal={bioRxiv},\n"
        "      year={2023},\n"
        "      month=dec,\n"
        "      doi={10.1101/2023.12.16.571984},\n"
        "      url={https://doi.org/10.1101/2023.12.16.571984}, \n"
        "}"
    )
    parsed = parse_one(cite.bibtex(MEDICAGO))
    assert parsed["author"].split(" and ")[-1] == "O'Connell, R. J."


def test_plain_link_item_gets_a_misc_entry_with_its_url() -> None:
    paper = Paper(
        id="https://example.org/post",
        title="Some blog post",
        links=Links(post="https://example.org/post"),
        is_paper=False,
    )
    parsed = parse_one(cite.bibtex(paper))
    assert parsed["type"] == "misc"
    assert parsed["url"] == "https://example.org/post"
    assert "eprint" not in parsed


def test_unsafe_link_is_not_cited() -> None:
    paper = Paper(id="j", title="T", links=Links(abs="javascript:alert(1)"))
    assert "url=" not in cite.bibtex(paper)
    assert "javascript" not in cite.markdown(paper) + cite.ris(paper) + cite.plain(paper)


# ---------------------------------------------------------------------------------------------
# Hostile text still gives a .bib that parses


def visible(text: str) -> str:
    """What a reader sees, modulo BibTeX escaping: no braces, no backslashes, single spaces."""
    return " ".join(re.sub(r"[{}\\]", "", text).split())


NASTY_TITLES = [
    "Unbalanced { brace",
    "Closing } first",
    "Swapped }{ braces",
    "100% of R&D #1",
    r"Already escaped \& \% \#",
    r"Ends with a backslash \\",
    r"TeX stays: $\ln\ln T$ and {BERT}",
    r"Escaped \{ alone",
    r"\}{ mixed {\{ nest }",
    '"Quoted", = and @misc{x, title={y}}',
]
"""Titles that break a naive .bib writer; test_cite_bibtex_binary.py also runs them through TeX."""


@pytest.mark.parametrize("title", NASTY_TITLES)
def test_nasty_titles_round_trip_through_bibtexparser(title: str) -> None:
    paper = Paper(id="x", arxiv_id="2401.00001", title=title, authors=["A. {Weird} Name }"])
    parsed = parse_one(cite.bibtex(paper))
    assert visible(parsed["title"]) == visible(clean_line(title))
    assert visible(parsed["author"]) == visible("A. {Weird} Name }")


def test_balanced_tex_and_escapes_are_kept_verbatim() -> None:
    paper = Paper(id="x", title=r"{BERT} on $\mathcal{O}(n)$: 50% & more", authors=['Kurt G{"o}del'])
    parsed = parse_one(cite.bibtex(paper))
    assert parsed["title"] == r"{BERT} on $\mathcal{O}(n)$: 50\% \& more"


@pytest.mark.parametrize(
    ("title", "written"),
    [
        ("HealthNLP_Retrievers at ArchEHR-QA", r"HealthNLP\_Retrievers at ArchEHR-QA"),
        (r"$CO_2$ and $x^2$ stay math", r"$CO_2$ and $x^2$ stay math"),
        (r"Already \_ escaped", r"Already \_ escaped"),
        ("Caret ^ in text", r"Caret \^{} in text"),
        ("Costs $5 a_b", r"Costs \$5 a\_b"),
        ("Tie~kept", "Tie~kept"),
    ],
)
def test_text_that_latex_would_refuse_is_escaped_outside_math(title: str, written: str) -> None:
    """BibTeX copies these through; LaTeX then stops the user's paper with "Missing $ inserted"."""
    paper = Paper(id="x", arxiv_id="2401.00001", title=title, authors=["A B"])
    assert f"title={{{written}}}, " in cite.bibtex(paper)


def latex_text_mode_errors(value: str) -> list[str]:
    """What would stop LaTeX: ``_``/``^`` outside math, or a ``$`` left open."""
    problems, math = [], False
    for i, ch in enumerate(value):
        if i > 0 and value[i - 1] == "\\":
            continue
        if ch == "$":
            math = not math
        elif ch in "_^" and not math:
            problems.append(f"{ch} at {i}")
    return problems + (["open $"] if math else [])


def test_control_characters_and_escape_sequences_are_stripped_from_every_format() -> None:
    paper = Paper(
        id="2401.00001",
        arxiv_id="2401.00001",
        title="Evil\x1b[31m title\u202e\x07",
        authors=["Eve\x00 Mallory\x9b"],
        published=when(2024),
    )
    for fmt in ("bibtex", "ris", "markdown", "plain"):
        out = cite.export([paper], fmt)
        assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]", out), (fmt, out)
        assert "Evil title" in out


# ---------------------------------------------------------------------------------------------
# Batches


def test_repeated_keys_get_letters_and_the_first_stays_bare() -> None:
    twin = Paper(id="b", arxiv_id="2605.99999", title=CLOUD_AGENTS.title, authors=CLOUD_AGENTS.authors)
    twin.published = CLOUD_AGENTS.published
    papers = [CLOUD_AGENTS, twin, twin, EINSTEIN_WEYL]
    text = cite.export(papers, "bibtex")
    keys = [e.key for e in bibtexparser.parse_string(text).entries]
    assert keys == [
        "rainone2026cloudagentsmeetdevice",
        "rainone2026cloudagentsmeetdevicea",
        "rainone2026cloudagentsmeetdeviceb",
        "chen2018einsteinweylstructurescosymplecticmanifolds",
    ]


def test_a_suffix_never_steals_another_papers_own_key() -> None:
    base = Paper(id="1", title="Deep Results", authors=["Ann Lee"], published=when(2020))
    # This one's natural key is exactly base's key + "a".
    other = Paper(id="2", title="Deep Resultsa", authors=["Ann Lee"], published=when(2020))
    keys = cite.bibtex_keys([base, base, other])
    assert keys == ["lee2020deepresults", "lee2020deepresultsb", "lee2020deepresultsa"]
    assert len(set(keys)) == 3


def test_export_keeps_order_and_is_deterministic() -> None:
    papers = [MEDICAGO, CLOUD_AGENTS, GENERALIZATION_BOUNDS]
    for fmt in cite.FORMATS:
        first = cite.export(papers, fmt)
        assert first == cite.export(list(papers), fmt)
        positions = [first.find(p.title.split(",")[0][:30]) for p in papers]
        assert positions == sorted(positions) and -1 not in positions, fmt
    library = bibtexparser.parse_string(cite.export(papers, "bibtex"))
    assert len(library.entries) == 3 and library.failed_blocks == []


def test_json_export_round_trips_to_papers() -> None:
    text = cite.export([CLOUD_AGENTS, MEDICAGO], "json")
    assert [Paper.from_dict(d) for d in json.loads(text)] == [CLOUD_AGENTS, MEDICAGO]


def test_unknown_format_is_a_cite_error() -> None:
    with pytest.raises(cite.CiteError, match="known: bibtex, ris, markdown, plain, json"):
        cite.export([CLOUD_AGENTS], "endnote")
    assert cite.export([CLOUD_AGENTS], " BibTeX ") == cite.export([CLOUD_AGENTS], "bibtex")


def test_empty_batch() -> None:
    assert cite.export([], "bibtex") == ""
    assert cite.export([], "json") == "[]\n"


# ---------------------------------------------------------------------------------------------
# Other formats


def test_plain_is_apa_like() -> None:
    assert cite.plain(CLOUD_AGENTS) == (
        "Rainone, C., Belli, D., Major, B., & Behboodi, A. (2026). "
        "When Cloud Agents Meet Device Agents: Lessons from Hybrid Multi-Agent Systems. arXiv:2605.30102."
    )
    assert cite.plain(EINSTEIN_WEYL) == (
        "Chen, X. (2018). Einstein-Weyl structures on almost cosymplectic manifolds. arXiv:1801.05533."
    )
    assert cite.plain(MEDICAGO).startswith("LAPALU, N., SIMON, A., Lu, A., Plaumann, P.-L.,")
    assert cite.plain(MEDICAGO).endswith(
        "& O'Connell, R. J. (2023). Complete genome of the Medicago anthracnose fungus, Colletotrichum "
        "destructivum, reveals a mini-chromosome-like region within a core chromosome. "
        "bioRxiv. https://doi.org/10.1101/2023.12.16.571984"
    )
    assert cite.plain(ADDITIVE_NETWORKS).endswith(
        "arXiv:2604.26888. https://doi.org/10.1007/978-3-031-85252-7_10"
    )


def test_plain_initials_of_hyphenated_and_run_together_given_names() -> None:
    paper = Paper(
        id="x", title="T", authors=["Jean-Paul Sartre", "Clemens JS Schaefer"], published=when(1943)
    )
    assert cite.plain(paper).startswith("Sartre, J.-P., & Schaefer, C. J. S. (1943). T.")


def test_plain_with_more_than_twenty_authors_follows_apa() -> None:
    authors = [f"Given{chr(ord('A') + i)} Surname{i}" for i in range(25)]
    paper = Paper(id="x", title="Big Team", authors=authors, published=when(2024))
    text = cite.plain(paper)
    assert text.startswith("Surname0, G., Surname1, G.,")
    assert "Surname18, G., . . . Surname24, G. (2024). Big Team." in text
    assert "Surname19" not in text


def test_markdown_line() -> None:
    assert cite.markdown(CLOUD_AGENTS) == (
        "[When Cloud Agents Meet Device Agents: Lessons from Hybrid Multi-Agent Systems]"
        "(https://arxiv.org/abs/2605.30102)"
        " — Corrado Rainone, Davide Belli, Bence Major, Arash Behboodi, 2026"
    )


def test_markdown_escapes_brackets_so_the_link_holds() -> None:
    paper = Paper(id="x", arxiv_id="2401.00001", title=r"[Bracketed] title ends\\", published=when(2024))
    line = cite.markdown(paper)
    assert line.startswith(r"[\[Bracketed\] title ends\\\\](https://arxiv.org/abs/2401.00001)")


def test_ris_record() -> None:
    assert cite.ris(ADDITIVE_NETWORKS) == (
        "TY  - GEN\n"
        "AU  - Mohr, Janis\n"
        "AU  - Frochte, Jörg\n"
        "TI  - Multiple Additive Neural Networks for Structured and Unstructured Data\n"
        "PY  - 2026\n"
        "PB  - arXiv\n"
        "DO  - 10.1007/978-3-031-85252-7_10\n"
        "UR  - https://arxiv.org/abs/2604.26888\n"
        "N1  - arXiv:2604.26888\n"
        "ER  - "
    )
    record = cite.ris(MEDICAGO)
    assert record.splitlines()[:3] == ["TY  - JOUR", "AU  - LAPALU, N.", "AU  - SIMON, A."]
    assert "T2  - bioRxiv" in record and "JO  - bioRxiv" in record
    assert "DO  - 10.1101/2023.12.16.571984" in record
    assert "DO  - 10.48550/arXiv.2605.30102" in cite.ris(CLOUD_AGENTS)


def test_every_format_copes_with_a_paper_that_has_nothing() -> None:
    bare = Paper(id="guid-1", title="")
    parsed = parse_one(cite.bibtex(bare))
    assert parsed["key"] == "unknownunknown"
    assert "year" not in parsed and "author" not in parsed
    assert cite.plain(bare) == "Untitled. (n.d.)."
    assert cite.markdown(bare) == "Untitled"
    assert cite.ris(bare).splitlines() == ["TY  - GEN", "TI  - ", "ER  - "]
    for fmt in cite.FORMATS:
        assert cite.export([bare, bare], fmt).endswith("\n")


# ---------------------------------------------------------------------------------------------
# Property: any text makes exactly one parseable entry

feed_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(list('{}\\%&#$@"=,_^~ \n\t')),
        st.characters(codec="utf-8"),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(title=feed_text, authors=st.lists(feed_text, max_size=4), arxiv=st.booleans())
def test_bibtex_always_parses_to_one_entry(title: str, authors: list[str], arxiv: bool) -> None:
    paper = Paper(id="p", title=title, authors=authors, arxiv_id="2401.00001" if arxiv else None)
    parsed = parse_one(cite.bibtex(paper))
    assert visible(parsed["title"]) == visible(clean_line(title))
    assert latex_text_mode_errors(parsed["title"]) == []
    for fmt in ("ris", "markdown", "plain"):
        assert cite.export([paper], fmt)

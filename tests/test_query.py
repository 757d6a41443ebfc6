"""The filter bar's query language: what a user typing into the bar would see match, or be told.

Each test builds a handful of papers, runs the query through :meth:`SearchIndex.filter_rows` over
their :class:`PaperFields` rows (what the UI and the CLI use) and checks which ids come back;
``Query.matches`` must agree with the index.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader_tui.model import Links, Paper, PaperState
from reader_tui.paper_fields import PaperFields
from reader_tui.query import Query, QueryError, parse_query
from reader_tui.query_match import MatchContext
from reader_tui.search_index import SearchIndex
from reader_tui.textfold import html_to_text, normalize

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
NO_STATE = PaperState()


def make(pid: str, title: str = "Untitled", **kwargs: Any) -> Paper:
    return Paper(id=pid, title=title, **kwargs)


def context(
    states: dict[str, PaperState] | None = None, new_ids: Iterable[str] = (), now: datetime = NOW
) -> MatchContext:
    table = {} if states is None else states
    return MatchContext(now=now, state_of=lambda pid: table.get(pid, NO_STATE), new_ids=frozenset(new_ids))


def rows_of(papers: Iterable[Paper]) -> list[PaperFields]:
    """The papers as the index searches them: one row each, as the store builds them."""
    return [PaperFields(p) for p in papers]


def found(index: SearchIndex, query: Query, rows: list[PaperFields], ctx: MatchContext) -> list[str]:
    """Ids of the rows ``index`` lets through, in order."""
    return [row.paper_id for row in index.filter_rows(query, rows, ctx)]


def ids(text: str, papers: list[Paper], ctx: MatchContext | None = None) -> list[str]:
    """Ids matching ``text``; also checks that ``Query.matches`` agrees with the index."""
    ctx = ctx or context()
    query = parse_query(text)
    hits = found(SearchIndex(), query, rows_of(papers), ctx)
    assert hits == [p.id for p in papers if query.matches(p, ctx)]
    return hits


def error_of(text: str) -> str:
    with pytest.raises(QueryError) as info:
        parse_query(text)
    return str(info.value)


# ------------------------------------------------------------------------- bare words and phrases

LIBRARY = [
    make(
        "a",
        "Graph Neural Networks for Molecules",
        authors=["Jürgen Müller", "Ana Rodríguez"],
        affiliations=["ETH Zürich"],
        categories=["cs.LG", "q-bio.BM"],
        keywords=["GNN"],
        summary_html="<p>We study <b>message</b> passing &amp; pooling.</p><p>Results hold.</p>",
    ),
    make(
        "b",
        "Large Language Models as Agents",
        authors=["Maria de la Cruz", "Jane Roe"],
        affiliations=["Tsinghua University"],
        categories=["cs.CL"],
        keywords=["agents", "LLM"],
        summary_html="<p>本文提出一种新的智能体框架，用于多步推理。</p>",
    ),
    make(
        "c",
        "A Survey of Diffusion Models",
        authors=["Wei Zhang"],
        categories=["cs.CV", "stat.ML"],
        summary_html="Diffusion models of language and images; a model of <i>language</i> use.",
    ),
]


def test_bare_words_must_all_match_in_any_order_and_case() -> None:
    assert ids("graph", LIBRARY) == ["a"]
    assert ids("MOLECULES graph", LIBRARY) == ["a"]
    assert ids("graph language", LIBRARY) == []
    assert ids("models", LIBRARY) == ["b", "c"]
    assert ids("pool", LIBRARY) == ["a"]  # words match as substrings: "pooling"


def test_bare_words_search_every_descriptive_field() -> None:
    assert ids("jürgen", LIBRARY) == ["a"]  # author
    assert ids("tsinghua", LIBRARY) == ["b"]  # affiliation
    assert ids("llm", LIBRARY) == ["b"]  # keyword
    assert ids("stat.ml", LIBRARY) == ["c"]  # category
    assert ids("pooling", LIBRARY) == ["a"]  # summary text


def test_bare_words_do_not_match_feed_urls_or_links() -> None:
    papers = [
        make("x", "Plain", feeds=["https://ftxj.github.io/zh/index.xml"], links=Links(abs="https://ftxj.io")),
        make("y", "ftxj digest"),
    ]
    assert ids("ftxj", papers) == ["y"]
    assert ids("feed:ftxj", papers) == ["x"]


def test_summary_html_is_searched_as_text() -> None:
    papers = [
        make("tags", summary_html="<b>Trans</b>former <a href='https://secret.example/hidden'>link</a>"),
        make("blocks", summary_html="<p>alpha</p><p>beta</p>"),
        make("entities", summary_html="R&amp;D at Caf&eacute; &lt;b&gt; &#x4e2d;&#25991;"),
    ]
    assert ids("transformer", papers) == ["tags"]
    assert ids("hidden", papers) == []  # attribute values are markup, not text
    assert ids("alphabeta", papers) == []
    assert ids('"alpha beta"', papers) == ["blocks"]
    assert ids("r&d cafe <b>", papers) == ["entities"]
    assert ids("中文", papers) == ["entities"]


def test_lowercase_or_is_an_ordinary_word() -> None:
    papers = [make("1", "this or that"), make("2", "this and that")]
    assert ids("this or", papers) == ["1"]


def test_typographic_quotes_work_like_straight_ones() -> None:
    assert ids("“language models”", LIBRARY) == ["b"]
    assert ids("author:“de la cruz”", LIBRARY) == ["b"]
    assert "unclosed quote" in error_of("“language models")


def test_phrase_matches_words_together_across_whitespace_and_markup() -> None:
    assert ids('"language models"', LIBRARY) == ["b"]
    assert ids('"models of language"', LIBRARY) == ["c"]
    assert ids('"model of language"', LIBRARY) == ["c"]
    assert ids('"language model"', LIBRARY) == ["b"]
    assert ids('"of language use"', LIBRARY) == ["c"]  # across <i>…</i>
    assert ids('"results hold" "passing & pooling"', LIBRARY) == ["a"]


def test_accents_case_and_compatibility_forms_are_ignored() -> None:
    assert ids("muller", LIBRARY) == ["a"]
    assert ids("MÜLLER", LIBRARY) == ["a"]
    assert ids("rodriguez", LIBRARY) == ["a"]
    assert ids("zurich", LIBRARY) == ["a"]
    papers = [make("s", "Die Straße"), make("m", "Muller et al."), make("w", "ＧＰＴ-４ evaluation")]
    assert ids("strasse", papers) == ["s"]
    assert ids("straße", papers) == ["s"]
    assert ids("Müller", papers) == ["m"]  # an accented query finds the unaccented spelling too
    assert ids("gpt-4", papers) == ["w"]


def test_cjk_is_matched_as_a_substring_without_word_splitting() -> None:
    assert ids("智能体", LIBRARY) == ["b"]
    assert ids("多步推理", LIBRARY) == ["b"]
    assert ids("智能 框架", LIBRARY) == ["b"]
    assert ids("智能猫", LIBRARY) == []


def test_urls_are_bare_words_not_unknown_fields() -> None:
    papers = [make("u", summary_html="Code: https://github.com/org/repo and http://old.example")]
    assert ids("https://github.com/org", papers) == ["u"]
    assert ids("http://old", papers) == ["u"]
    assert ids("https://gitlab.com", papers) == []


# ------------------------------------------------------------------------- operators


def test_negation_of_words_phrases_fields_and_groups() -> None:
    assert ids("-graph", LIBRARY) == ["b", "c"]
    assert ids('-"language models"', LIBRARY) == ["a", "c"]
    assert ids("models -cat:cs.CV", LIBRARY) == ["b"]
    assert ids("-(graph OR survey)", LIBRARY) == ["b"]
    assert ids("--graph", LIBRARY) == ["a"]  # a double negation cancels


def test_and_binds_tighter_than_or() -> None:
    papers = [make("ab", "alpha beta"), make("c", "gamma"), make("ac", "alpha gamma"), make("b", "beta")]
    assert ids("alpha beta OR gamma", papers) == ["ab", "c", "ac"]
    assert ids("alpha (beta OR gamma)", papers) == ["ab", "ac"]
    assert ids("beta OR gamma -alpha", papers) == ["ab", "c", "b"]  # (beta) OR (gamma -alpha)
    assert ids("(beta OR gamma) -alpha", papers) == ["c", "b"]
    assert ids("alpha OR beta OR gamma", papers) == ["ab", "c", "ac", "b"]
    assert ids("((alpha))", papers) == ["ab", "ac"]


# ------------------------------------------------------------------------- fields


def test_title_author_affil_kw_fields_only_search_their_field() -> None:
    assert ids("title:language", LIBRARY) == ["b"]  # "language" is in c's summary only
    assert ids("author:muller", LIBRARY) == ["a"]
    assert ids('author:"de la cruz"', LIBRARY) == ["b"]
    assert ids("author:graph", LIBRARY) == []
    assert ids("affil:zurich", LIBRARY) == ["a"]
    assert ids("kw:agent", LIBRARY) == ["b"]
    assert ids("Title:GRAPH", LIBRARY) == ["a"]  # field names ignore case too


def test_a_field_value_never_matches_across_two_authors() -> None:
    assert ids('author:"de la cruz jane"', LIBRARY) == []
    assert ids('author:"jane roe"', LIBRARY) == ["b"]


def test_cat_is_a_case_insensitive_prefix_of_any_category() -> None:
    assert ids("cat:cs.LG", LIBRARY) == ["a"]
    assert ids("cat:cs", LIBRARY) == ["a", "b", "c"]
    assert ids("cat:q-bio", LIBRARY) == ["a"]
    assert ids("cat:stat.ml", LIBRARY) == ["c"]  # not the primary category
    assert ids("cat:LG", LIBRARY) == []  # prefix, not substring


def test_feed_is_a_substring_of_any_feed() -> None:
    papers = [
        make("1", feeds=["https://rss.arxiv.org/rss/cs.LG", "https://ftxj.github.io/zh/index.xml"]),
        make("2", feeds=["/home/me/feeds/biorxiv.xml"]),
    ]
    assert ids("feed:ftxj", papers) == ["1"]
    assert ids("feed:biorxiv.xml", papers) == ["2"]
    assert ids("feed:rss", papers) == ["1"]


def test_id_matches_paper_id_or_arxiv_id_by_prefix_or_substring() -> None:
    papers = [
        make("2401.12345", arxiv_id="2401.12345"),
        make("https://example.org/post/42", arxiv_id=None),
        make("2402.00001", arxiv_id="2402.00001"),
    ]
    assert ids("id:2401", papers) == ["2401.12345"]
    assert ids("id:12345", papers) == ["2401.12345"]
    assert ids("id:post/42", papers) == ["https://example.org/post/42"]
    assert ids("id:24", papers) == ["2401.12345", "2402.00001"]
    assert ids("2402.00001", papers) == ["2402.00001"]  # a pasted arXiv id works bare too


# ------------------------------------------------------------------------- states


def test_read_and_star_states_come_from_the_state_callable() -> None:
    papers = [make("r"), make("s"), make("rs"), make("n")]
    ctx = context(
        {
            "r": PaperState(read=True),
            "s": PaperState(starred=True),
            "rs": PaperState(read=True, starred=True),
        }
    )
    assert ids("is:read", papers, ctx) == ["r", "rs"]
    assert ids("is:unread", papers, ctx) == ["s", "n"]
    assert ids("is:starred", papers, ctx) == ["s", "rs"]
    assert ids("is:unstarred", papers, ctx) == ["r", "n"]
    assert ids("is:unread is:starred", papers, ctx) == ["s"]
    assert ids("-is:read OR is:starred", papers, ctx) == ["s", "rs", "n"]
    assert ids("IS:Read", papers, ctx) == ["r", "rs"]


def test_is_new_matches_the_context_new_ids_and_nothing_when_unknown() -> None:
    papers = [make("1"), make("2"), make("3")]
    assert ids("is:new", papers, context(new_ids={"2", "3"})) == ["2", "3"]
    assert ids("is:new", papers, context()) == []


def test_state_is_read_at_filter_time_not_parse_time() -> None:
    papers = [make("1"), make("2")]
    states: dict[str, PaperState] = {}
    ctx = context(states)
    query, index, rows = parse_query("is:unread"), SearchIndex(), rows_of(papers)
    assert found(index, query, rows, ctx) == ["1", "2"]
    states["1"] = PaperState(read=True)
    assert found(index, query, rows, ctx) == ["2"]


# ------------------------------------------------------------------------- dates


DATED = [
    make("old", published=datetime(2026, 4, 30, 23, 59, tzinfo=UTC)),
    make("may1", published=datetime(2026, 5, 1, 0, 0, tzinfo=UTC)),
    make("may20", published=datetime(2026, 5, 20, 8, 0, tzinfo=UTC)),
    make("recent", published=NOW - timedelta(hours=5)),
    make("undated"),
]


def test_after_is_on_or_after_the_day_and_before_is_strictly_before() -> None:
    assert ids("after:2026-05-01", DATED) == ["may1", "may20", "recent"]
    assert ids("before:2026-05-01", DATED) == ["old"]
    assert ids("after:2026-05-01 before:2026-05-21", DATED) == ["may1", "may20"]
    assert ids("after:2026-5-20", DATED) == ["may20", "recent"]


def test_partial_dates_mean_the_first_day_of_the_month_or_year() -> None:
    assert ids("after:2026-05", DATED) == ["may1", "may20", "recent"]
    assert ids("before:2026-05", DATED) == ["old"]
    assert ids("before:2026", DATED) == []
    assert ids("after:2026", DATED) == ["old", "may1", "may20", "recent"]


def test_the_day_is_the_one_the_feed_gave_in_its_own_offset() -> None:
    # 23:30 on 30 April in New York is already 1 May in UTC; the feed said 30 April.
    eastern = timezone(timedelta(hours=-4))
    papers = [make("ny", published=datetime(2026, 4, 30, 23, 30, tzinfo=eastern))]
    assert ids("before:2026-05-01", papers) == ["ny"]


def test_since_counts_back_from_now_in_hours_days_and_weeks() -> None:
    assert ids("since:6h", DATED) == ["recent"]
    assert ids("since:4h", DATED) == []
    assert ids("since:12d", DATED) == ["recent"]  # may20 is 12 days and 4 hours ago
    assert ids("since:13d", DATED) == ["may20", "recent"]
    assert ids("since:2w", DATED) == ["may20", "recent"]
    assert ids("since:5W", DATED) == ["old", "may1", "may20", "recent"]
    later = context(now=NOW + timedelta(days=2))
    assert ids("since:1d", DATED, later) == []
    assert ids("since:2026-05-20", DATED) == ["may20", "recent"]  # a date works like after:


def test_undated_papers_never_match_a_date_term_but_do_match_its_negation() -> None:
    for text in ("after:1900-01-01", "before:2999-01-01", "since:9999w"):
        assert "undated" not in ids(text, DATED)
    assert ids("-after:2026-05-01", DATED) == ["old", "undated"]


def test_naive_datetimes_are_taken_as_utc_and_never_crash_comparisons() -> None:
    papers = [make("naive", published=datetime(2026, 6, 1, 10, 0))]
    assert ids("since:3h", papers) == ["naive"]
    assert ids("since:1h", papers) == []
    assert ids("since:3h", papers, context(now=datetime(2026, 6, 1, 12, 0))) == ["naive"]


# ------------------------------------------------------------------------- empty query and errors


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_blank_query_matches_everything(text: str) -> None:
    query = parse_query(text)
    assert query.is_empty
    assert ids(text, LIBRARY) == ["a", "b", "c"]


def test_a_query_remembers_its_text() -> None:
    query = parse_query("graph -survey")
    assert isinstance(query, Query)
    assert query.text == "graph -survey"
    assert not query.is_empty


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"graph neural', "unclosed quote"),
        ('author:"de la', "unclosed quote"),
        ("(graph OR survey", "missing ')'"),
        ("(", "missing ')'"),
        ("graph)", "unmatched ')'"),
        ("()", "empty ( )"),
        ("graph OR", "empty OR"),
        ("OR graph", "empty OR"),
        ("graph OR OR survey", "empty OR"),
        ("(graph OR)", "empty OR"),
        ("graph -", "nothing after '-'"),
        ("- graph", "nothing after '-'"),
        ("-(", "missing ')'"),
        ("graph -)", "nothing after '-'"),
        ("foo:bar", "unknown field 'foo:'"),
        ("Titel:graph", "unknown field 'Titel:'"),
        ("title:", "'title:' needs a value"),
        ('author:""', "'author:' needs a value"),
        ('""', "empty quotes"),
        ("after:2026-13", "bad date 'after:2026-13'"),
        ("before:2026-02-30", "bad date 'before:2026-02-30'"),
        ("after:yesterday", "bad date 'after:yesterday'"),
        ("since:7x", "bad span 'since:7x'"),
        ("since:d", "bad span 'since:d'"),
        ("is:important", "unknown state 'is:important'"),
    ],
)
def test_malformed_queries_say_what_is_wrong_in_a_few_words(text: str, message: str) -> None:
    assert message in error_of(text)


def test_error_messages_stay_short_for_long_input() -> None:
    assert len(error_of("after:" + "9" * 500)) < 80
    assert len(error_of("x" * 300 + ":value")) < 80


def test_deep_nesting_is_a_query_error_not_a_crash() -> None:
    assert "nested" in error_of("(" * 5000 + "a" + ")" * 5000)
    assert ids("-" * 10_001 + "graph", LIBRARY) == ["b", "c"]  # odd count: negated
    assert ids("(" * 10 + "graph" + ")" * 10, LIBRARY) == ["a"]


def test_query_error_is_a_value_error() -> None:
    assert issubclass(QueryError, ValueError)


# ------------------------------------------------------------------------- normalisation helpers


def test_normalize_folds_case_accents_compatibility_forms_and_whitespace() -> None:
    assert normalize("  Jürgen   MÜLLER\n") == "jurgen muller"
    assert normalize("Straße") == "strasse"
    assert normalize("ＡＢＣ１２３") == "abc123"
    assert normalize("ﬁne") == "fine"
    assert normalize("Crème Brûlée") == "creme brulee"
    assert normalize("智能体") == "智能体"
    assert normalize("e\u0301") == normalize("é") == "e"
    assert normalize("𝐁old") == "bold"  # mathematical bold letters (astral) fold to ASCII


def test_normalize_drops_marks_beyond_the_basic_plane() -> None:
    # U+1D167 MUSICAL SYMBOL COMBINING TREMOLO-1 is a combining mark above U+FFFF.
    assert normalize("a\U0001d167b 🙂") == "ab 🙂"


def test_every_combining_mark_is_dropped() -> None:
    import unicodedata

    marks = [chr(c) for c in range(0x110000) if unicodedata.combining(chr(c))]
    assert len(marks) > 500
    folded = normalize("x".join(marks))
    assert set(folded) == {"x"}, {hex(ord(c)) for c in folded if c != "x"}


def test_html_to_text_strips_tags_and_unescapes_entities() -> None:
    assert html_to_text("<p>One&nbsp;two</p><p>three</p>") == "One two three"
    assert html_to_text("<b>Trans</b>former &amp; <i>friends</i>") == "Transformer & friends"
    assert html_to_text("a<!-- hidden -->b<script>var x = 1;</script>c") == "abc"
    assert html_to_text("x < y and y > z") == "x < y and y > z"
    assert html_to_text("plain text") == "plain text"
    assert html_to_text("a<br/>b<img src='fig.png' alt='fig'>c") == "a b c"


# ------------------------------------------------------------------------- the index


def test_filter_preserves_the_given_order() -> None:
    papers = [make(str(i), f"paper {i} graph") for i in (5, 3, 9, 1)]
    assert ids("graph", papers) == ["5", "3", "9", "1"]
    assert ids("graph", papers[::-1]) == ["1", "9", "3", "5"]


def test_a_reloaded_library_is_searched_afresh() -> None:
    """A paper changed on disk comes back in a new list of rows (the store's reload): the index
    searches the new list, not what it remembered of the last, even in the middle of a word."""
    index, ctx = SearchIndex(), context()
    old = rows_of([make("p", "Graph models"), make("q", "Diffusion graphs")])
    assert found(index, parse_query("diff"), old, ctx) == ["q"]
    new = rows_of([make("p", "Diffusion models"), make("q", "Diffusion graphs")])
    assert found(index, parse_query("diffusion"), new, ctx) == ["p", "q"]
    assert index.filter_rows(parse_query("models"), new, ctx)[0] is new[0]
    assert found(index, parse_query("graph"), old, ctx) == ["p", "q"]


def test_typing_a_word_letter_by_letter_gives_the_same_results_as_a_fresh_search() -> None:
    papers = [
        make(str(i), title)
        for i, title in enumerate(["transformer", "transport", "trans fats", "tram", "transformers"])
    ]
    index, ctx, rows = SearchIndex(), context(), rows_of(papers)
    typed = ["t", "tr", "tra", "tran", "trans", "transf", "transfo", "transformers", "transformer", "tram"]
    for text in typed:
        assert found(index, parse_query(text), rows, ctx) == ids(text, papers)


def test_a_blank_query_lets_every_row_through() -> None:
    rows = rows_of([make("1", "graph"), make("2", "tree")])
    assert SearchIndex().filter_rows(parse_query("  "), rows, context()) == rows


def test_fields_are_normalised_once_for_matching() -> None:
    fields = PaperFields(LIBRARY[0])
    assert "jurgen muller" in fields.authors
    assert "message passing & pooling" in fields.hay
    assert fields.categories.startswith("\ncs.lg")


# Papers whose names keep a character wider than their summary's after folding (ł, ı): the index keeps
# their short fields apart from the summary text, which must not change what matches.
WIDE = [
    make(
        "w1",
        "Sparse Attention at Scale",
        authors=["Michał Kowalski", "Ayşe Yılmaz"],
        keywords=["attention"],
        categories=["cs.LG"],
        summary_html="<p>We scale <i>sparse</i> attention to long documents.</p>",
    ),
    make("w2", "Łódź Dataset", authors=["Jan Nowak"], summary_html="<p>Street scenes from Poland.</p>"),
    make("n1", "Dense attention", authors=["Mika Kowalski"], summary_html="<p>Michal wrote the code.</p>"),
    make("x", "Other", arxiv_id="2601.00001", summary_html="<p>Nothing about łódź or Michał here.</p>"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("michał", ["w1", "x"]),
        ("michal", ["n1"]),
        ("author:yılmaz", ["w1"]),
        ("author:kowalski", ["w1", "n1"]),
        ("title:łódź", ["w2"]),
        ("łódź", ["w2", "x"]),
        ("attention", ["w1", "n1"]),
        ("kw:attention", ["w1"]),
        ("title:sparse", ["w1"]),
        ('"sparse attention"', ["w1"]),
        ("street poland", ["w2"]),
        ("cat:cs", ["w1"]),
        ("id:w", ["w1", "w2"]),
        ("id:2601", ["x"]),
        ("michał OR street", ["w1", "w2", "x"]),
        ("-author:kowalski attention", []),
        ("author:michał -title:dense", ["w1"]),
    ],
)
def test_names_wider_than_their_summary_match_like_any_other(text: str, expected: list[str]) -> None:
    assert ids(text, WIDE) == expected


def test_typing_over_papers_with_wide_names_narrows_correctly() -> None:
    index, ctx, rows = SearchIndex(), context(), rows_of(WIDE)
    for text in ["m", "mi", "mic", "mich", "micha", "michał", "michał k", "michał kowalski"]:
        assert found(index, parse_query(text), rows, ctx) == ids(text, WIDE)


def test_one_wide_name_does_not_widen_a_long_ascii_summary() -> None:
    """An index of papers with ASCII summaries stays about one byte per summary character, even when
    every paper has an author whose name keeps a two-byte character (``ł``) after folding."""
    import tracemalloc

    words = "sparse attention scales to long documents with linear memory and time "
    papers = [
        make(f"p{i}", f"Paper {i}", authors=["Michał Kowalski"], summary_html=f"<p>{words * 60}</p>")
        for i in range(200)
    ]
    summary_chars = sum(len(p.summary_html) for p in papers)
    tracemalloc.start()
    try:
        rows = rows_of(papers)
        used = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert used < 1.3 * summary_chars, (used, summary_chars, len(rows))
    assert ids("author:michał", papers[:3]) == ["p0", "p1", "p2"]


# ------------------------------------------------------------------------- properties

FIELD_PREFIXES = ["title:", "author:", "affil:", "cat:", "kw:", "feed:", "id:", "is:", "after:", "before:"]
FIELD_PREFIXES += ["since:", "foo:", "http:", "https://"]
WORDS = ["graph", "Müller", "智能体", "2026-05-01", "7d", "read", "cs.LG", "a", "ß", "new", "2026-13"]
TOKENS = ["(", ")", '"', "“", "”", "-", "OR", "or", " ", " ", " ", *FIELD_PREFIXES, *WORDS]

query_texts = st.lists(st.sampled_from(TOKENS), max_size=14).map("".join) | st.lists(
    st.sampled_from(TOKENS), max_size=10
).map(" ".join)

VALUES = ["graph", "müller", "智能", "a", "cs", '"de la"', "1", "x"]
terms = (
    st.sampled_from([*WORDS, '"graph a"', '"智能体"'])
    | st.tuples(
        st.sampled_from(["title:", "author:", "affil:", "kw:", "feed:", "id:", "cat:"]),
        st.sampled_from(VALUES),
    ).map("".join)
    | st.sampled_from(["is:read", "is:unread", "is:starred", "is:unstarred", "is:new"])
    | st.sampled_from(["after:2026-05-01", "before:2026-05", "since:3d", "since:2w", "after:1999"])
)
valid_queries = st.recursive(
    terms | terms.map("-".__add__),
    lambda inner: (
        st.tuples(inner, inner).map(" ".join)
        | st.tuples(inner, inner).map(" OR ".join)
        | inner.map("({})".format)
        | inner.map("-({})".format)
    ),
    max_leaves=8,
)

offsets = st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23)).map(timezone)
datetimes = st.datetimes(timezones=st.none() | offsets)
short_text = st.text(max_size=20) | st.sampled_from(WORDS)

papers = st.builds(
    Paper,
    id=st.text(min_size=1, max_size=12),
    title=short_text,
    arxiv_id=st.none() | st.text(max_size=12),
    authors=st.lists(short_text, max_size=3),
    affiliations=st.lists(short_text, max_size=2),
    categories=st.lists(st.sampled_from(["cs.LG", "cs.CL", "stat.ML"]) | st.text(max_size=8), max_size=3),
    keywords=st.lists(short_text, max_size=2),
    summary_html=st.text(max_size=60) | st.sampled_from(["<p>智能体 graph</p>", "<b>x</b>&amp;y", "<"]),
    published=st.none() | datetimes,
    feeds=st.lists(st.text(max_size=15), max_size=2),
)

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse_or_none(text: str) -> Query | None:
    try:
        return parse_query(text)
    except QueryError as error:
        assert str(error), "an error must say something"
        assert "\n" not in str(error)
        return None


@FAST
@given(st.text())
def test_any_text_parses_or_raises_only_query_error(text: str) -> None:
    parse_or_none(text)


@FAST
@given(query_texts)
def test_token_soup_parses_or_raises_only_query_error(text: str) -> None:
    parse_or_none(text)


@FAST
@given(valid_queries)
def test_well_formed_queries_always_parse(text: str) -> None:
    assert not parse_query(text).is_empty


def states_for(paper_ids: Iterable[str]) -> dict[str, PaperState]:
    return {pid: PaperState(read=i % 2 == 0, starred=i % 3 == 0) for i, pid in enumerate(paper_ids)}


@FAST
@given(valid_queries | query_texts, st.lists(papers, max_size=4), datetimes)
def test_parsed_queries_never_raise_while_matching_and_the_index_agrees(
    text: str, library: list[Paper], now: datetime
) -> None:
    query = parse_or_none(text)
    if query is None:
        return
    ctx = context(states_for(p.id for p in library), new_ids=[p.id for p in library[:1]], now=now)
    expected = [p.id for p in library if query.matches(p, ctx)]
    assert found(SearchIndex(), query, rows_of(library), ctx) == expected


@FAST
@given(
    st.lists(
        st.sampled_from(["graph", "gra", "智能", "智能体", "cat:cs", "cat:cs.l", "is:read", "-a"]), min_size=1
    )
)
def test_narrowing_while_typing_always_equals_a_fresh_search(texts: list[str]) -> None:
    library = [
        make("1", "graph", categories=["cs.LG"], summary_html="智能体"),
        make("2", "graph a", categories=["cs.CL"]),
        make("3", "grammar", summary_html="智能"),
        make("4", "paragraph", categories=["stat.ML"]),
    ]
    ctx = context(states_for(["1", "3"]))
    index, rows = SearchIndex(), rows_of(library)
    typed = ""
    for text in texts:
        typed = f"{typed} {text}" if len(typed) < 40 else text
        query = parse_query(typed)
        assert found(index, query, rows, ctx) == found(SearchIndex(), query, rows, ctx)


@FAST
@given(st.text(alphabet=string.ascii_letters + "ÄäÖöÜüßéèçñ智能体 ", max_size=30))
def test_a_quoted_title_always_finds_its_own_paper(title: str) -> None:
    if '"' in title or not title.strip():
        return
    paper = make("p", title)
    assert ids(f'"{title}"', [paper]) == ["p"]
    assert ids(f'title:"{title.upper()}"', [paper]) == ["p"]


def test_extreme_dates_do_not_break_date_terms() -> None:
    # Year 1 and year 9999 with offsets overflow POSIX timestamps; the day terms still work.
    extremes = [
        make("min", published=datetime.min.replace(tzinfo=timezone(timedelta(hours=5)))),
        make("max", published=datetime.max.replace(tzinfo=timezone(timedelta(hours=-5)))),
        make("day", published=datetime.combine(date(2026, 5, 1), datetime.min.time())),
    ]
    assert ids("since:1w", extremes) == ["max"]  # a future date counts as recent
    assert ids("before:2000-01-01", extremes) == ["min"]
    assert ids("after:9999-12-31", extremes) == ["max"]

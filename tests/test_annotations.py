"""Tags and notes: their shape, the query words that find them, their exports and the CLI that sets them."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reader_tui import cite
from reader_tui.annotations import clean_tags, known_tags, parse_tags
from reader_tui.model import Paper, PaperState
from reader_tui.paper_fields import PaperFields
from reader_tui.query import QueryError, parse_query
from reader_tui.query_match import MatchContext
from reader_tui.search_index import SearchIndex

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
DIGEST = FEEDS / "ftxj-2026-05-29.xml"
KNOWN_ID = "2605.30102"

Run = Callable[..., tuple[int, str, str]]

PAPERS = [
    Paper(id="a", title="Speculative decoding", arxiv_id="2601.00001", summary_html="<p>Draft models.</p>"),
    Paper(id="b", title="Protein folding", summary_html="<p>Structure from sequence.</p>"),
    Paper(id="c", title="Glacier retreat", summary_html="<p>Satellite images.</p>"),
]
STATES = {
    "a": PaperState(tags=("LLM", "to read"), note="Strong **baseline**; compare with Medusa."),
    "b": PaperState(tags=("Biologie",)),
    "c": PaperState(note="Ask Olga about the glacier data"),
}


def ids(query: str, states: dict[str, PaperState] = STATES) -> list[str]:
    context = MatchContext(
        now=datetime(2026, 6, 1, tzinfo=UTC),
        state_of=lambda pid: states.get(pid, PaperState()),
        notes={pid: state.note for pid, state in states.items() if state.note},
    )
    return matching(query, context)


def matching(query: str, context: MatchContext) -> list[str]:
    rows = [PaperFields(paper) for paper in PAPERS]
    return [row.paper_id for row in SearchIndex().filter_rows(parse_query(query), rows, context)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tag:llm", ["a"]),  # case-insensitive
        ('tag:"to read"', ["a"]),
        ("tag:biologie", ["b"]),
        ("tag:bio", []),  # a whole tag, not a prefix of one
        ("-tag:llm", ["b", "c"]),
        ("has:note", ["a", "c"]),
        ("has:tag", ["a", "b"]),
        ("-has:note", ["b"]),
        ("note:medusa", ["a"]),
        ("medusa", ["a"]),  # bare words search notes too
        ("baseline draft", ["a"]),  # one word in the note, one in the paper
        ("olga OR folding", ["b", "c"]),
        ("-medusa", ["b", "c"]),  # and a negated word excludes by the note
        ("glacier -olga", []),
        ("satellite", ["c"]),
    ],
)
def test_query_words_find_tags_and_notes(query: str, expected: list[str]) -> None:
    assert ids(query) == expected


def test_notes_are_not_searched_when_the_caller_gives_none() -> None:
    context = MatchContext(
        now=datetime(2026, 6, 1, tzinfo=UTC), state_of=lambda pid: STATES.get(pid, PaperState())
    )
    assert matching("medusa", context) == []
    # ...but note: and has:note still read the state itself.
    assert matching("note:medusa", context) == ["a"]
    assert matching("has:note", context) == ["a", "c"]


@pytest.mark.parametrize("query", ["has:", "has:pdf", "tag:", "note:"])
def test_bad_tag_and_note_words_are_query_errors(query: str) -> None:
    with pytest.raises(QueryError):
        parse_query(query)


def test_tags_are_single_lines_without_repeats() -> None:
    assert clean_tags(["LLM", "llm", " to  read ", "", "\x1b[2Jx", "a\nb", "t" * 100]) == (
        "LLM",
        "to read",
        "x",  # the escape sequence removed whole
        "a b",
        "t" * 60,
    )
    assert parse_tags("llm, to read,,LLM") == ("llm", "to read")
    assert known_tags({"x": ("b", "a"), "y": ("a",)}) == ["a", "b"]


def test_exports_carry_tags_and_note() -> None:
    paper = PAPERS[0]
    bib = cite.export([paper], "bibtex", STATES)
    assert "      keywords={LLM, to read}," in bib
    assert "      note={Strong **baseline**; compare with Medusa.}," in bib
    ris = cite.export([paper], "ris", STATES)
    assert "KW  - LLM\nKW  - to read\n" in ris and "N1  - Strong **baseline**; compare with Medusa.\n" in ris
    rows = json.loads(cite.export(PAPERS, "json", STATES))
    assert rows[0]["tags"] == ["LLM", "to read"] and rows[0]["note"].startswith("Strong")
    assert rows[2]["tags"] == [] and rows[1]["note"] == ""
    assert "keywords" not in cite.export([paper], "bibtex") and "KW  -" not in cite.export([paper], "ris")


def test_hostile_tags_and_notes_stay_inside_their_bibtex_field() -> None:
    state = PaperState(tags=("a}, title={evil", "50% & more"), note="}\n@misc{injected,\x1b]52;c;x\x07")
    bib = cite.bibtex(PAPERS[0], None, state)
    assert bib.count("@misc{") == 1 and "\x1b" not in bib and "\x07" not in bib
    keywords = next(line for line in bib.splitlines() if "keywords=" in line)
    assert keywords.count("{") == keywords.count("}") == 1
    assert "50\\% \\& more" in keywords


def test_cli_tags_notes_search_and_export(run: Run) -> None:
    assert run("list", str(DIGEST))[0] == 0
    code, out, err = run(
        "mark", KNOWN_ID, "--tag", "agents", "--tag", "to read", "--note", "Compare with *AutoGen*"
    )
    assert code == 0, err
    assert out.strip() == f"{KNOWN_ID}: unread, tags: agents, to read, has a note"
    code, out, _ = run("mark", KNOWN_ID, "--untag", "TO READ")
    assert "tags: agents," in out and "to read" not in out
    for query in ("tag:agents", "has:note", "autogen", "note:compare"):
        code, out, _ = run("list", "--query", query)
        assert [line[14:].split()[0] for line in out.splitlines()] == [KNOWN_ID], query
    code, out, _ = run("show", KNOWN_ID)
    assert "tags: agents\n" in out and "note:\n    Compare with *AutoGen*" in out
    code, out, _ = run("export", "--query", "tag:agents", "--format", "bibtex")
    assert "keywords={agents}" in out and "note={Compare with *AutoGen*}" in out
    code, out, _ = run("mark", KNOWN_ID, "--note", "")
    assert "has a note" not in out
    assert run("list", "--query", "has:note")[1] == ""

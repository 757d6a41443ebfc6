"""Paper reads, compares, copies and merges its summary as plain HTML, whether it holds the text or
reads it from the store's cache on demand (``summary_source``)."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from reader_tui.model import Paper

ABSTRACT = "<p>We study <b>message passing</b> on graphs; Müller &amp; 王伟 show bounds.</p>\n" * 30
SHORT = "<p>Short.</p>"


def cached(text: str) -> dict[str, str]:
    """A stand-in for the store's cache: summaries by paper id, read when asked for."""
    return {"a": text}


def test_summary_html_reads_back_what_was_given() -> None:
    assert Paper(id="a", title="A", summary_html=ABSTRACT).summary_html == ABSTRACT
    assert Paper(id="c", title="C").summary_html == ""


def test_a_summary_held_by_a_reader_is_read_on_each_access() -> None:
    reads: list[str] = []

    def read(paper_id: str) -> str:
        reads.append(paper_id)
        return cached(ABSTRACT)[paper_id]

    paper = Paper(id="a", title="A", summary_source=read)
    assert reads == []  # nothing read until it is shown
    assert paper.summary_html == ABSTRACT and reads == ["a"]
    assert paper == Paper(id="a", title="A", summary_html=ABSTRACT)
    assert paper != Paper(id="a", title="A", summary_html=SHORT)
    assert paper.to_dict()["summary_html"] == ABSTRACT


@given(st.text(max_size=400))
def test_any_text_round_trips(text: str) -> None:
    assert Paper(id="x", title="", summary_html=text).summary_html == text


def test_positional_construction_keeps_the_field_order() -> None:
    paper = Paper("id", "Title", "id", 2, ["Ann"], [], ["cs.LG"], [], ABSTRACT)
    assert (paper.version, paper.authors, paper.categories, paper.summary_html) == (
        2,
        ["Ann"],
        ["cs.LG"],
        ABSTRACT,
    )


def test_replace_changes_or_keeps_the_summary() -> None:
    paper = Paper(id="a", title="A", summary_html=ABSTRACT)
    assert dataclasses.replace(paper).summary_html == ABSTRACT
    assert dataclasses.replace(paper, title="B").summary_html == ABSTRACT
    # mypy's dataclass plugin only knows fields, not the hand-written __init__; at run time this works.
    assert dataclasses.replace(paper, summary_html=SHORT).summary_html == SHORT  # type: ignore[call-arg]
    assert dataclasses.replace(paper, summary_html="").summary_html == ""  # type: ignore[call-arg]


def test_equality_is_by_summary_text() -> None:
    one = Paper(id="a", title="A", summary_html=ABSTRACT)
    assert one == Paper(id="a", title="A", summary_html=ABSTRACT)
    assert one != Paper(id="a", title="A", summary_html=ABSTRACT + " ")
    assert one != Paper(id="a", title="Other", summary_html=ABSTRACT)


def test_merge_fills_a_missing_summary_and_keeps_a_present_one() -> None:
    bare = Paper(id="a", title="A", feeds=["f1"])
    full = Paper(id="a", title="A", summary_html=ABSTRACT, feeds=["f2"])
    assert bare.merge(full).summary_html == ABSTRACT
    assert full.merge(bare).summary_html == ABSTRACT
    other = Paper(id="a", title="A", summary_html=SHORT)
    assert full.merge(other).summary_html == ABSTRACT  # this copy's summary wins
    assert bare.merge(full).feeds == ["f1", "f2"]


def test_to_dict_and_from_dict_carry_the_plain_html() -> None:
    paper = Paper(id="a", title="A", summary_html=ABSTRACT)
    data = paper.to_dict()
    assert data["summary_html"] == ABSTRACT and "summary_source" not in data
    assert Paper.from_dict(data) == paper

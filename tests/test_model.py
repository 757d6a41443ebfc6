"""Paper holds its summary compressed (it is most of a paper's memory) yet reads, compares, copies and
merges as if it held the plain HTML string."""

from __future__ import annotations

import dataclasses
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reader_tui.model import SUMMARY_INLINE_MAX, Paper, pack_summary

ABSTRACT = "<p>We study <b>message passing</b> on graphs; Müller &amp; 王伟 show bounds.</p>\n" * 30
SHORT = "<p>Short.</p>"


def test_summary_html_reads_back_what_was_given() -> None:
    paper = Paper(id="a", title="A", summary_html=ABSTRACT)
    assert paper.summary_html == ABSTRACT
    assert isinstance(paper.summary_packed, bytes)
    assert len(paper.summary_packed) < len(ABSTRACT.encode()) / 4  # what the library saves per paper
    assert Paper(id="b", title="B", summary_html=SHORT).summary_packed == SHORT  # short: held as is
    assert Paper(id="c", title="C").summary_html == ""


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=[]), max_size=400))
def test_any_text_round_trips(text: str) -> None:
    assert Paper(id="x", title="", summary_html=text).summary_html == text


def test_surrogates_round_trip() -> None:
    text = "<p>broken \ud800 pair</p>" * 20  # a lone surrogate, as a lax decoder may leave one
    assert len(text) >= SUMMARY_INLINE_MAX
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


def test_assigning_summary_html_packs_it() -> None:
    paper = Paper(id="a", title="A")
    paper.summary_html = ABSTRACT
    assert paper.summary_html == ABSTRACT and isinstance(paper.summary_packed, bytes)


def test_equality_is_by_summary_text() -> None:
    one = Paper(id="a", title="A", summary_html=ABSTRACT)
    assert one == Paper(id="a", title="A", summary_html=ABSTRACT)
    assert one != Paper(id="a", title="A", summary_html=ABSTRACT + " ")
    assert one != Paper(id="a", title="A", summary_html=SHORT)
    assert one != Paper(id="a", title="Other", summary_html=ABSTRACT)
    # The same text packed by another zlib build or level (another process, another version): equal.
    other_bytes = zlib.compress(ABSTRACT.encode(), 1, wbits=-15)
    assert other_bytes != one.summary_packed
    assert one == Paper(id="a", title="A", summary_packed=other_bytes)


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
    assert data["summary_html"] == ABSTRACT and "summary_packed" not in data
    assert Paper.from_dict(data) == paper


def test_a_damaged_packed_summary_reads_empty() -> None:
    assert Paper(id="a", title="A", summary_packed=b"not deflate").summary_html == ""


@pytest.mark.parametrize("text", ["", SHORT, ABSTRACT])
def test_pack_summary_keeps_short_text_as_is(text: str) -> None:
    packed = pack_summary(text)
    assert (packed == text) is (len(text) < SUMMARY_INLINE_MAX)

"""Invisible characters (zero-width, tag characters, fillers) are gone from what is shown, searched,
copied, exported and printed; the zero-width joiner inside emoji stays.

A title like ``Zero\\u200bwidth`` looks like "Zerowidth" but did not match ``zerowidth``; tag
characters (U+E0000-E007F) are drawn by some terminals as one cell each, so a row shifted and erased
the pane border.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader_tui import cite
from reader_tui.model import Links, Paper, PaperState
from reader_tui.paper_fields import PaperFields
from reader_tui.query import parse_query
from reader_tui.query_match import MatchContext
from reader_tui.safety import clean_line, clean_text
from reader_tui.search_index import SearchIndex

INVISIBLE = [
    "\u200b",  # zero-width space
    "\u200c",  # zero-width non-joiner
    "\u2060",  # word joiner
    "\ufeff",  # BOM / zero-width no-break space
    "\u00ad",  # soft hyphen
    "\u2061",  # invisible function application
    "\U000e0001",  # language tag
    "\U000e0041",  # tag latin capital A
    "\U000e007f",  # cancel tag
    "\u3164",  # Hangul filler
    "\u115f",  # Hangul choseong filler
    "\u1160",  # Hangul jungseong filler
    "\uffa0",  # halfwidth Hangul filler
    "\u034f",  # combining grapheme joiner
    "\u180e",  # Mongolian vowel separator
]
ALL_FORMAT = [
    chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf" and c != 0x200D
]


@pytest.mark.parametrize("char", INVISIBLE, ids=[f"U+{ord(c):04X}" for c in INVISIBLE])
def test_each_invisible_character_is_dropped(char: str) -> None:
    assert clean_text(f"Zero{char}width") == "Zerowidth"
    assert clean_line(f" {char}Zero{char}width{char} ") == "Zerowidth"


def test_every_format_character_but_the_joiner_is_dropped() -> None:
    """Checked against the running Python's Unicode database, not our own list."""
    kept = [f"U+{ord(ch):04X}" for ch in ALL_FORMAT if clean_text(f"a{ch}b") != "ab"]
    assert kept == []
    assert clean_line("👩\u200d🔬 team 🏴") == "👩\u200d🔬 team 🏴"  # ZWJ sequences and emoji stay


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.characters(codec="utf-8"), st.sampled_from(ALL_FORMAT))).map("".join))
def test_no_format_character_survives(text: str) -> None:
    cleaned = clean_text(text)
    assert not any(unicodedata.category(ch) == "Cf" and ch != "\u200d" for ch in cleaned)
    assert clean_text(cleaned) == cleaned


def hidden_paper() -> Paper:
    return Paper(
        id="2601.00002",
        arxiv_id="2601.00002",
        title="Zero\u200bwidth \U000e0041agents\u3164 for \ufefftriage",
        authors=["Ada\u2060 Love\u200clace", "\u200b", "\U000e0041\U000e007f", "{}", ",", "\\", " - "],
        summary_html="<p>Hidden\u200b text</p>",
        published=datetime(2026, 1, 2, tzinfo=UTC),
        links=Links(abs="https://arxiv.org/abs/2601.00002"),
    )


@pytest.mark.parametrize("query", ["zerowidth", "title:zerowidth", "author:lovelace", '"agents for triage"'])
def test_search_sees_through_invisible_characters(query: str) -> None:
    context = MatchContext(now=datetime(2026, 2, 1, tzinfo=UTC), state_of=lambda _id: PaperState())
    found = SearchIndex().filter_rows(parse_query(query), [PaperFields(hidden_paper())], context)
    assert [row.paper_id for row in found] == ["2601.00002"]


@pytest.mark.parametrize("fmt", cite.FORMATS)
def test_exports_carry_no_invisible_character_and_no_empty_name(fmt: str) -> None:
    text = cite.export([hidden_paper()], fmt)
    if fmt == "json":
        text = json.dumps(json.loads(text), ensure_ascii=False)
    assert not any(ch in text for ch in INVISIBLE), text
    assert "Zerowidth agents for triage" in text
    assert "Lovelace" in text
    assert " and  and " not in text and " and }" not in text and "and {}" not in text
    assert "AU  - \n" not in text and "AU  - ,\n" not in text and "AU  - {}" not in text


async def test_the_app_shows_no_invisible_character(harness: Any, reader_home: Path) -> None:
    store = harness.store()
    store.add_papers([hidden_paper()])
    app = harness.app(store=store)
    app._load_sample = False
    async with app.run_test(size=(120, 40)) as pilot:
        await harness.settle(pilot)
        screen = harness.screen_text(app)
        assert "Zerowidth agents for triage" in screen
        assert not any(ch in screen for ch in INVISIBLE)

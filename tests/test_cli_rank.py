"""Headless relevance as a user runs it: `list --sort relevance`, `similar`, `digest`, saved views."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from reader_tui.feeds import load_feed

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
LEGACY = FEEDS / "arxiv-rss-legacy-rdf-cs-2021-11-02.xml"

Run = Callable[..., tuple[int, str, str]]


def primary(category: str) -> list[str]:
    return [p.id for p in load_feed(str(LEGACY)).papers if p.primary_category == category]


@pytest.fixture
def library(run: Run) -> Run:
    """The legacy arXiv cs day (444 papers) in the library, nothing marked."""
    code, _, err = run("list", str(LEGACY))
    assert code == 0, err
    return run


def by_date_ids(out: str) -> list[str]:
    """Ids of ``list`` lines: marks (2), date (10), then the id."""
    return [line[14:].split()[0] for line in out.splitlines()]


def ranked_ids(out: str) -> list[str]:
    """Ids of ``list --sort relevance`` / ``similar`` lines: marks (2), score, then the id."""
    return [line[3:].split()[1] for line in out.splitlines()]


def star(run: Run, ids: list[str]) -> None:
    for paper_id in ids:
        assert run("mark", paper_id, "--star")[0] == 0


def test_relevance_with_nothing_starred_keeps_date_order_and_says_so(library: Run) -> None:
    _, by_date, _ = library("list")
    code, out, err = library("list", "--sort", "relevance")
    assert code == 0
    assert "nothing is starred" in err
    assert ranked_ids(out) == by_date_ids(by_date)


def test_relevance_json_ranks_the_starred_field_first_with_scores_and_reasons(library: Run) -> None:
    robots = primary("cs.RO")
    star(library, robots[:4])
    code, out, err = library("list", "--sort", "relevance", "--json")
    assert code == 0, err
    rows = json.loads(out)
    ids = [row["id"] for row in rows]
    assert not set(robots[:4]) & set(ids)  # the profile, not results
    top = rows[:10]
    assert sum(row["categories"][0] == "cs.RO" for row in top) >= 7
    assert all(isinstance(row["score"], float) and row["score"] > 0 for row in top)
    assert [row["score"] for row in rows[:50]] == sorted((row["score"] for row in rows[:50]), reverse=True)
    assert "cat: cs.RO" in top[0]["reasons"] and top[0]["reasons"].startswith("shares: ")


def test_relevance_text_lines_carry_score_and_reason_and_read_papers_come_last(library: Run) -> None:
    robots = primary("cs.RO")
    star(library, robots[:4])
    assert library("mark", robots[4], "--read")[0] == 0
    code, out, _ = library("list", "--sort", "relevance", "--query", "cat:cs.RO")
    lines = out.splitlines()
    assert code == 0 and len(lines) == len(robots) - 4
    assert ranked_ids(out)[-1] == robots[4]  # read: after every unread paper, however alike
    first = lines[0]
    assert first.startswith("N ") and float(first.split()[1]) > 0 and first.endswith("]")


def test_similar_lists_papers_like_one_with_reasons(library: Run) -> None:
    vision = primary("cs.CV")
    code, out, err = library("similar", vision[0], "--top", "5", "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert len(rows) == 5 and vision[0] not in [row["id"] for row in rows]
    assert sum(row["categories"][0] == "cs.CV" for row in rows) >= 3
    assert all(row["reasons"] for row in rows)
    code, out, _ = library("similar", vision[0], "--top", "2")
    assert code == 0 and len(out.splitlines()) == 2


def test_similar_of_an_unknown_paper_fails_in_one_line(library: Run) -> None:
    code, out, err = library("similar", "no-such-id")
    assert code == 1 and out == "" and err.startswith("reader-tui: no paper")


def test_digest_reports_new_papers_once_best_first(library: Run) -> None:
    star(library, primary("cs.CL")[:4])
    code, out, err = library("digest", "--top", "3", "--dry-run")
    assert code == 0, err
    assert out.startswith("# Papers new since the last digest")
    assert out.count("\n1. [") == 1 and "\n3. [" in out and "\n4. [" not in out
    assert "best first" in out and "*shares: " in out
    code, delivered, _ = library("digest", "--top", "3", "--format", "json")
    assert code == 0 and len(json.loads(delivered)) == 3
    # The digest was delivered (no --dry-run): the next one has nothing new, as a cron job would want.
    code, out, _ = library("digest", "--format", "json")
    assert code == 0 and json.loads(out) == []
    code, out, _ = library("digest")
    assert "Nothing new." in out


def test_views_save_list_filter_and_remove(library: Run) -> None:
    code, out, err = library("view", "add", "Robots", "cat:cs.RO -survey")
    assert code == 0, err
    assert out.startswith("saved view 'Robots'")
    assert library("view", "add", "nlp", "cat:cs.CL")[0] == 0
    code, out, _ = library("view", "list", "--json")
    views = json.loads(out)
    assert [v["name"] for v in views] == ["Robots", "nlp"]
    _, matching, _ = library("list", "--query", "cat:cs.RO -survey")
    expected = by_date_ids(matching)
    assert views[0]["unread"] == len(expected) > 0
    code, out, _ = library("list", "--view", "robots")  # names match regardless of case
    assert code == 0 and by_date_ids(out) == expected
    code, out, _ = library("list", "--view", "robots", "--query", "grasp")  # both must match
    assert code == 0 and 0 < len(out.splitlines()) < len(expected)
    # Saving a name again replaces its query, in place.
    assert library("view", "add", "ROBOTS", "robot")[0] == 0
    code, out, _ = library("view", "list")
    assert out.splitlines()[0].split()[0] == "ROBOTS" and out.splitlines()[0].endswith("robot")
    assert library("view", "remove", "robots")[0] == 0
    code, out, _ = library("view", "list", "--json")
    assert [v["name"] for v in json.loads(out)] == ["nlp"]


def test_a_views_unread_count_is_what_its_list_shows_notes_included(library: Run) -> None:
    """A bare word finds a paper by its note in the filter, so the view's count counts it too."""
    _, out, _ = library("list")
    first = by_date_ids(out)[0]
    assert library("mark", first, "--note", "zyzzyva baseline")[0] == 0
    assert library("view", "add", "mine", "zyzzyva")[0] == 0
    _, listed, _ = library("list", "--view", "mine")
    assert by_date_ids(listed) == [first]
    code, out, _ = library("view", "list", "--json")
    assert code == 0 and json.loads(out) == [{"name": "mine", "query": "zyzzyva", "unread": 1}]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("view", "add", "x", "title:"), "bad query"),
        (("view", "add", "   ", "robot"), "a view needs a name"),
        (("view", "add", "n" * 41, "robot"), "at most 40"),
        (("view", "remove", "nope"), "no view named 'nope'"),
        (("list", "--view", "nope"), "no view named 'nope'"),
        (("digest", "--view", "nope"), "no view named 'nope'"),
    ],
)
def test_view_mistakes_fail_in_one_line(library: Run, argv: tuple[str, ...], message: str) -> None:
    code, out, err = library(*argv)
    assert code == 1 and out == ""
    assert len(err.splitlines()) == 1 and message in err


def test_bad_counts_are_usage_errors(library: Run) -> None:
    assert library("digest", "--top", "0")[0] == 2
    assert library("similar", "x", "--top", "many")[0] == 2

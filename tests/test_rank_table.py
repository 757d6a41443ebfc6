"""The relevance index kept between sessions: a saved and updated term table ranks as a fresh build,
follows what another process writes, and is never read when damaged or built by other term code."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from reader_tui.feeds import parse_feed
from reader_tui.model import Paper
from reader_tui.relevance import Relevance, saved_table
from reader_tui.store import Store
from reader_tui.term_table import FORMAT, TermTable

LEGACY = Path(__file__).parent / "fixtures" / "feeds" / "arxiv-rss-legacy-rdf-cs-2021-11-02.xml"
PAPERS = [p for p in parse_feed(LEGACY.read_bytes(), "legacy").papers if p.is_paper]
ROBOTS = [p.id for p in PAPERS if p.primary_category == "cs.RO"][:5]


def ranking(relevance: Relevance, top: int = 30) -> list[tuple[str, float]]:
    ranked = relevance.index.rank(relevance.index.profile(ROBOTS), top=top)
    return [(r.paper_id, r.score) for r in ranked]


def same(a: list[tuple[str, float]], b: list[tuple[str, float]]) -> None:
    assert [pid for pid, _ in a] == [pid for pid, _ in b]
    assert [score for _, score in a] == pytest.approx([score for _, score in b], rel=1e-9)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    with Store(tmp_path) as store:
        store.add_papers(PAPERS)
        store.flush()
        built = Relevance.from_store(store, {})
        assert built.save(store)  # 400-odd papers indexed: worth keeping
    return tmp_path


def test_the_saved_table_is_used_and_ranks_as_a_fresh_build(folder: Path) -> None:
    with Store(folder) as store:
        assert len(saved_table(store)) == len(PAPERS)
        loaded = Relevance.from_store(store, {})
        assert loaded.index.table.unsaved == 0  # nothing indexed again
        fresh = Relevance(*_fresh(store))
        same(ranking(loaded), ranking(fresh))
        profile = loaded.index.profile(ROBOTS)
        assert loaded.index.reasons(profile, ranking(loaded)[0][0]).startswith("shares: ")


def _fresh(store: Store) -> tuple[object, ...]:
    """A relevance built from nothing saved (the table the store keeps is not read)."""
    from reader_tui.rank import RankIndex

    empty = RankIndex(texts_of=store.search.summary_texts_of, table=TermTable(keep_texts=False))
    built = Relevance.from_store(store, {}, base=empty)
    return built.index, built.index.profile(ROBOTS), store.get


def test_papers_another_process_writes_or_forgets_are_followed(folder: Path) -> None:
    """Another process adds a robot paper, rewrites one paper as a robot paper and forgets another:
    the next index has them as a build from scratch would, whether it starts from the store's saved
    table (next start) or from this session's index (after a refresh)."""
    with Store(folder) as mine:
        before = Relevance.from_store(mine, {})
        template = next(p for p in PAPERS if p.id == ROBOTS[0])
        rewritten = next(p for p in PAPERS if p.primary_category == "cs.CV")
        forgotten = ranking(before)[0][0]
        with Store(folder) as other:
            new = replace(template, id="2111.99999", title="Legged robot locomotion " + template.title)
            other.add_papers([new])
            other.forget_papers([forgotten, rewritten.id])  # ... and written again with other text
            other.add_papers([replace(rewritten, summary_html=template.summary_html, categories=["cs.RO"])])
            other.flush()
        fresh = Relevance(*_fresh(mine))
        for relevance in (Relevance.from_store(mine, {}), Relevance.from_store(mine, {}, base=before.index)):
            assert relevance.index.table.unsaved == 3  # the three papers written, not the library
            ids = [pid for pid, _ in ranking(relevance, top=len(PAPERS))]
            assert "2111.99999" in ids[:5] and forgotten not in ids
            assert rewritten.id in ids[:10]  # its new text and category, not its old ones
            same(ranking(relevance), ranking(fresh))


def test_nothing_changed_keeps_the_index_of_this_session(folder: Path) -> None:
    with Store(folder) as store:
        first = Relevance.from_store(store, {})
        assert Relevance.from_store(store, {}, base=first.index).index is first.index


def test_a_damaged_or_foreign_table_is_built_again(folder: Path) -> None:
    with Store(folder) as store:
        found = store.search.rank_table(FORMAT)
        assert found is not None
        strings, numbers = found
        assert TermTable.loads(strings, numbers[:-1] + bytes([numbers[-1] ^ 1])) is None
        assert TermTable.loads(strings.replace('"ids"', '"idz"'), numbers) is None
        store.search.save_rank_table("terms-0.00000000.little", strings, numbers)  # an earlier term code's
        assert store.search.rank_table(FORMAT) is None
        rebuilt = Relevance.from_store(store, {})
        assert rebuilt.index.table.unsaved == len(PAPERS)
        same(ranking(rebuilt), ranking(Relevance(*_fresh(store))))


def test_small_changes_are_not_worth_writing_the_table_again(folder: Path) -> None:
    with Store(folder) as store:
        store.add_papers([replace(PAPERS[0], id="2111.88888")])
        store.flush()
        relevance = Relevance.from_store(store, {})
        assert relevance.index.table.unsaved == 1
        assert not relevance.save(store)
        strings, _ = store.search.rank_table(FORMAT) or ("", b"")
        assert "2111.88888" not in strings


def test_a_paper_without_search_fields_is_indexed_from_the_paper(tmp_path: Path) -> None:
    """A cache an earlier build wrote on a read-only disk has rows without search fields; a damaged
    row costs only itself."""
    import sqlite3

    liked = Paper(id="a", title="Glacier ice flow", summary_html="<p>Glacier melt models</p>")
    other = Paper(id="b", title="Glacier lakes", summary_html="<p>Meltwater lakes on a glacier</p>")
    far = Paper(id="c", title="Stock markets", summary_html="<p>Prices and trade</p>")
    farther = [Paper(id=f"x{i}", title=f"Bonds {i}", summary_html="<p>Yields</p>") for i in range(6)]
    with Store(tmp_path) as store:
        store.add_papers([liked, other, far, *farther])
        store.flush()
    with sqlite3.connect(tmp_path / "papers.sqlite") as db:
        db.execute("UPDATE paper SET search = NULL WHERE id = 'b'")
        db.execute("UPDATE paper SET search = '[1, 2' WHERE id = 'c'")  # damaged: JSON cut short
    with Store(tmp_path) as store:
        store.set_starred("a", True)
        relevance = Relevance.from_store(store, store.states())
        ranked, scores = relevance.order_ids(["c", "b", "x0"], store.state)
        assert ranked == ["b", "c", "x0"] and scores[0] > 0 and "c" in relevance.index


def test_a_profile_kept_up_to_date_by_segments_ranks_as_one_made_anew() -> None:
    """Stars, unstars and a read paper starred, applied to the sums per span one by one, rank as a
    profile made from the final stars and reads (what a pass over the whole index gives)."""
    from reader_tui.rank import RankIndex

    index = RankIndex(PAPERS)
    others = [p.id for p in PAPERS if p.primary_category == "cs.CV"]
    starred, read = ROBOTS[:3], others[:6]
    kept = index.profile(starred, read)
    assert kept.adopt(index.segments(kept.snapshot()))
    changes = [("star", ROBOTS[3]), ("star", others[0]), ("unstar", ROBOTS[0]), ("star", others[7])]
    for change, paper_id in changes:
        if change == "star":
            kept.remove_read(paper_id)
            kept.add_star(paper_id)
        else:
            kept.remove_star(paper_id)
        assert kept.segments is not None  # kept up to date, not dropped
        anew = index.profile(kept.starred, kept.read)
        ids, scores = index.order(kept)
        expected_ids, expected_scores = index.order(anew)
        assert ids == expected_ids
        assert scores == pytest.approx(expected_scores, rel=1e-9, abs=1e-12)


def test_segments_of_a_profile_changed_since_are_refused() -> None:
    from reader_tui.rank import RankIndex

    index = RankIndex(PAPERS)
    profile = index.profile(ROBOTS[:2])
    snapshot = profile.snapshot()
    profile.add_star(ROBOTS[2])  # a star while they were worked out on another thread
    assert not profile.adopt(index.segments(snapshot))
    assert profile.segments is None
    assert profile.adopt(index.segments(profile.snapshot()))


def test_scores_kept_with_a_profile_are_worked_out_again_when_it_changes() -> None:
    from reader_tui.rank import RankIndex

    index = RankIndex(PAPERS)
    profile = index.profile(ROBOTS[:2])
    first = index.order(profile)
    assert index.order(profile) == first  # kept: the same scores, not worked out again
    profile.add_star(ROBOTS[2])
    assert index.order(profile) == index.order(index.profile(ROBOTS[:3])) != first
    profile.remove_star(ROBOTS[2])
    assert index.order(profile)[0] == first[0]


def test_ranking_by_the_marked_states_equals_asking_each_paper(folder: Path) -> None:
    """The app passes the states of the papers marked (read, starred) instead of asking for each of
    the library's papers: the same unread-then-read order, the starred left out."""
    with Store(folder) as store:
        for paper_id in ROBOTS[:3]:
            store.set_starred(paper_id, True)
        read = [p.id for p in PAPERS if p.primary_category == "cs.RO"][5:12]
        for paper_id in read:
            store.set_read(paper_id, True)
        relevance = Relevance.from_store(store, store.states())
        ids = [p.id for p in PAPERS]
        by_marks = relevance.order_ids(ids, store.states())
        assert by_marks == relevance.order_ids(ids, store.state)
        ranked = by_marks[0]
        assert not set(ROBOTS[:3]) & set(ranked) and set(ranked[-len(read) :]) == set(read)


def test_the_app_keeps_one_index_across_a_refresh(folder: Path) -> None:
    """After a refresh the next index starts from the last one, which is then let go."""
    from reader_tui.for_you import ForYou

    with Store(folder) as store:
        for_you = ForYou("relevance", store.states)
        first = Relevance.from_store(store, {})
        for_you.ready(first)
        for_you.forget_index()  # a refresh
        assert for_you.last_index is first.index and for_you.needs_index
        for_you.ready(Relevance.from_store(store, {}, for_you.last_index))
        assert for_you.last_index is None

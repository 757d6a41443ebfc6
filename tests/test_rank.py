"""Relevance ranking: terms, scores, the profile's updates, "more like this" and the reasons shown."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from reader_tui.feeds import parse_feed
from reader_tui.model import Paper
from reader_tui.rank import RankIndex, tokens

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
LEGACY_FEED = FIXTURES / "arxiv-rss-legacy-rdf-cs-2021-11-02.xml"


def paper(
    pid: str, title: str, summary: str, authors: list[str] | None = None, cats: list[str] | None = None
) -> Paper:
    return Paper(
        id=pid, title=title, summary_html=f"<p>{summary}</p>", authors=authors or [], categories=cats or []
    )


LIBRARY = [
    paper(
        "llm1",
        "Speculative decoding with a small draft model",
        "We speed up LLM inference by speculative decoding; the KV cache of the draft is reused.",
        ["Tri Dao", "Anna Smith"],
        ["cs.CL", "cs.LG"],
    ),
    paper(
        "llm2",
        "KV cache compression for long-context LLM inference",
        "Compressing the KV cache makes long-context inference cheaper; speculative decoding benefits too.",
        ["Tri Dao"],
        ["cs.CL"],
    ),
    paper(
        "llm3",
        "Faster speculative decoding via tree attention",
        "Tree attention verifies many speculative drafts at once and shrinks the KV cache traffic.",
        ["Tri Dao", "Wei Zhang"],
        ["cs.CL"],
    ),
    paper(
        "llm4",
        "Paged KV cache for serving LLM inference",
        "A paged KV cache lets a server batch long-context requests during inference.",
        ["Ion Stoica"],
        ["cs.DC", "cs.CL"],
    ),
    paper(
        "bio1",
        "Protein structure prediction from sequence",
        "Protein folding from amino acid sequence with structure modules and multiple sequence alignments.",
        ["Jürgen Müller"],
        ["q-bio.BM"],
    ),
    paper(
        "bio2",
        "Protein design with diffusion over structure",
        "Diffusion generates protein backbone structure; sequence design follows the structure.",
        ["Jürgen Müller", "Li Wang"],
        ["q-bio.BM"],
    ),
    paper(
        "bio3",
        "Predicting protein sequence fitness",
        "Protein language models score sequence variants; structure helps fitness prediction.",
        ["Li Wang"],
        ["q-bio.QM"],
    ),
    paper(
        "geo1",
        "Glacier retreat measured from satellite images",
        "Satellite images of glaciers over thirty years show retreat; glacier mass loss accelerates.",
        ["Olga Petrova"],
        ["physics.ao-ph"],
    ),
    paper(
        "geo2",
        "Sea ice thickness from satellite altimetry",
        "Satellite altimetry measures sea ice thickness; glacier and ice sheet data agree.",
        ["Olga Petrova"],
        ["physics.ao-ph"],
    ),
]


def order(index: RankIndex, starred: list[str]) -> list[str]:
    return [ranked.paper_id for ranked in index.rank(index.profile(starred))]


def test_tokens_fold_case_and_accents_drop_function_words_and_pair_neighbours() -> None:
    terms = tokens("The Models of Müller: KV-cache compression for LLMs in 2024")
    assert "model" in terms  # plural cut, case folded
    assert "muller" in terms  # accents folded like the query language
    assert "kv cache" in terms and "cache compression" in terms  # neighbouring words pair up
    assert "llm" in terms
    assert not {"the", "of", "for", "in", "2024"} & set(terms)
    assert "model muller" not in terms  # "of" breaks the pair


def test_tokens_split_cjk_into_character_pairs_without_a_dictionary() -> None:
    terms = tokens("基于大模型的智能体")
    assert "模型" in terms and "智能" in terms and "能体" in terms
    assert set(tokens("智能体 agent")) == {"agent", "智能", "能体"}
    assert tokens("单") == []  # one character alone is no term


def test_starred_topic_ranks_first_and_profile_papers_are_not_results() -> None:
    index = RankIndex(LIBRARY)
    ranked = order(index, ["llm1", "llm2"])
    assert "llm1" not in ranked and "llm2" not in ranked
    assert set(ranked[:2]) == {"llm3", "llm4"}
    assert ranked.index("llm3") < ranked.index("bio1")


def test_read_papers_count_weakly_and_are_not_results() -> None:
    index = RankIndex(LIBRARY)
    ranked = index.rank(index.profile(["bio1"], read=["geo1"]))
    ids = [r.paper_id for r in ranked]
    assert "geo1" not in ids
    scores = {r.paper_id: r.score for r in ranked}
    assert scores["bio2"] > scores["geo2"] > 0  # a star outweighs a read paper, but the read one counts
    assert scores["geo2"] > scores["llm3"]


def test_reasons_name_shared_phrases_authors_and_categories() -> None:
    index = RankIndex(LIBRARY)
    profile = index.profile(["llm1", "llm2"])
    reason = index.reasons(profile, "llm3", LIBRARY[2])
    assert reason.startswith("shares: ")
    assert "speculative" in reason or "kv cache" in reason
    assert "author: Tri Dao" in reason
    assert "cat: cs.CL" in reason
    # A phrase and its own words are not both listed.
    shown = reason.split(" · ")[0].removeprefix("shares: ").split(", ")
    for phrase in shown:
        for word in phrase.split(" "):
            assert word == phrase or word not in shown


def test_reasons_keep_the_authors_own_spelling() -> None:
    index = RankIndex(LIBRARY)
    assert "author: Jürgen Müller" in index.reasons(index.profile(["bio1"]), "bio2", LIBRARY[5])
    assert "author: jurgen muller" in index.reasons(index.profile(["bio1"]), "bio2")  # folded, unknown


def test_nothing_in_common_scores_zero_with_no_reason_and_keeps_the_given_order() -> None:
    index = RankIndex(LIBRARY)
    profile = index.profile(["geo1"])
    assert index.reasons(profile, "llm1") == ""
    candidates = ["llm4", "llm1", "bio3", "geo2"]
    ranked = index.rank(profile, candidates)
    assert ranked[0].paper_id == "geo2"
    assert [r.paper_id for r in ranked[1:]] == ["llm4", "llm1", "bio3"]  # ties keep the candidates' order
    assert all(r.score == 0 for r in ranked[1:])


def test_empty_profile_keeps_date_order_and_is_falsy() -> None:
    index = RankIndex(LIBRARY)
    profile = index.profile()
    assert not profile
    ids = [p.id for p in LIBRARY]
    assert [r.paper_id for r in index.rank(profile, ids)] == ids


def test_a_new_star_updates_the_ranking_and_unstarring_restores_it() -> None:
    index = RankIndex(LIBRARY)
    profile = index.profile(["geo1"])
    before = index.rank(profile)
    profile.add_star("bio1")
    after = [r.paper_id for r in index.rank(profile)]
    assert "bio1" not in after and after.index("bio2") < after.index("llm1")
    profile.remove_star("bio1")
    again = index.rank(profile)
    assert [r.paper_id for r in again] == [r.paper_id for r in before]
    assert [r.score for r in again] == pytest.approx([r.score for r in before], abs=1e-6)


def test_more_like_this_excludes_the_paper_itself_and_unknown_ids() -> None:
    index = RankIndex(LIBRARY)
    similar = index.similar("bio2", top=3)
    assert similar and "bio2" not in [r.paper_id for r in similar]
    assert {r.paper_id for r in similar[:2]} == {"bio1", "bio3"}
    assert all(r.score > 0 for r in similar)
    assert index.similar("nope") == []
    assert index.profile(["nope"]).starred == set()


def test_papers_missing_from_the_index_score_zero() -> None:
    index = RankIndex(LIBRARY[:5])
    ranked = index.rank(index.profile(["llm1"]), ["bio1", "late-arrival", "llm2"])
    assert ranked[0].paper_id == "llm2"
    assert {r.paper_id: r.score for r in ranked}["late-arrival"] == 0


def test_odd_papers_do_not_break_the_index() -> None:
    odd = [
        Paper(id="empty", title=""),
        paper("huge", "x" * 5000, "word " * 50_000, ["A. Author"] * 5000, ["cs.LG"] * 50),
        paper("markup", "[/bold] <script>x</script>", "<b>Trans</b>former \x1b[2J"),
        paper("dup", "a", "b"),
        paper("dup", "again", "the same id twice"),
    ]
    index = RankIndex([*LIBRARY, *odd])
    assert len(index) == len(LIBRARY) + 4
    assert index.rank(index.profile(["empty"])) and index.similar("empty") == []
    assert RankIndex([]).rank(RankIndex([]).profile()) == []


def _precision_at_10(papers: list[Paper], category: str, seed: int) -> float:
    index = RankIndex(papers)
    members = [p.id for p in papers if p.primary_category == category]
    starred = random.Random(seed).sample(members, 5)
    top = index.rank(index.profile(starred), top=10)
    labels = {p.id: p.primary_category for p in papers}
    return sum(labels[r.paper_id] == category for r in top) / 10


def test_on_a_real_arxiv_day_five_stars_find_their_field_even_from_words_alone() -> None:
    """The legacy cs feed (444 papers): 5 starred cs.CV papers bring cs.CV papers to the top; with every
    category removed the words alone still do far better than the category's 14% share."""
    feed = parse_feed((FIXTURES / "arxiv-rss-legacy-rdf-cs-2021-11-02.xml").read_bytes(), "legacy")
    papers = feed.papers
    assert sum(_precision_at_10(papers, "cs.CV", seed) for seed in range(3)) / 3 >= 0.9
    words_only = [replace(p, categories=[]) for p in papers]
    labelled = {p.id: p for p in papers}

    index = RankIndex(words_only)
    hits = 0.0
    for seed in range(3):
        members = [p.id for p in papers if p.primary_category == "cs.CV"]
        starred = random.Random(seed).sample(members, 5)
        top = index.rank(index.profile(starred), top=10)
        hits += sum(labelled[r.paper_id].primary_category == "cs.CV" for r in top) / 10
    assert hits / 3 >= 0.5


def test_the_stores_folded_rows_rank_as_the_papers_own() -> None:
    """The app indexes the store's search rows and summary texts (folded already); the CLI folds the
    papers itself: the same order, and the same reasons for the paper shown."""
    from reader_tui.paper_fields import PaperFields
    from reader_tui.terms import row_document

    rows = [PaperFields(p) for p in LIBRARY]
    from_rows = RankIndex(documents=[row_document(row, row.text or "") for row in rows])
    own = RankIndex(LIBRARY)
    for starred in (["llm1"], ["bio1", "bio2"], ["geo1"]):
        assert order(from_rows, starred)[:3] == order(own, starred)[:3]
    profile = from_rows.profile(["bio1"])
    assert "author: Jürgen Müller" in from_rows.reasons(profile, "bio2", LIBRARY[5])


def test_a_title_word_counts_more_than_the_same_word_in_a_summary() -> None:
    papers = [
        paper("liked", "Glacier dynamics", "Ice flow models of the glacier."),
        paper("in-summary", "Summer rivers", "Rivers and lakes fed by a glacier."),
        paper("in-title", "Glacier melt", "Rivers and lakes in summer."),
        *(paper(f"other{i}", f"Topic {i}", "Unrelated text about markets.") for i in range(6)),
    ]
    assert order(RankIndex(papers), ["liked"])[:2] == ["in-title", "in-summary"]  # not a tie kept in order


def test_a_shared_phrase_beats_its_words_apart() -> None:
    papers = [
        paper("liked", "Speculative decoding for language models", "Drafts are verified in parallel."),
        paper("apart", "Topic A", "Decoding speculative drafts."),  # the same words, not the phrase
        paper("phrase", "Topic B", "Speculative decoding drafts."),
        *(paper(f"other{i}", f"Topic {i}", "Unrelated text about glaciers.") for i in range(6)),
    ]
    ranked = order(RankIndex(papers), ["liked"])
    assert ranked[:2] == ["phrase", "apart"]  # not a tie kept in the given order
    index = RankIndex(papers)
    assert "speculative decoding" in index.reasons(index.profile(["liked"]), "phrase")


def test_the_app_indexes_the_store_without_decoding_a_paper(tmp_path: Path) -> None:
    from reader_tui.relevance import Relevance
    from reader_tui.store import Store

    with Store(tmp_path / "data") as store:
        store.add_papers(LIBRARY)
        store.flush()
        for paper_id in ("llm1", "llm2"):
            store.set_starred(paper_id, True)
        decoded: list[str] = []
        real_get = store.get
        store.get = lambda paper_id: decoded.append(paper_id) or real_get(paper_id)  # type: ignore[method-assign]
        relevance = Relevance.from_store(store, store.states())
        ranked, _ = relevance.order_ids([p.id for p in LIBRARY], store.state)
        assert decoded == []  # rows and summary texts only: 100,000 papers are never decoded
        assert set(ranked[:2]) == {"llm3", "llm4"}
        assert "llm1" not in ranked  # the starred papers are the profile, not results
        assert {s.paper.id for s in relevance.similar("bio1", top=2)} == {"bio2", "bio3"}


def test_reasons_name_the_primary_category_once_and_never_as_a_word() -> None:
    index = RankIndex(LIBRARY)
    for starred, target, paper_ in ((["llm1", "llm2"], "llm3", LIBRARY[2]), (["bio1"], "bio2", LIBRARY[5])):
        reason = index.reasons(index.profile(starred), target, paper_)
        assert "\x00" not in reason and "p:" not in reason
        assert reason.count("cs.CL") + reason.count("q-bio.BM") == 1, reason


def test_the_same_profile_ranks_the_same_in_every_process() -> None:
    """String hashes differ between processes: the ranking (ties and phrase bonus included) must not."""
    import os
    import subprocess
    import sys

    script = (
        "from reader_tui.feeds import parse_feed\n"
        "from reader_tui.rank import RankIndex\n"
        f"papers = parse_feed(open({str(LEGACY_FEED)!r}, 'rb').read(), 'legacy').papers\n"
        "index = RankIndex(papers)\n"
        "starred = [p.id for p in papers if p.primary_category == 'cs.CL'][:5]\n"
        "print([(r.paper_id, round(r.score, 9)) for r in index.rank(index.profile(starred), top=40)])\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in (1, 2, 3)
    }
    assert len(outputs) == 1


def test_badges_are_shares_of_the_best_score_and_differ_when_the_scores_do() -> None:
    """The list's date column while ranked: written per row on demand, and a new ranking (a star)
    compares unequal so the list draws its rows again."""
    from reader_tui.for_you import Badges

    scores = {"a": 2.0, "b": 1.0}
    badges = Badges(scores)
    assert badges["a"] == "100%" and badges.get("b") == " 50%" and badges.get("c") is None
    assert len(badges) == 2 and list(badges) == ["a", "b"]
    assert badges == Badges({"a": 2.0, "b": 1.0}) and badges == {"a": "100%", "b": " 50%"}
    scores["b"] = 1.5  # the ranking's own dict changes with the next star: the badges shown do not
    assert badges.get("b") == " 50%" and Badges(scores) != badges and badges != {}

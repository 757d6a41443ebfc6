"""The app's relevance keys with Pilot: f for you, L more like this, t tags, e notes, v views."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import APP_SIZE, Harness
from textual.pilot import Pilot
from textual.widgets import Input, Static, TextArea

from reader_tui.feeds import load_feed
from reader_tui.library import ingest
from reader_tui.model import Paper
from reader_tui.store import Store
from reader_tui.ui.annotate import NoteScreen, PromptScreen
from reader_tui.ui.app import ReaderApp
from reader_tui.ui.views_screen import ViewsScreen
from reader_tui.views import add_view

LEGACY = Path(__file__).parent / "fixtures" / "feeds" / "arxiv-rss-legacy-rdf-cs-2021-11-02.xml"
PAPERS = load_feed(str(LEGACY)).papers
CATEGORY = {p.id: p.primary_category for p in PAPERS}
ROBOTS = [p.id for p in PAPERS if p.primary_category == "cs.RO"]


def status(app: ReaderApp) -> str:
    return str(app.query_one("#filter-status", Static).render())


def header(app: ReaderApp) -> str:
    return str(app.query_one("#detail-header", Static).render())


def listed(app: ReaderApp) -> list[str]:
    return [p.id for p in app.paper_list.papers]


def library(harness: Harness, starred: list[str] = ()) -> Store:  # type: ignore[assignment]
    store = harness.store()
    ingest(store, [str(LEGACY)])
    for paper_id in starred:
        store.set_starred(paper_id, True)
    return store


async def open_note(harness: Harness, pilot: Pilot[None], app: ReaderApp) -> Paper:
    """Once the app has settled: ``e`` on the paper under the cursor, until the note dialog is up."""
    await harness.settle(pilot)
    paper = app.current
    assert paper is not None
    await pilot.press("e")
    await harness.wait_until(pilot, lambda: isinstance(app.screen, NoteScreen))
    return paper


async def test_for_you_with_nothing_starred_stays_by_date_and_says_so(harness: Harness) -> None:
    app = harness.app([str(LEGACY)], store=library(harness))
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        by_date = listed(app)
        await pilot.press("f")
        await harness.settle(pilot)
        assert "by date: nothing starred" in status(app)
        assert listed(app) == by_date


async def test_for_you_ranks_like_the_starred_papers_with_scores_and_reasons(harness: Harness) -> None:
    store = library(harness, ROBOTS[:4])
    app = harness.app([str(LEGACY)], store=store)
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        await pilot.press("f")
        await harness.wait_until(pilot, lambda: app.papers_view.for_you.ranked, timeout=20)
        await harness.settle(pilot)
        assert "for you" in status(app)
        top = listed(app)[:10]
        assert sum(CATEGORY[pid] == "cs.RO" for pid in top) >= 7
        assert not set(ROBOTS[:4]) & set(top)  # the starred papers are the profile, listed last
        assert listed(app)[-1] in ROBOTS[:4]
        assert app.paper_list.cursor == 0
        assert "Why" in header(app) and "cat: cs.RO" in header(app)
        assert "100%" in harness.screen_text(app)  # the best paper's score, in the date column
        assert store.setting("ui.sort") == "relevance"
        await pilot.press("f")
        await harness.settle(pilot)
        assert "for you" not in status(app) and "Why" not in header(app)
        assert store.setting("ui.sort") == "date"


async def test_a_new_star_reranks_only_the_rows_below(harness: Harness) -> None:
    app = harness.app([str(LEGACY)], store=library(harness, ROBOTS[:2]))
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        await pilot.press("f")
        await harness.wait_until(pilot, lambda: app.papers_view.for_you.ranked, timeout=20)
        await pilot.press("j", "j")
        before = listed(app)
        current = app.current
        assert current is not None
        await pilot.press("s")
        await pilot.pause()
        after = listed(app)
        assert after[:3] == before[:3] and app.current is current
        assert sorted(after) == sorted(before)
        assert current.id in app.papers_view.for_you.relevance.profile.starred  # type: ignore[union-attr]


async def test_more_like_this_and_back(harness: Harness) -> None:
    app = harness.app([str(LEGACY)], store=library(harness))
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        target = next(p for p in app.paper_list.papers if p.id == ROBOTS[0])
        app.paper_list.select_id(target.id)
        await pilot.press("L")
        await harness.wait_until(pilot, lambda: app.papers_view.for_you.like is not None, timeout=20)
        await harness.settle(pilot)
        assert "like:" in status(app)
        similar = listed(app)
        assert target.id not in similar and len(similar) <= 50
        assert sum(CATEGORY[pid] == "cs.RO" for pid in similar[:10]) >= 5
        assert "Why" in header(app)
        await pilot.press("L")
        await harness.settle(pilot)
        assert app.current is not None and app.current.id == target.id
        assert "like:" not in status(app)


async def test_tag_with_completion_then_find_it(harness: Harness) -> None:
    store = library(harness)
    store.set_field(ROBOTS[1], "tags", ("robotics", "to read"))
    app = harness.app([str(LEGACY)], store=store)
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        app.paper_list.select_id(ROBOTS[0])
        await pilot.press("t")
        await harness.wait_until(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press("r", "o", "b")
        await harness.wait_until(pilot, lambda: app.screen.query_one(Input)._suggestion == "robotics")
        await pilot.press("right", "comma", "space", "m", "i", "n", "e", "enter")
        await pilot.pause()
        assert store.state(ROBOTS[0]).tags == ("robotics", "mine")
        assert "Tags" in header(app) and "robotics, mine" in header(app)
        await pilot.press("slash", *"tag:robotics", "enter")
        await harness.settle(pilot)
        assert sorted(listed(app)) == sorted(ROBOTS[:2])


async def test_note_in_the_app_is_saved_shown_and_searchable(harness: Harness) -> None:
    store = library(harness)
    app = harness.app([str(LEGACY)], store=store)
    async with app.run_test(size=APP_SIZE) as pilot:
        paper = await open_note(harness, pilot, app)
        await pilot.press(*"zebrafish baseline")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert store.state(paper.id).note == "zebrafish baseline"
        assert "Note" in header(app) and "zebrafish baseline" in header(app)
        await pilot.press("slash", *"zebrafish", "enter")
        await harness.settle(pilot)
        assert listed(app) == [paper.id]
        # Escape leaves the note as it was.
        await pilot.press("e")
        await harness.wait_until(pilot, lambda: isinstance(app.screen, NoteScreen))
        await pilot.press(*" changed")
        assert app.screen.query_one(TextArea).text == "zebrafish baseline changed"
        await pilot.press("escape")  # typed into the text area, which takes escape for itself
        await harness.wait_until(pilot, lambda: not isinstance(app.screen, NoteScreen))
        assert app.focused is app.paper_list
        assert store.state(paper.id).note == "zebrafish baseline"


async def test_views_switcher_shows_counts_and_a_number_applies_one(harness: Harness) -> None:
    store = library(harness)
    add_view(store, "robots", "cat:cs.RO")
    add_view(store, "vision", "cat:cs.CV")
    app = harness.app([str(LEGACY)], store=store)
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        await pilot.press("v")
        await harness.wait_until(pilot, lambda: isinstance(app.screen, ViewsScreen))
        screen = harness.screen_text(app)
        assert "1  robots" in screen and "2  vision" in screen and "unread" in screen
        await pilot.press("1")
        await harness.settle(pilot)
        assert app.filter_bar.text == "cat:cs.RO"
        assert all("cs.RO" in p.categories for p in app.paper_list.papers)
        # Saving the filter as a view from the app.
        await pilot.press("slash", "ctrl+u", *"robot", "enter")
        app.action_save_view()
        await harness.wait_until(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press(*"robot words", "enter")
        await pilot.pause()
        from reader_tui.views import views

        assert [v.name for v in views(store)] == ["robots", "vision", "robot words"]


async def test_titles_get_most_of_the_row_at_80_120_and_160_columns(harness: Harness) -> None:
    """Issue 13 item 6, measured on the real layout: cells the title column gets."""
    from reader_tui.ui.paper_list import columns_for

    expected = {80: 60, 120: 55, 160: 70}
    for width, at_least in expected.items():
        app = harness.app([str(LEGACY)], store=library(harness))
        async with app.run_test(size=(width, 40)) as pilot:
            await harness.settle(pilot)
            assert app.detail.display
            cells = columns_for(app.paper_list.scrollable_content_region.width).title
            assert cells >= at_least, (width, cells)
            await pilot.press("z")  # list only: the title gets more still
            await harness.wait_until(pilot, lambda shown=app: not shown.detail.display)
            await pilot.pause()
            assert columns_for(app.paper_list.scrollable_content_region.width).title >= cells
            await pilot.press("z")
            await harness.wait_until(pilot, lambda shown=app: shown.detail.display)
            app.store.flush()  # as quitting does: the next width's app reads the choice from disk


async def test_views_zero_shows_every_paper_escape_keeps_the_filter_and_the_palette_lists_views(
    harness: Harness,
) -> None:
    store = library(harness)
    add_view(store, "robots", "cat:cs.RO")
    app = harness.app([str(LEGACY)], store=store)
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        everything = len(app.paper_list.papers)
        await pilot.press("v")
        await harness.wait_until(pilot, lambda: isinstance(app.screen, ViewsScreen))
        assert f"All papers  ({everything:,} unread)" in harness.screen_text(app)
        assert f"robots  ({len(ROBOTS)} unread)" in harness.screen_text(app)
        await pilot.press("1")
        await harness.settle(pilot)
        assert sorted(listed(app)) == sorted(ROBOTS) and app.focused is app.paper_list
        await pilot.press("v")
        await harness.wait_until(pilot, lambda: isinstance(app.screen, ViewsScreen))
        await pilot.press("escape")
        await harness.wait_until(pilot, lambda: not isinstance(app.screen, ViewsScreen))
        assert app.filter_bar.text == "cat:cs.RO"
        await pilot.press("v", "0")  # in one go: the 0 reaches the switcher the v opened
        await harness.settle(pilot)
        assert app.filter_bar.text == "" and len(app.paper_list.papers) == everything
        # The palette offers each view by name.
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"View: robots")
        await harness.wait_until(pilot, lambda: "View: robots" in harness.screen_text(app))
        await pilot.press("enter")
        await harness.settle(pilot)
        assert app.filter_bar.text == "cat:cs.RO"


async def test_the_editor_key_without_a_terminal_says_so_and_keeps_the_note_open(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDITOR", "true")
    store = library(harness)
    app = harness.app([str(LEGACY)], store=store)
    async with app.run_test(size=APP_SIZE) as pilot:
        paper = await open_note(harness, pilot, app)
        await pilot.press(*"kept", "ctrl+e")
        await harness.wait_until(pilot, lambda: any("editor" in n for n in harness.notifications(app)))
        assert isinstance(app.screen, NoteScreen)  # headless: no terminal to hand over, nothing lost
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert store.state(paper.id).note == "kept"


def test_edit_in_editor_runs_the_editor_on_the_text_and_reads_it_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from contextlib import contextmanager

    from reader_tui.ui.annotate import edit_in_editor

    script = tmp_path / "editor.sh"
    script.write_text('#!/bin/sh\nprintf "%s\\nadded by the editor\\n" "$(cat "$1")" > "$1"\n')
    script.chmod(0o755)
    told: list[str] = []

    class Suspendable:
        @contextmanager
        def suspend(self):  # type: ignore[no-untyped-def]
            yield

        def notify(self, message: str, **_: object) -> None:
            told.append(message)

    monkeypatch.setenv("VISUAL", str(script))
    assert edit_in_editor(Suspendable(), "my note") == "my note\nadded by the editor\n"  # type: ignore[arg-type]
    monkeypatch.setenv("VISUAL", "false")
    assert edit_in_editor(Suspendable(), "my note") is None  # type: ignore[arg-type]
    assert told and "status 1" in told[0]


async def test_for_you_comes_back_next_start_with_the_reason_of_the_first_paper(harness: Harness) -> None:
    store = library(harness, ROBOTS[:4])
    store.set_setting("ui.sort", "relevance")
    app = harness.app([str(LEGACY)], store=store)
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.wait_until(pilot, lambda: app.papers_view.for_you.ranked, timeout=20)
        await harness.settle(pilot)
        assert "for you" in status(app)
        assert app.paper_list.cursor == 0 and CATEGORY[listed(app)[0]] == "cs.RO"
        assert "Why" in header(app) and "cs.RO" in header(app)  # the paper shown before ranking too


async def test_a_view_whose_name_and_query_look_like_markup_is_listed_as_written_in_the_palette(
    harness: Harness,
) -> None:
    """The palette parses its titles and help as markup: a view's name and query are the user's text,
    shown as typed (a stray ``[/b]`` must not take the palette down, ``[red]`` must not vanish)."""
    store = library(harness)
    add_view(store, "[red]rl[/red] [/b]", "title:[/b] OR robot")
    app = harness.app([str(LEGACY)], store=store)
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"View: ")
        await harness.wait_until(pilot, lambda: "View: [red]rl[/red] [/b]" in harness.screen_text(app))
        assert "title:[/b] OR robot" in harness.screen_text(app)
        await pilot.press("enter")
        await harness.settle(pilot)
        assert app.filter_bar.text == "title:[/b] OR robot"


async def test_for_you_next_start_ranks_from_the_index_kept_with_papers_written_meanwhile(
    harness: Harness,
) -> None:
    """The first ranking keeps its index in the store; the next start ranks from it at once, a paper
    another process wrote in between included (found, ranked, explained) and the rest not indexed again."""
    from dataclasses import replace

    from reader_tui.term_table import FORMAT

    store = library(harness, ROBOTS[:4])
    app = harness.app([str(LEGACY)], store=store)
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        await pilot.press("f")
        await harness.wait_until(pilot, lambda: store.search.rank_table(FORMAT) is not None, timeout=20)
    store.flush()  # as quitting does: "for you" is the order the next start restores
    template = next(p for p in PAPERS if p.id == ROBOTS[0])
    other = harness.store()  # another process
    other.add_papers([replace(template, id="2111.99999", title="Legged robot locomotion on ice")])
    other.flush()
    again = harness.store()
    app = harness.app([str(LEGACY)], store=again)
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.wait_until(pilot, lambda: app.papers_view.for_you.ranked, timeout=30)
        relevance = app.papers_view.for_you.relevance
        assert relevance is not None and relevance.index.table.unsaved <= 2  # not the library again
        assert "2111.99999" in listed(app)[:3]
        await pilot.press(*["j"] * listed(app).index("2111.99999"))
        await harness.settle(pilot)
        assert "Legged robot" in header(app) and "cat: cs.RO" in header(app)


async def test_a_star_reranks_the_rows_below_as_a_ranking_made_anew_would(harness: Harness) -> None:
    """Once the list is ranked the app keeps the profile's sums per span (a star then re-ranks in
    ~20 ms at 10,000 papers): the rows below a new star come in the order of a ranking made anew."""
    from reader_tui.relevance import Relevance

    store = library(harness, ROBOTS[:2])
    app = harness.app([str(LEGACY)], store=store)
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        await pilot.press("f")

        def prepared() -> bool:
            relevance = app.papers_view.for_you.relevance
            return relevance is not None and relevance.profile.segments is not None

        await harness.wait_until(pilot, prepared, timeout=30)
        await pilot.press("j", "j", "s")
        await pilot.pause()
        relevance = app.papers_view.for_you.relevance
        assert relevance is not None and relevance.profile.segments is not None
        starred = relevance.profile.starred
        assert len(starred) == 3
        anew = Relevance(relevance.index, relevance.index.profile(starred, relevance.profile.read), store.get)
        below = listed(app)[3:]
        expected, _ = anew.order_ids(below, store.state)
        assert below[: len(expected)] == expected and expected
        assert set(below[len(expected) :]) == starred - {listed(app)[2]}  # the profile, listed last


async def test_for_you_restored_ranks_before_the_first_summary_is_rendered(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first summary rendered is the ranked first paper's: rendering the date-first paper's
    summary first (and loading the search rows) put the ranked order ~0.2 s later at 10k papers."""
    from reader_tui import render

    rendered: list[str] = []
    real = render.summary_markdown

    def spy(html: str, link: str | None = None) -> str:
        rendered.append(html)
        return real(html, link)

    monkeypatch.setattr(render, "summary_markdown", spy)  # the detail pane imports it with the first summary
    store = library(harness, ROBOTS[:4])
    store.set_setting("ui.sort", "relevance")
    app = harness.app([str(LEGACY)], store=store)
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.wait_until(pilot, lambda: app.papers_view.for_you.ranked, timeout=20)
        await harness.wait_until(pilot, lambda: bool(rendered))
        first = app.paper_list.papers[0]
        assert CATEGORY[first.id] == "cs.RO"
        assert rendered[0] == first.summary_html
        await harness.wait_until(pilot, lambda: first.summary_html[10:40] in harness.screen_text(app))


async def test_a_ranking_that_fails_at_start_still_lets_the_summary_show(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The summary waits for the ranking at start; a ranking that fails must not keep it waiting."""
    from reader_tui.relevance import Relevance

    def broken(*_: object, **__: object) -> Relevance:
        raise OSError("disk I/O error")

    monkeypatch.setattr(Relevance, "from_store", broken)
    store = library(harness, ROBOTS[:4])
    store.set_setting("ui.sort", "relevance")
    app = harness.app([str(LEGACY)], store=store)
    async with app.run_test(size=APP_SIZE) as pilot:
        failed = lambda: any("ranking failed" in note for note in harness.notifications(app))  # noqa: E731
        await harness.wait_until(pilot, failed)
        paper = app.current
        assert paper is not None
        await harness.wait_until(pilot, lambda: paper.summary_html[10:40] in harness.screen_text(app))

"""The list's logic without a screen: library, query, view, ``is:new``, indexing and restoring."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reader_tui import paper_view as view_module
from reader_tui.model import Paper
from reader_tui.paper_view import PaperView
from reader_tui.store import Store

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def paper(pid: str, title: str, age: int, feed: str = "feed-a") -> Paper:
    return Paper(id=pid, title=title, feeds=[feed], published=NOW - timedelta(days=age))


PAPERS = [
    paper("p1", "Agents that plan", 3),
    paper("p2", "Graph neural networks", 1, feed="https://example.org/b.xml"),
    paper("p3", "Agent memory", 2),
    paper("p4", "Diffusion models", 0),
]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "data") as made:
        made.add_papers(PAPERS)
        yield made


def loaded(store: Store, sources: tuple[str, ...] = ()) -> PaperView:
    view = PaperView(store, sources, lambda: NOW)
    view.load()
    while not view.index_step():
        pass
    return view


def ids(papers: list[Paper]) -> list[str]:
    return [p.id for p in papers]


def test_the_library_is_newest_first_and_the_query_filters_it(store: Store) -> None:
    view = loaded(store)
    assert ids(view.visible()) == ["p4", "p2", "p3", "p1"]
    assert view.typed("agent") is None
    assert ids(view.visible()) == ["p3", "p1"]
    assert store.setting("ui.query") == "agent"


def test_a_malformed_query_keeps_the_last_good_one_and_is_not_saved(store: Store) -> None:
    view = loaded(store)
    view.typed("agent")
    error = view.typed('"unclosed')
    assert error and "\n" not in error
    assert ids(view.visible()) == ["p3", "p1"]
    assert store.setting("ui.query") == "agent"


def test_views_toggle_on_top_of_the_query_and_are_saved(store: Store) -> None:
    view = loaded(store)
    store.set_read("p4", True)
    store.toggle_starred("p2")
    view.toggle_view("unread")
    assert ids(view.visible()) == ["p2", "p3", "p1"] and view.status() == "unread only"
    view.toggle_view("starred")
    assert ids(view.visible()) == ["p2"] and store.setting("ui.view") == "starred"
    view.toggle_view("starred")
    assert view.view == "all" and view.status() == ""


def test_is_new_follows_the_new_ids(store: Store) -> None:
    view = loaded(store)
    view.typed("is:new")
    assert view.visible() == []
    view.new_ids = frozenset({"p3"})
    assert ids(view.visible()) == ["p3"]


def test_feeds_named_on_the_command_line_limit_the_library(store: Store) -> None:
    view = loaded(store, ("https://example.org/b.xml",))
    assert ids(view.library) == ["p2"]


def test_a_small_library_restores_query_view_and_selection_at_once(store: Store) -> None:
    store.set_setting("ui.query", "agent")
    store.set_setting("ui.view", "unread")
    store.set_setting("ui.selected", "p1")
    view = PaperView(store, (), lambda: NOW)
    assert view.restore() == ("agent", "p1")
    view.load()
    assert ids(view.visible()) == ["p3", "p1"] and view.pending_query is None


def test_a_large_library_waits_for_the_index_unless_the_user_typed_meanwhile(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(view_module, "RESTORE_AT_ONCE_MAX", 1)
    monkeypatch.setattr(view_module, "PRIME_CHUNK", 1)
    store.set_setting("ui.query", "agent")
    store.set_setting("ui.view", "bogus")  # an unknown view from a newer or broken file: all
    view = PaperView(store, (), lambda: NOW)
    assert view.restore() == ("agent", None)
    view.load()
    assert len(view.visible()) == 4 and view.status() == "indexing…" and view.view == "all"
    steps = 1
    while not view.index_step():
        steps += 1
    assert steps == 4
    assert view.apply_pending_query("agent")
    assert ids(view.visible()) == ["p3", "p1"] and view.status() == ""
    # The user typed another query before the index was done: theirs stays.
    second = PaperView(store, (), lambda: NOW)
    second.restore()
    second.load()
    second.typed("graph")
    assert not second.apply_pending_query("graph")
    assert ids(second.visible()) == ["p2"]


def test_remembers_the_selected_paper(store: Store) -> None:
    view = loaded(store)
    view.select("p2")
    assert store.setting("ui.selected") == "p2"


def test_notes_are_read_when_a_query_needs_them_not_on_every_load(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.set_field("p2", "note", "zebrafish baseline")
    reads: list[int] = []
    real_states = store.states
    monkeypatch.setattr(store, "states", lambda: reads.append(1) or real_states())
    view = loaded(store)
    assert ids(view.visible()) == ["p4", "p2", "p3", "p1"]
    assert reads == []  # start-up with an empty filter never copies every state
    view.typed("zebrafish")
    assert ids(view.visible()) == ["p2"]
    view.note_changed("p3", "zebrafish too")
    view.note_changed("p2", "")
    assert ids(view.visible()) == ["p3"]
    assert reads == [1]  # read once, then kept current by the edits
    view.load()
    assert reads == [1]

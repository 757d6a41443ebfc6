"""The list's logic without a screen: library, query, view, ``is:new`` and restoring."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

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


def test_last_session_query_view_and_selection_are_restored_at_once(store: Store) -> None:
    store.set_setting("ui.query", "agent")
    store.set_setting("ui.view", "unread")
    store.set_setting("ui.selected", "p1")
    view = PaperView(store, (), lambda: NOW)
    assert view.restore() == ("agent", "p1")
    view.load()
    assert ids(view.visible()) == ["p3", "p1"] and view.status() == "unread only"


def test_an_unknown_saved_view_shows_all(store: Store) -> None:
    store.set_setting("ui.view", "bogus")  # from a newer or broken file
    view = PaperView(store, (), lambda: NOW)
    view.restore()
    view.load()
    assert view.view == "all" and len(view.visible()) == 4


def test_the_list_decodes_only_the_papers_it_is_asked_for(store: Store) -> None:
    view = loaded(store)
    decoded: list[str] = []
    original = store.get

    def counting(paper_id: str) -> Paper | None:
        decoded.append(paper_id)
        return original(paper_id)

    store.get = counting  # type: ignore[method-assign]
    view.load()
    shown = view.visible()
    assert len(shown) == 4 and shown.ids == ["p4", "p2", "p3", "p1"] and decoded == []
    assert shown[1].title == "Graph neural networks" and decoded == ["p2"]
    assert shown[1] is view.visible()[1] and decoded == ["p2"]  # kept while the library is the same


def test_remembers_the_selected_paper(store: Store) -> None:
    view = loaded(store)
    view.select("p2")
    assert store.setting("ui.selected") == "p2"


def test_notes_are_read_when_a_query_needs_them_not_on_every_load(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.set_field("p2", "note", "zebrafish baseline")
    reads: list[str] = []
    real_values = store.field_values
    monkeypatch.setattr(store, "field_values", lambda field: reads.append(field) or real_values(field))
    view = loaded(store)
    assert ids(view.visible()) == ["p4", "p2", "p3", "p1"]
    assert reads == []  # start-up with an empty filter never reads every state
    view.typed("zebrafish")
    assert ids(view.visible()) == ["p2"]
    view.note_changed("p3", "zebrafish too")
    view.note_changed("p2", "")
    assert ids(view.visible()) == ["p3"]
    assert reads == ["note"]  # read once, then kept current by the edits
    view.load()
    assert reads == ["note"]


def test_unread_counts_per_query_come_from_the_rows_without_decoding(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = loaded(store)
    store.set_read("p3", True)
    monkeypatch.setattr(store, "get", lambda paper_id: pytest.fail("decoded " + paper_id))
    counts, total = view.unread_counts(["agent", "graph OR diffusion", "title:(", ""])
    assert counts == [1, 2, 0, 3] and total == 3

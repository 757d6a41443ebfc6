"""Last session's filter on the library: applied as the list first shows, and what the user types wins."""

from __future__ import annotations

from typing import Any

import pytest

from reader_tui.library import ingest, sample_sources
from reader_tui.query import parse_query
from reader_tui.query_match import MatchContext

APP_SIZE = (120, 40)


@pytest.mark.parametrize("type_meanwhile", [False, True])
async def test_saved_filter_is_applied_at_start(harness: Any, type_meanwhile: bool) -> None:
    store = harness.store()
    ingest(store, sample_sources())
    store.set_setting("ui.query", "agent")
    store.flush()
    app = harness.app(store=store)
    async with app.run_test(size=APP_SIZE) as pilot:
        bar = app.filter_bar
        assert bar.text == "agent"
        first_status = str(bar.query_one("#filter-status").content)
        if type_meanwhile:
            await pilot.press("slash", "ctrl+u", *"reasoning")
        await harness.settle(pilot)
        status = str(bar.query_one("#filter-status").content)
        titles = [paper.title.lower() for paper in app.paper_list.papers]
        if type_meanwhile:  # what the user typed replaces the restored filter
            query = parse_query("reasoning")
            context = MatchContext(now=app.clock(), state_of=app.store.state)
            assert bar.text == "reasoning" and status == f"{len(titles)} of 30"
            assert 0 < len(titles) != 18
            assert all(query.matches(paper, context) for paper in app.paper_list.papers)
        else:
            assert first_status.startswith("18 of 30")
            assert status == "18 of 30" and len(titles) == 18

"""Last session's filter on a large library: the list shows at once and the filter follows the index."""

from __future__ import annotations

from typing import Any

import pytest

from reader_tui import paper_view as view
from reader_tui.library import ingest, sample_sources
from reader_tui.query import MatchContext, parse_query

APP_SIZE = (120, 40)


@pytest.mark.parametrize("type_meanwhile", [False, True])
async def test_saved_filter_waits_for_the_index_on_a_large_library(
    harness: Any, monkeypatch: pytest.MonkeyPatch, type_meanwhile: bool
) -> None:
    store = harness.store()
    ingest(store, sample_sources())
    store.set_setting("ui.query", "agent")
    store.flush()
    monkeypatch.setattr(view, "RESTORE_AT_ONCE_MAX", 0)  # the sample digest counts as "large"
    monkeypatch.setattr(view, "PRIME_CHUNK", 5)  # several steps, so the test can look in between
    app = harness.app(store=store)
    async with app.run_test(size=APP_SIZE) as pilot:
        bar = app.filter_bar  # straight after mount: the index is still being built
        assert bar.text == "agent"
        first_status = str(bar.query_one("#filter-status").content)
        if type_meanwhile:
            await pilot.press("slash", "ctrl+u", *"reasoning")
        await harness.settle(pilot)
        status = str(bar.query_one("#filter-status").content)
        titles = [paper.title.lower() for paper in app.paper_list.papers]
        if type_meanwhile:  # what the user typed wins over the restored filter
            query = parse_query("reasoning")
            context = MatchContext(now=app.clock(), state_of=app.store.state)
            assert bar.text == "reasoning" and status == f"{len(titles)} of 30"
            assert 0 < len(titles) != 18
            assert all(query.matches(paper, context) for paper in app.paper_list.papers)
        else:
            assert first_status.startswith("30 of 30") and "indexing" in first_status
            assert status == "18 of 30" and len(titles) == 18

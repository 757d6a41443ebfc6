"""Keys sent in one burst to the real binary in tmux land where they belong, from the first frame on.

The Pilot tests (``test_app_keys.py``) queue bursts inside the process; here the terminal sends them, so
the whole path is covered: tmux writes the keys at once, Textual's driver parses them in one read, and
the app must route each one to the widget that has focus after the keys before it.
"""

from __future__ import annotations

import re
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tmux_terminal import Tmux, needs_tmux

from bench.generate import generate_papers
from reader_tui.paper_fields import PaperFields
from reader_tui.query import parse_query
from reader_tui.query_match import MatchContext
from reader_tui.search_index import SearchIndex
from reader_tui.store import Store

pytestmark = needs_tmux


def filter_line(screen: str) -> str:
    """The filter bar's text row (the second line of the screen)."""
    return screen.splitlines()[1]


def count(screen: str) -> tuple[int, int] | None:
    found = re.search(r"([\d,]+) of ([\d,]+)", filter_line(screen))
    return (int(found.group(1).replace(",", "")), int(found.group(2).replace(",", ""))) if found else None


def test_slash_and_a_query_in_one_send_keys_filter_the_sample(tmp_path: Path) -> None:
    app = Tmux(tmp_path / "home")
    try:
        app.wait_for(lambda s: "30 of 30" in s)
        app.send("/agent", literal=True)
        app.wait_for(lambda s: "agent" in filter_line(s) and (count(s) or (30, 30))[0] < 30)
        app.send("Enter", "j", "s")  # keep the filter, move down, star: the list gets them
        app.wait_for(lambda s: "starred (to read)" in s)
        screen = app.screen()
        assert "agent" in filter_line(screen)
        assert "opened" not in screen and "no browser" not in screen  # the "a" never reached the list
    finally:
        app.close()


QUERY = "privacy graph"
"""Its ``a`` is the key that opens the abstract page when it reaches the list instead of the bar."""


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A store of 10,000 generated papers (built once) and how many match :data:`QUERY`."""
    data = tmp_path_factory.mktemp("library") / "data"
    with Store(data) as store:
        store.add_papers(generate_papers(10_000))
        context = MatchContext(now=datetime.now(UTC), state_of=store.state)
        rows = [PaperFields(paper) for paper in store.papers()]
        return data, len(SearchIndex().filter_rows(parse_query(QUERY), rows, context))


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.0, 0.3])
def test_a_burst_right_after_the_list_appears_with_10000_papers(
    tmp_path: Path, library: tuple[Path, int], delay: float
) -> None:
    data, expected = library
    home = tmp_path / "home"
    shutil.copytree(data, home / "data")
    query = QUERY
    app = Tmux(home)
    try:
        app.wait_for(lambda s: count(s) == (10_000, 10_000))
        time.sleep(delay)  # the index is still being built: start-up work the keys must not lose
        app.send(f"/{query}", literal=True)
        app.wait_for(lambda s: query in filter_line(s) and count(s) == (expected, 10_000))
        assert "opened" not in app.screen()
    finally:
        app.close()


def test_escape_answers_promptly_and_arrows_and_alt_keys_still_work(tmp_path: Path) -> None:
    """Textual's own terminal driver, with only the public ESCDELAY (10 ms, set by the CLI): escape in the
    filter bar clears it well within a second (bench/bench_app.py measures it); an arrow key (ESC [ B,
    one write) is a key, not an escape; alt+x (ESC x) does not wedge the input."""
    app = Tmux(tmp_path / "home")
    try:
        app.wait_for(lambda s: count(s) == (30, 30))
        waits = []
        for _ in range(3):
            app.send("/zzqx", literal=True)
            app.wait_for(lambda s: count(s) == (0, 30))
            app.send("Escape")
            waits.append(app.wait_for(lambda s: count(s) == (30, 30) and "zzqx" not in filter_line(s)))
        assert sorted(waits)[1] < 1.0, waits  # the median; generous on a busy machine (~0.12 s idle)
        app.send("Down")  # the second paper's title in the detail pane: the list moved
        app.wait_for(lambda s: any(line.split("▕")[-1].strip().startswith("SAAS") for line in s.splitlines()))
        app.send("M-x")
        app.send("/zzqx", literal=True)
        app.wait_for(lambda s: count(s) == (0, 30))
        app.send("C-u")
        app.wait_for(lambda s: count(s) == (30, 30))
        app.send("Escape", "q")
        app.wait_for(lambda s: "30 of 30" not in s)  # quit: the pane's program ended
    finally:
        app.close()

"""Keys at random, as a tired user or a cat would press them: the app never crashes and stays consistent.

Seeded (the same keys on every run), on the sample digest, with resizes thrown in. Every key of the
app, the list, the filter bar, help, the feeds panel, the confirm question and the palette is in the
mix, plus query text, pressed one at a time and in bursts (queued at once, as a terminal read brings
them). After every key the list's cursor is on a listed paper; a burst that types a query and presses
enter leaves exactly that query and the list focused; at the end the match count names the list's
length, and nothing but http(s) reached the browser.
"""

from __future__ import annotations

import random
import re

import pytest
from conftest import Harness, burst
from textual.widgets import Static

KEYS = [
    *"jkgGmsuSAyco/aRF?npxfLtevz0123",  # f L t e v z and views' numbers: dialogs of their own
    *["space", "tab", "shift+tab", "escape", "enter", "pagedown", "pageup", "ctrl+u", "backspace"],
    *["ctrl+p", "down", "up", "home", "end"],
]
QUERY_TEXT = list('agent OR -cat:cs is:unread author:li "() since:7d')
SIZES = [(120, 40), (80, 24), (60, 20), (200, 50), (30, 8)]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
async def test_random_keys_never_crash_the_app(harness: Harness, seed: int) -> None:
    rnd = random.Random(seed)
    app = harness.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await harness.settle(pilot)
        for _ in range(150):
            roll = rnd.random()
            if roll < 0.15:
                await burst(pilot, *rnd.choices(KEYS + QUERY_TEXT, k=rnd.randint(2, 8)))
            elif roll < 0.2 and len(app.screen_stack) == 1:
                word = "".join(rnd.choices("agentmoly", k=rnd.randint(1, 6)))
                await burst(pilot, "/", "ctrl+u", *word, "enter")
                assert app.filter_bar.text == word
                assert app.focused is app.paper_list
            else:
                await pilot.press(rnd.choice(KEYS + QUERY_TEXT))
            if rnd.random() < 0.05:
                await pilot.resize_terminal(*rnd.choice(SIZES))
            papers = app.paper_list.papers
            assert not papers or 0 <= app.paper_list.cursor < len(papers)
        while len(app.screen_stack) > 1:  # close help, palette, panels, questions
            await pilot.press("escape")
            await pilot.pause()
        await pilot.press("escape")  # leave the filter bar (the query stays as typed or is cleared)
        await harness.settle(pilot)
        status = str(app.query_one("#filter-status", Static).content)
        shown = re.match(r"([\d,]+) of", status)
        if shown:  # a query error shows its message instead, keeping the last good list
            assert int(shown.group(1).replace(",", "")) == len(app.paper_list.papers)
        assert app.is_running
    assert all(re.match(r"https?://", url) for url in harness.opened.calls)

"""Measure the paper list's cost at 10k and 100k rows (a script, not a test: timings vary by machine).

Run from the repo root: ``.venv/bin/python bench/bench_list.py [sizes...]`` (default 10000 100000).

What is timed, inside a headless 120x40 app (median of several runs, milliseconds):

* ``set_papers``: replacing the rows (what a filter keystroke does), with ``keep_id`` found early,
  and with ``keep_id`` absent (the worst case: the whole sequence is scanned for it).
* ``first paint``: the list's repaint after ``set_papers`` with a cold row cache (every visible row
  formatted from scratch), then the whole screen composited, as the terminal update would.
* ``filter cycle``: ``set_papers`` + ``await pilot.pause()`` (the app processes the messages and
  repaints), i.e. the list's share of keystroke-to-screen. Reported as CPU time of the process,
  because the test harness's pause sleeps in 10 ms steps until the CPU is idle (wall time shown too).
* ``cursor move``: ``action_cursor_down`` + the list's repaint (only the two changed rows are
  re-rendered); and one ``j`` through Pilot (key dispatch, binding, message, repaint) as CPU time.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual.app import App, ComposeResult
from textual.geometry import Region

from bench.generate import generate_papers
from reader_tui.model import Paper, PaperState
from reader_tui.ui.paper_list import PaperList

SIZE = (120, 40)
REPEATS = 15


def make_papers(count: int) -> list[Paper]:
    """Realistic papers; beyond 10k, copies under new ids (the shared summaries keep memory down)."""
    base = generate_papers(min(count, 10_000), seed=3)
    papers = list(base)
    while len(papers) < count:
        i = len(papers)
        papers.append(replace(base[i % len(base)], id=f"x{i}", title=f"{base[i % len(base)].title} {i}"))
    return papers


class BenchApp(App[None]):
    def __init__(self, states: dict[str, PaperState]) -> None:
        super().__init__()
        self.states = states

    def compose(self) -> ComposeResult:
        default = PaperState()
        yield PaperList(lambda pid: self.states.get(pid, default))

    def on_mount(self) -> None:
        self.query_one(PaperList).focus()


def ms(samples: Sequence[float]) -> str:
    return f"{statistics.median(samples) * 1000:7.2f} ms (max {max(samples) * 1000:6.2f})"


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


async def bench(count: int) -> None:
    papers = make_papers(count)
    states = {p.id: PaperState(read=i % 3 == 0, starred=i % 17 == 0) for i, p in enumerate(papers)}
    app = BenchApp(states)
    async with app.run_test(size=SIZE) as pilot:
        pl = app.query_one(PaperList)
        region = Region(0, 0, pl.size.width, pl.size.height)
        subsets = [papers[k::2] for k in range(2)]  # two alternating "filter results"

        set_found: list[float] = []
        set_missing: list[float] = []
        paint: list[float] = []
        cycle: list[float] = []
        cycle_cpu: list[float] = []
        move: list[float] = []
        move_scroll: list[float] = []
        press_cpu: list[float] = []

        def paint_all() -> None:
            pl.render_lines(region)
            app.screen._compositor.render_strips()

        def move_down() -> None:
            pl.action_cursor_down()
            pl.render_lines(region)  # re-renders only the rows the move made dirty

        for r in range(REPEATS):
            subset = subsets[r % 2]
            keep = subset[len(subset) // 2].id  # present: found by the scan halfway through
            set_found.append(timed(partial(pl.set_papers, subset, keep_id=keep)))
            set_missing.append(timed(partial(pl.set_papers, subset, keep_id="absent")))

            pl._line_cache.clear()  # cold: every visible row formatted from scratch
            pl.refresh()
            paint.append(timed(lambda: (pl.render_lines(region), app.screen._compositor.render_strips())))

            start, cpu = time.perf_counter(), time.process_time()
            pl.set_papers(papers if r % 2 else subset, keep_id=pl.current.id if pl.current else None)
            await pilot.pause()
            cycle_cpu.append(time.process_time() - cpu)
            cycle.append(time.perf_counter() - start)

        await pilot.press("g")
        await pilot.pause()
        for _ in range(REPEATS * 4):
            scrolls = pl.cursor - round(pl.scroll_y) == pl.size.height - 1
            (move_scroll if scrolls else move).append(timed(move_down))
            await pilot.pause()
        await pilot.press("g")
        for _ in range(REPEATS * 2):
            cpu = time.process_time()
            await pilot.press("j")
            press_cpu.append(time.process_time() - cpu)

        print(f"{count:>7,} papers")
        print(f"  set_papers, keep_id found mid-list  {ms(set_found)}")
        print(f"  set_papers, keep_id absent (scan)   {ms(set_missing)}")
        print(f"  first paint, cold rows + compositor {ms(paint)}  ({pl.size.height} rows)")
        print(f"  filter cycle set_papers + pause CPU {ms(cycle_cpu)}  wall {ms(cycle)}")
        print(f"  cursor move + repaint, in view      {ms(move)}")
        print(f"  cursor move + repaint, scrolls      {ms(move_scroll)}")
        print(f"  press j via Pilot, CPU              {ms(press_cpu)}")


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or [10_000, 100_000]
    for count in sizes:
        asyncio.run(bench(count))


if __name__ == "__main__":
    main()

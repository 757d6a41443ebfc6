"""Benchmark the app as a person meets it: in a real terminal (tmux), on generated libraries.

Measures, for each library size (default 10,000 and 100,000 papers):

* process start to the list showing papers (``reader-tui`` with no arguments);
* a keystroke in the filter bar to the repainted list (the match count changes);
* clearing the filter to the full list again: with ``ctrl+u`` (the app's own work) and with escape
  (which adds the wait that tells a lone ESC from the start of a key sequence: ``ESCDELAY``, 10 ms
  as the CLI sets it, noticed when Textual's input thread next wakes, within 100 ms);
* a cursor move (``j``) to the repainted detail pane;
* peak memory (VmHWM) of the app process.

Timings are wall-clock from ``tmux send-keys`` until ``tmux capture-pane`` shows the result, polled
every ~2 ms, so they include the terminal round trip and err on the slow side. Run it with
``.venv/bin/python bench/bench_app.py [--sizes 10000 100000]``; needs tmux.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import generate_papers  # noqa: E402
from reader_tui.library import newest_first  # noqa: E402
from reader_tui.paper_fields import PaperFields  # noqa: E402
from reader_tui.query import parse_query  # noqa: E402
from reader_tui.query_match import MatchContext  # noqa: E402
from reader_tui.search_index import SearchIndex  # noqa: E402
from reader_tui.store import Store  # noqa: E402

SOCKET = "reader-tui-bench"
TARGETS = {
    10_000: {
        "start": 0.8,
        "keystroke": 0.050,
        "clear": 0.050,
        "clear_escape": 0.150,  # ESCDELAY, noticed at Textual's next 100 ms wake-up
        "cursor": 0.030,
        "memory_mb": 120,
    },
    100_000: {"keystroke": 0.250},
}
QUERIES = ["privacy graph", "multimodal retrieval", "agent reward"]


def tmux(*args: str) -> str:
    result = subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True, check=False)
    return result.stdout


def screen() -> str:
    return tmux("capture-pane", "-p")


def wait_for(condition: Callable[[str], bool], timeout: float = 30.0) -> float:
    """Seconds until the screen satisfies ``condition``; raises on timeout."""
    start = time.perf_counter()
    while True:
        if condition(screen()):
            return time.perf_counter() - start
        if time.perf_counter() - start > timeout:
            raise TimeoutError("screen never showed the expected state:\n" + screen())
        time.sleep(0.002)


def count_text(shown: int, total: int) -> str:
    return f"{shown:,} of {total:,}"


def build_library(home: Path, size: int) -> list[str]:
    """Generate a library of ``size`` papers; return the titles in the app's order."""
    with Store(home / "data") as store:
        store.add_papers(generate_papers(size))
        return [p.title for p in newest_first(store.papers())]


def expected_counts(home: Path, query: str) -> list[int]:
    """Match counts after each keystroke of ``query``, computed with the domain layer."""
    with Store(home / "data") as store:
        rows = [PaperFields(paper) for paper in store.papers()]
        index = SearchIndex()
        context = MatchContext(now=datetime.now(UTC), state_of=store.state)
        return [len(index.filter_rows(parse_query(query[: i + 1]), rows, context)) for i in range(len(query))]


def detail_shows(screen_text: str, title_start: str) -> bool:
    """Whether the detail pane (right of the list's border) shows a title starting so."""
    return any(line.split("▕")[-1].strip().startswith(title_start) for line in screen_text.splitlines())


def pid_of_pane() -> int:
    return int(tmux("list-panes", "-F", "#{pane_pid}").strip().splitlines()[0])


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_size(size: int, home: Path) -> dict[str, float]:
    titles = build_library(home, size)
    results: dict[str, float] = {}
    tmux("kill-server")
    command = f"exec env READER_TUI_HOME={home} {sys.executable} -m reader_tui"
    start = time.perf_counter()
    tmux("new-session", "-d", "-x", "120", "-y", "40", command)
    wait_for(lambda s: count_text(size, size) in s and titles[0][:20] in s)
    results["start"] = time.perf_counter() - start
    pid = pid_of_pane()
    time.sleep(1.0)  # let start-up work (index priming) settle before timing keys

    # Cursor moves: the detail pane shows the next paper's title.
    cursor_times = []
    for i in range(1, 11):
        expected = titles[i][:25]
        t0 = time.perf_counter()
        tmux("send-keys", "j")
        wait_for(lambda s, e=expected: detail_shows(s, e))
        cursor_times.append(time.perf_counter() - t0)
        time.sleep(0.3)  # a reader's pace: the debounced summary render is done before the next key
    results["cursor"] = statistics.median(cursor_times)
    results["cursor_max"] = max(cursor_times)

    key_times: list[float] = []
    clear_times: list[float] = []
    escape_times: list[float] = []
    for query in QUERIES:
        counts = expected_counts(home, query)
        tmux("send-keys", "/")
        time.sleep(0.2)
        for clear_key, times in (("C-u", clear_times), ("Escape", escape_times)):
            previous = size
            for char, count in zip(query, counts, strict=True):
                t0 = time.perf_counter()
                tmux("send-keys", "-l", char)
                if count != previous:
                    wait_for(lambda s, c=count: count_text(c, size) in s)
                    key_times.append(time.perf_counter() - t0)
                else:
                    time.sleep(0.15)
                previous = count
                time.sleep(0.05)
            t0 = time.perf_counter()
            tmux("send-keys", clear_key)
            wait_for(lambda s: count_text(size, size) in s)
            times.append(time.perf_counter() - t0)
            time.sleep(0.2)
    results["keystroke"] = statistics.median(key_times)
    results["keystroke_max"] = max(key_times)
    results["clear"] = statistics.median(clear_times)
    results["clear_escape"] = statistics.median(escape_times)
    results["memory_mb"] = peak_rss_mb(pid)
    tmux("send-keys", "q")
    time.sleep(0.5)
    tmux("kill-server")
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("bench_app needs tmux (apt-get install tmux)", file=sys.stderr)
        return 1
    print(f"{'papers':>8}  {'measure':<14} {'value':>10}  target")
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="reader-tui-bench-") as tmp:
            results = run_size(size, Path(tmp))
        for name, value in results.items():
            target = TARGETS.get(size, {}).get(name)
            shown = f"{value:8.1f} MB" if name == "memory_mb" else f"{value * 1000:7.1f} ms"
            verdict = ""
            if target is not None:
                verdict = f"<= {target:g}{' MB' if name == 'memory_mb' else ' s'}  "
                verdict += "ok" if value <= target else "MISSED"
            print(f"{size:>8,}  {name:<14} {shown:>10}  {verdict}")
    return 0


if __name__ == "__main__":
    os.environ.pop("TMUX", None)
    raise SystemExit(main())

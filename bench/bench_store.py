"""How fast the store is at the size a heavy user reaches: 10,000 cached papers.

Run ``python bench/bench_store.py`` from the repository root. It works in a temporary READER_TUI_HOME,
never in the user's data, and prints one row per figure with its target.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import generate_papers
from reader_tui import paths
from reader_tui.store import Store

N_PAPERS = 10_000
rows: list[tuple[str, float, float | None]] = []


def record(what: str, seconds: float, target: float | None = None) -> None:
    rows.append((what, seconds, target))


def until(condition: Callable[[], bool], timeout: float = 10.0) -> float:
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > timeout:
            return float("inf")
        time.sleep(0.001)
    return time.perf_counter() - start


def read_on_disk(path: Path, pid: str) -> bool | None:
    """What a separate reader sees for ``pid`` in state.json (None: not there or mid-replace)."""
    try:
        doc = json.loads(path.read_bytes())["state"].get(pid)
    except (OSError, ValueError):
        return None
    return None if doc is None else bool(doc["read"])


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="reader-tui-bench-") as home:
        os.environ[paths.HOME_ENV] = home
        papers = generate_papers(N_PAPERS)
        with Store() as store:
            store.add_papers(papers)
            start = time.perf_counter()
            store.flush()
            record("write 10,000 papers (first write)", time.perf_counter() - start)
        size_mb = (paths.data_dir() / "papers.json").stat().st_size / 1e6

        loads, cpu = [], []
        for _ in range(5):
            start, start_cpu = time.perf_counter(), time.process_time()
            store = Store()
            listed = store.papers()
            loads.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            assert len(listed) == N_PAPERS and not store.messages
            store.close()
        record("open store + papers() (median of 5)", statistics.median(loads), 0.300)
        record("open store + papers() (worst of 5)", max(loads), 0.300)
        record("  ...CPU time of it (median of 5)", statistics.median(cpu), 0.300)

        with Store() as store:
            pid = papers[N_PAPERS // 2].id
            toggles = []
            for _ in range(101):
                start = time.perf_counter()
                store.toggle_read(pid)
                toggles.append(time.perf_counter() - start)
            record("toggle read in memory (median of 101)", statistics.median(toggles), 0.005)
            record("toggle read in memory (worst of 101)", max(toggles), 0.005)

            store.flush()
            time.sleep(0.1)
            expected = not store.state(pid).read
            start = time.perf_counter()
            store.set_read(pid, expected)
            landed = until(lambda: read_on_disk(store.state_path, pid) is expected)
            record("toggle until on disk (write-behind)", time.perf_counter() - start, 1.0)
            assert landed != float("inf")

            extra = generate_papers(N_PAPERS + 10, seed=1)[-10:]
            more = generate_papers(N_PAPERS + 20, seed=2)[-10:]
            last = generate_papers(N_PAPERS + 30, seed=3)[-10:]
            start = time.perf_counter()
            new = store.add_papers(extra)
            record("add 10 papers to 10k (in memory)", time.perf_counter() - start, 0.005)
            assert len(new) == 10
            start = time.perf_counter()
            store.flush()
            record("  ...then flush (re-encodes cache once)", time.perf_counter() - start)
            start = time.perf_counter()
            store.add_papers(more)
            store.flush()
            record("add 10 more + flush (encoded cache)", time.perf_counter() - start)

            start = time.perf_counter()
            store.set_read(pid, not store.state(pid).read)
            store.add_papers(last)
            landed = until(lambda: read_on_disk(store.state_path, pid) is store.state(pid).read)
            record("toggle on disk while cache is written", time.perf_counter() - start, 1.0)

    print(
        f"store benchmark: {N_PAPERS:,} papers, papers.json {size_mb:.1f} MB, python {sys.version.split()[0]}"
    )
    print(f"{'figure':<42} {'measured':>10} {'target':>9}  met")
    for what, seconds, target in rows:
        target_text = f"{target * 1000:.0f} ms" if target is not None else ""
        met = "" if target is None else ("yes" if seconds < target else "NO")
        print(f"{what:<42} {seconds * 1000:>7.1f} ms {target_text:>9}  {met}")


if __name__ == "__main__":
    main()

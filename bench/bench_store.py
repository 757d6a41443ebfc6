"""How fast and how big the store is at the size a heavy user reaches: 10,000 cached papers.

Run ``python bench/bench_store.py`` from the repository root. It works in a temporary READER_TUI_HOME,
never in the user's data, and prints one row per figure with its target. Memory is measured in a fresh
process (this one holds the generated papers): the peak RSS (VmHWM) of opening the store and listing its
ids (the app's first screen), then of loading the search rows the filter runs over, with the RSS
before and after the imports for reference. The app's budget is 90 MB at 10,000 papers.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import generate_papers
from reader_tui import paths
from reader_tui.store import Store

N_PAPERS = 10_000
ROOT = Path(__file__).resolve().parent.parent
rows: list[tuple[str, float, float | None, str]] = []


def record(what: str, seconds: float, target: float | None = None) -> None:
    rows.append((what, seconds, target, "ms"))


def record_mb(what: str, megabytes: float, target: float | None = None) -> None:
    rows.append((what, megabytes, target, "MB"))


FRESH = textwrap.dedent(
    """
    import json, time

    def status(key):
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith(key):
                    return int(line.split()[1]) / 1024
        return float("nan")

    bare = status("VmRSS:")
    from reader_tui.store import Store
    imported = status("VmRSS:")
    wall, cpu = time.perf_counter(), time.process_time()
    store = Store(poll_interval=None)
    ids = store.search.ids()
    load_wall, load_cpu = time.perf_counter() - wall, time.process_time() - cpu
    load_peak = status("VmHWM:")
    wall, cpu = time.perf_counter(), time.process_time()
    rows = store.search.rows()
    prime_wall, prime_cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(json.dumps({
        "papers": len(ids) if len(rows) == len(ids) else -1, "bare": bare, "imported": imported,
        "load_wall": load_wall,
        "load_cpu": load_cpu, "load_peak": load_peak, "prime_wall": prime_wall, "prime_cpu": prime_cpu,
        "prime_peak": status("VmHWM:"),
    }))
    store.close()
    """
)


def measure_fresh_process() -> dict[str, float]:
    """Open the store, list and index its papers in a new interpreter; CPU, wall and VmHWM figures."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", FRESH], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    figures: dict[str, float] = json.loads(done.stdout)
    return figures


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
    return None if doc is None else bool((doc.get("read") or {}).get("value"))


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="reader-tui-bench-") as home:
        os.environ[paths.HOME_ENV] = home
        papers = generate_papers(N_PAPERS)
        with Store() as store:
            start = time.perf_counter()
            store.add_papers(papers)
            record("write 10,000 papers (first write, search fields included)", time.perf_counter() - start)
        size_mb = (paths.data_dir() / "papers.sqlite").stat().st_size / 1e6

        loads, cpu = [], []
        for _ in range(5):
            start, start_cpu = time.perf_counter(), time.process_time()
            store = Store()
            listed = store.search.ids()
            loads.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            assert len(listed) == N_PAPERS and not store.messages
            store.close()
        record("open store + ids() (median of 5)", statistics.median(loads), 0.300)
        record("open store + ids() (worst of 5)", max(loads), 0.300)
        record("  ...CPU time of it (median of 5)", statistics.median(cpu), 0.200)

        fresh = [measure_fresh_process() for _ in range(3)]
        assert all(run["papers"] == N_PAPERS for run in fresh)
        best = min(fresh, key=lambda run: run["load_cpu"])
        record("fresh process: open + ids() CPU (best of 3)", best["load_cpu"], 0.200)
        record("fresh process: rows() (search fields) CPU", min(run["prime_cpu"] for run in fresh))
        imported = min(run["imported"] for run in fresh)
        record_mb("fresh process: RSS of the bare interpreter", min(run["bare"] for run in fresh))
        record_mb("  ...RSS after importing store and query", imported)
        record_mb("  ...peak RSS after open + ids()", max(run["load_peak"] for run in fresh))
        peak = max(run["prime_peak"] for run in fresh)
        record_mb("  ...peak RSS after rows()", peak)
        record_mb("  ...papers + index above the imports", peak - imported, 70.0)

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
            record("add 10 papers to 10k (one transaction)", time.perf_counter() - start, 0.050)
            assert len(new) == 10
            start = time.perf_counter()
            store.add_papers(more)
            record("add 10 more", time.perf_counter() - start, 0.050)

            start = time.perf_counter()
            store.set_read(pid, not store.state(pid).read)
            store.add_papers(last)
            landed = until(lambda: read_on_disk(store.state_path, pid) is store.state(pid).read)
            record("toggle on disk while cache is written", time.perf_counter() - start, 1.0)

            # The daily case: read the 10-item seed digest into the 10k library (parse + store +
            # the cache write landing on disk). Cold: the feed modules' imports are included.
            store.flush()  # not timed: let the previous step's cache write finish first
            from reader_tui.library import ingest, sample_sources

            start = time.perf_counter()
            seed = next(path for path in sample_sources() if path.endswith("ftxj-2026-05-29.xml"))
            (report,) = ingest(store, [seed])
            parsed = time.perf_counter() - start
            store.flush()
            record("parse + store the 10-item seed", parsed, 0.100)
            record("  ...and flushed to disk", time.perf_counter() - start, 1.0)
            assert report.error is None and report.papers == 10, report

    print(
        f"store benchmark: {N_PAPERS:,} papers, papers.sqlite {size_mb:.1f} MB,"
        f" python {sys.version.split()[0]}"
    )
    print(f"{'figure':<48} {'measured':>10} {'target':>9}  met")
    for what, value, target, unit in rows:
        scale = 1000 if unit == "ms" else 1
        target_text = f"{target * scale:.0f} {unit}" if target is not None else ""
        met = "" if target is None else ("yes" if value < target else "NO")
        print(f"{what:<48} {value * scale:>7.1f} {unit} {target_text:>9}  {met}")
    print(f"peak RSS of this benchmark process (VmHWM, generated papers included): {peak_rss_mb():.0f} MB")


def peak_rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


if __name__ == "__main__":
    main()

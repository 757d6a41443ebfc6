"""Start-up, memory, filtering and marks against newsboat, on the same feeds, in the same run, in tmux.

``--feeds N`` generated digests of ``--items`` papers each (``bench_ingest.build_feed``, distinct ids)
are served from 127.0.0.1 and read by both into their own cache first (not timed): one 10,000-item feed
is the 10k library, ten of them the 100k library. Then, ``--runs`` times each, in a 120x40 tmux pane:

* newsboat (``newsboat -u URLS -c CACHE -C CONFIG``, no reload on start): launch until the feed list
  shows the first feed, and after ``enter`` until its article list shows (a 10k feed), and the CPU
  time (user + system, /proc) newsboat used until then;
* reader-tui: launch until the paper list shows every paper, and the CPU time used until then; its
  peak memory (VmHWM) after filtering;
  the filter keystroke (a key typed in the filter bar until the match count changes, median);
* a mark durable on disk: ``set_read`` until ``state.json`` holds it (write-behind), and the cost of
  writing it (``flush``), in a process holding the whole library;
* ``reader-tui list --json`` on the whole library: its peak memory (ru_maxrss).

reader-tui runs from this checkout, compiled to bytecode first as ``pip install`` does (the README's
install): where ``PYTHONDONTWRITEBYTECODE`` is set, as on the project's build machines, a checkout
would otherwise compile every module of the app from source at each start (10k: 20 ms of CPU on an
idle machine, 0.36 -> 0.34 s; ~0.1 s measured under load).

Run: ``.venv/bin/python bench/bench_vs_newsboat.py [--feeds 10] [--runs 3]``; needs tmux and newsboat.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import bench_app  # noqa: E402
from bench.bench_app import count_text, expected_counts, peak_rss_mb, pid_of_pane, tmux, wait_for  # noqa: E402

bench_app.SOCKET = "reader-tui-vs-newsboat"  # a tmux server of its own: bench_app.py's run kills its own
from bench.bench_ingest import build_feed, serve  # noqa: E402

TARGETS = {  # issue 11: figure -> target (seconds or MB); start also "no slower than newsboat"
    10_000: {"start": None, "memory_mb": 90, "mark_durable": 1.0},
    100_000: {"start": 1.0, "memory_mb": 250, "keystroke": 0.150, "mark_durable": 1.0, "list_json_mb": 300},
}
for _targets in TARGETS.values():  # the same targets hold for a library with every paper marked read
    _targets.update({f"read_{key}": value for key, value in list(_targets.items()) if value})
QUERY = "agent memory"


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the process has used so far (its own, from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def launch(command: str) -> float:
    """Start ``command`` in a fresh 120x40 tmux server; the time it was started. ``kill-server`` returns
    before the old server is gone, and a ``new-session`` that reaches it then fails: it is tried again."""
    tmux("kill-server")
    for _ in range(50):
        started = time.perf_counter()
        tmux("new-session", "-d", "-x", "120", "-y", "40", command)
        if (
            subprocess.run(["tmux", "-L", bench_app.SOCKET, "has-session"], capture_output=True).returncode
            == 0
        ):
            return started
        time.sleep(0.1)
    raise RuntimeError(f"tmux would not start: {command}")


def mark_timings(home: Path) -> tuple[float, float]:
    """(seconds until a mark is in state.json with write-behind, seconds ``flush`` takes to write one)."""
    code = f"""
import json, sys, time
from pathlib import Path
from reader_tui.store import Store
data = Path({str(home / "data")!r})
with Store(data) as store:
    ids = [p.id for p in store.papers()[:40]]
    landed, costs = [], []
    for i, pid in enumerate(ids[:20]):
        seen = (data / "state.json").stat().st_mtime_ns
        t0 = time.perf_counter()
        store.toggle_read(pid)
        want = store.state(pid).read
        while True:  # parsed only once replaced, and timed when it was: parsing 7 MB on every poll
            # would hold the GIL the store's writer thread needs (a triaged 100k library's state file)
            stamp = (data / "state.json").stat().st_mtime_ns
            if stamp != seen:
                seen, replaced = stamp, time.perf_counter()
                try:
                    doc = json.loads((data / "state.json").read_text())["state"].get(pid) or {{}}
                except ValueError:
                    doc = {{}}
                if doc.get("read", {{}}).get("value") is want:
                    break
            time.sleep(0.002)
        landed.append(replaced - t0)
    for pid in ids[20:40]:
        store.toggle_starred(pid)
        t0 = time.perf_counter()
        store.flush()
        costs.append(time.perf_counter() - t0)
    costs.sort(); landed.sort()
    print(json.dumps([landed[len(landed) // 2], costs[len(costs) // 2]]))
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    landed, cost = json.loads(out.stdout)
    return landed, cost


def list_json_mb(home: Path) -> float:
    """Peak RSS of ``list --json``, through /usr/bin/time: ``ru_maxrss`` of a child of this process
    counts this process's own high-water mark from before the exec (~400 MB here, with the library
    indexed for ``expected_counts``), whatever the child then uses."""
    env = {**os.environ, "READER_TUI_HOME": str(home)}
    with tempfile.NamedTemporaryFile("r") as report, open(os.devnull, "wb") as sink:
        command = ["/usr/bin/time", "-f", "%M", "-o", report.name, sys.executable, "-m", "reader_tui"]
        subprocess.run([*command, "list", "--json"], env=env, stdout=sink, check=True)
        return int(report.read().split()[-1]) / 1024


def filter_keystrokes(counts: list[int], total: int) -> list[float]:
    """Type QUERY in the filter bar; seconds from each key that changes the match count to the
    repainted count (``counts``: the count after each key, from the domain layer)."""
    times = []
    tmux("send-keys", "/")
    time.sleep(0.3)
    previous = total
    for char, count in zip(QUERY, counts, strict=True):
        t0 = time.perf_counter()
        tmux("send-keys", "-l", char)
        if count != previous:
            wait_for(lambda s, c=count: count_text(c, total) in s, 30)
            times.append(time.perf_counter() - t0)
        else:
            time.sleep(0.15)
        previous = count
        time.sleep(0.1)
    tmux("send-keys", "C-u")
    time.sleep(0.3)
    tmux("send-keys", "Escape")  # back to the list, so that q quits (and no query is saved)
    time.sleep(0.5)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--feeds", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--all-read",
        action="store_true",
        help="then mark every paper read (a triaged library: one state record a paper) and measure again",
    )
    args = parser.parse_args()
    for tool in ("tmux", "newsboat"):
        if shutil.which(tool) is None:
            print(f"needs {tool}", file=sys.stderr)
            return 1
    total = args.items * args.feeds
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "reader_tui")], check=True)
    with tempfile.TemporaryDirectory(prefix="reader-tui-vs-newsboat-") as tmp:
        scratch = Path(tmp)
        for k in range(args.feeds):
            (scratch / f"digest{k}.xml").write_bytes(build_feed(args.items, seed=k, first=k * args.items))
        server, base = serve(scratch)
        urls_list = [f"{base}/digest{k}.xml" for k in range(args.feeds)]
        try:
            home = scratch / "home"
            (home / "config").mkdir(parents=True)
            urls, cache, config = scratch / "urls", scratch / "cache.db", scratch / "nb-config"
            urls.write_text("\n".join(urls_list) + "\n")
            config.write_text("")
            env = f"env HOME={home} LANG=C.UTF-8 TERM=xterm-256color"
            nb = f"exec {env} newsboat -u {urls} -c {cache} -C {config}"
            subprocess.run(
                ["newsboat", "-x", "reload", "-u", str(urls), "-c", str(cache), "-C", str(config)],
                env={**os.environ, "HOME": str(home)},
                check=True,
                capture_output=True,
            )
            ours_home = scratch / "ours"
            ours_env = {**os.environ, "READER_TUI_HOME": str(ours_home)}
            for url in urls_list:
                subprocess.run([sys.executable, "-m", "reader_tui", "add", url], env=ours_env, check=True)
            refresh = [sys.executable, "-m", "reader_tui", "refresh", "--timeout", "200"]  # a loaded machine
            subprocess.run(refresh, env=ours_env, check=True, capture_output=True)
            ours = f"exec env READER_TUI_HOME={ours_home} {sys.executable} -m reader_tui"
            figures: dict[str, list[float]] = {
                k: [] for k in ("nb_list", "nb_items", "nb_items_cpu", "start", "start_cpu", "memory_mb")
            }
            figures["keystroke"] = []
            # Marks first, right after the refresh that brought every paper (the app's own start-up
            # refresh would find nothing new): what a mark costs then is what it costs at its worst.
            marks = [mark_timings(ours_home) for _ in range(args.runs)]
            figures["mark_durable"] = [m[0] for m in marks]
            figures["mark_write"] = [m[1] for m in marks]
            counts = expected_counts(ours_home, QUERY)
            first_count = f"({args.items}/{str(args.items)[:4]}"  # newsboat cuts the count column
            for _ in range(args.runs):
                started = launch(nb)
                pid = pid_of_pane()  # asked before, so that the CPU time is read as soon as the screen shows
                wait_for(lambda s: first_count in s, 60)
                figures["nb_list"].append(time.perf_counter() - started)
                tmux("send-keys", "Enter")
                wait_for(lambda s: "Articles in feed" in s, 60)
                figures["nb_items"].append(time.perf_counter() - started)
                figures["nb_items_cpu"].append(cpu_seconds(pid))
                tmux("send-keys", "Q")
                time.sleep(0.5)
                started = launch(ours)
                pid = pid_of_pane()  # not after: the app goes on (its refresh starts once the list is shown)
                wait_for(lambda s: count_text(total, total) in s, 60)
                figures["start"].append(time.perf_counter() - started)
                figures["start_cpu"].append(cpu_seconds(pid))
                time.sleep(1.0)  # let the start-up refresh of the (unchanged) feeds finish
                figures["keystroke"] += filter_keystrokes(counts, total)
                time.sleep(0.5)
                figures["memory_mb"].append(peak_rss_mb(pid))
                tmux("send-keys", "q")
                time.sleep(0.5)
            tmux("kill-server")
            figures["list_json_mb"] = [list_json_mb(ours_home) for _ in range(args.runs)]
            if args.all_read:
                triaged_figures(ours_home, ours, total, args.runs, figures)
        finally:
            server.shutdown()

    def show(label: str, key: str, mb: bool = False) -> None:
        values = figures[key]
        if not values:
            print(f"{label:<52} (not measured)")
            return
        median = statistics.median(values)
        unit = " MB" if mb else " s"
        runs = ", ".join(f"{v:.0f}" if mb else f"{v:.3f}" for v in values[:12])
        target = TARGETS.get(total, {}).get(key)
        verdict = f"target <= {target:g}{unit}: {'ok' if median <= target else 'MISSED'}" if target else ""
        print(
            f"{label:<52} median {median:.0f}{unit}" if mb else f"{label:<52} median {median:.3f}{unit}",
            end="",
        )
        print(f"  {verdict}  ({runs})")

    print(f"{total:,} papers in {args.feeds} feed(s) of {args.items:,}, 120x40 tmux, {args.runs} runs")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    show("newsboat: feed list shown", "nb_list")
    show("newsboat: + enter, 10k article list shown", "nb_items")
    show("newsboat: CPU time until then", "nb_items_cpu")
    show("reader-tui: paper list shown (start to list)", "start")
    show("reader-tui: CPU time until then", "start_cpu")
    faster = statistics.median(figures["start"]) <= statistics.median(figures["nb_items"])
    print(f"{'':<52} vs newsboat's list + enter: {'ok' if faster else 'SLOWER'} (wall)")
    leaner = statistics.median(figures["start_cpu"]) <= statistics.median(figures["nb_items_cpu"])
    print(f"{'':<52} vs newsboat's list + enter: {'ok' if leaner else 'MORE'} (CPU)")
    show("reader-tui: peak memory of the app", "memory_mb", mb=True)
    show("reader-tui: filter keystroke", "keystroke")
    show("reader-tui: a mark durable on disk (write-behind)", "mark_durable")
    show("reader-tui: writing one mark (flush)", "mark_write")
    show("reader-tui: list --json peak memory", "list_json_mb", mb=True)
    if args.all_read:
        print("every paper marked read:")
        show("reader-tui: paper list shown (start to list)", "read_start")
        show("reader-tui: CPU time until then", "read_start_cpu")
        show("reader-tui: peak memory of the app", "read_memory_mb", mb=True)
        show("reader-tui: a mark durable on disk (write-behind)", "read_mark_durable")
        show("reader-tui: writing one mark (flush)", "read_mark_write")
    return 0


def triaged_figures(home: Path, command: str, total: int, runs: int, figures: dict[str, list[float]]) -> None:
    """Mark every paper read, then start the app and time marks again: the state file then holds a
    record for every paper, which a heavy user's has."""
    code = (
        "from reader_tui.store import Store\n"
        "with Store() as store:\n"
        "    store.set_read_many(store.search.ids(), True)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "READER_TUI_HOME": str(home)}
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    for key in ("read_start", "read_start_cpu", "read_memory_mb", "read_mark_durable", "read_mark_write"):
        figures[key] = []
    for _ in range(runs):
        started = launch(command)
        pid = pid_of_pane()
        wait_for(lambda s: count_text(total, total) in s, 60)
        figures["read_start"].append(time.perf_counter() - started)
        figures["read_start_cpu"].append(cpu_seconds(pid))
        time.sleep(2.0)  # the start-up refresh and the rows
        figures["read_memory_mb"].append(peak_rss_mb(pid))
        tmux("send-keys", "q")
        time.sleep(0.5)
    tmux("kill-server")
    for landed, cost in (mark_timings(home) for _ in range(runs)):
        figures["read_mark_durable"].append(landed)
        figures["read_mark_write"].append(cost)


if __name__ == "__main__":
    os.environ.pop("TMUX", None)
    raise SystemExit(main())

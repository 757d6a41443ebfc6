"""Ingest one 10,000-item digest feed served over HTTP: reader-tui against ``newsboat -x reload``.

Run from the repository root: ``.venv/bin/python bench/bench_ingest.py [--items N] [--runs R]``.
Issue 4 §6 asks that reader-tui take in a 10,000-item feed in the seed's format (the Hugo 论文速递
digest, ~21 MB) no slower than newsboat reloading the same URL on the same machine.

The feed is built from the ten items of ``tests/fixtures/feeds/ftxj-2026-05-29.xml``: every copy gets its
own arXiv id, post URL, date, author list and title variant, and keeps a random number of its write-up
sections, so that 10,000 distinct papers of realistic size come out (deterministic per seed).
It is served by ``http.server`` on 127.0.0.1. Each contender runs in a fresh process, so interpreter
start-up and imports count for both: newsboat with its own urls file, cache and config and HOME in a
temp dir; reader-tui as ``library.ingest(Store(tmp), [url])`` followed by ``Store.close()`` (which
writes the store).

Each contender is started by a small launcher (:data:`_LAUNCHER`) that is a child subreaper: the
processes a contender leaves behind (reader-tui's fork server, its parse children, multiprocessing's
resource tracker) are reaped by it, so **CPU** (user + system) is that of every process the contender
made, and **peak RSS** is measured two ways: the largest single process (``ru_maxrss`` of the
launcher's children) and the largest sum over the contender's live processes (sampled every 10 ms).
Wall time runs from the launch to the contender's exit. The launcher, not this process, forks the
contender: Linux carries a process's pre-``exec`` high-water mark into ``ru_maxrss``, so a contender
forked from this process (which holds the 21 MB feed) reported this process's 111.8 MB for both tools.
Repeated runs alternate the contenders; the summary gives the best (least disturbed) run of each,
since other work on a shared machine only ever adds time.

``--profile`` instead runs one ingest in this process under cProfile, its parse included, and prints
the hot spots. In a real run the parse child parses each batch and encodes it for the store while this
process stores the one before: wall time is little more than the child's share.
"""

from __future__ import annotations

import argparse
import cProfile
import html
import json
import os
import pstats
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_FEED = ROOT / "tests" / "fixtures" / "feeds" / "ftxj-2026-05-29.xml"
NEWSBOAT = "/usr/bin/newsboat"

_ITEM_SPLIT = re.compile(r"(?=<item>)")
_ARXIV_ID = re.compile(r"\b\d{4}\.\d{5}\b")
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
_POST_URL = re.compile(r"https://ftxj\.github\.io/zh/posts/2026-05-29/\d\d-([^<]*?)/")
_PUB_DATE = re.compile(r"<pubDate>[^<]*</pubDate>")
_AUTHORS = re.compile(r"&lt;strong&gt;作者:&lt;/strong&gt; (.*?)&lt;/p&gt;")
_DESCRIPTION = re.compile(r"(<description>)(.*?)(</description>)", re.S)
_SECTION = "&#xA;&lt;h2 "  # the write-up sections (TL;DR, Motivation, 方法...) each start with an <h2>
_TITLE_TWISTS = [
    "",
    "Revisiting ",
    "Towards ",
    "On the Limits of ",
    "Scaling ",
    "A Closer Look at ",
    "Efficient ",
    "Rethinking ",
]
_TITLE_TAILS = ["", ": A Case Study", " at Scale", " in Practice", " Revisited", " for Long Contexts"]


def build_feed(n_items: int, seed: int = 0, first: int = 0) -> bytes:
    """The seed digest grown to ``n_items`` distinct papers (~2.1 KB an item, like a real digest day);
    ``first`` numbers them from there, so that several feeds hold distinct papers."""
    rng = random.Random(seed)
    text = SEED_FEED.read_text(encoding="utf-8")
    head, *items = _ITEM_SPLIT.split(text)
    items[-1], tail = items[-1].split("</channel>", 1)
    tail = "</channel>" + tail
    names = sorted(
        {
            name.strip()
            for item in items
            for match in _AUTHORS.finditer(item)
            for name in match.group(1).split(",")
            if name.strip()
        }
    )
    start = datetime(2026, 5, 29, 12, 36, 41, tzinfo=UTC)
    out = [head]
    for n in range(first, first + n_items):
        item = items[n % len(items)]
        new_id = f"26{n % 12 + 1:02d}.{n // 12:05d}"  # distinct for n < 1.2 million
        item = _ARXIV_ID.sub(new_id, item)
        item = _POST_URL.sub(rf"https://ftxj.github.io/zh/posts/2026-05-29/{n:05d}-\g<1>/", item)
        when = start - timedelta(minutes=3 * n)
        item = _PUB_DATE.sub(f"<pubDate>{when:%a, %d %b %Y %H:%M:%S} +0000</pubDate>", item, count=1)
        title = html.unescape(_TITLE.search(item).group(1))  # type: ignore[union-attr]
        title = f"{rng.choice(_TITLE_TWISTS)}{title}{rng.choice(_TITLE_TAILS)} ({n})"
        item = _TITLE.sub(_always(f"<title>{html.escape(title, quote=False)}</title>"), item, count=1)
        authors = ", ".join(rng.sample(names, rng.randint(2, 8)))
        item = _AUTHORS.sub(_always(f"&lt;strong&gt;作者:&lt;/strong&gt; {authors}&lt;/p&gt;"), item, count=1)
        description = _DESCRIPTION.search(item)
        assert description is not None
        item = item.replace(description.group(2), _trim(description.group(2), rng), 1)
        out.append(item)
    out.append(tail)
    return "".join(out).encode("utf-8")


def _always(text: str) -> Callable[[re.Match[str]], str]:
    """A replacement function: unlike a replacement string, it takes the text literally (no backslashes)."""
    return lambda _match: text


def _trim(description: str, rng: random.Random) -> str:
    """Keep the meta lines and a random number (at least one) of the write-up sections."""
    parts = description.split(_SECTION)
    keep = rng.choice([1, 1, 2, 2, 3, 4])
    return _SECTION.join(parts[: keep + 1])


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass


def serve(folder: Path) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


_LAUNCHER = r"""
import ctypes, json, os, resource, subprocess, sys, threading, time

ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphans come to us


def descendants(pid):
    out, todo = [], [pid]
    while todo:
        pid = todo.pop()
        out.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return out


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            return next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
    except OSError:
        return 0


peak, done = [0], threading.Event()


def sample(me):
    while not done.wait(0.01):
        peak[0] = max(peak[0], sum(rss_kb(pid) for pid in descendants(me) if pid != me))


threading.Thread(target=sample, args=(os.getpid(),), daemon=True).start()
started = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:])
proc.wait()
wall = time.perf_counter() - started
while True:  # reap what the contender left behind, so that its time and memory count
    try:
        os.wait()
    except ChildProcessError:
        break
done.set()
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print("@@usage " + json.dumps({"rc": proc.returncode, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
      "rss_max": usage.ru_maxrss / 1024, "rss_sum": peak[0] / 1024}))
"""


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[Run, str]:
    """Run ``argv`` under :data:`_LAUNCHER`: ((wall s, CPU s, peak RSS MB of the largest process, peak
    RSS MB of all its processes together), stdout)."""
    with tempfile.TemporaryFile() as out:
        proc = subprocess.run(
            [sys.executable, "-c", _LAUNCHER, *argv], env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT
        )
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    head, _, tail = text.rpartition("@@usage ")
    if proc.returncode != 0 or not tail:
        raise RuntimeError(f"{argv[0]} failed (launcher exit {proc.returncode}):\n{text[-2000:]}")
    usage = json.loads(tail)
    if usage["rc"] != 0:
        raise RuntimeError(f"{argv[0]} exited with {usage['rc']}:\n{head[-2000:]}")
    return (usage["wall"], usage["cpu"], usage["rss_max"], usage["rss_sum"]), head


Run = tuple[float, float, float, float]
"""(wall seconds, CPU seconds of every process, peak RSS MB of the largest one, peak RSS MB of all)"""


def run_newsboat(url: str, scratch: Path) -> tuple[Run, int]:
    home = scratch / "home"
    home.mkdir()
    urls, cache, config = scratch / "urls", scratch / "cache.db", scratch / "config"
    urls.write_text(url + "\n")
    config.write_text("")
    env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
    }
    argv = [NEWSBOAT, "-x", "reload", "-u", str(urls), "-c", str(cache), "-C", str(config)]
    run, _out = timed(argv, env, scratch)
    with sqlite3.connect(cache) as db:
        (items,) = db.execute("SELECT count(*) FROM rss_item").fetchone()
    return run, int(items)


_OURS = """
import json, sys
from pathlib import Path
from reader_tui.library import ingest
from reader_tui.store import Store
store = Store(Path(sys.argv[2]), poll_interval=None)
(report,) = ingest(store, [sys.argv[1]])
store.close()
print(json.dumps({"papers": report.papers, "new": report.new, "error": report.error}))
"""


def run_ours(url: str, scratch: Path, code: Path = ROOT) -> tuple[Run, int]:
    """``code``: the checkout to run (another one gives a before/after comparison)."""
    env = dict(os.environ, READER_TUI_HOME=str(scratch / "home"), PYTHONPATH=str(code))
    # Run in the scratch dir: ``python -c`` puts the working directory first on sys.path.
    run, out = timed([sys.executable, "-c", _OURS, url, str(scratch / "data")], env, scratch)
    report = json.loads(out.strip().splitlines()[-1])
    if report["error"]:
        raise RuntimeError(report["error"])
    size = (scratch / "data" / "papers.sqlite").stat().st_size
    if size < 1000:
        raise RuntimeError("the store was not written")
    return run, int(report["new"])


def profile(url: str, top: int) -> None:
    """One ingest under cProfile, its parse in this process (the budget's fallback where no child can be
    made), so that parsing, encoding and storing all show; the real run splits them over two processes."""
    sys.path.insert(0, str(ROOT))
    import reader_tui.budget
    from reader_tui.library import ingest
    from reader_tui.store import Store

    reader_tui.budget._forkserver = lambda: None  # a bench looking inside: no child process

    with tempfile.TemporaryDirectory(prefix="reader-tui-bench-") as scratch:
        os.environ["READER_TUI_HOME"] = scratch
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        store = Store(Path(scratch) / "data", poll_interval=None)
        ingest(store, [url])
        store.close()
        profiler.disable()
        print(f"in-process ingest: {time.perf_counter() - started:.2f} s (under cProfile)")
    stats = pstats.Stats(profiler).strip_dirs().sort_stats("tottime")
    stats.print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="profile one in-process ingest instead")
    parser.add_argument("--top", type=int, default=30, help="rows of profile output")
    parser.add_argument("--skip-newsboat", action="store_true")
    parser.add_argument(
        "--code", type=Path, default=ROOT, help="reader-tui checkout to run (default: this one)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="reader-tui-bench-") as tmp:
        root = Path(tmp)
        (root / "www").mkdir()
        feed = build_feed(args.items)
        (root / "www" / "digest.xml").write_bytes(feed)
        server, base = serve(root / "www")
        url = f"{base}/digest.xml"
        print(f"reader-tui from {args.code}")
        print(f"feed: {args.items:,} items, {len(feed) / 1e6:.1f} MB, served at {url}")
        try:
            if args.profile:
                profile(url, args.top)
                return
            results = compare(url, root, args)
        finally:
            server.shutdown()
    summarise(results, args.items)
    print(f"load after: {_load()}")


def _load() -> str:
    """The 1, 5 and 15 minute load averages (``uptime``): other work on the machine inflates wall time."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} cores)"


def compare(url: str, root: Path, args: argparse.Namespace) -> dict[str, list[Run]]:
    """Run the contenders ``args.runs`` times each, alternating which goes first."""
    print(f"load before: {_load()}")
    contenders: list[tuple[str, Callable[[str, Path], tuple[Run, int]]]] = [
        ("reader-tui", partial(run_ours, code=args.code))
    ]
    if not args.skip_newsboat:
        contenders.append(("newsboat", run_newsboat))
    results: dict[str, list[Run]] = {name: [] for name, _ in contenders}
    for run in range(args.runs):
        for name, runner in contenders[::-1] if run % 2 else contenders:
            scratch = root / f"{name}-{run}"
            scratch.mkdir()
            (wall, cpu, rss_max, rss_sum), items = runner(url, scratch)
            results[name].append((wall, cpu, rss_max, rss_sum))
            print(
                f"  run {run + 1} {name:<10} {wall:6.2f} s wall {cpu:6.2f} s CPU "
                f"{rss_max:7.1f} MB peak RSS (largest process) {rss_sum:7.1f} MB (all)  {items:,} items"
            )
    return results


def summarise(results: dict[str, list[Run]], items: int) -> None:
    print()
    best: dict[str, tuple[float, float]] = {}
    for name, rows in results.items():
        wall = min(r[0] for r in rows)
        cpu = min(r[1] for r in rows)
        rss_max = statistics.median(r[2] for r in rows)
        rss_sum = statistics.median(r[3] for r in rows)
        best[name] = (wall, cpu)
        print(
            f"{name:<10} best of {len(rows)}: {wall:6.2f} s wall ({wall / items * 1000:.3f} ms/item), "
            f"{cpu:6.2f} s CPU; median peak RSS {rss_max:6.1f} MB largest process, {rss_sum:6.1f} MB all"
        )
    if len(best) == 2:
        ours, theirs = best["reader-tui"], best["newsboat"]
        print(f"ratio reader-tui / newsboat: {ours[0] / theirs[0]:.2f} wall, {ours[1] / theirs[1]:.2f} CPU")


if __name__ == "__main__":
    main()

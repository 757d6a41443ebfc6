"""Refresh 20 subscriptions of 100 items each: issue 4 asks for <= 2 s wall.

Run from the repository root: ``.venv/bin/python bench/bench_refresh.py [--feeds 20] [--items 100] [--runs 5]
[--files]``.

The feeds are built from the ten items of ``tests/fixtures/feeds/ftxj-2026-05-29.xml`` (the seed's digest
format): every copy gets its own arXiv id and post URL, so 20 x 100 distinct papers come out. They are
served by ``http.server`` on 127.0.0.1 from a thread of this process (``SimpleHTTPRequestHandler`` sends
Last-Modified and answers If-Modified-Since with 304, like a static feed host), or read as local files
with ``--files``. Each run uses a fresh store in a temp folder and times:

* cold: ``refresh()`` on an empty store (every feed fetched, parsed and stored);
* warm: a second ``refresh()`` (conditional GET: every feed answers 304, nothing is parsed);
* close: ``Store.close()`` after them, which writes the paper cache to disk.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reader_tui.refresh import refresh  # noqa: E402
from reader_tui.store import Store  # noqa: E402
from reader_tui.subscriptions import Subscription  # noqa: E402

SEED = ROOT / "tests" / "fixtures" / "feeds" / "ftxj-2026-05-29.xml"
_ITEM = re.compile(r"<item>.*?</item>", re.S)
_ARXIV_ID = re.compile(r"\b\d{4}\.\d{5}\b")


def make_feed(number: int, items: int) -> bytes:
    """Feed ``number`` with ``items`` distinct papers in the digest's format."""
    text = SEED.read_text(encoding="utf-8")
    seeds = _ITEM.findall(text)
    head = text[: text.index("<item>")].replace("<title>", f"<title>Feed {number}: ", 1)
    tail = text[text.rindex("</item>") + len("</item>") :]
    out = [head]
    for n in range(items):
        item = _ARXIV_ID.sub(f"26{number % 12 + 1:02d}.{number:02d}{n:03d}", seeds[n % len(seeds)])
        out.append(item.replace("/posts/2026-05-29/", f"/posts/2026-05-29/f{number}-{n}-"))
    out.append(tail)
    return "\n".join(out).encode("utf-8")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, fmt: str, *args: object) -> None:
        pass


def serve(folder: Path) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(folder)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def one_run(subs: list[Subscription]) -> tuple[float, float, float, float, int, int]:
    with tempfile.TemporaryDirectory(prefix="bench-refresh-store-") as data:
        store = Store(Path(data))
        cpu = time.process_time()
        started = time.perf_counter()
        cold = refresh(store, subs)
        cold_wall = time.perf_counter() - started
        cold_cpu = time.process_time() - cpu
        started = time.perf_counter()
        warm = refresh(store, subs)
        warm_wall = time.perf_counter() - started
        started = time.perf_counter()
        store.close()
        close_wall = time.perf_counter() - started
    if cold.failed or warm.failed:
        raise SystemExit(f"feeds failed: {[r.error for r in cold.reports + warm.reports if r.error][:3]}")
    skipped = sum(1 for report in warm.reports if report.unchanged)
    return cold_wall, cold_cpu, warm_wall, close_wall, cold.new, skipped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--files", action="store_true", help="read local files instead of HTTP")
    args = parser.parse_args()
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        os.environ.pop(name, None)

    with tempfile.TemporaryDirectory(prefix="bench-refresh-feeds-") as folder:
        size = 0
        for number in range(args.feeds):
            data = make_feed(number, args.items)
            (Path(folder) / f"feed{number}.xml").write_bytes(data)
            size += len(data)
        server = None
        if args.files:
            subs = [Subscription(str(Path(folder) / f"feed{n}.xml")) for n in range(args.feeds)]
            where = "local files"
        else:
            server, base = serve(Path(folder))
            subs = [Subscription(f"{base}/feed{n}.xml") for n in range(args.feeds)]
            where = "http://127.0.0.1 (http.server thread)"
        mb = size / 2**20
        print(f"{args.feeds} feeds x {args.items} items ({mb:.1f} MB) from {where}, {args.runs} runs")
        results = [one_run(subs) for _ in range(args.runs)]
        if server is not None:
            server.shutdown()

    cold = [r[0] for r in results]
    print(f"papers stored per run:  {results[0][4]}")
    print(f"cold refresh wall:      median {statistics.median(cold):.3f} s, worst {max(cold):.3f} s")
    print(f"cold refresh CPU:       median {statistics.median(r[1] for r in results):.3f} s")
    print(
        f"warm refresh wall:      median {statistics.median(r[2] for r in results):.3f} s "
        f"({results[0][5]} of {args.feeds} feeds not re-parsed)"
    )
    print(f"store close (write):    median {statistics.median(r[3] for r in results):.3f} s")
    verdict = "meets" if max(cold) <= 2.0 else "MISSES"
    print(f"target <= 2 s wall for the cold refresh: {verdict} it")


if __name__ == "__main__":
    main()

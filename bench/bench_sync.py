"""Syncing 1,000 changes: requests and seconds for each backend.

A library of 1,000 papers linked to 1,000 server entries (one feed); then every paper is marked read and
every other one starred here (1,500 changes), and one sync sends them. Miniflux is the in-process fake
from the tests (it measures our side: requests, batching, merging); Tiny Tiny RSS is the real server
the tests use (``python3 tests/ttrss_server.py up`` first; skipped when it is not running).

    .venv/bin/python bench/bench_sync.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
from collections.abc import Callable
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import fake_miniflux
import ttrss_server

from reader_tui.model import Paper
from reader_tui.store import Store
from reader_tui.sync.backend import Backend
from reader_tui.sync.engine import SyncEngine
from reader_tui.sync.journal import Journal
from reader_tui.sync.miniflux import Miniflux
from reader_tui.sync.ttrss import TinyTinyRSS

N = 1000
FEED = "https://rss.arxiv.org/rss/cs.LG"


def arxiv(n: int) -> str:
    return f"2401.{n:05d}"


def one_run(make_backend: Callable[[], Backend]) -> tuple[int, float, int, float]:
    """(requests, seconds) of the first sync (1,000 papers in) and of the sync of 1,500 changes."""
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder)) as store:
        store.add_papers(Paper(id=arxiv(n), title=f"Paper {n}", feeds=[FEED]) for n in range(N))
        first = SyncEngine(store, make_backend(), Journal.load(Path(folder)), server_id="bench").sync()
        store.set_read_many([arxiv(n) for n in range(N)], True)
        for n in range(0, N, 2):
            store.set_starred(arxiv(n), True)
        report = SyncEngine(store, make_backend(), Journal.load(Path(folder)), server_id="bench").sync()
        assert report.sent == {"read": N, "starred": N // 2}, report.sent
        return first.requests, first.seconds, report.requests, report.seconds


def miniflux_runs(runs: int) -> list[tuple[int, float, int, float]]:
    out = []
    for _ in range(runs):
        fake = fake_miniflux.FakeMiniflux()
        server = ThreadingHTTPServer(("127.0.0.1", 0), fake_miniflux._handler_for(fake))
        fake.server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        feed = fake.add_feed(FEED)
        for n in range(N):
            fake.add_entry(
                feed, f"https://arxiv.org/abs/{arxiv(n)}v1", f"Paper {n}", content="<p>x</p>" * 100
            )
        out.append(one_run(partial(Miniflux, fake.url, fake_miniflux.TOKEN)))
        server.shutdown()
        server.server_close()
    return out


def ttrss_runs(runs: int) -> list[tuple[int, float, int, float]] | None:
    try:
        url = ttrss_server.start()
    except ttrss_server.Unavailable as error:
        print(f"ttrss: skipped ({error})")
        return None
    out = []
    for _ in range(runs):
        uid, user, password = ttrss_server.new_user()
        feed = ttrss_server.add_feed(uid, FEED, "cs.LG")
        items: list[dict[str, object]] = [
            {
                "title": f"Paper {n}",
                "link": f"https://arxiv.org/abs/{arxiv(n)}v1",
                "content": "<p>x</p>" * 100,
            }
            for n in range(N)
        ]
        ttrss_server.add_entries(uid, feed, items)
        out.append(one_run(partial(TinyTinyRSS, url, user, password)))
    return out


def show(name: str, results: list[tuple[int, float, int, float]]) -> None:
    first_req, first_s = results[0][0], statistics.median(r[1] for r in results)
    req, sec = results[0][2], statistics.median(r[3] for r in results)
    print(
        f"{name:9} first sync (1,000 papers in): {first_req:3} requests {first_s:6.2f} s | "
        f"1,500 changes out: {req:3} requests {sec:6.2f} s (median of {len(results)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    show("miniflux", miniflux_runs(args.runs))
    results = ttrss_runs(args.runs)
    if results:
        show("ttrss", results)


if __name__ == "__main__":
    main()

"""Start-up against newsboat, on the same machine, in the same run, in a real terminal (tmux).

Both read the same generated 10,000-item digest (``bench_ingest.build_feed``) into their own cache
first (not timed). Then, for each, wall time from launching it in a 120x40 tmux pane until:

* newsboat: its feed list shows the feed (``newsboat -u URLS -c CACHE -C CONFIG``, no reload on
  start), and after ``enter`` until the article list shows the first title;
* reader-tui: the paper list shows the papers (``reader-tui`` on the library).

newsboat needs the extra key to see any paper, so both figures are given for it.
Run: ``.venv/bin/python bench/bench_vs_newsboat.py [--runs 3]``; needs tmux and newsboat.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_ingest import build_feed, serve  # noqa: E402

SOCKET = "reader-tui-vs-newsboat"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True, check=False).stdout


def until(text: str, timeout: float = 60.0) -> float:
    start = time.perf_counter()
    while text not in tmux("capture-pane", "-p"):
        if time.perf_counter() - start > timeout:
            raise TimeoutError(f"{text!r} never appeared:\n{tmux('capture-pane', '-p')}")
        time.sleep(0.002)
    return time.perf_counter() - start


def launch(command: str) -> float:
    tmux("kill-server")
    started = time.perf_counter()
    tmux("new-session", "-d", "-x", "120", "-y", "40", command)
    return started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for tool in ("tmux", "newsboat"):
        if shutil.which(tool) is None:
            print(f"needs {tool}", file=sys.stderr)
            return 1
    with tempfile.TemporaryDirectory(prefix="reader-tui-vs-newsboat-") as tmp:
        scratch = Path(tmp)
        (scratch / "digest.xml").write_bytes(build_feed(args.items))
        server, base = serve(scratch)
        url = f"{base}/digest.xml"
        try:
            home = scratch / "home"
            (home / "config").mkdir(parents=True)
            urls, cache, config = scratch / "urls", scratch / "cache.db", scratch / "nb-config"
            urls.write_text(url + "\n")
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
            subprocess.run(
                [sys.executable, "-m", "reader_tui", "list", url],
                env={**os.environ, "READER_TUI_HOME": str(ours_home)},
                check=True,
                capture_output=True,
            )
            ours = f"exec env READER_TUI_HOME={ours_home} {sys.executable} -m reader_tui"
            nb_list, nb_items, ours_list = [], [], []
            for _ in range(args.runs):
                started = launch(nb)
                until(f"({args.items}/{str(args.items)[:4]}")  # newsboat cuts the count column
                nb_list.append(time.perf_counter() - started)
                tmux("send-keys", "Enter")
                until("Articles in feed")
                nb_items.append(time.perf_counter() - started)
                tmux("send-keys", "Q")
                time.sleep(0.5)
                started = launch(ours)
                until(f"{args.items:,} of {args.items:,}")
                ours_list.append(time.perf_counter() - started)
                tmux("send-keys", "q")
                time.sleep(0.5)
            tmux("kill-server")
        finally:
            server.shutdown()

    def show(label: str, values: list[float]) -> None:
        runs = ", ".join(f"{v:.2f}" for v in values)
        print(f"{label:<44} median {statistics.median(values):.2f} s  ({runs})")

    print(f"{args.items:,} papers, 120x40 tmux, {args.runs} runs each")
    show("newsboat: feed list shown", nb_list)
    show("newsboat: + enter, article list shown", nb_items)
    show("reader-tui: paper list (and detail) shown", ours_list)
    return 0


if __name__ == "__main__":
    os.environ.pop("TMUX", None)
    raise SystemExit(main())

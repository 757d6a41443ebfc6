"""A ``kill -9`` at any moment must leave a store that loads cleanly and keeps every acknowledged change.

A child process toggles states (and now and then adds a paper to a cache of a few thousand, so that the
big file is being written too) and prints each change once the store has acknowledged it. The test kills
it at a random moment and opens the store again. ``READER_TUI_KILL_LOOPS`` sets how many kills to try.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from bench.generate import generate_papers
from reader_tui.store import Store

REPO = Path(__file__).resolve().parent.parent
KILL_LOOPS = int(os.environ.get("READER_TUI_KILL_LOOPS", "30"))

CHILD = textwrap.dedent(
    """
    import json, random, sys, time
    from pathlib import Path
    from reader_tui.model import Paper
    from reader_tui.store import Store

    data_dir, seed, mode = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    rng = random.Random(seed)
    store = Store(data_dir, flush_delay=0.1, poll_interval=None)
    print(json.dumps({"ready": True, "messages": store.messages}), flush=True)
    i = 0
    while True:
        pid = f"p{rng.randrange(40)}"
        state = store.toggle_read(pid) if rng.random() < 0.5 else store.toggle_starred(pid)
        added = None
        if i % 4 == 0:
            added = f"k{seed}-{i}"
            store.add_papers([Paper(id=added, title="killed?", summary_html="<p>x</p>" * 300)])
        if mode == "flush":
            store.flush()
        else:
            time.sleep(0.01)
        ack = {"id": pid, "read": state.read, "starred": state.starred, "changed": state.changed,
               "paper": added, "t": time.monotonic()}
        print(json.dumps(ack), flush=True)
        i += 1
    """
)


class Child:
    """The writer process and the acknowledgements it printed before it died."""

    def __init__(self, data_dir: Path, seed: int, mode: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(data_dir), str(seed), mode],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.lines: list[dict[str, Any]] = []
        self.ready = threading.Event()
        self.first_ack = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue  # the last line may be cut short by the kill
            if record.get("ready"):
                assert record["messages"] == [], record["messages"]
                self.ready.set()
            else:
                self.lines.append(record)
                self.first_ack.set()

    def kill(self) -> float:
        killed_at = time.monotonic()
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._reader.join(timeout=10)
        return killed_at


def check_acknowledged(store: Store, acks: list[dict[str, Any]]) -> None:
    latest: dict[str, dict[str, Any]] = {}
    for ack in acks:
        latest[ack["id"]] = ack
        if ack["paper"]:
            assert ack["paper"] in store, f"acknowledged paper {ack['paper']} lost"
    for pid, ack in latest.items():
        state = store.state(pid)
        assert state.changed >= ack["changed"], f"acknowledged change to {pid} lost: {ack} vs {state}"
        if state.changed == ack["changed"]:
            assert (state.read, state.starred) == (ack["read"], ack["starred"])


def seed_library(data_dir: Path) -> None:
    with Store(data_dir) as store:
        store.add_papers(generate_papers(2000, seed=7))


def reopen_and_check(data_dir: Path, acks: list[dict[str, Any]]) -> None:
    with Store(data_dir, poll_interval=None) as store:
        assert store.messages == [], store.messages
        assert len(store) >= 2000
        check_acknowledged(store, acks)
    assert not [p.name for p in data_dir.iterdir() if p.name.endswith(".tmp")]
    assert not [p.name for p in data_dir.iterdir() if ".corrupt-" in p.name]


@pytest.mark.slow
def test_kill_during_flushed_writes_loses_nothing_acknowledged(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    seed_library(data_dir)
    rng = random.Random(20261129)
    acknowledged = 0
    for loop in range(KILL_LOOPS):
        child = Child(data_dir, seed=loop, mode="flush")
        assert child.ready.wait(timeout=60), "child did not start"
        if loop % 2:  # half the kills hit the first, full rewrite of the cache; half hit the steady loop
            assert child.first_ack.wait(timeout=60), "child wrote nothing"
        time.sleep(rng.uniform(0.0, 0.3))
        child.kill()
        acknowledged += len(child.lines)
        reopen_and_check(data_dir, child.lines)
    assert acknowledged >= KILL_LOOPS  # the checks above had acknowledged changes to look for


@pytest.mark.slow
def test_kill_during_write_behind_keeps_changes_older_than_a_second(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    seed_library(data_dir)
    rng = random.Random(7)
    for loop in range(3):
        child = Child(data_dir, seed=1000 + loop, mode="behind")
        assert child.ready.wait(timeout=60), "child did not start"
        time.sleep(rng.uniform(1.2, 1.6))
        killed_at = child.kill()
        old_enough = [ack for ack in child.lines if ack["t"] < killed_at - 1.0]
        assert old_enough
        reopen_and_check(data_dir, old_enough)

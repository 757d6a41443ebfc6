"""Per-field state: each of read, starred, tags and note carries its own change time, merging keeps the
newest value of each field, and every change is an explicit record a sync can send and mark sent."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from reader_tui.model import FieldChange, PaperState
from reader_tui.store import Store

REPO = Path(__file__).resolve().parent.parent
LEGACY = Path(__file__).parent / "fixtures" / "legacy-library"


@pytest.fixture
def open_store(tmp_path: Path) -> Iterator[Callable[..., Store]]:
    opened: list[Store] = []

    def make(**kwargs: object) -> Store:
        store = Store(tmp_path / "data", **kwargs)  # type: ignore[arg-type]
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def test_two_stores_changing_different_fields_of_one_paper_both_win(open_store: Callable[..., Store]) -> None:
    app, cli = open_store(flush_delay=60), open_store(flush_delay=60)  # both loaded before any change
    cli.set_read("x", True)
    cli.flush()  # `reader-tui mark x --read` has printed "read"
    app.set_starred("x", True)  # the app still holds x as unread when `s` is pressed
    app.set_field("x", "tags", ["to-cite", "to-cite", "graphs"])
    app.flush()
    cli.flush()
    for store in (app, cli, open_store()):
        state = store.state("x")
        assert (state.read, state.starred, state.tags) == (True, True, ("to-cite", "graphs"))


def test_the_later_change_of_one_field_wins(open_store: Callable[..., Store]) -> None:
    a, b = open_store(flush_delay=60), open_store(flush_delay=60)
    a.set_field("x", "note", "first")
    time.sleep(0.01)
    b.set_field("x", "note", "second")
    b.flush()
    a.flush()  # the older change is written last and still loses
    for store in (a, b, open_store()):
        assert store.state("x").note == "second"


def test_fields_are_checked() -> None:
    store = Store.__new__(Store)  # set_field checks before touching anything
    with pytest.raises(ValueError, match="unknown state field"):
        Store.set_field(store, "x", "colour", "red")
    with pytest.raises(TypeError):
        Store.set_field(store, "x", "read", 1)
    with pytest.raises(TypeError):
        Store.set_field(store, "x", "tags", "graphs")  # one string is not a list of tags


def test_pending_changes_oldest_first_and_mark_sent(open_store: Callable[..., Store]) -> None:
    store = open_store()
    store.set_read("a", True)
    store.set_starred("b", True)
    store.set_field("a", "note", "check eq. 3")
    pending = store.pending_changes()
    assert [(c.paper_id, c.field, c.value) for c in pending] == [
        ("a", "read", True),
        ("b", "starred", True),
        ("a", "note", "check eq. 3"),
    ]
    assert all(not c.sent for c in pending) and store.pending_changes(limit=1) == pending[:1]
    store.set_read("a", False)  # changed again after the sync read it: stays pending
    store.mark_sent(pending)
    assert [(c.paper_id, c.field, c.value) for c in store.pending_changes()] == [("a", "read", False)]
    store.close()
    again = open_store()  # sent flags are kept on disk
    assert [(c.paper_id, c.field) for c in again.pending_changes()] == [("a", "read")]
    assert again.state("b").change("b", "starred") == FieldChange(
        "b", "starred", True, again.state("b").starred_at, sent=True
    )


def test_apply_remote_newer_wins_and_counts_as_sent(open_store: Callable[..., Store]) -> None:
    store = open_store()
    local = store.set_starred("x", True)
    assert not store.apply_remote(
        "x", "starred", False, local.starred_at - 10
    )  # older: the local change wins
    assert store.state("x").starred is True
    assert store.apply_remote("x", "starred", False, local.starred_at + 10)
    assert store.apply_remote("y", "tags", ("ml",), 1000.0)
    assert store.state("x").starred is False and store.state("y").tags == ("ml",)
    assert store.pending_changes() == []  # applied remote values are not sent back
    store.close()
    again = open_store()
    assert again.state("x").starred is False and again.pending_changes() == []


def test_state_written_before_per_field_times_loads(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(LEGACY / "state.json", data_dir / "state.json")
    with Store(data_dir) as store:
        assert store.messages == []
        assert (store.state("2604.18789").read, store.state("2604.18789").starred) == (True, True)
        assert (store.state("2604.18529").read, store.state("2604.18529").starred) == (False, True)
        assert store.state("2403.15983").read and not store.state("2604.18509").read
        assert store.setting("ui.query") == "cat:stat"
        store.set_field("2604.18529", "note", "later")
    with Store(data_dir) as again:
        assert again.state("2604.18529") == PaperState(
            read=False,
            starred=True,
            note="later",
            read_at=again.state("2604.18529").read_at,
            starred_at=again.state("2604.18529").starred_at,
            note_at=again.state("2604.18529").note_at,
        )
        assert again.state("2604.18529").starred


CHILD = textwrap.dedent(
    """
    import random, sys, time
    from pathlib import Path
    from reader_tui.store import Store

    data_dir, field, go = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    rng = random.Random(field)
    store = Store(data_dir, flush_delay=0.02, poll_interval=0.05)  # loaded before the other changes anything
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.005)
    for i in rng.sample(range(100), 100):
        store.set_field(f"p{i}", field, True)
        time.sleep(rng.uniform(0, 0.004))
        if rng.random() < 0.2:
            store.flush()
    store.close()
    """
)


def test_two_real_processes_changing_different_fields_of_100_papers_lose_no_mark(tmp_path: Path) -> None:
    """The issue's case: the app stars while a `mark` loop marks read, on the same 100 papers."""
    data_dir, go = tmp_path / "data", tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(data_dir), field, str(go)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for field in ("read", "starred")
    ]
    for child in children:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    go.touch()
    for child in children:
        assert child.wait(timeout=60) == 0
    with Store(data_dir) as store:
        assert store.messages == []
        lost = [
            f"p{i}" for i in range(100) if not (store.state(f"p{i}").read and store.state(f"p{i}").starred)
        ]
        assert lost == []


OPENER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from reader_tui.store import Store

    go = Path(sys.argv[2])
    while not go.exists():
        time.sleep(0.0005)
    Store(Path(sys.argv[1]), poll_interval=None).close()
    """
)


def test_processes_opening_a_new_library_at_the_same_moment_all_open_it(tmp_path: Path) -> None:
    """The app and a command started together on a new library: switching the new paper cache to WAL
    takes a lock SQLite does not wait for, and one of them failed with "database is locked"."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for attempt in range(6):
        data_dir, go = tmp_path / f"data{attempt}", tmp_path / f"go{attempt}"
        openers = [
            subprocess.Popen(
                [sys.executable, "-c", OPENER, str(data_dir), str(go)],
                cwd=REPO,
                env=env,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        time.sleep(0.5)  # all four waiting for the same moment
        go.touch()
        for opener in openers:
            _, err = opener.communicate(timeout=60)
            assert opener.returncode == 0, err

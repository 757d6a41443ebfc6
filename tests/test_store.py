"""The store keeps what the user decided: across restarts, crashes of the disk's contents, and a second
copy of the app running at the same time."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reader_tui.model import Links, Paper, PaperState
from reader_tui.store import Store, core, state
from reader_tui.store.cache import PaperCache

REPO = Path(__file__).resolve().parent.parent


def paper(pid: str, *, feeds: list[str] | None = None, title: str = "", **extra: object) -> Paper:
    return Paper(id=pid, title=title or f"Title of {pid}", feeds=feeds or ["feed-a"], **extra)  # type: ignore[arg-type]


def on_disk(path: Path) -> dict[str, dict[str, object]]:
    """What another program (plain json, no store) sees in a store file."""
    return json.loads(path.read_text(encoding="utf-8"))


def disk_state(data_dir: Path, pid: str) -> dict[str, object] | None:
    try:
        return on_disk(data_dir / "state.json")["state"].get(pid)  # type: ignore[return-value]
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def wait_for(condition: Callable[[], bool], timeout: float) -> float | None:
    """Seconds until ``condition`` held, or None if it never did within ``timeout``."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if condition():
            return time.monotonic() - start
        time.sleep(0.005)
    return None


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def open_store(data_dir: Path) -> Iterator[Callable[..., Store]]:
    """Open stores on the test's data dir and close every one of them at the end."""
    opened: list[Store] = []

    def make(**kwargs: object) -> Store:
        store = Store(data_dir, **kwargs)  # type: ignore[arg-type]
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


# ---------------------------------------------------------------------------- persistence


def test_everything_survives_a_restart(data_dir: Path) -> None:
    with Store(data_dir) as store:
        store.add_papers(
            [paper("2401.00001", authors=["Ada"], links=Links(abs="https://arxiv.org/abs/2401.00001"))]
        )
        store.set_read("2401.00001", True)
        store.set_starred("2401.00002", True)
        store.set_setting("ui.selected", "2401.00001")
        store.set_setting("ui.query", {"text": "cat:cs.LG", "view": "unread"})
        store.set_source_info("https://rss.arxiv.org/rss/cs.LG", {"etag": "W/1", "papers": 12})
        assert store.messages == []

    with Store(data_dir) as again:
        assert again.state("2401.00001").read is True
        assert again.state("2401.00001").starred is False
        assert again.state("2401.00002").starred is True
        assert again.setting("ui.selected") == "2401.00001"
        assert again.setting("ui.query") == {"text": "cat:cs.LG", "view": "unread"}
        assert again.source_info("https://rss.arxiv.org/rss/cs.LG") == {"etag": "W/1", "papers": 12}
        cached = again.get("2401.00001")
        assert cached is not None and cached.authors == ["Ada"]
        assert cached.links.abs == "https://arxiv.org/abs/2401.00001"
        assert len(again) == 1 and "2401.00001" in again
        assert again.messages == []


def test_state_is_tinydb_and_papers_are_sqlite(data_dir: Path) -> None:
    """Toggling a paper writes the small state file only; the cache is a database of one row a paper."""
    with Store(data_dir) as store:
        store.add_papers([paper("p1")])
        store.flush()
        before = sqlite3.connect(data_dir / "papers.sqlite").execute("SELECT version FROM paper").fetchall()
        store.toggle_read("p1")
        store.flush()
    assert "p1" in on_disk(data_dir / "state.json")["state"]
    rows = sqlite3.connect(data_dir / "papers.sqlite").execute("SELECT id, version FROM paper").fetchall()
    assert [row[0] for row in rows] == ["p1"] and [(row[1],) for row in rows] == before


def test_defaults_for_unknown_papers_settings_and_sources(open_store: Callable[..., Store]) -> None:
    store = open_store()
    assert store.state("nope") == PaperState()
    assert store.setting("missing", 42) == 42
    assert store.source_info("nowhere") is None
    assert store.get("nope") is None
    assert store.papers() == [] and len(store) == 0


def test_toggles_and_change_times(open_store: Callable[..., Store]) -> None:
    store = open_store()
    before = time.time()
    first = store.toggle_read("x")
    assert first.read is True and first.starred is False and first.changed >= before
    second = store.toggle_starred("x")
    assert second.read is True and second.starred is True and second.changed > first.changed
    assert store.toggle_read("x").read is False
    unchanged = store.set_starred("x", True)  # already starred: nothing changes, not even the time
    assert unchanged == store.state("x")
    returned = store.state("x")
    returned.read = True  # callers get copies
    assert store.state("x").read is False


def test_set_read_many_changes_only_what_differs_and_saves(data_dir: Path) -> None:
    with Store(data_dir) as store:
        store.set_read("a", True)
        before = store.state("a").changed
        assert store.set_read_many(["a", "b", "c"], True) == 2
        assert store.state("a").changed == before  # already read: untouched
        assert store.set_read_many(["b", "c"], True) == 0
        assert store.set_read_many(["c"], False) == 1
    with Store(data_dir) as again:
        assert [again.state(pid).read for pid in "abc"] == [True, True, False]


def test_default_location_follows_reader_tui_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("READER_TUI_HOME", str(tmp_path / "home"))
    with Store() as store:
        store.set_read("p", True)
    assert disk_state(tmp_path / "home" / "data", "p") is not None


# ---------------------------------------------------------------------------- speed and write-behind


def test_state_changes_are_instant_and_on_disk_within_a_second(open_store: Callable[..., Store]) -> None:
    store = open_store()  # default debounce
    store.add_papers([paper(f"p{i}") for i in range(2000)])
    store.flush()
    timings = []
    for i in range(50):
        start = time.perf_counter()
        store.toggle_starred(f"p{i}")
        timings.append(time.perf_counter() - start)
    assert sorted(timings)[len(timings) // 2] < 0.005

    start = time.monotonic()
    store.set_read("p7", True)
    landed = wait_for(
        lambda: (disk_state(store.data_dir, "p7") or {}).get("read", {}).get("value") is True, timeout=3
    )
    assert landed is not None and landed < 1.0, landed


def test_continuous_changes_do_not_postpone_the_write(open_store: Callable[..., Store]) -> None:
    """A user who keeps pressing keys still has the first change on disk within a second."""
    store = open_store()
    store.set_read("first", True)
    start = time.monotonic()
    landed: float | None = None
    i = 0
    while time.monotonic() - start < 1.5:
        store.toggle_starred(f"other{i % 3}")
        i += 1
        if landed is None and disk_state(store.data_dir, "first") is not None:
            landed = time.monotonic() - start
        time.sleep(0.05)
    assert landed is not None and landed < 1.0, landed


def test_a_slow_cache_write_does_not_hold_back_a_state_change(
    open_store: Callable[..., Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    original = PaperCache.save

    def slow(self: PaperCache, papers: Iterable[Paper], force: bool = False) -> list[str]:
        time.sleep(1.5)
        return original(self, papers, force)

    monkeypatch.setattr(PaperCache, "save", slow)
    store = open_store()
    refresh = threading.Thread(target=store.add_papers, args=([paper("p1")],))  # a refresh's worker
    refresh.start()
    time.sleep(0.5)  # the cache write has begun and takes 1.5 s
    store.set_read("p1", True)
    landed = wait_for(lambda: disk_state(store.data_dir, "p1") is not None, timeout=3)
    assert landed is not None and landed < 1.0, landed
    refresh.join()


def test_flush_and_close_write_at_once(data_dir: Path) -> None:
    store = Store(data_dir, flush_delay=60)
    store.set_read("a", True)
    time.sleep(0.2)
    assert disk_state(data_dir, "a") is None  # nothing written behind yet: the delay is a minute
    store.flush()
    assert disk_state(data_dir, "a") == {
        "read": {"value": True, "at": store.state("a").read_at, "sent": False}
    }
    store.set_starred("b", True)
    store.close()
    assert (disk_state(data_dir, "b") or {})["starred"]["value"] is True
    store.close()  # twice is fine
    with pytest.raises(RuntimeError):
        store.set_read("c", True)


def test_a_forgotten_close_still_saves_at_exit(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from reader_tui.store import Store
        store = Store(Path({str(tmp_path)!r}), flush_delay=60)
        store.set_starred("kept", True)
        """
    )
    subprocess.run(
        [sys.executable, "-c", script], check=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}
    )
    assert (disk_state(tmp_path, "kept") or {})["starred"]["value"] is True


def test_a_feeds_papers_are_one_write_on_disk_when_add_papers_returns(
    open_store: Callable[..., Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    writes: list[int] = []
    original = PaperCache.save

    def counting(self: PaperCache, papers: Iterable[Paper], force: bool = False) -> list[str]:
        papers = list(papers)
        writes.append(len(papers))
        return original(self, papers, force)

    monkeypatch.setattr(PaperCache, "save", counting)
    store = open_store(flush_delay=60)
    assert len(store.add_papers([paper(f"p{i}") for i in range(10_000)])) == 10_000
    assert writes == [10_000]
    assert sqlite3.connect(store.papers_path).execute("SELECT count(*) FROM paper").fetchone() == (10_000,)


def test_a_disk_that_refuses_papers_is_one_line_and_loses_no_mark(
    open_store: Callable[..., Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(self: PaperCache, papers: Iterable[Paper], force: bool = False) -> list[str]:
        raise sqlite3.OperationalError("database or disk is full")

    store = open_store()
    store.set_read("kept", True)
    monkeypatch.setattr(PaperCache, "save", full)
    with pytest.raises(core.StoreError) as raised:
        store.add_papers([paper("p1")])
    assert str(raised.value) == f"could not save to {store.data_dir}: database or disk is full"
    assert "p1" not in store and store.problem is None
    store.flush()
    assert (disk_state(store.data_dir, "kept") or {})["read"]["value"] is True


def test_add_papers_returns_new_ids_and_merges_the_rest(open_store: Callable[..., Store]) -> None:
    store = open_store()
    assert store.add_papers([paper("a"), paper("b")]) == ["a", "b"]
    again = store.add_papers([paper("a", feeds=["feed-b"], comment="10 pages"), paper("c"), paper("b")])
    assert again == ["c"]
    merged = store.get("a")
    assert merged is not None
    assert merged.feeds == ["feed-a", "feed-b"] and merged.comment == "10 pages"
    assert [p.id for p in store.papers()] == ["a", "b", "c"]
    listing = store.papers()
    listing.clear()  # the caller's list, not the store's
    assert len(store.papers()) == 3


def test_the_library_is_listed_newest_first_before_and_after_it_is_written(
    open_store: Callable[..., Store],
) -> None:
    store = open_store(flush_delay=60)
    day = datetime(2026, 5, 1, tzinfo=UTC)
    store.add_papers(
        [paper("undated"), paper("old", published=day), paper("new", published=day.replace(day=9))]
    )
    store.add_papers([paper("tie", published=day)])
    expected = ["new", "old", "tie", "undated"]
    assert [row.paper_id for row in store.search.rows()] == expected  # rows() writes them first
    store.add_papers([paper("newest", published=day.replace(day=20))])
    store.flush()
    assert [row.paper_id for row in store.search.rows()] == ["newest", *expected]
    assert [p.id for p in store.papers()] == ["undated", "old", "new", "tie", "newest"]


def test_settings_must_be_json(open_store: Callable[..., Store]) -> None:
    store = open_store()
    with pytest.raises(TypeError):
        store.set_setting("bad", object())
    info = {"etag": "x", "nested": {"n": 1}}
    store.set_source_info("s", info)
    info["nested"]["n"] = 2  # type: ignore[index]
    assert store.source_info("s") == {"etag": "x", "nested": {"n": 1}}


def test_a_failing_disk_is_reported_once_and_retried(
    open_store: Callable[..., Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(core, "RETRY_DELAY", 0.1)
    broken = threading.Event()
    broken.set()
    original = state.write_atomic

    def flaky(path: Path, payload: bytes) -> None:
        if broken.is_set():
            raise OSError(28, "No space left on device")
        original(path, payload)

    monkeypatch.setattr(state, "write_atomic", flaky)
    store = open_store(flush_delay=0.05)
    store.set_read("a", True)
    assert wait_for(lambda: store.problem is not None, timeout=2) is not None
    time.sleep(0.4)  # several retries fail meanwhile
    assert store.problem == f"could not save to {store.data_dir}: No space left on device"
    assert store.unsaved == 1 and store.state("a").read  # kept in memory
    broken.clear()
    assert wait_for(lambda: disk_state(store.data_dir, "a") is not None, timeout=2) is not None
    assert wait_for(lambda: store.problem is None and store.unsaved == 0, timeout=2) is not None


# ---------------------------------------------------------------------------- damaged files

DAMAGE = {
    "truncated": lambda raw: raw[: len(raw) // 2],
    "nul-filled": lambda raw: b"\0" * len(raw),
    "not-json": lambda raw: b"<html>502 Bad Gateway</html>",
    "empty": lambda raw: b"",
    "wrong-shape": lambda raw: b"[1, 2, 3]",
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_damaged_state_is_moved_aside_and_the_backup_restored(data_dir: Path, damage: str) -> None:
    with Store(data_dir, flush_delay=60) as store:
        store.set_read("old", True)
        store.flush()
        store.set_starred("newer", True)
        store.flush()  # the version with "old" read becomes the backup
        store.set_setting("last", "write")
    raw = (data_dir / "state.json").read_bytes()
    damaged = DAMAGE[damage](raw)
    (data_dir / "state.json").write_bytes(damaged)

    with Store(data_dir) as store:
        assert len(store.messages) == 1
        message = store.messages[0]
        assert message.startswith("state.json was unreadable; moved it to state.json.corrupt-")
        assert "restored the backup from " in message and "\n" not in message
        assert store.state("old").read is True
        assert store.state("newer").starred and store.setting("last") == "write"  # the last write too
        aside = [p for p in data_dir.iterdir() if p.name.startswith("state.json.corrupt-")]
        assert len(aside) == 1 and aside[0].read_bytes() == damaged
        assert aside[0].name in message
        store.set_read("after", True)

    with Store(data_dir) as store:  # the restored file is whole again
        assert store.messages == []
        assert store.state("old").read is True and store.state("after").read is True


def test_a_damaged_cache_is_moved_aside_and_refilled_with_marks_kept(data_dir: Path) -> None:
    with Store(data_dir) as store:
        store.add_papers([paper("kept")])
        store.set_starred("kept", True)
    (data_dir / "papers.sqlite").write_bytes(b"\0" * 4096)
    with Store(data_dir) as store:
        assert len(store.messages) == 1
        assert store.messages[0].startswith(
            "papers.sqlite was unreadable (file is not a database); moved it to"
        )
        assert store.state("kept").starred and len(store) == 0  # marks are kept; the next refresh refills
        store.add_papers([paper("kept")])
    with Store(data_dir) as store:
        assert store.messages == [] and "kept" in store


def test_file_damaged_while_running_is_rewritten_from_memory(open_store: Callable[..., Store]) -> None:
    store = open_store(flush_delay=60)
    store.set_read("a", True)
    store.flush()
    store.set_read("b", True)
    store.flush()
    store.state_path.write_bytes(b"\0" * 100)  # another program scribbles over it
    store.set_read("c", True)
    store.flush()
    assert len(store.messages) == 1 and "restored the backup" in store.messages[0]
    assert all(store.state(pid).read for pid in "abc")
    reopened = open_store()
    assert reopened.messages == [] and all(reopened.state(pid).read for pid in "abc")


def test_damaged_file_without_backup_starts_empty_with_a_message(data_dir: Path) -> None:
    with Store(data_dir) as store:
        store.set_read("a", True)
    (data_dir / "state.json.bak").unlink()
    (data_dir / "state.json").write_bytes(b'{"state": {"a": {"re')
    with Store(data_dir) as store:
        assert store.state("a") == PaperState()
        assert len(store.messages) == 1
        assert "moved it to state.json.corrupt-" in store.messages[0]
        assert "started empty (there was no backup)" in store.messages[0]


def test_damaged_file_and_damaged_backup(data_dir: Path) -> None:
    with Store(data_dir, flush_delay=60) as store:
        store.set_read("a", True)
        store.flush()
        store.set_read("b", True)
    (data_dir / "state.json").write_bytes(b"garbage")
    (data_dir / "state.json.bak").write_bytes(b"more garbage")
    with Store(data_dir) as store:
        assert len(store.messages) == 1 and "backup state.json.bak was unreadable too" in store.messages[0]
        assert store.states() == {}
        store.set_read("c", True)
    with Store(data_dir) as store:
        assert store.messages == [] and store.state("c").read is True


def test_bad_records_are_skipped_not_fatal(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / "state.json").write_text(
        json.dumps({"state": {"good": {"read": True, "changed": 1.0}, "bad": "oops"}, "settings": {"k": 3}})
    )
    (data_dir / "papers.json").write_text(  # a cache of an earlier version, migrated on start
        json.dumps(
            {
                "papers": {
                    "ok": paper("ok").to_dict(),
                    "broken": {"title": "no id"},
                    "d": {"id": "d", "published": "?"},
                }
            }
        )
    )
    with Store(data_dir) as store:
        (moved,) = store.messages
        assert moved.startswith("moved 1 papers from papers.json into papers.sqlite")
        assert store.state("good").read is True and store.state("bad") == PaperState()
        assert [p.id for p in store.papers()] == ["ok"]


def test_leftover_temp_files_of_a_killed_writer_are_removed(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    leftover = data_dir / ".state.json.abc123.tmp"
    leftover.write_bytes(b'{"half": ')
    with Store(data_dir) as store:
        assert store.messages == []
        store.set_read("a", True)  # the next write, under the lock, clears what a killed writer left
    assert not leftover.exists()


# ---------------------------------------------------------------------------- two processes, one library


def test_two_stores_lose_no_update(open_store: Callable[..., Store]) -> None:
    a, b = open_store(flush_delay=60), open_store(flush_delay=60)
    a.set_starred("x", True)
    a.set_setting("from-a", 1)
    b.set_read("y", True)
    b.set_setting("from-b", 2)
    a.flush()
    b.flush()
    assert b.state("x").starred is True  # after a flush, memory holds what the other wrote
    a.flush()
    assert a.state("y").read is True and a.setting("from-b") == 2
    third = open_store()
    assert third.state("x").starred and third.state("y").read
    assert third.setting("from-a") == 1 and third.setting("from-b") == 2


@pytest.mark.parametrize("older_flushes_first", [True, False])
def test_newer_change_wins(open_store: Callable[..., Store], older_flushes_first: bool) -> None:
    a, b = open_store(flush_delay=60), open_store(flush_delay=60)
    seen: list[set[str]] = []
    a.on_change = seen.append
    a.set_read("x", True)
    a.set_starred("only-a", True)
    time.sleep(0.01)
    b.set_read("x", True)
    b.set_read("x", False)  # b's change to x's read is the newer one
    b.set_starred("x", True)
    for store in (a, b) if older_flushes_first else (b, a):
        store.flush()
    a.flush()
    b.flush()
    for store in (a, b, open_store()):
        assert store.state("x").read is False and store.state("x").starred is True
        assert store.state("only-a").starred is True
    assert seen == [{"x"}]


def test_paper_caches_are_united(open_store: Callable[..., Store]) -> None:
    a, b = open_store(flush_delay=60), open_store(flush_delay=60)
    a.add_papers([paper("shared", feeds=["feed-a"]), paper("only-a")])
    b.add_papers([paper("shared", feeds=["feed-b"], comment="5 pages"), paper("only-b")])
    a.flush()
    b.flush()
    a.flush()
    for store in (a, b, open_store()):
        shared = store.get("shared")
        assert shared is not None
        assert sorted(shared.feeds) == ["feed-a", "feed-b"] and shared.comment == "5 pages"
        assert {p.id for p in store.papers()} == {"shared", "only-a", "only-b"}


def test_other_process_changes_arrive_without_flushing(open_store: Callable[..., Store]) -> None:
    watcher = open_store(poll_interval=0.1)
    changed: list[set[str]] = []
    arrived: list[set[str]] = []
    watcher.on_change = changed.append
    watcher.on_papers_change = arrived.append
    writer = open_store()
    writer.set_starred("x", True)
    writer.add_papers([paper("fresh")])
    writer.flush()
    assert wait_for(lambda: watcher.state("x").starred and "fresh" in watcher, timeout=3) is not None
    assert changed == [{"x"}]
    assert wait_for(lambda: arrived == [{"fresh"}], timeout=1) is not None


CHILD = textwrap.dedent(
    """
    import random, sys
    from pathlib import Path
    from reader_tui.model import Paper
    from reader_tui.store import Store

    data_dir, name = Path(sys.argv[1]), sys.argv[2]
    rng = random.Random(name)
    with Store(data_dir, flush_delay=0.02) as store:
        for i in range(150):
            store.set_read(f"{name}-{i}", True)
            if i % 5 == 0:
                store.toggle_starred("shared")
            if i % 10 == 0:
                store.add_papers([Paper(id=f"{name}-paper-{i}", title="t")])
            if rng.random() < 0.2:
                store.flush()
    """
)


def test_two_real_processes_lose_no_update(data_dir: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    children = [
        subprocess.Popen([sys.executable, "-c", CHILD, str(data_dir), name], cwd=REPO, env=env)
        for name in ("a", "b")
    ]
    for child in children:
        assert child.wait(timeout=60) == 0
    with Store(data_dir) as store:
        assert store.messages == []
        for name in ("a", "b"):
            assert all(store.state(f"{name}-{i}").read for i in range(150))
            assert all(f"{name}-paper-{i}" in store for i in range(0, 150, 10))
        assert store.state("shared").changed > 0


def test_every_paper_field_survives_a_restart(data_dir: Path) -> None:
    from datetime import datetime, timedelta, timezone

    from reader_tui.model import Venue

    full = Paper(
        "2401.00001", "Ünïcode title", "2401.00001", 3, ["Ann Lee", "王伟"], ["MIT"], ["cs.LG"],
        ["graphs"], "<p>Summary &amp; more</p>" * 50,
        Links("https://arxiv.org/abs/2401.00001", "https://arxiv.org/pdf/2401.1", "https://x.org", "10.1/x"),
        datetime(2026, 5, 29, 9, 30, tzinfo=timezone(timedelta(hours=8))), ["feed-a", "feed-b"], "replace",
        "J. Foo 1 (2026)", "12 pages", False, venue=Venue("Nature", "1", "2", "3-4", "NPG"), owned=True,
    )  # fmt: skip
    with Store(data_dir) as store:
        store.add_papers([full, paper("bare")])
    with Store(data_dir) as again:
        assert again.get("2401.00001") == full and again.get("bare") == paper("bare")
        assert again.get("2401.00001").published.utcoffset() == timedelta(hours=8)  # type: ignore[union-attr]


def test_papers_encoded_where_they_were_read_are_stored_as_the_papers_themselves(
    open_store: Callable[..., Store], tmp_path: Path
) -> None:
    """The parse child sends papers encoded (search fields and JSON made there): the library, its
    search fields and summaries are the same as for the papers, and a feed's repeat of a stored
    paper still only fills its gaps and adds the feed."""
    from reader_tui.paper_fields import PaperFields
    from reader_tui.store import encode_papers

    papers = [
        paper(
            f"p{i}",
            summary_html=f"<p>Abstract {i} on graphs</p>",
            published=datetime(2026, 1, i + 1, tzinfo=UTC),
        )
        for i in range(5)
    ]
    plain, encoded = open_store(), Store(tmp_path / "other")
    try:
        assert plain.add_papers(papers) == encoded.add_papers(encode_papers(papers)) == [p.id for p in papers]
        assert [p.to_dict() for p in encoded.papers()] == [p.to_dict() for p in plain.papers()]
        assert [r.record() for r in encoded.search.rows()] == [
            PaperFields(p).record() for p in reversed(papers)
        ]
        assert encoded.search.summary_hits("graphs") == {p.id for p in papers}

        again = paper("p1", feeds=["feed-b"], title="Another title", links=Links(pdf="https://x.org/p1.pdf"))
        assert encoded.add_papers(encode_papers([again, again])) == []
        stored = encoded.get("p1")
        assert stored is not None and stored.title == "Title of p1"  # the stored paper's field wins
        assert stored.feeds == ["feed-a", "feed-b"] and stored.links.pdf == "https://x.org/p1.pdf"
        assert stored.summary_html == "<p>Abstract 1 on graphs</p>"
    finally:
        encoded.close()


def test_a_write_decodes_only_the_records_that_changed_not_every_mark(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With 100,000 papers marked read, decoding and merging every record made each flush cost 1.3 s
    of CPU; a write now decodes the records it changes and those another process wrote."""
    with Store(data_dir) as store:
        store.set_read_many([f"p{i}" for i in range(2_000)], True)
    decoded: list[dict[str, object]] = []
    original = state.decode_state
    monkeypatch.setattr(state, "decode_state", lambda doc: decoded.append(doc) or original(doc))
    store = Store(data_dir, poll_interval=None)
    try:
        assert len(decoded) == 2_000  # the start reads every mark once
        decoded.clear()
        store.set_starred("p1", True)
        store.flush()
        assert len(decoded) <= 1
        with Store(data_dir, poll_interval=None) as other:
            other.set_read("p2", False)
        decoded.clear()
        store.set_starred("p3", True)
        store.flush()  # finds the other process's write, and takes in only what it changed
        assert len(decoded) <= 2
        assert not store.state("p2").read and store.state("p1").starred and store.state("p3").starred
    finally:
        store.close()
    with Store(data_dir) as again:
        assert [again.state(p).read for p in ("p1", "p2", "p3")] == [True, False, True]
        assert again.state("p1").starred and again.state("p3").starred


def test_field_values_names_the_papers_where_a_field_is_set(open_store: Callable[..., Store]) -> None:
    store = open_store()
    store.set_read("a", True)
    store.set_read("b", True)
    store.set_read("b", False)
    store.set_field("c", "note", "ask Olga")
    store.set_field("a", "tags", ["llm"])
    assert store.field_values("read") == {"a": True}
    assert store.field_values("note") == {"c": "ask Olga"}
    assert store.field_values("tags") == {"a": ("llm",)}

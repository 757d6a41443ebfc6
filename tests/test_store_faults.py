"""Faults are told, not hidden: a read-only or full disk, links and FIFOs as data files, a writer
holding the lock. Each gives one line; nothing is followed, replaced or lost; no temp file is left."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from reader_tui.cli import main
from reader_tui.datafiles import FileLock
from reader_tui.model import Paper
from reader_tui.store import Store, StoreError
from reader_tui.sync.journal import Journal

REPO = Path(__file__).resolve().parent.parent


def can_mount() -> bool:
    return sys.platform.startswith("linux") and os.geteuid() == 0


@contextlib.contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A small tmpfs at ``where`` (root on Linux only; the test skips where it cannot mount one)."""
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def library(data_dir: Path) -> None:
    with Store(data_dir) as store:
        store.add_papers([Paper(id=f"p{i}", title=f"Paper {i}") for i in range(5)])
        store.set_starred("p0", True)


@pytest.mark.skipif(not can_mount(), reason="needs root on Linux to mount a tmpfs")
def test_a_full_disk_is_told_keeps_marks_in_memory_and_saves_them_once_there_is_room(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "disk", "1m") as disk:
        data_dir = disk / "data"
        library(data_dir)
        store = Store(data_dir, flush_delay=0.05)
        filler = disk / "filler"
        with contextlib.suppress(OSError), open(filler, "wb") as handle:
            while True:
                handle.write(b"\0" * 65536)
        store.set_read("p1", True)
        with pytest.raises(StoreError) as raised:
            store.flush()
        assert str(raised.value) == f"could not save to {data_dir}: No space left on device"
        assert store.problem == str(raised.value) and store.unsaved == 1 and store.state("p1").read
        assert leftovers(data_dir) == []
        filler.unlink()
        deadline = time.monotonic() + 5  # the writer retries on its own
        while store.problem is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert store.problem is None and store.unsaved == 0
        store.close()
        with Store(data_dir) as again:
            assert again.state("p1").read and again.state("p0").starred
        assert leftovers(data_dir) == []


@pytest.mark.skipif(not can_mount(), reason="needs root on Linux to mount a tmpfs")
def test_a_read_only_disk_lists_but_a_mark_fails_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with tmpfs(tmp_path / "home", "4m") as home:
        monkeypatch.setenv("READER_TUI_HOME", str(home))
        library(home / "data")
        subprocess.run(["mount", "-o", "remount,ro", str(home)], check=True)
        assert main(["list"]) == 0
        assert "Paper 0" in capsys.readouterr().out
        assert main(["mark", "p1", "--read"]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "Read-only file system" in err[0] and str(home / "data") in err[0], err


@pytest.mark.parametrize("kind", ["dangling-link", "link-to-a-file", "fifo"])
@pytest.mark.parametrize("name", ["state.json", "papers.sqlite"])
def test_links_and_fifos_are_refused_in_one_line_and_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], kind: str, name: str
) -> None:
    monkeypatch.setenv("READER_TUI_HOME", str(tmp_path / "home"))
    data_dir = tmp_path / "home" / "data"
    library(data_dir)
    target = data_dir / name
    real = tmp_path / "elsewhere"
    os.replace(target, real)
    if kind == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to(real if kind == "link-to-a-file" else tmp_path / "missing")
    before = sorted(p.name for p in data_dir.iterdir())
    for command in (["mark", "p1", "--read"], ["list"]):
        start = time.monotonic()
        assert main(command) == 1
        assert time.monotonic() - start < 5  # a FIFO is never opened for reading (it would hang)
        (line,) = capsys.readouterr().err.strip().splitlines()
        what = "a FIFO" if kind == "fifo" else "a symbolic link"
        assert f"{target} is {what}; reader-tui neither follows nor replaces it" in line, line
    assert sorted(p.name for p in data_dir.iterdir()) == before  # nothing replaced, no temp file
    assert target.is_symlink() or kind == "fifo"


@pytest.mark.parametrize("kind", ["link-to-a-file", "fifo"])
def test_a_sync_journal_that_is_a_link_or_a_fifo_is_never_read_or_written_through(
    tmp_path: Path, kind: str
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    real = tmp_path / "elsewhere.json"
    real.write_text('{"server": "theirs"}')
    path = data_dir / "sync.json"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to(real)
    start = time.monotonic()
    journal = Journal.load(data_dir)
    assert time.monotonic() - start < 5  # a FIFO would have hung the read
    (message,) = journal.messages
    assert ("a FIFO" if kind == "fifo" else "a symbolic link") in message and "starts over" in message
    assert journal.server == ""
    journal.server = "mine"
    journal.save()
    assert real.read_text() == '{"server": "theirs"}'  # the link's target is left alone
    assert not path.is_symlink() and Journal.load(data_dir).server == "mine"


def test_list_never_waits_for_a_writer_holding_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("READER_TUI_HOME", str(tmp_path / "home"))
    data_dir = tmp_path / "home" / "data"
    library(data_dir)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from reader_tui.datafiles import FileLock\n"
            "with FileLock(Path(sys.argv[1])).held():\n    print('held', flush=True); time.sleep(30)",
            str(data_dir / "state.json"),
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        start = time.monotonic()
        assert main(["list"]) == 0
        assert time.monotonic() - start < 1.0
        assert "Paper 0" in capsys.readouterr().out
        assert FileLock(data_dir / "state.json").path.exists()
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.skipif(not can_mount(), reason="needs root on Linux to mount a tmpfs")
def test_a_full_disk_fails_a_refreshed_feed_in_one_line_and_the_next_refresh_reads_it_in_full(
    tmp_path: Path,
) -> None:
    from reader_tui.library import ingest

    feed = REPO / "tests" / "fixtures" / "feeds" / "arxiv-rss-stat-2024-03-26.xml"
    with tmpfs(tmp_path / "disk", "2m") as disk:
        data_dir = disk / "data"
        library(data_dir)
        filler = disk / "filler"
        with Store(data_dir) as store:
            with contextlib.suppress(OSError), open(filler, "wb") as handle:
                while True:
                    handle.write(b"\0" * 4096)
            (report,) = ingest(store, [str(feed)])
            assert report.error is not None and "\n" not in report.error
            assert f"could not save to {data_dir}" in report.error, report.error
            assert report.new == 0 and len(store) == 5 and store.state("p0").starred
            filler.unlink()
            (again,) = ingest(store, [str(feed)])  # not "unchanged": nothing of the failed read was kept
            assert again.error is None and again.new > 0 and len(store) == 5 + again.new
        assert leftovers(data_dir) == []

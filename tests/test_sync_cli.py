"""``reader-tui sync`` and ``sync --status`` as a user runs them, against the fake Miniflux: set-up errors in
one line, secrets kept out of every line, two-way subscriptions, and kill -9 in the middle of a sync."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sync_fixtures import TOKEN, FakeMiniflux, miniflux

from reader_tui.cli import main
from reader_tui.store import Store
from reader_tui.subscriptions import Subscription, add, load

__all__ = ["miniflux"]

ROOT = Path(__file__).resolve().parent.parent
FEED = "https://rss.arxiv.org/rss/cs.LG"
Run = Callable[..., tuple[int, str, str]]


def write_sync_config(home: Path, url: str, **extra: str) -> None:
    folder = home / "config"
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["[sync]", 'backend = "miniflux"', f'url = "{url}"', *(f'{k} = "{v}"' for k, v in extra.items())]
    (folder / "config.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("READER_TUI_HOME", str(tmp_path))
    monkeypatch.setenv("READER_TUI_SYNC_SECRET", TOKEN)
    return tmp_path


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def _run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return _run


def arxiv(n: int) -> str:
    return f"2401.{n:05d}"


def seed(fake: FakeMiniflux, count: int) -> list[int]:
    feed = fake.add_feed(FEED)
    return [fake.add_entry(feed, f"https://arxiv.org/abs/{arxiv(n)}v1", f"Paper {n}") for n in range(count)]


def test_sync_needs_its_config_and_says_so_in_one_line(home: Path, run: Run) -> None:
    code, _, err = run("sync")
    assert code == 1 and err.count("\n") == 1 and "no [sync] table" in err
    write_sync_config(home, "http://127.0.0.1:9", backend_typo="x")
    (home / "config" / "config.toml").write_text('[sync]\nbackend = "feedly"\nurl = "https://x.org"\n')
    code, _, err = run("sync")
    assert code == 1 and "backend must be one of miniflux, ttrss" in err
    (home / "config" / "config.toml").write_text(
        '[sync]\nbackend = "miniflux"\nurl = "javascript:alert(1)"\n'
    )
    code, _, err = run("sync")
    assert code == 1 and err.count("\n") == 1 and "url" in err


def test_secret_command_and_its_failures_never_show_the_secret(
    home: Path, run: Run, miniflux: FakeMiniflux, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("READER_TUI_SYNC_SECRET")
    write_sync_config(home, miniflux.url, secret_command=f"echo {TOKEN}")
    code, out, err = run("sync")
    assert code == 0, err
    write_sync_config(home, miniflux.url, secret_command="echo hunter2-leak; exit 3")
    code, out, err = run("sync")
    assert code == 1 and "secret_command failed (exit status 3" in err and "hunter2" not in out + err
    monkeypatch.setenv("READER_TUI_SYNC_SECRET", "wrong-token-xyz")
    code, out, err = run("sync")
    assert code == 1 and "401" in err and "wrong-token-xyz" not in out + err
    assert "wrong-token-xyz" not in "".join(
        p.read_text(errors="replace") for p in home.rglob("*") if p.is_file()
    )


def test_sync_then_status(home: Path, run: Run, miniflux: FakeMiniflux) -> None:
    ids = seed(miniflux, 3)
    miniflux.set_entry(ids[0], starred=True)
    write_sync_config(home, miniflux.url)
    code, out, err = run("sync")
    assert code == 0, err
    assert "from the server: 3 papers this machine did not have" in out
    assert "subscriptions here: added https://rss.arxiv.org/rss/cs.LG" in out
    assert out.splitlines()[-1].startswith(f"synced with miniflux: {miniflux.url}")
    run("mark", arxiv(1), "--read")
    code, out, _ = run("sync", "--status")
    assert (
        code == 0
        and "pending changes: 1" in out
        and "last error: none" in out
        and "last sync: never" not in out
    )
    code, out, _ = run("sync")
    assert "to the server: 1 marked read" in out and miniflux.entries[ids[1]]["status"] == "read"
    code, out, _ = run("list", "--query", "is:starred")
    assert arxiv(0) in out


def test_an_unreachable_server_exits_1_and_keeps_every_change(
    home: Path, run: Run, miniflux: FakeMiniflux
) -> None:
    ids = seed(miniflux, 2)
    write_sync_config(home, miniflux.url)
    run("sync")
    run("mark", arxiv(0), "--read", "--star")
    write_sync_config(home, "http://127.0.0.1:9")
    code, out, err = run("sync")
    assert code == 1 and err.count("\n") == 1 and "2 changes here are kept for the next sync" in err
    code, out, _ = run("sync", "--status")
    assert "pending changes: 2" in out and "cannot reach 127.0.0.1" in out
    write_sync_config(home, miniflux.url)
    code, out, _ = run("sync")
    assert code == 0 and miniflux.entries[ids[0]]["status"] == "read" and miniflux.entries[ids[0]]["starred"]


def test_subscriptions_go_both_ways(home: Path, run: Run, miniflux: FakeMiniflux) -> None:
    there = miniflux.add_feed("https://example.org/there.xml")
    add([Subscription(url="https://example.org/here.xml"), Subscription(url=str(home / "local.xml"))])
    write_sync_config(home, miniflux.url)
    code, out, err = run("sync")
    assert code == 0, err
    assert {s.url for s in load()} >= {"https://example.org/there.xml", "https://example.org/here.xml"}
    assert {f["feed_url"] for f in miniflux.feeds.values()} == {
        "https://example.org/there.xml",
        "https://example.org/here.xml",
    }  # a local file means nothing to a server
    run("remove", "https://example.org/here.xml")
    del miniflux.feeds[there]  # removed on the server by another client
    code, out, err = run("sync")
    assert "subscriptions on the server: removed https://example.org/here.xml" in out
    assert "subscriptions here: removed https://example.org/there.xml" in out
    assert miniflux.feeds == {} and "https://example.org/there.xml" not in {s.url for s in load()}


@pytest.mark.parametrize("phase", ["GET", "PUT"], ids=["while-pulling", "while-sending"])
def test_kill_9_in_the_middle_of_a_sync_loses_nothing(home: Path, miniflux: FakeMiniflux, phase: str) -> None:
    ids = seed(miniflux, 600)
    write_sync_config(home, miniflux.url)
    env = {**os.environ, "READER_TUI_HOME": str(home), "READER_TUI_SYNC_SECRET": TOKEN}
    argv = [sys.executable, "-m", "reader_tui", "sync"]
    assert subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, timeout=60).returncode == 0
    with Store(home / "data") as store:
        store.set_read_many([arxiv(n) for n in range(600)], True)
        for n in range(0, 600, 3):
            store.set_starred(arxiv(n), True)
    miniflux.set_entry(ids[1], starred=True)  # and one change on the server
    miniflux.delay, miniflux.delay_method = 5.0, phase
    seen = len(miniflux.log)
    with subprocess.Popen(
        argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as child:
        deadline = time.monotonic() + 30
        while not any(m == phase for m, _ in miniflux.log[seen:]) and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert any(m == phase for m, _ in miniflux.log[seen:]), "the sync never got that far"
    miniflux.delay = 0.0
    with Store(home / "data") as store:
        assert len(store.pending_changes()) >= 600 + 200 - 1  # nothing was confirmed: all still to send
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert all(miniflux.entries[i]["status"] == "read" for i in ids)
    assert [n for n, i in enumerate(ids) if miniflux.entries[i]["starred"]] == sorted({1, *range(0, 600, 3)})
    with Store(home / "data") as store:
        assert store.pending_changes() == [] and store.state(arxiv(1)).starred
        assert all(store.state(arxiv(n)).read for n in range(600))


def test_two_syncs_of_one_library_never_run_at_once(home: Path, run: Run, miniflux: FakeMiniflux) -> None:
    from filelock import FileLock

    seed(miniflux, 1)
    write_sync_config(home, miniflux.url)
    run("sync")
    run("mark", arxiv(0), "--read")
    with FileLock(str(home / "data" / "sync.json.lock")):  # the app's sync, say, is running
        code, _, err = run("sync")
    assert code == 1 and "another sync of this library is running" in err
    assert "pending changes: 1" in run("sync", "--status")[1]
    assert run("sync")[0] == 0 and miniflux.entries[min(miniflux.entries)]["status"] == "read"

"""A library written by the release before the SQLite cache (tests/fixtures/legacy-library, made by
`reader-tui list`/`mark` at commit 8d7d2b3) opens with every paper, field and mark it had."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from reader_tui.cli import main
from reader_tui.store import Store

LEGACY = Path(__file__).parent / "fixtures" / "legacy-library"


def legacy_home(tmp_path: Path) -> Path:
    data = tmp_path / "home" / "data"
    data.mkdir(parents=True)
    for name in ("papers.json", "state.json"):
        shutil.copy(LEGACY / name, data / name)
    return data


def same_keys(paper: dict[str, object], like: dict[str, object]) -> dict[str, object]:
    return {key: paper[key] for key in like}


def test_the_first_start_moves_every_paper_and_keeps_every_mark(tmp_path: Path) -> None:
    data = legacy_home(tmp_path)
    expected = json.loads((LEGACY / "list.json").read_text(encoding="utf-8"))
    with Store(data) as store:
        (note,) = store.messages
        assert note.startswith(f"moved {len(expected)} papers from papers.json into papers.sqlite")
        by_id = {paper.id: paper for paper in store.papers()}
        assert {pid: same_keys(paper.to_dict(), expected[0]) for pid, paper in by_id.items()} == {
            p["id"]: p for p in expected
        }  # (fields added to Paper since, such as venue, are left out of the comparison)
        assert any(len(p["summary_html"]) > 200 for p in expected)  # long ones were stored compressed
        assert (store.state("2604.18789").read, store.state("2604.18789").starred) == (True, True)
        assert (store.state("2604.18529").read, store.state("2604.18529").starred) == (False, True)
        assert store.state("2403.15983").read and not store.state("2604.18509").read
        assert store.setting("ui.selected") == "2604.18529"
    assert (data / "papers.json.migrated").exists() and not (data / "papers.json").exists()
    with Store(data) as again:  # once only
        assert again.messages == [] and len(again) == len(expected)


def test_list_json_prints_what_the_old_release_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    legacy_home(tmp_path)
    monkeypatch.setenv("READER_TUI_HOME", str(tmp_path / "home"))
    assert main(["list", "--json"]) == 0
    out = capsys.readouterr().out
    expected = json.loads((LEGACY / "list.json").read_text(encoding="utf-8"))
    assert [same_keys(paper, expected[0]) for paper in json.loads(out)] == expected

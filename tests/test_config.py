"""config.toml: every number is checked (finite, in range) and a bad one is one line, never a hang."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reader_tui.config import ConfigError, auto_refresh_minutes, load_config

APP_SIZE = (120, 40)


@pytest.mark.parametrize(
    "value", ["nan", "inf", "-inf", "-5", "1e308", "10081", "true", '"30"', "[1]", "+nan"]
)
def test_a_bad_number_is_one_line_naming_the_file_and_the_key(tmp_path: Path, value: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"auto_refresh_minutes = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert str(path) in message and "auto_refresh_minutes" in message and "\n" not in message
    assert auto_refresh_minutes(path) == 0.0  # off, as with no setting


@pytest.mark.parametrize(("value", "minutes"), [("0", 0.0), ("30", 30.0), ("10080", 10080.0), ("2.5", 2.5)])
def test_numbers_in_range_are_taken(tmp_path: Path, value: str, minutes: float) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"auto_refresh_minutes = {value}\n", encoding="utf-8")
    assert auto_refresh_minutes(path) == minutes


async def test_nan_minutes_in_the_app_is_one_line_and_q_still_quits(harness: Any, reader_home: Path) -> None:
    config = reader_home / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text("auto_refresh_minutes = nan\n", encoding="utf-8")
    app = harness.app()
    async with app.run_test(size=APP_SIZE) as pilot:
        await harness.settle(pilot)
        notes = [note for note in harness.notifications(app) if "config.toml" in note]
        assert len(notes) == 1 and "auto_refresh_minutes" in notes[0] and "\n" not in notes[0]
        assert len(app.paper_list.papers) == 30, harness.notifications(app)  # the sample digest loads
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


def test_a_config_nested_too_deeply_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="nested too deeply"):
        load_config(path)

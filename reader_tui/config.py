"""User configuration: ``config.toml`` in the config folder.

The keymap and the auto-refresh period live here::

    auto_refresh_minutes = 30
    [keymap]
    "app.toggle_star" = "x"
    "list.down" = "j,down,ctrl+n"

A syntax error, or a number that is not finite or out of its range, is reported in one line naming the
file and the key, and the defaults are used: ``auto_refresh_minutes = nan`` once made a timer that fired
without pause (a blank screen at 100% CPU that ignored ``q``).
"""

from __future__ import annotations

import math
from pathlib import Path

from reader_tui import paths


class ConfigError(ValueError):
    """The config file could not be used; ``str()`` is one line with the file and line number."""


NUMBERS: dict[str, tuple[float, float]] = {"auto_refresh_minutes": (0, 7 * 24 * 60)}
"""Every number the file may hold, with its inclusive range (0 minutes is off; at most a week)."""


def config_file() -> Path:
    return paths.config_dir() / "config.toml"


def load_config(path: Path | None = None) -> dict[str, object]:
    path = path or config_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read ({error})") from None
    import tomllib  # only when there is a file: most starts have none

    try:
        config = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: {error}") from None
    except RecursionError:  # tomllib recurses per nested array or table
        raise ConfigError(f"{path}: nested too deeply to read") from None
    check_numbers(config, str(path))
    return config


def check_numbers(config: dict[str, object], name: str = "config.toml") -> None:
    """Raise :class:`ConfigError` for a number that is missing its type, not finite or out of range."""
    for key, (low, high) in NUMBERS.items():
        if key not in config:
            continue
        value = config[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ConfigError(f"{name}: {key} must be a number, not {value!r:.40}")
        if not low <= value <= high:
            raise ConfigError(f"{name}: {key} = {value!r:.40} is out of range ({low:g} to {high:g})")


def keymap(config: dict[str, object]) -> dict[str, str]:
    """Binding id -> keys from a loaded config. Bad entries are ignored."""
    table = config.get("keymap", {})
    if not isinstance(table, dict):
        return {}
    return {str(k): v for k, v in table.items() if isinstance(v, str) and v.strip()}


def auto_refresh(config: dict[str, object]) -> float:
    """``auto_refresh_minutes = N``: refresh every N (at least 1) minutes while the app runs; 0 is off."""
    value = config.get("auto_refresh_minutes", 0)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    if not math.isfinite(value) or value <= 0:
        return 0.0
    return float(max(value, 1))


def auto_refresh_minutes(path: Path | None = None) -> float:
    """:func:`auto_refresh` of the config file; a broken file means off."""
    try:
        return auto_refresh(load_config(path))
    except ConfigError:
        return 0.0

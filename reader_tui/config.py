"""User configuration: ``config.toml`` in the config folder.

Only the keymap lives here for now::

    [keymap]
    "app.toggle_star" = "x"
    "list.down" = "j,down,ctrl+n"

A syntax error is reported in one line and the defaults are used.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from reader_tui import paths


class ConfigError(ValueError):
    """The config file could not be used; ``str()`` is one line with the file and line number."""


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
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: {error}") from None


def keymap(config: dict[str, object]) -> dict[str, str]:
    """Binding id -> keys from a loaded config. Bad entries are ignored."""
    table = config.get("keymap", {})
    if not isinstance(table, dict):
        return {}
    return {str(k): v for k, v in table.items() if isinstance(v, str) and v.strip()}


def auto_refresh(config: dict[str, object]) -> float:
    """``auto_refresh_minutes = N``: refresh every N (at least 1) minutes while the app runs; 0 is off."""
    value = config.get("auto_refresh_minutes", 0)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return 0.0
    return float(max(value, 1))


def auto_refresh_minutes(path: Path | None = None) -> float:
    """:func:`auto_refresh` of the config file; a broken file means off."""
    try:
        return auto_refresh(load_config(path))
    except ConfigError:
        return 0.0

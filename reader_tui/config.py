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


def load_keymap(path: Path | None = None) -> dict[str, str]:
    """Binding id -> keys. Bad entries are ignored; a broken file yields no remapping."""
    try:
        keymap = load_config(path).get("keymap", {})
    except ConfigError:
        return {}
    if not isinstance(keymap, dict):
        return {}
    return {str(k): v for k, v in keymap.items() if isinstance(v, str) and v.strip()}


def auto_refresh_minutes(path: Path | None = None) -> float:
    """``auto_refresh_minutes = N`` in config.toml: refresh every N minutes while the app runs (0: off)."""
    try:
        value = load_config(path).get("auto_refresh_minutes", 0)
    except ConfigError:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return 0.0
    return float(max(value, 1))

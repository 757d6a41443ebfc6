"""Where reader-tui keeps its files.

One module owns every path so that ``READER_TUI_HOME`` can relocate config and data in one place:
tests, benchmarks and snapshot runs set it and never touch the user's real files.
"""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "READER_TUI_HOME"
APP_NAME = "reader-tui"


def _home_override() -> Path | None:
    value = os.environ.get(HOME_ENV)
    return Path(value).expanduser() if value else None


def config_dir() -> Path:
    """Directory for hand-edited files (feeds.toml, keymap)."""
    home = _home_override()
    if home is not None:
        return home / "config"
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """Directory for the store (paper cache, read/starred state, backups)."""
    home = _home_override()
    if home is not None:
        return home / "data"
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def sample_feeds() -> list[Path]:
    """The sample digests shipped inside the package, newest first."""
    from importlib import resources  # not at start-up: only an empty library opens the sample

    folder = Path(str(resources.files("reader_tui") / "data" / "sample"))
    return sorted(folder.glob("*.xml"), reverse=True)


def styles_dir() -> Path:
    """The ``styles/`` folder: inside the wheel it sits in the package, in a checkout at the top level."""
    packaged = Path(__file__).parent / "styles"
    if packaged.is_dir():
        return packaged
    return Path(__file__).parent.parent / "styles"

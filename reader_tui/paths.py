"""Where reader-tui keeps its files.

One module owns every path so that ``READER_TUI_HOME`` can relocate config and data in one place:
tests, benchmarks and snapshot runs set it and never touch the user's real files.
"""

from __future__ import annotations

import os
from importlib import resources
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
    folder = Path(str(resources.files("reader_tui") / "data" / "sample"))
    return sorted(folder.glob("*.xml"), reverse=True)


def styles_dir() -> Path:
    """The ``styles/`` folder: inside the wheel it sits in the package, in a checkout at the top level."""
    packaged = Path(__file__).parent / "styles"
    if packaged.is_dir():
        return packaged
    return Path(__file__).parent.parent / "styles"


def _umask() -> int:
    """The process's umask, read without changing it (``os.umask`` sets it, racing other threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def write_atomically(path: str | Path, text: str) -> None:
    """Replace the file at ``path`` with ``text``: a temporary file beside it, synced, then renamed.

    A crash or a full disk leaves the old file whole, never half of the new one. The file keeps its
    permissions (a new one gets the usual ``0o666 & ~umask``); a symlink is followed, so the file it
    points at is replaced. A target that is not a regular file (``/dev/stdout``, a FIFO) is written in
    place, as renaming over it would make no sense. Raises ``OSError``.
    """
    import contextlib
    import stat
    import tempfile

    target = Path(os.path.realpath(path))
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(text)
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, stat.S_IMODE(mode) if mode is not None else 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise

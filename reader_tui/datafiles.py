"""How reader-tui reads and writes its files: whole and atomically, data files never through a link.

Every write goes to a temp file beside the target, is fsynced, renamed over it and the folder fsynced:
after a ``kill -9``, a full disk or a power cut the file holds the old or the new version, and no temp
file is left. Data files (the store's, the sync journal) are only ever plain files: a symbolic link
(dangling or not), a FIFO or a folder in their place is neither followed nor replaced, and the user
gets one line saying what is there (a FIFO would hang a read, replacing a link would silently cut it).
Files the user names or edits (an export, ``feeds.toml``) are theirs: a link is followed, and a target
that is not a regular file (``/dev/stdout``) is written in place.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import stat
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from filelock import BaseFileLock

DUMPS = json.JSONEncoder(separators=(",", ":")).encode
"""Compact JSON, as every data file holds it."""


def json_bytes(data: Any) -> bytes:
    """Compact JSON in UTF-8, as :data:`DUMPS` writes it (byte for byte, but for non-ASCII text, kept
    as is), through orjson: ~10 times faster, which a large state file is written with every mark
    (100,000 records: 180 -> 16 ms). What orjson refuses (a lone surrogate, an integer beyond 64
    bits) goes through the standard library."""
    try:
        return orjson.dumps(data)
    except TypeError:
        return DUMPS(data).encode("utf-8")


NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
"""Open flags that never follow a link nor block on a FIFO."""
LOCK_TIMEOUT = 10.0
"""Seconds a writer waits for another process's write before giving up (and retrying later). Readers
never take the lock: files are only ever replaced whole, so a read sees one version or the other."""


class StoreError(OSError):
    """A data file reader-tui will not use as it is, or a save that failed; ``str()`` is one line."""


@contextlib.contextmanager
def saving_to(folder: Path) -> Iterator[None]:
    """Turn a refused write (disk full, read-only, lock held too long) into one line."""
    try:
        yield
    except (OSError, sqlite3.Error) as exc:
        cause = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise StoreError(f"could not save to {folder}: {cause}") from exc


def check_plain(path: Path) -> None:
    """Raise :class:`StoreError` unless ``path`` is missing or a regular file (links are not followed)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        kind = {stat.S_IFLNK: "a symbolic link", stat.S_IFIFO: "a FIFO", stat.S_IFDIR: "a folder"}
        what = kind.get(stat.S_IFMT(mode), "not a regular file")
        raise StoreError(
            f"{path} is {what}; reader-tui neither follows nor replaces it: put the file itself there"
        )


def read_plain(path: Path) -> bytes | None:
    """A data file's bytes, None when there is none; never through a link, never blocking on a FIFO."""
    check_plain(path)
    try:
        fd = os.open(path, os.O_RDONLY | NO_FOLLOW)
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # swapped in since the check
            raise StoreError(f"{path} is not a regular file; reader-tui does not read it")
        return handle.read()


def write_atomic(path: Path, payload: bytes) -> None:
    """Replace the data file ``path`` with ``payload``, all or nothing, durable when this returns."""
    check_plain(path)
    _replace(path, payload, None)
    _sync_folder(path.parent)  # a data file is durable when this returns, or the save fails


def write_user_file(path: str | Path, text: str) -> None:
    """Replace a file of the user's with ``text``, atomically, keeping its permissions (a new one gets
    ``0o666 & ~umask``); the file a link points at is the one replaced. Raises ``OSError``."""
    target = Path(os.path.realpath(path))
    try:
        mode: int | None = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(text)
        return
    _replace(target, text.encode("utf-8", "replace"), stat.S_IMODE(mode) if mode else 0o666 & ~_umask())
    with contextlib.suppress(OSError):  # the user's folder may refuse it; the file is replaced all the same
        _sync_folder(target.parent)


def _replace(target: Path, payload: bytes, mode: int | None) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            with contextlib.suppress(OSError):
                os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; Windows cannot open a folder to fsync it)."""
    if os.name == "posix":
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


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


def move_aside(path: Path) -> Path:
    """Rename a damaged file to ``<name>.corrupt-<time>`` (never over an earlier one) and return it."""
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    aside, n = path.with_name(f"{path.name}.corrupt-{stamp}"), 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    os.replace(path, aside)
    return aside


class FileLock:
    """The lock every writer of one data file takes (``<name>.lock`` beside it), between processes."""

    def __init__(self, path: Path) -> None:
        self.path = path.with_name(path.name + ".lock")
        self._lock: BaseFileLock | None = None

    @contextlib.contextmanager
    def held(self, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
        """Hold the lock; raises TimeoutError (``filelock.Timeout``) after ``timeout`` seconds."""
        check_plain(self.path)
        if self._lock is None:
            from filelock import FileLock as _Lock  # lazy: 25 ms of start-up a reader never needs

            self._lock = _Lock(str(self.path))
        with self._lock.acquire(timeout=timeout):
            yield

    def clean_up(self, path: Path) -> None:
        """Remove temp files of ``path`` that a killed writer left, if no writer is at work (no waiting).
        The lock (and its library, ~30 ms of CPU) is taken only when there are some: rarely."""
        names = (path.name, path.name + ".bak")
        if not any(next(path.parent.glob(f".{name}.*.tmp"), None) for name in names):
            return
        with contextlib.suppress(OSError), self.held(timeout=0):  # TimeoutError: a writer is at work
            for name in names:
                for stale in path.parent.glob(f".{name}.*.tmp"):
                    stale.unlink()

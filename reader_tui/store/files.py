"""Data files as the store touches them: plain files only, replaced atomically, and the writers' lock.

A write goes to a temp file in the same folder, is fsynced, renamed over the file and the folder fsynced:
after a ``kill -9`` or a power cut the file holds the old or the new version, and a failed write leaves
no temp file. A symbolic link (dangling or not), a FIFO or a folder where a data file should be is
neither followed nor replaced: the user gets one line saying what is there (a FIFO would hang a read,
and replacing a link would silently cut it).
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from filelock import BaseFileLock

DUMPS = json.JSONEncoder(separators=(",", ":")).encode
"""Compact JSON, as every store file holds it."""
NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
"""Open flags that never follow a link nor block on a FIFO."""
LOCK_TIMEOUT = 10.0
"""Seconds a writer waits for another process's write before giving up (and retrying later). Readers
never take the lock: files are only ever replaced whole, so a read sees one version or the other."""


class StoreError(OSError):
    """A data file the store will not use as it is, or a save that failed; ``str()`` is one line."""


def check_plain(path: Path) -> None:
    """Raise :class:`StoreError` unless ``path`` is missing or a regular file (links are not followed)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISREG(mode):
        return
    kind = {stat.S_IFLNK: "a symbolic link", stat.S_IFIFO: "a FIFO", stat.S_IFDIR: "a folder"}
    what = kind.get(stat.S_IFMT(mode), "not a regular file")
    raise StoreError(
        f"{path} is {what}; reader-tui neither follows nor replaces it: put the file itself there"
    )


def read_plain(path: Path) -> bytes | None:
    """The file's bytes, None when there is none; never through a link, never blocking on a FIFO."""
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
    """Replace ``path`` with ``payload``, all or nothing, durable when this returns."""
    check_plain(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if os.name == "posix":  # make the rename durable; Windows cannot open a folder to fsync it
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


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

        The lock is taken only when there are some: loading the lock's library costs a start ~30 ms of
        CPU, and a start that finds nothing to clean (nearly every start) need not pay it."""
        names = (path.name, path.name + ".bak")
        if not any(next(path.parent.glob(f".{name}.*.tmp"), None) for name in names):
            return
        with contextlib.suppress(OSError), self.held(timeout=0):  # TimeoutError: a writer is at work
            for name in names:
                for stale in path.parent.glob(f".{name}.*.tmp"):
                    stale.unlink()

"""``[sync]`` in ``config.toml``, the secret, and the one function that builds a ready engine from them::

    [sync]
    backend = "miniflux"                 # or "ttrss"
    url = "https://reader.example.org"
    user = "me"                          # ttrss only
    secret_command = "pass show reader"  # prints the API token (miniflux) or the password (ttrss)

``READER_TUI_SYNC_SECRET`` overrides ``secret_command``. The secret lives in memory only: it is never
written to a file, a log or an error line (the command's output and exit status are not echoed either,
only that it failed).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reader_tui.safety import UnsafeURLError, check_url, clean_line
from reader_tui.sync.backend import Backend, SyncError

SECRET_ENV = "READER_TUI_SYNC_SECRET"
BACKENDS = ("miniflux", "ttrss")
SECRET_TIMEOUT = 60.0
"""Seconds ``secret_command`` may take: long enough to type a GPG passphrase into pinentry."""


class SyncConfigError(SyncError):
    """``[sync]`` is missing or wrong; ``str()`` names the key."""


@dataclass(frozen=True, slots=True)
class SyncSettings:
    backend: str
    url: str
    user: str = ""
    secret_command: str = ""

    @property
    def server_id(self) -> str:
        """Which account the sync journal belongs to (no secret in it)."""
        return f"{self.backend} {self.url} {self.user}"


def sync_settings(config: dict[str, Any]) -> SyncSettings | None:
    """The ``[sync]`` table of a loaded config; None when there is none."""
    table = config.get("sync")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise SyncConfigError("config.toml: [sync] must be a table")
    backend = table.get("backend")
    if backend not in BACKENDS:
        raise SyncConfigError(f"config.toml: [sync] backend must be one of {', '.join(BACKENDS)}")
    url = table.get("url")
    if not isinstance(url, str) or not url.strip():
        raise SyncConfigError("config.toml: [sync] url is missing")
    try:
        url = check_url(url.strip())
    except UnsafeURLError as error:
        raise SyncConfigError(f"config.toml: [sync] url: {error}") from None
    user, command = table.get("user", ""), table.get("secret_command", "")
    if not isinstance(user, str) or not isinstance(command, str):
        raise SyncConfigError("config.toml: [sync] user and secret_command must be strings")
    if backend == "ttrss" and not user.strip():
        raise SyncConfigError("config.toml: [sync] user is needed for ttrss")
    return SyncSettings(backend, url.rstrip("/"), user.strip(), command.strip())


def secret(settings: SyncSettings) -> str:
    """The token or password: ``$READER_TUI_SYNC_SECRET``, else the first line ``secret_command`` prints
    (run by the shell, as newsboat runs its ``*-passwordeval``)."""
    from_env = os.environ.get(SECRET_ENV)
    if from_env:
        return from_env.strip()
    if not settings.secret_command:
        raise SyncConfigError(f"no secret: set [sync] secret_command in config.toml or {SECRET_ENV}")
    try:
        done = subprocess.run(
            settings.secret_command,
            shell=True,
            capture_output=True,
            text=True,
            timeout=SECRET_TIMEOUT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise SyncConfigError(f"secret_command gave no answer within {SECRET_TIMEOUT:.0f} s") from None
    except OSError as error:
        raise SyncConfigError(f"secret_command could not run ({error.strerror or error})") from None
    lines = done.stdout.splitlines()
    if done.returncode != 0 or not lines or not lines[0].strip():
        raise SyncConfigError(
            f"secret_command failed (exit status {done.returncode}, nothing printed is shown)"
        )
    return lines[0].strip()


def make_backend(settings: SyncSettings, secret_value: str) -> Backend:
    if settings.backend == "miniflux":
        from reader_tui.sync.miniflux import Miniflux

        return Miniflux(settings.url, secret_value)
    from reader_tui.sync.ttrss import TinyTinyRSS

    return TinyTinyRSS(settings.url, settings.user, secret_value)


def describe(settings: SyncSettings) -> str:
    who = f"{settings.user} at " if settings.user else ""
    return clean_line(f"{settings.backend}: {who}{settings.url}")


def data_path(data_dir: Path | None = None) -> Path:
    from reader_tui import paths

    return Path(data_dir) if data_dir is not None else paths.data_dir()


class SubscriptionFile:
    """``feeds.toml`` as the engine's :class:`~reader_tui.sync.engine.FeedList`: only http(s) feeds are
    shared (a local file means nothing to a server); edits keep the user's layout and comments."""

    def urls(self) -> list[str]:
        from reader_tui.feeds.fetch import is_url
        from reader_tui.subscriptions import SubscriptionError, load

        try:
            return [sub.url for sub in load() if is_url(sub.url)]
        except SubscriptionError as error:
            raise SyncError(str(error)) from None

    def add(self, url: str, title: str) -> None:
        from reader_tui.subscriptions import Subscription, SubscriptionError, add

        try:
            add([Subscription(url=url, title=title)])
        except SubscriptionError as error:
            raise SyncError(str(error)) from None

    def remove(self, url: str) -> None:
        from reader_tui.subscriptions import SubscriptionError, remove

        try:
            remove(url)
        except SubscriptionError as error:
            raise SyncError(str(error)) from None

"""A real Tiny Tiny RSS server for the sync tests: Debian's ``tt-rss`` with PostgreSQL and PHP's built-in
server on 127.0.0.1 (the recipe the project keeps next to its fixtures, turned into code).

``python3 tests/ttrss_server.py up`` installs it when missing (apt-get, needs root; waits for another
install's lock), starts PostgreSQL and ``php -S``, and returns once the API answers a login; it is
idempotent. ``down`` stops what ``up`` started, by the PIDs it wrote down. ``.ci/run`` calls both around
the test command; the ``ttrss`` fixture calls :func:`start` (never the installer) and skips the tests with
one line where the server cannot run.

Tests seed feeds and entries with SQL (the server refuses to subscribe to loopback URLs), each test as a
user of its own (:func:`new_user`), so tests on two xdist workers never see each other's data.
Stdlib only: ``.ci/run`` runs it with the system Python before the virtualenv exists.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

PORT = int(os.environ.get("READER_TUI_TTRSS_PORT", "8281"))
URL = f"http://127.0.0.1:{PORT}"
WWW = Path("/usr/share/tt-rss/www")
DB_CONFIG = Path("/etc/tt-rss/database.php")
PACKAGES = ["tt-rss", "dbconfig-pgsql", "php-cgi", "php-pgsql", "php-curl"]
"""``dbconfig-pgsql`` by name, or apt picks MariaDB."""
STATE = Path(os.environ.get("TMPDIR", "/tmp")) / f"reader-tui-ttrss-{PORT}.json"
"""What ``up`` started (PHP's PID, whether it started PostgreSQL), so ``down`` stops only that."""


class Unavailable(RuntimeError):
    """The server cannot run here; ``str()`` is the one line the skipped tests show."""


def _run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload,no-any-return]


def installed() -> bool:
    return (WWW / "api" / "index.php").is_file() and DB_CONFIG.is_file() and shutil.which("php") is not None


def install(lock_wait: float = 300.0) -> None:
    """apt-get install PostgreSQL (when there is no cluster) and the packages, once; another install
    holding the dpkg lock is waited for."""
    if installed():
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise Unavailable("Tiny Tiny RSS is not installed and cannot be (needs root and apt-get)")
    deadline = time.monotonic() + lock_wait
    _run(["apt-get", "update", "-q"], env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    listing = _run(["pg_lsclusters", "-h"]) if shutil.which("pg_lsclusters") else None
    if listing is None or not listing.stdout.strip():
        _apt_install(["postgresql"], deadline)
    _cluster("start")  # dbconfig needs PostgreSQL running to create the database
    _apt_install(PACKAGES, deadline)
    if not installed():
        raise Unavailable("apt-get installed Tiny Tiny RSS but its files are not where expected")


def _apt_install(packages: list[str], deadline: float) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    while True:
        result = _run(
            [
                "apt-get",
                "install",
                "-y",
                "-q",
                "--no-install-recommends",
                "-o",
                "DPkg::Lock::Timeout=60",
                *packages,
            ],
            env=env,
        )
        if result.returncode == 0:
            return
        if "lock" not in (result.stderr + result.stdout).lower() or time.monotonic() > deadline:
            last = (result.stderr.strip() or result.stdout.strip()).splitlines()[-1:] or ["?"]
            raise Unavailable(f"apt-get could not install {packages[0]}: {last[0]}")
        time.sleep(5)


def _cluster(action: str) -> bool:
    """Start or stop the first PostgreSQL cluster; True if this call changed its state."""
    listing = _run(["pg_lsclusters", "-h"])
    if listing.returncode != 0 or not listing.stdout.strip():
        return False
    version, name, _port, status = listing.stdout.split()[:4]
    if (status == "online") == (action == "start"):
        return False
    return _run(["pg_ctlcluster", version, name, action]).returncode == 0


def db_settings() -> dict[str, str]:
    """The database the package configured (``/etc/tt-rss/database.php``: user, password, name)."""
    text = DB_CONFIG.read_text(encoding="utf-8")
    return dict(re.findall(r"\$(\w+)\s*=\s*'([^']*)'", text))


def sql(statement: str) -> list[list[str]]:
    """Run SQL as the package's database user; rows of text fields (``psql -At``)."""
    db = db_settings()
    result = _run(
        [
            "psql",
            "-X",
            "-q",
            "-At",
            "-F",
            "\t",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-U",
            db["dbuser"],
            "-d",
            db["dbname"],
        ],
        input=statement.rstrip().rstrip(";") + ";\n",  # on stdin: a big seed is over the argument limit
        env={**os.environ, "PGPASSWORD": db["dbpass"]},
    )
    if result.returncode != 0:
        raise RuntimeError(f"psql: {result.stderr.strip()}")
    return [line.split("\t") for line in result.stdout.splitlines() if line]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def new_user(password: str = "secret") -> tuple[int, str, str]:
    """A fresh user with API access: ``(uid, login, password)``. The package's own hash form
    (``SHA1:`` + hex) is what its ``auth_internal`` plugin accepts for accounts without a salt."""
    login = f"t{uuid.uuid4().hex[:12]}"
    digest = "SHA1:" + hashlib.sha1(password.encode()).hexdigest()
    rows = sql(
        "with u as (insert into ttrss_users (login, pwd_hash, access_level, created) "
        f"values ({_quote(login)}, {_quote(digest)}, 0, now()) returning id) "
        "insert into ttrss_user_prefs (owner_uid, pref_name, value, profile) "
        "select id, 'ENABLE_API_ACCESS', 'true', NULL from u returning owner_uid"
    )
    return int(rows[0][0]), login, password


def add_feed(uid: int, url: str, title: str) -> int:
    rows = sql(
        "insert into ttrss_feeds (owner_uid, title, feed_url) "
        f"values ({uid}, {_quote(title)}, {_quote(url)}) returning id"
    )
    return int(rows[0][0])


def add_entries(uid: int, feed_id: int, items: list[dict[str, object]]) -> list[int]:
    """Articles in a feed of ``uid``, in one statement (``title``, ``link``, optional ``guid``, ``unread``,
    ``marked``, ``content``, ``author``); their guids are the per-user hashes the server itself stores."""
    if not items:
        return []
    rows = []
    for item in items:
        link = str(item["link"])
        guid = "SHA1:" + hashlib.sha1(f"{uid},{item.get('guid') or link}".encode()).hexdigest()
        rows.append(
            f"({_quote(str(item.get('title') or link))}, {_quote(guid)}, {_quote(link)}, "
            f"{_quote(str(item.get('content') or ''))}, {_quote(str(item.get('author') or ''))}, "
            f"{bool(item.get('unread', True))}, {bool(item.get('marked', False))}, {len(rows)})"
        )
    found = sql(
        "with v (title, guid, link, content, author, unread, marked, n) as (values " + ", ".join(rows) + "), "
        "e as (insert into ttrss_entries (title, guid, link, updated, content, content_hash, date_entered, "
        "date_updated, author) select title, guid, link, now(), content, '', now(), now(), author "
        "from v order by n returning id, guid) "
        "insert into ttrss_user_entries "
        "(ref_id, uuid, feed_id, owner_uid, unread, marked, tag_cache, label_cache) "
        f"select e.id, '', {int(feed_id)}, {int(uid)}, v.unread, v.marked, '', '' from e join v using (guid) "
        "returning ref_id"
    )
    return sorted(int(row[0]) for row in found)


def add_entry(uid: int, feed_id: int, title: str, link: str, **item: object) -> int:
    return add_entries(uid, feed_id, [{"title": title, "link": link, **item}])[0]


def answers(timeout: float = 2.0) -> bool:
    """Does the API answer (with any JSON) at :data:`URL`?"""
    request = urllib.request.Request(
        f"{URL}/api/", data=b'{"op":"getApiLevel"}', headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            json.loads(response.read())
        return True
    except (OSError, ValueError):
        return False


def _state() -> dict[str, int | bool]:
    try:
        loaded = json.loads(STATE.read_text())
        return loaded if isinstance(loaded, dict) else {}
    except (OSError, ValueError):
        return {}


def start(wait: float = 20.0) -> str:
    """Start PostgreSQL and the PHP server unless they already run; the API's URL once it answers."""
    if not installed():
        raise Unavailable("Tiny Tiny RSS is not installed (run: python3 tests/ttrss_server.py up, as root)")
    state = _state()
    if answers(0.5):
        return URL
    started_pg = _cluster("start")
    log = open(STATE.with_suffix(".log"), "ab")
    php = subprocess.Popen(
        ["php", "-S", f"127.0.0.1:{PORT}", "-t", str(WWW)],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        start_new_session=True,
        env={**os.environ, "PHP_CLI_SERVER_WORKERS": "4"},  # two xdist workers at once
    )
    log.close()
    STATE.write_text(json.dumps({"php": php.pid, "postgres": bool(state.get("postgres")) or started_pg}))
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if php.poll() is not None:
            raise Unavailable(f"php -S exited with status {php.returncode} (see {STATE.with_suffix('.log')})")
        if answers(0.5):
            try:
                sql("update ttrss_user_prefs set value = 'true' where pref_name = 'ENABLE_API_ACCESS'")
            except (RuntimeError, OSError, KeyError) as error:
                raise Unavailable(f"the Tiny Tiny RSS database cannot be reached: {error}") from None
            return URL
        time.sleep(0.1)
    raise Unavailable(f"Tiny Tiny RSS did not answer at {URL} within {wait:.0f} s")


def stop() -> None:
    """Stop what :func:`start` started (the PHP server by its PID; PostgreSQL if it was down before)."""
    state = _state()
    pid = state.get("php")
    if isinstance(pid, int) and not isinstance(pid, bool):
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    if state.get("postgres"):
        _cluster("stop")
    STATE.unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    try:
        if command == "up":
            install()
            print(f"Tiny Tiny RSS: {start()}/api/")
        elif command == "down":
            stop()
        else:
            print("usage: ttrss_server.py up|down", file=sys.stderr)
            return 2
    except Unavailable as error:
        print(f"Tiny Tiny RSS: {error}; its tests will be skipped", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

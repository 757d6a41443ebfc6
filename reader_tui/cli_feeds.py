"""The headless commands over feeds: add, remove, feeds, refresh, import-opml, export-opml, and sync.

Subscriptions live in ``feeds.toml`` (:mod:`reader_tui.subscriptions`); refresh reads them into the store
(:mod:`reader_tui.refresh`); sync trades marks and subscriptions with a server (:mod:`reader_tui.sync`).
Each command prints through :mod:`reader_tui.cli_output` and imports its use case only when run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from reader_tui.cli_output import CommandError, open_store, say, say_json, warn, write_output
from reader_tui.safety import clean_line

if TYPE_CHECKING:
    from reader_tui.library import SourceReport
    from reader_tui.subscriptions import Subscription


def _load_subscriptions() -> list[Subscription]:
    from reader_tui.subscriptions import SubscriptionError, load

    try:
        return load()
    except SubscriptionError as error:
        raise CommandError(str(error)) from None


def _subscription_url(url: str) -> str:
    """The URL to subscribe to: an http(s) URL as given, a local feed file as its absolute path."""
    from reader_tui.feeds import source_key
    from reader_tui.feeds.fetch import is_url
    from reader_tui.safety import UnsafeURLError, check_url

    url = url.strip()
    if is_url(url):
        try:
            return check_url(url)
        except UnsafeURLError as error:
            raise CommandError(str(error)) from None
    if "://" in url and not url.lower().startswith("file://"):
        raise CommandError(f"{clean_line(url)}: unsupported scheme (give a path or an http(s) URL)")
    key = source_key(url)
    if not Path(key).is_file():
        raise CommandError(f"{clean_line(url)}: no such feed file (give a path or an http(s) URL)")
    return key


def _cmd_add(args: argparse.Namespace) -> int:
    from reader_tui.subscriptions import Subscription, SubscriptionError, add, update

    url = _subscription_url(args.url)
    sub = Subscription(url=url, title=args.title or "", tags=list(dict.fromkeys(args.tags or [])))
    try:
        added, present = add([sub])
        if added:
            say(f"added {url}; `reader-tui refresh` fetches it")
            return 0
        old = next(s for s in _load_subscriptions() if s.key == present[0].key)
        if args.title is None and not args.tags:
            say(f"already subscribed: {old.url}")
            return 0
        changed = Subscription(
            url=old.url,
            title=old.title if args.title is None else args.title,
            tags=list(dict.fromkeys([*old.tags, *sub.tags])),
        )
        update(changed)
    except SubscriptionError as error:
        raise CommandError(str(error)) from None
    say(f"already subscribed: {old.url} (title and tags updated)")
    return 0


def _cmd_remove(args: argparse.Namespace) -> int:
    from reader_tui.subscriptions import SubscriptionError, remove

    try:
        removed = remove(args.url.strip())
    except SubscriptionError as error:
        raise CommandError(str(error)) from None
    if removed is None:
        raise CommandError(f"not subscribed: {clean_line(args.url)}")
    say(f"removed {removed.url}; its papers stay in the library")
    return 0


def _format_time(when: datetime | None) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M") if when else "never"


def _cmd_feeds(args: argparse.Namespace) -> int:
    from reader_tui.refresh import feed_statuses

    subscriptions = _load_subscriptions()
    with open_store() as store:
        statuses = feed_statuses(store, subscriptions)
    if args.json:
        rows = [
            {
                "url": s.url,
                "title": s.title,
                "tags": s.tags,
                "papers": s.papers,
                "unread": s.unread,
                "refreshed": s.refreshed.isoformat() if s.refreshed else None,
                "checked": s.checked.isoformat() if s.checked else None,
                "error": s.error,
            }
            for s in statuses
        ]
        say_json(rows)
        return 0
    if not statuses:
        print("no subscriptions: `reader-tui add URL` or `reader-tui import-opml FILE`", file=sys.stderr)
        return 0
    lines = []
    for s in statuses:
        tags = f"  [{clean_line(', '.join(s.tags))}]" if s.tags else ""
        facts = f"{s.papers} papers, {s.unread} unread; last refresh {_format_time(s.refreshed)}"
        if s.error:
            facts += f"; last error ({_format_time(s.checked)}): {s.error}"
        lines += [f"{s.title}{tags}", f"    {clean_line(s.url)}", f"    {facts}"]
    say("\n".join(lines))
    return 0


def _cmd_import_opml(args: argparse.Namespace) -> int:
    from reader_tui.opml import OpmlError, read_opml
    from reader_tui.subscriptions import SubscriptionError, add

    try:
        found = read_opml(args.file)
    except OpmlError as error:
        raise CommandError(str(error)) from None
    for warning in found.warnings:
        warn(f"warning: {warning}")
    if not found.subscriptions:
        raise CommandError(f"{clean_line(args.file)}: no feeds in it")
    try:
        added, present = add(found.subscriptions)
    except SubscriptionError as error:
        raise CommandError(str(error)) from None
    say(f"imported {len(added)} feeds ({len(present)} already subscribed)")
    return 0


def _cmd_export_opml(args: argparse.Namespace) -> int:
    from reader_tui.opml import to_opml

    subscriptions = _load_subscriptions()
    skipped: list[str] = []
    text = to_opml(subscriptions, skipped=skipped)
    for line in skipped:
        warn(f"warning: {line}")
    write_output(args.file, text, f"{len(subscriptions) - len(skipped)} feeds")
    return 0


def _cmd_refresh(args: argparse.Namespace) -> int:
    from reader_tui.refresh import refresh

    subscriptions = _load_subscriptions()
    if not subscriptions:
        raise CommandError("no subscriptions: `reader-tui add URL` or `reader-tui import-opml FILE`")
    titles = {sub.key: sub.title for sub in subscriptions}

    def show(report: SourceReport, done: int, total: int) -> None:
        name = clean_line(titles.get(report.key) or report.title or report.source)
        if report.error:
            line = f"FAIL  {report.error}"
        elif report.not_modified:
            line = f"ok    {name}: not modified"
        elif report.unchanged:
            line = f"ok    {name}: unchanged"
        else:
            line = f"ok    {name}: {report.new} new of {report.papers}"
        say(line, flush=True)
        for warning in report.warnings:
            warn(f"warning: {warning}")

    timeout = args.timeout
    with open_store() as store:
        result = refresh(
            store, subscriptions, force=args.force, timeout=timeout, deadline=3 * timeout, progress=show
        )
    summary = (
        f"refreshed {result.ok} of {len(result.reports)} feeds: "
        f"{result.new} new papers in {result.seconds:.1f} s"
    )
    if result.ok == 0:
        raise CommandError(summary)
    say(summary)
    return 0


def _cmd_sync(args: argparse.Namespace) -> int:
    from reader_tui.config import ConfigError, load_config
    from reader_tui.sync.backend import SyncError
    from reader_tui.sync.journal import Journal
    from reader_tui.sync.service import sync_once
    from reader_tui.sync.settings import describe, sync_settings

    try:
        settings = sync_settings(load_config())
    except (ConfigError, SyncError) as error:
        raise CommandError(str(error)) from None
    if settings is None:
        raise CommandError("no [sync] table in config.toml (see the README's Sync section)")
    with open_store() as store:
        journal = Journal.load(store.data_dir)
        for message in journal.messages:
            warn(message)
        if args.status:
            pending = sum(1 for c in store.pending_changes() if c.field in ("read", "starred"))
            last = datetime.fromtimestamp(journal.last_sync, UTC) if journal.last_sync else None
            say(f"server: {describe(settings)}")
            say(f"last sync: {_format_time(last)}")
            say(f"pending changes: {pending}")
            say(f"last error: {clean_line(journal.last_error or 'none')}")
            return 0
        outcome = sync_once(store, store.data_dir, settings, force=True)
    if outcome.error is not None or outcome.report is None:
        raise CommandError(
            f"sync failed: {outcome.error}; {outcome.pending} changes here are kept for the next sync"
        )
    report = outcome.report
    for line in report.lines():
        say(clean_line(line))
    say(
        f"synced with {outcome.server}: {report.requests} requests in {report.seconds:.1f} s, "
        f"{outcome.pending} changes pending"
    )
    return 0


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError("give seconds between 0 and 600")
    return value


def add_commands(add_parser: Callable[..., argparse.ArgumentParser]) -> None:
    """Declare these commands (``add_parser``: the ``add_parser`` of the command line's subparsers)."""
    p_add = add_parser("add", help="subscribe to a feed (URL or file)")
    p_add.add_argument("url", metavar="URL")
    p_add.add_argument("--title", "-t", help="name to show instead of the feed's own title")
    p_add.add_argument("--tag", dest="tags", action="append", metavar="TAG", help="a tag (repeatable)")
    p_add.set_defaults(run=_cmd_add)

    p_remove = add_parser("remove", help="unsubscribe (the feed's papers stay in the library)")
    p_remove.add_argument("url", metavar="URL")
    p_remove.set_defaults(run=_cmd_remove)

    p_feeds = add_parser("feeds", help="list subscriptions: papers, unread, last refresh, last error")
    p_feeds.add_argument("--json", action="store_true", help="print a JSON list")
    p_feeds.set_defaults(run=_cmd_feeds)

    p_refresh = add_parser("refresh", help="fetch every subscription (several at once)")
    p_refresh.add_argument("--force", action="store_true", help="re-read feeds even if they look unchanged")
    p_refresh.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=10.0,
        metavar="SECONDS",
        help="per-read timeout; a feed gets three times this in all, fetching and parsing (default 10)",
    )
    p_refresh.set_defaults(run=_cmd_refresh)

    p_import = add_parser("import-opml", help="subscribe to the feeds of an OPML file")
    p_import.add_argument("file", metavar="FILE")
    p_import.set_defaults(run=_cmd_import_opml)

    p_export_opml = add_parser("export-opml", help="write the subscriptions as OPML 2.0")
    p_export_opml.add_argument("file", nargs="?", metavar="FILE", help="default: standard output")
    p_export_opml.set_defaults(run=_cmd_export_opml)

    p_sync = add_parser("sync", help="sync read/starred marks and subscriptions with the [sync] server")
    p_sync.add_argument("--status", action="store_true", help="last sync, pending changes, last error")
    p_sync.set_defaults(run=_cmd_sync)

"""Command line: ``reader-tui [FEED_OR_URL...]`` opens the app; subcommands work headless.

The headless commands use the domain layer alone and never import Textual, so they start fast and run
where no terminal UI can. Exit codes: 0 ok, 1 failure (one line on stderr, never a traceback), 2 usage.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from reader_tui import __version__
from reader_tui.safety import clean_data, clean_line, clean_text

if TYPE_CHECKING:
    from reader_tui.library import SourceReport
    from reader_tui.model import Paper
    from reader_tui.relevance import Ranking, Relevance, Scored
    from reader_tui.store import Store
    from reader_tui.subscriptions import Subscription

SUBCOMMANDS = (
    "list",
    "show",
    "mark",
    "export",
    "add",
    "remove",
    "feeds",
    "refresh",
    "import-opml",
    "export-opml",
    "similar",
    "digest",
    "view",
    "sync",
)
DEBUG_ENV = "READER_TUI_DEBUG"
"""Set to show the traceback of an unexpected error instead of its one-line summary."""


class CommandError(Exception):
    """A failure to report on stderr in one line, exit status 1."""


def _warn(message: str) -> None:
    print(f"reader-tui: {clean_line(message)}", file=sys.stderr)


def _say(text: str, *, flush: bool = False) -> None:
    """Print to stdout through the sanitizer: whatever the feeds or a hand-edited file hold (escape
    sequences, BEL, BiDi overrides, invisible characters) never reaches the terminal."""
    print(clean_text(text), flush=flush)


def _say_json(value: object) -> None:
    """Print JSON of ``value`` with every string in it sanitized first (so the JSON stays valid)."""
    print(json.dumps(clean_data(value), ensure_ascii=False, indent=2))


def _say_json_list(items: Iterable[object]) -> None:
    """``_say_json`` of a list, written an item at a time: ``list --json`` of 100,000 papers never
    holds the whole document (~1 GB as one string once a title carries a CJK character)."""
    first = True
    for item in items:
        text = json.dumps(clean_data(item), ensure_ascii=False, indent=2).replace("\n", "\n  ")
        sys.stdout.write(("[\n  " if first else ",\n  ") + text)
        first = False
    print("[]" if first else "\n]")


def _open_store() -> Store:
    from reader_tui.store import Store

    store = Store()
    for message in store.messages:
        _warn(message)
    return store


def _paper_or_fail(store: Store, paper_id: str) -> Paper:
    """The paper ``show``, ``similar`` and ``mark`` act on, or the one line saying it is not there."""
    paper = store.get(paper_id)
    if paper is None:
        raise CommandError(f"no paper with id {clean_line(paper_id)!r} in the library")
    return paper


def _load_subscriptions() -> list[Subscription]:
    from reader_tui.subscriptions import SubscriptionError, load

    try:
        return load()
    except SubscriptionError as error:
        raise CommandError(str(error)) from None


def _ingest_or_fail(store: Store, sources: Sequence[str]) -> list[str]:
    """Ingest sources; print per-source problems; return their keys. Fails if every source failed.

    When every source failed, the last error is the command's one failure line rather than being
    followed by a summary, so one bad FEED gives exactly one line on stderr.
    """
    from reader_tui.library import ingest

    reports = ingest(store, sources)
    failed = [report for report in reports if report.error]
    for report in reports:
        for warning in report.warnings:
            _warn(f"warning: {warning}")
    for report in failed[:-1] if len(failed) == len(reports) else failed:
        _warn(report.error or "")
    if reports and len(failed) == len(reports):
        raise CommandError(failed[-1].error or "no feed could be read")
    return [report.key for report in reports if not report.error]


def _view_query(store: Store, view_name: str | None, query_text: str | None) -> str | None:
    """``--query`` narrowed by a saved view's query (both must match)."""
    if not view_name:
        return query_text
    from reader_tui.views import ViewError, find_view

    try:
        view = find_view(store, view_name)
    except ViewError as error:
        raise CommandError(str(error)) from None
    return f"({view.query}) ({query_text})" if query_text else view.query


def _select(
    store: Store, feeds: Sequence[str], query_text: str | None, view_name: str | None = None
) -> Sequence[Paper]:
    """The papers to list, newest first: from the store's search rows, each decoded only when read
    (``list --json`` of 100,000 papers holds one at a time)."""
    from reader_tui.library import Listing
    from reader_tui.query import QueryError, parse_query
    from reader_tui.query_match import MatchContext, notes_of
    from reader_tui.search_index import SearchIndex

    query_text = _view_query(store, view_name, query_text)
    if query_text:  # a bad query fails before any feed is read
        try:
            query = parse_query(query_text)
        except QueryError as error:
            raise CommandError(f"bad query: {error}") from None
    if feeds:
        keys = set(_ingest_or_fail(store, feeds))
        rows = [row for row in store.rows() if keys.intersection(row.sources)]
    else:
        rows = store.rows()
    if query_text:
        context = MatchContext(
            now=datetime.now(UTC),
            state_of=store.state,
            new_ids=store.new_ids(),
            notes=notes_of(store.states()),
        )
        rows = SearchIndex(store.summary_hits).filter_rows(query, rows, context)
    return Listing([row.paper_id for row in rows], store.get)


# --------------------------------------------------------------------------- papers


def _relevance(store: Store, papers: Sequence[Paper]) -> tuple[Relevance, Ranking]:
    from reader_tui.relevance import Relevance

    states = store.states()
    # The whole library is indexed, not just the papers to rank: word weights need its breadth
    # (in a view of 20 papers every word is rare).
    relevance = Relevance.build(store.papers(), states, store)
    ranking = relevance.order(papers, store.state)
    if not ranking.ranked:
        _warn("nothing is starred yet, so papers stay newest first (star some: reader-tui mark ID --star)")
    return relevance, ranking


def _scored_line(store: Store, scored: Scored) -> str:
    state = store.state(scored.paper.id)
    marks = ("N" if not state.read else " ") + ("*" if state.starred else " ")
    score = f"{scored.score:.3f}" if scored.score is not None else "  -  "
    line = f"{marks} {score}  {clean_line(scored.paper.id):<16}  {clean_line(scored.paper.title)}"
    return f"{line}  [{clean_line(scored.reasons)}]" if scored.reasons else line


def _cmd_list(args: argparse.Namespace) -> int:
    with _open_store() as store:
        papers = _select(store, args.feeds, args.query, args.view)
        if args.sort == "relevance":
            relevance, ranking = _relevance(store, papers)
            shown = [relevance.explain(scored) for scored in ranking.papers]
            if args.json:
                _say_json([scored.to_dict() for scored in shown])
            elif shown:
                _say("\n".join(_scored_line(store, scored) for scored in shown))
            return 0
        if args.json:
            _say_json_list(paper.to_dict() for paper in papers)
            return 0
        lines = []
        for paper in papers:
            state = store.state(paper.id)
            marks = ("N" if not state.read else " ") + ("*" if state.starred else " ")
            date = paper.published.date().isoformat() if paper.published else " " * 10
            lines.append(f"{marks} {date}  {clean_line(paper.id):<16}  {clean_line(paper.title)}")
        if lines:
            _say("\n".join(lines))
    return 0


def _cmd_similar(args: argparse.Namespace) -> int:
    from reader_tui.relevance import Relevance

    with _open_store() as store:
        paper = _paper_or_fail(store, args.id)
        relevance = Relevance.build(store.papers(), {}, store, always=True)
        similar = relevance.similar(paper.id, top=args.top)
        if args.json:
            _say_json([scored.to_dict() for scored in similar])
        elif similar:
            _say("\n".join(_scored_line(store, scored) for scored in similar))
        else:
            _warn(f"nothing in the library is like {clean_line(args.id)!r}")
    return 0


def _digest_markdown(shown: list[Scored], total: int, ranked: bool, now: datetime) -> str:
    from reader_tui.cite import markdown

    order = "best first" if ranked else "newest first: nothing is starred yet"
    lines = [f"# Papers new since the last digest, {now.astimezone():%Y-%m-%d %H:%M}", ""]
    if not shown:
        return "\n".join([*lines, "Nothing new.", ""])
    lines += [f"{len(shown)} of {total} new papers, {order}.", ""]
    for number, scored in enumerate(shown, 1):
        lines.append(f"{number}. {markdown(scored.paper)}")
        if scored.reasons:
            lines.append(f"   {_md_plain(scored.reasons)}")
    return "\n".join([*lines, ""])


def _md_plain(text: str) -> str:
    """Text shown as itself in Markdown: every punctuation mark Markdown or HTML could act on escaped."""
    escaped = "".join(f"\\{c}" if c in "\\`*_{}[]()<>#+-.!|&~" else c for c in clean_line(text))
    return f"*{escaped}*"


def _cmd_digest(args: argparse.Namespace) -> int:
    from reader_tui.relevance import digest_candidates

    now = datetime.now(UTC)
    with _open_store() as store:
        papers = _select(store, [], None, args.view)

        fresh, record = digest_candidates(papers, store, now, store.new_ids())
        states = store.states()
        fresh = [p for p in fresh if not (states.get(p.id) and states[p.id].read)]
        relevance, ranking = _relevance(store, fresh)
        shown = [relevance.explain(scored) for scored in ranking.papers[: args.top]]
        if args.format == "json":
            text = json.dumps([scored.to_dict() for scored in shown], ensure_ascii=False, indent=2) + "\n"
        else:
            text = _digest_markdown(shown, len(ranking.papers), ranking.ranked, now)
        sys.stdout.write(text)
        sys.stdout.flush()
        if not args.dry_run:
            from reader_tui.relevance import DIGEST_SETTING

            store.set_setting(DIGEST_SETTING, record)
    return 0


def _cmd_view(args: argparse.Namespace) -> int:
    from reader_tui.views import ViewError, add_view, remove_view, unread_counts, views

    with _open_store() as store:
        try:
            if args.action == "add":
                view = add_view(store, args.name, args.query)
                _say(f"saved view {clean_line(view.name)!r}: {clean_line(view.query)}")
            elif args.action == "remove":
                view = remove_view(store, args.name)
                _say(f"removed view {clean_line(view.name)!r}")
            else:
                saved = views(store)
                numbers, _ = unread_counts(
                    store, store.rows(), [v.query for v in saved], new_ids=store.new_ids()
                )
                counts = {v.name: number for v, number in zip(saved, numbers, strict=True)}
                if args.json:
                    rows = [{"name": v.name, "query": v.query, "unread": counts[v.name]} for v in saved]
                    _say_json(rows)
                elif not saved:
                    _warn("no views yet: reader-tui view add NAME QUERY")
                else:
                    width = max(len(v.name) for v in saved)
                    for v in saved:
                        name, query = clean_line(v.name), clean_line(v.query)
                        _say(f"{name:<{width}}  {counts[v.name]:>6} unread  {query}")
        except ViewError as error:
            raise CommandError(str(error)) from None
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from reader_tui.describe import authors_line, elsewhere_line, venue_line
    from reader_tui.render import summary_markdown

    with _open_store() as store:
        paper = _paper_or_fail(store, args.id)
        state = store.state(paper.id)
        lines = [
            clean_line(paper.title),
            f"id: {clean_line(paper.id)}"
            + (f"  (arXiv {paper.arxiv_id}v{paper.version})" if paper.version else ""),
            f"authors: {clean_line(authors_line(paper.authors))}",
        ]
        for label, values in (
            ("affiliations", paper.affiliations),
            ("categories", paper.categories),
            ("keywords", paper.keywords),
        ):
            if values:
                lines.append(f"{label}: {clean_line(', '.join(values))}")
        if paper.published:
            lines.append(f"published: {paper.published.isoformat()}")
        if venue := venue_line(paper) or clean_line(paper.journal_ref):
            lines.append(f"journal: {venue}")
        for name, url in paper.links.to_dict().items():
            if url:
                lines.append(f"{name}: {clean_line(url)}")
        if paper.feeds:
            lines.append(f"feeds: {clean_line(', '.join(paper.feeds))}")
        if elsewhere := elsewhere_line(paper):
            lines.append(f"elsewhere: {elsewhere}")
        lines.append(f"state: {'read' if state.read else 'unread'}{', starred' if state.starred else ''}")
        if state.tags:
            lines.append(f"tags: {clean_line(', '.join(state.tags))}")
        if state.note:
            lines += ["note:", *(f"    {clean_line(line)}" for line in state.note.splitlines())]
        lines.append("")
        lines.append(summary_markdown(paper.summary_html, paper.first_link))
        _say("\n".join(lines))
    return 0


def _cmd_mark(args: argparse.Namespace) -> int:
    from reader_tui.annotations import clean_tags

    with _open_store() as store:
        _paper_or_fail(store, args.id)
        if args.read is not None:
            store.set_read(args.id, args.read)
        if args.starred is not None:
            store.set_starred(args.id, args.starred)
        if args.tags or args.untags:
            dropped = {tag.casefold() for tag in clean_tags(args.untags or [])}
            tags = [t for t in store.state(args.id).tags if t.casefold() not in dropped]
            store.set_field(args.id, "tags", clean_tags([*tags, *(args.tags or [])]))
        if args.note is not None:
            store.set_field(args.id, "note", args.note)
        state = store.state(args.id)
    shown_tags = f", tags: {clean_line(', '.join(state.tags))}" if state.tags else ""
    _say(
        f"{clean_line(args.id)}: {'read' if state.read else 'unread'}{', starred' if state.starred else ''}"
        f"{shown_tags}{', has a note' if state.note else ''}"
    )
    return 0


def _write_output(target: str | None, text: str, what: str) -> None:
    """Write to a file (atomically), or to stdout for None or ``-``; the note about the file goes to
    stderr."""
    text = clean_text(text)  # already clean from cite/opml: the one sanitizer, applied once more
    if target in (None, "-"):
        sys.stdout.write(text)
        return
    assert target is not None
    from reader_tui.paths import write_atomically

    try:
        write_atomically(target, text)  # a full disk or a crash leaves the user's old file whole
    except OSError as error:
        raise CommandError(f"cannot write {clean_line(target)}: {error.strerror or error}") from None
    print(f"wrote {what} to {clean_line(target)}", file=sys.stderr)


def _cmd_export(args: argparse.Namespace) -> int:
    from reader_tui.cite import CiteError, export

    with _open_store() as store:
        papers = list(_select(store, args.feeds, args.query))  # decoded before the store closes
        states = store.states()
    try:
        text = export(papers, args.format, states)
    except CiteError as error:
        raise CommandError(str(error)) from None
    _write_output(args.output, text, f"{len(papers)} papers")
    return 0


# --------------------------------------------------------------------------- subscriptions


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
            _say(f"added {url}; `reader-tui refresh` fetches it")
            return 0
        old = next(s for s in _load_subscriptions() if s.key == present[0].key)
        if args.title is None and not args.tags:
            _say(f"already subscribed: {old.url}")
            return 0
        changed = Subscription(
            url=old.url,
            title=old.title if args.title is None else args.title,
            tags=list(dict.fromkeys([*old.tags, *sub.tags])),
        )
        update(changed)
    except SubscriptionError as error:
        raise CommandError(str(error)) from None
    _say(f"already subscribed: {old.url} (title and tags updated)")
    return 0


def _cmd_remove(args: argparse.Namespace) -> int:
    from reader_tui.subscriptions import SubscriptionError, remove

    try:
        removed = remove(args.url.strip())
    except SubscriptionError as error:
        raise CommandError(str(error)) from None
    if removed is None:
        raise CommandError(f"not subscribed: {clean_line(args.url)}")
    _say(f"removed {removed.url}; its papers stay in the library")
    return 0


def _format_time(when: datetime | None) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M") if when else "never"


def _cmd_feeds(args: argparse.Namespace) -> int:
    from reader_tui.refresh import feed_statuses

    subscriptions = _load_subscriptions()
    with _open_store() as store:
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
        _say_json(rows)
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
    _say("\n".join(lines))
    return 0


def _cmd_import_opml(args: argparse.Namespace) -> int:
    from reader_tui.opml import OpmlError, read_opml
    from reader_tui.subscriptions import SubscriptionError, add

    try:
        found = read_opml(args.file)
    except OpmlError as error:
        raise CommandError(str(error)) from None
    for warning in found.warnings:
        _warn(f"warning: {warning}")
    if not found.subscriptions:
        raise CommandError(f"{clean_line(args.file)}: no feeds in it")
    try:
        added, present = add(found.subscriptions)
    except SubscriptionError as error:
        raise CommandError(str(error)) from None
    _say(f"imported {len(added)} feeds ({len(present)} already subscribed)")
    return 0


def _cmd_export_opml(args: argparse.Namespace) -> int:
    from reader_tui.opml import to_opml

    subscriptions = _load_subscriptions()
    skipped: list[str] = []
    text = to_opml(subscriptions, skipped=skipped)
    for line in skipped:
        _warn(f"warning: {line}")
    _write_output(args.file, text, f"{len(subscriptions) - len(skipped)} feeds")
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
        _say(line, flush=True)
        for warning in report.warnings:
            _warn(f"warning: {warning}")

    timeout = args.timeout
    with _open_store() as store:
        result = refresh(
            store, subscriptions, force=args.force, timeout=timeout, deadline=3 * timeout, progress=show
        )
    summary = (
        f"refreshed {result.ok} of {len(result.reports)} feeds: "
        f"{result.new} new papers in {result.seconds:.1f} s"
    )
    if result.ok == 0:
        raise CommandError(summary)
    _say(summary)
    return 0


# --------------------------------------------------------------------------- sync


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
    with _open_store() as store:
        journal = Journal.load(store.data_dir)
        for message in journal.messages:
            _warn(message)
        if args.status:
            pending = sum(1 for c in store.pending_changes() if c.field in ("read", "starred"))
            last = datetime.fromtimestamp(journal.last_sync, UTC) if journal.last_sync else None
            _say(f"server: {describe(settings)}")
            _say(f"last sync: {_format_time(last)}")
            _say(f"pending changes: {pending}")
            _say(f"last error: {clean_line(journal.last_error or 'none')}")
            return 0
        outcome = sync_once(store, store.data_dir, settings, force=True)
    if outcome.error is not None or outcome.report is None:
        raise CommandError(
            f"sync failed: {outcome.error}; {outcome.pending} changes here are kept for the next sync"
        )
    report = outcome.report
    for line in report.lines():
        _say(clean_line(line))
    _say(
        f"synced with {outcome.server}: {report.requests} requests in {report.seconds:.1f} s, "
        f"{outcome.pending} changes pending"
    )
    return 0


# --------------------------------------------------------------------------- parsers


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError("give seconds between 0 and 600")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= 100_000:
        raise argparse.ArgumentTypeError("give a number from 1 to 100000")
    return value


def _command_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reader-tui", description="Headless reader-tui commands.")
    sub = parser.add_subparsers(dest="command", required=True)

    p_list = sub.add_parser("list", help="print papers (the library, or the given feeds)")
    p_list.add_argument("feeds", nargs="*", metavar="FEED", help="feed files or URLs (default: the library)")
    p_list.add_argument("--query", "-q", help="filter with the query language")
    p_list.add_argument("--json", action="store_true", help="print a JSON list of paper objects")
    p_list.add_argument(
        "--sort",
        choices=("date", "relevance"),
        default="date",
        help="relevance: like your starred papers first, with score and reasons (starred ones left out)",
    )
    p_list.add_argument("--view", metavar="NAME", help="only the papers of a saved view")
    p_list.set_defaults(run=_cmd_list)

    p_similar = sub.add_parser("similar", help="the papers most like one paper, with reasons")
    p_similar.add_argument("id")
    p_similar.add_argument("--top", type=_count, default=20, metavar="N", help="how many (default 20)")
    p_similar.add_argument("--json", action="store_true", help="print a JSON list with score and reasons")
    p_similar.set_defaults(run=_cmd_similar)

    p_digest = sub.add_parser("digest", help="papers new since the last digest, best first, with reasons")
    p_digest.add_argument("--view", metavar="NAME", help="only the papers of a saved view")
    p_digest.add_argument("--top", type=_count, default=20, metavar="N", help="how many (default 20)")
    p_digest.add_argument("--format", "-f", choices=("markdown", "json"), default="markdown")
    p_digest.add_argument(
        "--dry-run", action="store_true", help="print it but do not remember it (the next digest repeats it)"
    )
    p_digest.set_defaults(run=_cmd_digest)

    p_view = sub.add_parser("view", help="saved searches: view add NAME QUERY | view list | view remove NAME")
    view_sub = p_view.add_subparsers(dest="action", required=True)
    p_view_add = view_sub.add_parser("add", help="save a query under a name (replaces that name's query)")
    p_view_add.add_argument("name", metavar="NAME")
    p_view_add.add_argument("query", metavar="QUERY")
    p_view_list = view_sub.add_parser("list", help="each view with its unread count")
    p_view_list.add_argument("--json", action="store_true")
    p_view_remove = view_sub.add_parser("remove", help="forget a view")
    p_view_remove.add_argument("name", metavar="NAME")
    p_view.set_defaults(run=_cmd_view)

    p_show = sub.add_parser("show", help="print one paper")
    p_show.add_argument("id")
    p_show.set_defaults(run=_cmd_show)

    p_mark = sub.add_parser("mark", help="change a paper's read/starred state")
    p_mark.add_argument("id")
    read = p_mark.add_mutually_exclusive_group()
    read.add_argument("--read", dest="read", action="store_true", default=None)
    read.add_argument("--unread", dest="read", action="store_false")
    star = p_mark.add_mutually_exclusive_group()
    star.add_argument("--star", dest="starred", action="store_true", default=None)
    star.add_argument("--unstar", dest="starred", action="store_false")
    p_mark.add_argument("--tag", dest="tags", action="append", metavar="TAG", help="add a tag (repeatable)")
    p_mark.add_argument("--untag", dest="untags", action="append", metavar="TAG", help="remove a tag")
    p_mark.add_argument("--note", metavar="TEXT", help="set the paper's note (Markdown; '' removes it)")
    p_mark.set_defaults(run=_cmd_mark)

    p_export = sub.add_parser("export", help="write citations for the selected papers")
    p_export.add_argument("feeds", nargs="*", metavar="FEED")
    p_export.add_argument("--query", "-q", help="filter with the query language, e.g. 'is:starred'")
    p_export.add_argument(
        "--format", "-f", default="bibtex", choices=("bibtex", "ris", "markdown", "plain", "json")
    )
    p_export.add_argument("--output", "-o", help="file to write (default: standard output)")
    p_export.set_defaults(run=_cmd_export)

    p_add = sub.add_parser("add", help="subscribe to a feed (URL or file)")
    p_add.add_argument("url", metavar="URL")
    p_add.add_argument("--title", "-t", help="name to show instead of the feed's own title")
    p_add.add_argument("--tag", dest="tags", action="append", metavar="TAG", help="a tag (repeatable)")
    p_add.set_defaults(run=_cmd_add)

    p_remove = sub.add_parser("remove", help="unsubscribe (the feed's papers stay in the library)")
    p_remove.add_argument("url", metavar="URL")
    p_remove.set_defaults(run=_cmd_remove)

    p_feeds = sub.add_parser("feeds", help="list subscriptions: papers, unread, last refresh, last error")
    p_feeds.add_argument("--json", action="store_true", help="print a JSON list")
    p_feeds.set_defaults(run=_cmd_feeds)

    p_refresh = sub.add_parser("refresh", help="fetch every subscription (several at once)")
    p_refresh.add_argument("--force", action="store_true", help="re-read feeds even if they look unchanged")
    p_refresh.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=10.0,
        metavar="SECONDS",
        help="per-read timeout; a feed gets three times this in all, fetching and parsing (default 10)",
    )
    p_refresh.set_defaults(run=_cmd_refresh)

    p_import = sub.add_parser("import-opml", help="subscribe to the feeds of an OPML file")
    p_import.add_argument("file", metavar="FILE")
    p_import.set_defaults(run=_cmd_import_opml)

    p_export_opml = sub.add_parser("export-opml", help="write the subscriptions as OPML 2.0")
    p_export_opml.add_argument("file", nargs="?", metavar="FILE", help="default: standard output")
    p_export_opml.set_defaults(run=_cmd_export_opml)

    p_sync = sub.add_parser("sync", help="sync read/starred marks and subscriptions with the [sync] server")
    p_sync.add_argument("--status", action="store_true", help="last sync, pending changes, last error")
    p_sync.set_defaults(run=_cmd_sync)
    return parser


def _app_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reader-tui",
        description="Triage research papers from feeds. With no FEED, opens the library "
        "(the bundled sample digest when the library is empty).",
        epilog=f"headless commands: {', '.join(SUBCOMMANDS)} (reader-tui COMMAND --help)",
    )
    parser.add_argument("feeds", nargs="*", metavar="FEED_OR_URL", help="feed files or http(s) URLs")
    parser.add_argument("--version", action="version", version=f"reader-tui {__version__}")
    return parser


def _looks_like_a_command(word: str) -> bool:
    """A bare word that names no file is a mistyped command, not a feed to open in the app."""
    return (
        not word.startswith("-")
        and "/" not in word
        and "." not in word
        and os.sep not in word
        and not Path(word).expanduser().exists()
    )


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace | int:
    """Parse, turning argparse's exit (usage error 2, ``--help`` 0) into a return code."""
    try:
        return parser.parse_args(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 2


def _glue_queries(argv: list[str]) -> list[str]:
    """``-q -survey`` -> ``--query=-survey``: a query may start with ``-`` (negation), which argparse
    would otherwise take for an option and answer with a usage error."""
    out: list[str] = []
    tokens = iter(argv)
    for token in tokens:
        if token == "--":
            out += [token, *tokens]
            break
        if token in ("-q", "--query"):
            value = next(tokens, None)
            out.append(token if value is None else f"--query={value}")
        else:
            out.append(token)
    return out


def _run(args_list: list[str]) -> int:
    if args_list and args_list[0] in SUBCOMMANDS:
        args = _parse(_command_parser(), _glue_queries(args_list))
        if isinstance(args, int):
            return args
        if args.command == "mark" and all(
            value is None for value in (args.read, args.starred, args.tags, args.untags, args.note)
        ):
            print(
                "reader-tui mark: give --read, --unread, --star, --unstar, --tag, --untag or --note",
                file=sys.stderr,
            )
            return 2
        return int(args.run(args))
    if args_list and _looks_like_a_command(args_list[0]):
        print(
            f"reader-tui: unknown command {clean_line(args_list[0])!r} "
            f"(commands: {', '.join(SUBCOMMANDS)}; a feed file needs its path)",
            file=sys.stderr,
        )
        return 2
    app_args = _parse(_app_parser(), args_list)
    if isinstance(app_args, int):
        return app_args
    # Before Textual is imported (it reads ESCDELAY once): how long a lone ESC byte waits to see whether
    # it starts a key sequence. Textual's default is 100 ms; 10 ms is tmux's own default since 3.5, as a
    # terminal writes a key's sequence in one go. Textual notices the wait is over when its input thread
    # next wakes (every 100 ms), so escape takes ~0.1 s; ctrl+u clears the filter at once. A user's own
    # ESCDELAY wins.
    os.environ.setdefault("ESCDELAY", "10")
    # No cycle collection until the first paint (the app turns it back on, see ReaderApp.on_mount):
    # importing Textual and laying out the screen allocate a great many objects and few cycles, and
    # collecting them cost the start ~300 collections, ~0.1 s of CPU on a busy machine, a third of it.
    gc.disable()
    from reader_tui.ui.app import make_app

    app = make_app(app_args.feeds)
    app.run()
    return app.return_code or 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``reader-tui`` console script."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        return _run(args_list)
    except CommandError as error:
        _warn(str(error))
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader of our output went away (``reader-tui list | head``): not an error of ours.
        # Point stdout at devnull so the interpreter's final flush does not complain either.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 0
    except OSError as error:  # the data folder unwritable, its lock held too long, ...
        name = f" {error.filename}" if getattr(error, "filename", None) else ""
        _warn(f"{error.strerror or error}{':' if name else ''}{name}")
        return 1
    except Exception as error:
        if os.environ.get(DEBUG_ENV):
            raise
        _warn(f"internal error: {type(error).__name__}: {error} (set {DEBUG_ENV}=1 for the traceback)")
        return 1

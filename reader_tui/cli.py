"""Command line: ``reader-tui [FEED_OR_URL...]`` opens the app; subcommands work headless.

The headless commands (``list``, ``show``, ``mark``, ``export``) use the domain layer alone and never
import Textual, so they start fast and run where no terminal UI can. Exit codes: 0 ok, 1 failure (one
line on stderr), 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from reader_tui import __version__
from reader_tui.safety import clean_line

if TYPE_CHECKING:
    from reader_tui.model import Paper
    from reader_tui.store import Store

SUBCOMMANDS = ("list", "show", "mark", "export")


class CommandError(Exception):
    """A failure to report on stderr in one line, exit status 1."""


def _open_store() -> Store:
    from reader_tui.store import Store

    store = Store()
    for message in store.messages:
        print(f"reader-tui: {message}", file=sys.stderr)
    return store


def _ingest_or_fail(store: Store, sources: Sequence[str]) -> list[str]:
    """Ingest sources; print per-source problems; return their keys. Fails if every source failed."""
    from reader_tui.library import ingest

    reports = ingest(store, sources)
    for report in reports:
        for warning in report.warnings:
            print(f"reader-tui: warning: {clean_line(warning)}", file=sys.stderr)
        if report.error:
            print(f"reader-tui: {clean_line(report.error)}", file=sys.stderr)
    if reports and all(report.error for report in reports):
        raise CommandError("no feed could be read")
    return [report.key for report in reports if not report.error]


def _select(store: Store, feeds: Sequence[str], query_text: str | None) -> list[Paper]:
    from reader_tui.library import newest_first, papers_from
    from reader_tui.query import MatchContext, QueryError, SearchIndex, parse_query

    papers = papers_from(store, _ingest_or_fail(store, feeds)) if feeds else store.papers()
    papers = newest_first(papers)
    if query_text:
        try:
            query = parse_query(query_text)
        except QueryError as error:
            raise CommandError(f"bad query: {error}") from None
        context = MatchContext(now=datetime.now(UTC), state_of=store.state)
        papers = SearchIndex().filter(query, papers, context)
    return papers


def _cmd_list(args: argparse.Namespace) -> int:
    with _open_store() as store:
        papers = _select(store, args.feeds, args.query)
        if args.json:
            print(json.dumps([paper.to_dict() for paper in papers], ensure_ascii=False, indent=2))
            return 0
        for paper in papers:
            state = store.state(paper.id)
            marks = ("N" if not state.read else " ") + ("*" if state.starred else " ")
            date = paper.published.date().isoformat() if paper.published else " " * 10
            print(f"{marks} {date}  {paper.id:<16}  {clean_line(paper.title)}")
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from reader_tui.render import summary_markdown

    with _open_store() as store:
        paper = store.get(args.id)
        if paper is None:
            raise CommandError(f"no paper with id {clean_line(args.id)!r} in the library")
        state = store.state(paper.id)
        lines = [
            clean_line(paper.title),
            f"id: {paper.id}" + (f"  (arXiv {paper.arxiv_id}v{paper.version})" if paper.version else ""),
            f"authors: {clean_line(', '.join(paper.authors))}",
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
        for name, url in paper.links.to_dict().items():
            if url:
                lines.append(f"{name}: {clean_line(url)}")
        lines.append(f"state: {'read' if state.read else 'unread'}{', starred' if state.starred else ''}")
        lines.append("")
        lines.append(summary_markdown(paper.summary_html, paper.first_link))
        print("\n".join(lines))
    return 0


def _cmd_mark(args: argparse.Namespace) -> int:
    with _open_store() as store:
        if store.get(args.id) is None:
            raise CommandError(f"no paper with id {clean_line(args.id)!r} in the library")
        if args.read is not None:
            store.set_read(args.id, args.read)
        if args.starred is not None:
            store.set_starred(args.id, args.starred)
        state = store.state(args.id)
    print(f"{args.id}: {'read' if state.read else 'unread'}{', starred' if state.starred else ''}")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from reader_tui.cite import CiteError, export

    with _open_store() as store:
        papers = _select(store, args.feeds, args.query)
    try:
        text = export(papers, args.format)
    except CiteError as error:
        raise CommandError(str(error)) from None
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as error:
            raise CommandError(f"cannot write {args.output}: {error.strerror}") from None
        print(f"wrote {len(papers)} papers to {args.output}", file=sys.stderr)
    return 0


def _command_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reader-tui", description="Headless reader-tui commands.")
    sub = parser.add_subparsers(dest="command", required=True)

    p_list = sub.add_parser("list", help="print papers (the library, or the given feeds)")
    p_list.add_argument("feeds", nargs="*", metavar="FEED", help="feed files or URLs (default: the library)")
    p_list.add_argument("--query", "-q", help="filter with the query language")
    p_list.add_argument("--json", action="store_true", help="print a JSON list of paper objects")
    p_list.set_defaults(run=_cmd_list)

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
    p_mark.set_defaults(run=_cmd_mark)

    p_export = sub.add_parser("export", help="write citations for the selected papers")
    p_export.add_argument("feeds", nargs="*", metavar="FEED")
    p_export.add_argument("--query", "-q", help="filter with the query language, e.g. 'is:starred'")
    p_export.add_argument(
        "--format", "-f", default="bibtex", choices=("bibtex", "ris", "markdown", "plain", "json")
    )
    p_export.add_argument("--output", "-o", help="file to write (default: standard output)")
    p_export.set_defaults(run=_cmd_export)
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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``reader-tui`` console script."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        if args_list and args_list[0] in SUBCOMMANDS:
            args = _command_parser().parse_args(args_list)
            if getattr(args, "command", None) == "mark" and args.read is None and args.starred is None:
                print("reader-tui mark: give --read, --unread, --star or --unstar", file=sys.stderr)
                return 2
            return int(args.run(args))
        args = _app_parser().parse_args(args_list)
        from reader_tui.ui.app import make_app

        app = make_app(args.feeds)
        app.run()
        return app.return_code or 0
    except CommandError as error:
        print(f"reader-tui: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130

"""The headless commands over papers: list, similar, digest, view, show, mark, export.

Each reads the library through the store (and, for ``list FEED...``, ingests the feeds first), filters
it with the query language and prints through :mod:`reader_tui.cli_output`. Heavy modules are imported
inside the command that needs them, so ``reader-tui show`` does not pay for ranking.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from reader_tui.cli_output import CommandError, open_store, say, say_json, say_json_list, warn, write_output
from reader_tui.safety import clean_line

if TYPE_CHECKING:
    from reader_tui.model import Paper
    from reader_tui.relevance import Ranking, Relevance, Scored
    from reader_tui.store import Store


def _paper_or_fail(store: Store, paper_id: str) -> Paper:
    """The paper ``show``, ``similar`` and ``mark`` act on, or the one line saying it is not there."""
    paper = store.get(paper_id)
    if paper is None:
        raise CommandError(f"no paper with id {clean_line(paper_id)!r} in the library")
    return paper


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
            warn(f"warning: {warning}")
    for report in failed[:-1] if len(failed) == len(reports) else failed:
        warn(report.error or "")
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
    from reader_tui.listing import Listing
    from reader_tui.query import QueryError, parse_query
    from reader_tui.query_match import MatchContext
    from reader_tui.search_index import SearchIndex

    query_text = _view_query(store, view_name, query_text)
    if query_text:  # a bad query fails before any feed is read
        try:
            query = parse_query(query_text)
        except QueryError as error:
            raise CommandError(f"bad query: {error}") from None
    if feeds:
        keys = set(_ingest_or_fail(store, feeds))
        rows = [row for row in store.search.rows() if keys.intersection(row.sources)]
    else:
        rows = store.search.rows()
    if query_text:
        context = MatchContext(
            now=datetime.now(UTC),
            state_of=store.state,
            new_ids=store.search.new_ids(),
            notes=store.field_values("note"),
        )
        rows = SearchIndex(store.search.summary_hits).filter_rows(query, rows, context)
    return Listing([row.paper_id for row in rows], store.get)


def _relevance(store: Store, papers: Sequence[Paper]) -> tuple[Relevance, Ranking]:
    from reader_tui.relevance import Relevance

    states = store.states()
    # The whole library is indexed, not just the papers to rank: word weights need its breadth
    # (in a view of 20 papers every word is rare).
    relevance = Relevance.build(store.papers(), states, store)
    ranking = relevance.order(papers, store.state)
    if not ranking.ranked:
        warn("nothing is starred yet, so papers stay newest first (star some: reader-tui mark ID --star)")
    return relevance, ranking


def _scored_line(store: Store, scored: Scored) -> str:
    state = store.state(scored.paper.id)
    marks = ("N" if not state.read else " ") + ("*" if state.starred else " ")
    score = f"{scored.score:.3f}" if scored.score is not None else "  -  "
    line = f"{marks} {score}  {clean_line(scored.paper.id):<16}  {clean_line(scored.paper.title)}"
    return f"{line}  [{clean_line(scored.reasons)}]" if scored.reasons else line


def _cmd_list(args: argparse.Namespace) -> int:
    with open_store() as store:
        papers = _select(store, args.feeds, args.query, args.view)
        if args.sort == "relevance":
            relevance, ranking = _relevance(store, papers)
            shown = [relevance.explain(scored) for scored in ranking.papers]
            if args.json:
                say_json([scored.to_dict() for scored in shown])
            elif shown:
                say("\n".join(_scored_line(store, scored) for scored in shown))
            return 0
        if args.json:
            say_json_list(paper.to_dict() for paper in papers)
            return 0
        lines = []
        for paper in papers:
            state = store.state(paper.id)
            marks = ("N" if not state.read else " ") + ("*" if state.starred else " ")
            date = paper.published.date().isoformat() if paper.published else " " * 10
            lines.append(f"{marks} {date}  {clean_line(paper.id):<16}  {clean_line(paper.title)}")
        if lines:
            say("\n".join(lines))
    return 0


def _cmd_similar(args: argparse.Namespace) -> int:
    from reader_tui.relevance import Relevance

    with open_store() as store:
        paper = _paper_or_fail(store, args.id)
        relevance = Relevance.build(store.papers(), {}, store, always=True)
        similar = relevance.similar(paper.id, top=args.top)
        if args.json:
            say_json([scored.to_dict() for scored in similar])
        elif similar:
            say("\n".join(_scored_line(store, scored) for scored in similar))
        else:
            warn(f"nothing in the library is like {clean_line(args.id)!r}")
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
    with open_store() as store:
        papers = _select(store, [], None, args.view)

        fresh, record = digest_candidates(papers, store, now, store.search.new_ids())
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

    with open_store() as store:
        try:
            if args.action == "add":
                view = add_view(store, args.name, args.query)
                say(f"saved view {clean_line(view.name)!r}: {clean_line(view.query)}")
            elif args.action == "remove":
                view = remove_view(store, args.name)
                say(f"removed view {clean_line(view.name)!r}")
            else:
                saved = views(store)
                numbers, _ = unread_counts(
                    store, store.search.rows(), [v.query for v in saved], new_ids=store.search.new_ids()
                )
                counts = {v.name: number for v, number in zip(saved, numbers, strict=True)}
                if args.json:
                    rows = [{"name": v.name, "query": v.query, "unread": counts[v.name]} for v in saved]
                    say_json(rows)
                elif not saved:
                    warn("no views yet: reader-tui view add NAME QUERY")
                else:
                    width = max(len(v.name) for v in saved)
                    for v in saved:
                        name, query = clean_line(v.name), clean_line(v.query)
                        say(f"{name:<{width}}  {counts[v.name]:>6} unread  {query}")
        except ViewError as error:
            raise CommandError(str(error)) from None
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from reader_tui.describe import authors_line, elsewhere_line, venue_line
    from reader_tui.render import summary_markdown

    with open_store() as store:
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
        say("\n".join(lines))
    return 0


def _cmd_mark(args: argparse.Namespace) -> int:
    if all(value is None for value in (args.read, args.starred, args.tags, args.untags, args.note)):
        usage = "reader-tui mark: give --read, --unread, --star, --unstar, --tag, --untag or --note"
        print(usage, file=sys.stderr)
        return 2  # a usage error, found before the store is opened
    from reader_tui.annotations import clean_tags

    with open_store() as store:
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
    say(
        f"{clean_line(args.id)}: {'read' if state.read else 'unread'}{', starred' if state.starred else ''}"
        f"{shown_tags}{', has a note' if state.note else ''}"
    )
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from reader_tui.cite import CiteError, export

    with open_store() as store:
        papers = list(_select(store, args.feeds, args.query))  # decoded before the store closes
        states = store.states()
    try:
        text = export(papers, args.format, states)
    except CiteError as error:
        raise CommandError(str(error)) from None
    write_output(args.output, text, f"{len(papers)} papers")
    return 0


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= 100_000:
        raise argparse.ArgumentTypeError("give a number from 1 to 100000")
    return value


def add_commands(add_parser: Callable[..., argparse.ArgumentParser]) -> None:
    """Declare these commands (``add_parser``: the ``add_parser`` of the command line's subparsers)."""
    p_list = add_parser("list", help="print papers (the library, or the given feeds)")
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

    p_similar = add_parser("similar", help="the papers most like one paper, with reasons")
    p_similar.add_argument("id")
    p_similar.add_argument("--top", type=_count, default=20, metavar="N", help="how many (default 20)")
    p_similar.add_argument("--json", action="store_true", help="print a JSON list with score and reasons")
    p_similar.set_defaults(run=_cmd_similar)

    p_digest = add_parser("digest", help="papers new since the last digest, best first, with reasons")
    p_digest.add_argument("--view", metavar="NAME", help="only the papers of a saved view")
    p_digest.add_argument("--top", type=_count, default=20, metavar="N", help="how many (default 20)")
    p_digest.add_argument("--format", "-f", choices=("markdown", "json"), default="markdown")
    p_digest.add_argument(
        "--dry-run", action="store_true", help="print it but do not remember it (the next digest repeats it)"
    )
    p_digest.set_defaults(run=_cmd_digest)

    p_view = add_parser("view", help="saved searches: view add NAME QUERY | view list | view remove NAME")
    view_sub = p_view.add_subparsers(dest="action", required=True)
    p_view_add = view_sub.add_parser("add", help="save a query under a name (replaces that name's query)")
    p_view_add.add_argument("name", metavar="NAME")
    p_view_add.add_argument("query", metavar="QUERY")
    p_view_list = view_sub.add_parser("list", help="each view with its unread count")
    p_view_list.add_argument("--json", action="store_true")
    p_view_remove = view_sub.add_parser("remove", help="forget a view")
    p_view_remove.add_argument("name", metavar="NAME")
    p_view.set_defaults(run=_cmd_view)

    p_show = add_parser("show", help="print one paper")
    p_show.add_argument("id")
    p_show.set_defaults(run=_cmd_show)

    p_mark = add_parser("mark", help="change a paper's read/starred state")
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

    p_export = add_parser("export", help="write citations for the selected papers")
    p_export.add_argument("feeds", nargs="*", metavar="FEED")
    p_export.add_argument("--query", "-q", help="filter with the query language, e.g. 'is:starred'")
    p_export.add_argument(
        "--format", "-f", default="bibtex", choices=("bibtex", "ris", "markdown", "plain", "json")
    )
    p_export.add_argument("--output", "-o", help="file to write (default: standard output)")
    p_export.set_defaults(run=_cmd_export)

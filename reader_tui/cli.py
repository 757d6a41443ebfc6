"""Command line: ``reader-tui [FEED_OR_URL...]`` opens the app; subcommands work headless.

The headless commands use the domain layer alone and never import Textual, so they start fast and run
where no terminal UI can. Exit codes: 0 ok, 1 failure (one line on stderr, never a traceback), 2 usage.
This module tells a command from a feed to open and turns every failure into its exit code; the commands
themselves live by what they act on: papers (:mod:`reader_tui.cli_papers`) and feeds, refresh and sync
(:mod:`reader_tui.cli_feeds`).
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from reader_tui import __version__
from reader_tui.cli_output import CommandError, warn
from reader_tui.safety import clean_line

if TYPE_CHECKING:
    import argparse

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


def _command_parser() -> argparse.ArgumentParser:
    import argparse

    from reader_tui import cli_feeds, cli_papers  # not imported when the app opens

    parser = argparse.ArgumentParser(prog="reader-tui", description="Headless reader-tui commands.")
    sub = parser.add_subparsers(dest="command", required=True)
    cli_papers.add_commands(sub.add_parser)
    cli_feeds.add_commands(sub.add_parser)
    return parser


def _app_parser() -> argparse.ArgumentParser:
    import argparse

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
        return int(args.run(args))
    if args_list and _looks_like_a_command(args_list[0]):
        print(
            f"reader-tui: unknown command {clean_line(args_list[0])!r} "
            f"(commands: {', '.join(SUBCOMMANDS)}; a feed file needs its path)",
            file=sys.stderr,
        )
        return 2
    feeds: list[str] = []
    if args_list:  # the plain start needs no parser (argparse and building one: ~3 ms of every start)
        app_args = _parse(_app_parser(), args_list)
        if isinstance(app_args, int):
            return app_args
        feeds = app_args.feeds
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

    app = make_app(feeds)
    app.run()
    return app.return_code or 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``reader-tui`` console script."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        return _run(args_list)
    except CommandError as error:
        warn(str(error))
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
        warn(f"{error.strerror or error}{':' if name else ''}{name}")
        return 1
    except Exception as error:
        if os.environ.get(DEBUG_ENV):
            raise
        warn(f"internal error: {type(error).__name__}: {error} (set {DEBUG_ENV}=1 for the traceback)")
        return 1

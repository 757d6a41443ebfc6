"""The parse budget: a feed is parsed in a child process, which is stopped when the feed's time is up.

A parse is CPU-bound work in Python and in C (expat, regexes) that holds the GIL: a thread running one
cannot be interrupted, and meanwhile the app's event loop and the refresh command's own deadline wait
for it. A 100,000-character author once cost 35 s in one regex call, so ``refresh --timeout 1`` took
35.7 s and the app answered ``j`` after 34 s. In a child process the parse has a core of its own and is
killed when the budget runs out: the feed then fails with one line and its cached papers stay.

Children are forked from a ``forkserver`` that has already imported the feed readers, so each one
starts in milliseconds and never inherits the threads (or the locks they hold) of the app or of the
refresh workers. The result comes back pickled through a pipe. Where no child process can be made, the
parse runs in the calling thread, without a hard bound.

As with any multiprocessing child, the program's ``__main__`` file is imported again in each child (as
``__mp_main__``): our console script and ``python -m reader_tui`` guard their entry point, but a script
that calls :func:`reader_tui.library.ingest` needs ``if __name__ == "__main__":`` around its own code.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import sys
import threading
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from reader_tui.safety import clean_line

if TYPE_CHECKING:
    from reader_tui.feeds import ParseResult
    from reader_tui.model import Paper

TEXT_MAX = 2_000
"""Characters kept of a title or of one author, affiliation, keyword or category; the rest is cut
("…"). The longest real titles are a few hundred characters; a 100,000-character author made every
citation export take half a second and widened the search index for nothing."""
LIST_MAX = 5_000
"""Authors (affiliations, keywords, categories) kept per paper: the largest collaborations sign ~3,000."""

PRELOAD = ["reader_tui.feeds.parse", "feedparser", "reader_tui.store.cache"]
"""Imported once by the fork server, so a child starts with everything a parse needs (the feed
readers; the store's encoding, which the library has the child run on each batch): ~60 ms of CPU a
feed otherwise, as ``reader_tui.feeds`` itself imports its readers only when first used."""

_lock = threading.RLock()
_context: Any = None
_usable = True


def _forkserver() -> Any:
    """The forkserver context (made once), or None where the platform has none."""
    global _context, _usable
    with _lock:
        if _context is None and _usable:
            try:
                context = multiprocessing.get_context("forkserver")
            except ValueError:
                _usable = False
                return None
            context.set_forkserver_preload(PRELOAD)
            _context = context
        return _context


def _ensure_server() -> bool:
    """Start the fork server (and multiprocessing's resource tracker) unless running; False if it cannot.

    Both hand ``sys.stderr``'s file descriptor to the new process, and inside the app that is Textual's
    print capture, whose ``fileno()`` is -1 ("bad value(s) in fds_to_keep"). For the few milliseconds
    of the start, ``sys.stderr`` is then a handle on the null device: the helpers have nothing to say
    to the user, and a real terminal would be the app's screen.
    """
    from multiprocessing import forkserver

    if _forkserver() is None:
        return False
    with _lock:
        saved = sys.stderr
        try:
            if saved is None or saved.fileno() < 0:
                raise ValueError
        except (ValueError, OSError, AttributeError):
            saved_fd_ok = False
        else:
            saved_fd_ok = True
        try:
            if saved_fd_ok:
                forkserver.ensure_running()
            else:
                with open(os.devnull, "w") as null:
                    sys.stderr = null
                    try:
                        forkserver.ensure_running()
                    finally:
                        sys.stderr = saved
        except (OSError, ValueError):
            return False
    return True


def warm_up() -> None:
    """Start the fork server in the background (it takes ~0.3 s), so the first parse does not wait."""
    threading.Thread(target=_ensure_server, name="reader-tui-forkserver", daemon=True).start()


def _cut(text: str) -> str:
    return text if len(text) <= TEXT_MAX else text[: TEXT_MAX - 1] + "…"


def cap_papers(papers: list[Paper]) -> list[Paper]:
    """Cut each paper's short fields to :data:`TEXT_MAX` characters and its lists to :data:`LIST_MAX`.

    The feed readers cap what they process; this bounds what reaches the store, the list, the search
    index and the citations whatever a reader lets through. Summaries are not cut here: the detail
    pane renders the first ~20,000 characters and says how long the whole was.
    """
    for paper in papers:
        paper.title = _cut(paper.title)
        for name in ("authors", "affiliations", "keywords", "categories"):
            values: list[str] = getattr(paper, name)
            if len(values) > LIST_MAX or (values and max(map(len, values)) > TEXT_MAX):
                setattr(paper, name, [_cut(value) for value in values[:LIST_MAX]])
    return papers


def cap_fields(result: ParseResult) -> ParseResult:
    """:func:`cap_papers` on a whole feed's papers."""
    cap_papers(result.papers)
    return result


BATCH = 200
"""Papers per message from the child, sent as they are parsed. ``pickle.loads`` holds the GIL for as
long as it runs: the 10,000 papers of a 21 MB digest in one piece froze the app for about a second; in
pieces of 200 each load takes a few milliseconds and the event loop gets its turn between them. And
while the caller stores one piece, the child parses the next: a 10,000-item feed is parsed and stored
in little more than the time of the parse alone."""

Prepare = Callable[[list["Paper"]], list[Any]]
"""What the child makes of each batch of (capped) papers before sending it: a module-level function,
since it is sent to the child by name; see :func:`parse_within`."""


def _send(conn: Connection, value: object) -> None:
    conn.send_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def _batches(content: bytes, source: str, into: ParseResult, prepare: Prepare | None) -> Iterator[list[Any]]:
    """The feed's papers in batches of :data:`BATCH` as they are parsed, capped and ``prepare``-d."""
    from reader_tui.feeds.parse import stream_feed

    batch: list[Paper] = []
    for paper in stream_feed(content, source, into):
        batch.append(paper)
        if len(batch) == BATCH:
            yield prepare(cap_papers(batch)) if prepare else cap_papers(batch)
            batch = []
    if batch:
        yield prepare(cap_papers(batch)) if prepare else cap_papers(batch)


def _child(conn: Connection, content: bytes, source: str, prepare: Prepare | None) -> None:
    """Runs in the child: send ``("papers", batch)`` as each batch is parsed, then ``("ok", result
    without papers)``, or ``("error", reason)`` (which may follow some batches).

    The cyclic garbage collector is off: a parse makes no reference cycles worth collecting, the child
    ends with it, and each full collection walks every element and paper made so far (a fifth of the
    time of a 10,000-item digest).
    """
    import gc

    from reader_tui.feeds import FeedError, ParseResult

    gc.disable()
    result = ParseResult(source, None, "", [])
    try:
        for batch in _batches(content, source, result, prepare):
            _send(conn, ("papers", batch))
    except FeedError as error:
        _send(conn, ("error", error.reason))
    except Exception as exc:  # a bug in one format reader costs this feed only
        reason = clean_line(str(exc))[:200]
        _send(conn, ("error", f"unexpected error ({type(exc).__name__}{': ' if reason else ''}{reason})"))
    else:
        _send(conn, ("ok", result))
    conn.close()


def parse_within(
    content: bytes,
    source: str,
    seconds: float,
    *,
    on_batch: Callable[[list[Any]], None] | None = None,
    prepare: Prepare | None = None,
) -> ParseResult:
    """``feeds.parse_feed(content, source)`` in a child process given ``seconds`` to finish, with
    :func:`cap_papers` applied.

    Raises :class:`~reader_tui.feeds.FeedError` (one line) when the feed is not usable, when the time
    is up, or when the child dies (out of memory, say).

    With ``on_batch``, the papers are not kept in the result: each batch goes to ``on_batch`` (in the
    calling thread) as soon as the child has parsed it, while the child parses on, made by
    ``prepare`` in the child when given. A feed that fails midway has then handed over the batches
    parsed before its error; a paper a feed lists twice may come in two batches. The time is up when
    the child has not sent its next message by then: a slow ``on_batch`` never stops a child whose
    next batch is already waiting.
    """
    from reader_tui.feeds import FeedError, ParseResult

    give_up_at = time.monotonic() + seconds  # starting the child and taking in its papers count too
    result = ParseResult(source, None, "", [])
    papers: list[Any] = []
    take = on_batch if on_batch is not None else papers.extend
    context = _forkserver()
    if context is None or not _ensure_server():
        return _here(content, source, result, take, prepare, papers)
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, content, source, prepare), daemon=True)
    try:
        child.start()
    except OSError:  # no processes to be had (a sandbox, a process limit): parse here instead
        receive.close()
        send.close()
        return _here(content, source, result, take, prepare, papers)
    send.close()

    def next_message() -> Any:
        if not receive.poll(max(give_up_at - time.monotonic(), 0.0)):
            raise FeedError(source, f"parsing took longer than {seconds:.3g} s (the feed's time budget)")
        try:
            return pickle.loads(receive.recv_bytes())
        except (EOFError, OSError, pickle.UnpicklingError):
            child.join(1.0)
            raise FeedError(source, f"the parser stopped (exit code {child.exitcode})") from None

    try:
        while (message := next_message())[0] == "papers":
            take(message[1])
        kind, value = message
        if kind != "ok":
            raise FeedError(source, str(value))
        result = value
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join()
    return _collected(result, papers, prepare)


def _collected(result: ParseResult, papers: list[Any], prepare: Prepare | None) -> ParseResult:
    """The result with the papers gathered when no ``on_batch`` took them (each paper once)."""
    if papers and prepare is None:
        from reader_tui.feeds.parse import each_once

        papers = each_once(papers)
    result.papers = papers
    return result


def _here(
    content: bytes,
    source: str,
    result: ParseResult,
    take: Callable[[list[Any]], None],
    prepare: Prepare | None,
    papers: list[Any],
) -> ParseResult:
    """The parse in the calling thread, without a hard bound (where no child process can be made)."""
    for batch in _batches(content, source, result, prepare):
        take(batch)
    return _collected(result, papers, prepare)


__all__ = ["BATCH", "LIST_MAX", "TEXT_MAX", "Prepare", "cap_fields", "cap_papers", "parse_within", "warm_up"]

"""The library: every paper in the store, and the one path by which feeds get into it.

Data flows one way: source (file/URL) -> fetch -> parse -> ``Paper`` -> store. The headless CLI, the
app and :mod:`reader_tui.refresh` all call :func:`ingest`; none of them parses feeds on its own.

Work done once is not done again:

* a local file whose size and modification time match its last successful read is not even opened;
* a URL is fetched with the ETag / Last-Modified of its last answer, and a 304 parses nothing;
* a body whose hash matches the last one parsed (a file touched but not changed, a server without
  validators) is not parsed again.

Any of these shortcuts is only taken while the store still holds a paper the source gave last time, so
a paper cache that was lost or restored from an old backup is refilled on the next read.

Fetching runs in worker threads (several sources at once), each feed's parse in a child process that is
stopped at the feed's deadline (:mod:`reader_tui.budget`). The child sends the papers 200 at a time as
it parses them, already encoded for the store; every store write happens in the calling thread, batch
by batch as they arrive, so a slow feed never holds back the others' papers and a large one is stored
while it is still being parsed. A feed that fails midway keeps the papers stored before its error
(nothing the feed said is lost; a paper's stored fields are only ever added to), and its one-line
error leaves its source info as it was, so the next read parses it in full.
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from reader_tui import paths
from reader_tui.model import STATE_FIELDS, Paper
from reader_tui.safety import clean_line
from reader_tui.store import Store, StoreError

if TYPE_CHECKING:
    from reader_tui.feeds import ParseResult

MAX_WORKERS = 6
"""Sources fetched at once: enough to hide network latency, few enough to be polite to one host."""
TIMEOUT = 10.0
"""Seconds to connect and between two reads of one response."""
DEADLINE = 30.0
"""Seconds one source may take in all: fetching (redirects and a slow drip included) and parsing."""


@dataclass(slots=True)
class SourceReport:
    """What happened to one source during :func:`ingest`."""

    source: str
    key: str
    """The source's canonical name: what its papers carry in ``Paper.feeds``."""
    papers: int = 0
    """Papers the source held at its last successful read."""
    new: int = 0
    """Papers that were not in the library before (``len(new_ids)``)."""
    unchanged: bool = False
    """Nothing was parsed: the file, the server's 304 or the body's hash said it is as last read."""
    not_modified: bool = False
    """The server answered 304 Not Modified (a kind of ``unchanged``)."""
    error: str | None = None
    """One line naming the source and the reason; the source's cached papers are kept."""
    warnings: list[str] = field(default_factory=list)
    new_ids: list[str] = field(default_factory=list)
    title: str = ""
    """The feed's own title (from this read or the last one), cleaned; may be empty."""
    seconds: float = 0.0


@dataclass(slots=True)
class _Outcome:
    """What a worker brings back for one source; the calling thread turns it into store writes."""

    fetched: dict[str, Any] = field(default_factory=dict)
    """Validators and hash of what was read (merged into the source info on success)."""
    result: ParseResult | None = None
    unchanged: bool = False
    not_modified: bool = False
    error: str | None = None
    seconds: float = 0.0


@dataclass(slots=True)
class _Saving:
    """One source's papers stored batch by batch as its parse goes on (calling thread only)."""

    ids: dict[str, None] = field(default_factory=dict)
    """Every paper the source gave so far, in feed order, each once."""
    new_ids: list[str] = field(default_factory=list)
    error: str | None = None
    """A write the store refused: the source's later batches are not stored, and it fails."""

    def store(self, store: Store, source: str, batch: list[Any]) -> None:
        if self.error is not None:
            return
        try:
            self.new_ids.extend(store.add_papers(batch))
        except StoreError as error:  # read next time in full: its source info is not updated
            self.error = f"{clean_line(source)}: {error}"
            return
        self.ids.update(dict.fromkeys(paper.id for paper in batch))


@dataclass(slots=True)
class _Pending:
    """What the calling thread knew about a source before reading it."""

    known: dict[str, Any] | None
    cached: bool
    fingerprint: dict[str, int] | None
    saving: _Saving = field(default_factory=_Saving)


ProgressCallback = Callable[[SourceReport, int, int], None]
"""Called in the calling thread as each source finishes: ``(report, done, total)``."""


def _file_fingerprint(key: str) -> dict[str, int] | None:
    """Size and mtime of a local feed file (``key`` from ``source_key``), None for URLs and missing files."""
    if "://" in key:
        return None
    try:
        info = os.stat(key)
    except OSError:
        return None
    return {"size": info.st_size, "mtime_ns": info.st_mtime_ns}


def _still_cached(store: Store, known: dict[str, Any] | None) -> bool:
    """Whether the papers of the source's last read are still in the store (checked on one of them)."""
    if not known:
        return False
    sample = known.get("sample")
    return sample is None or sample in store


def _read(
    source: str,
    known: dict[str, Any] | None,
    cached: bool,
    *,
    force: bool,
    timeout: float,
    deadline: float,
    on_batch: Callable[[list[Any]], None],
) -> _Outcome:
    """Fetch and parse one source (runs in a worker thread; touches no shared state).

    ``deadline`` bounds the whole: fetching, then parsing in a child process given what is left,
    which encodes the papers for the store and hands them to ``on_batch`` as it goes (in this
    thread), 200 at a time.
    """
    from reader_tui.budget import parse_within
    from reader_tui.feeds import FeedError, fetch_source
    from reader_tui.store import encode_papers

    started = time.monotonic()
    outcome = _Outcome()
    use_validators = cached and not force and known is not None
    try:
        fetched = fetch_source(
            source,
            etag=known.get("etag") if use_validators and known else None,
            last_modified=known.get("last_modified") if use_validators and known else None,
            timeout=timeout,
            deadline=deadline,
        )
        outcome.fetched = {"etag": fetched.etag, "last_modified": fetched.last_modified}
        if fetched.not_modified:
            outcome.unchanged = outcome.not_modified = True
        else:
            content = fetched.content or b""
            digest = hashlib.blake2b(content, digest_size=16).hexdigest()
            outcome.fetched["hash"] = digest
            if use_validators and known is not None and known.get("hash") == digest:
                outcome.unchanged = True
            else:
                left = deadline - (time.monotonic() - started)
                outcome.result = parse_within(content, source, left, on_batch=on_batch, prepare=encode_papers)
    except FeedError as error:
        outcome.error = str(error)
    except Exception as exc:  # a bug in one format reader must not cost the other feeds
        reason = clean_line(str(exc)).splitlines()[0][:200] if str(exc) else ""
        outcome.error = (
            f"{clean_line(source)}: unexpected error ({type(exc).__name__}{': ' if reason else ''}{reason})"
        )
    outcome.seconds = time.monotonic() - started
    return outcome


def ingest(
    store: Store,
    sources: Sequence[str],
    *,
    force: bool = False,
    workers: int = MAX_WORKERS,
    timeout: float = TIMEOUT,
    deadline: float = DEADLINE,
    progress: ProgressCallback | None = None,
) -> list[SourceReport]:
    """Read each source into the store; one report per distinct source, in the order given.

    Never raises for a bad feed: its report carries a one-line ``error`` and the store keeps the
    source's cached papers, their state and what was known about it. ``force`` ignores every "not
    changed" shortcut. Up to ``workers`` sources are fetched and parsed at once.
    """
    from reader_tui.budget import warm_up
    from reader_tui.feeds import source_key

    reports: list[SourceReport] = []
    keys: set[str] = set()
    for source in sources:
        key = source_key(source)
        if key not in keys:
            keys.add(key)
            reports.append(SourceReport(source=source, key=key))
    total = len(reports)
    done = 0

    def finish(report: SourceReport, item: _Pending, outcome: _Outcome | None) -> None:
        nonlocal done
        _apply(store, report, item, outcome)
        done += 1
        if progress is not None:
            progress(report, done, total)

    pending: list[tuple[SourceReport, _Pending]] = []
    for report in reports:
        known = store.source_info(report.key)
        # Taken before reading: a file that changes while it is read differs from it next time.
        item = _Pending(known, _still_cached(store, known), _file_fingerprint(report.key))
        if (
            not force
            and item.cached
            and item.fingerprint is not None
            and known is not None
            and known.get("fingerprint") == item.fingerprint
        ):
            finish(report, item, None)
        else:
            pending.append((report, item))

    if pending:
        warm_up()  # the parsers' fork server starts while the first feeds are fetched

    def read(report: SourceReport, item: _Pending, on_batch: Callable[[list[Any]], None]) -> _Outcome:
        return _read(
            report.source,
            item.known,
            item.cached,
            force=force,
            timeout=timeout,
            deadline=deadline,
            on_batch=on_batch,
        )

    if len(pending) <= 1 or workers <= 1:  # batches are stored here as they come, while the rest parse
        for report, item in pending:
            store_batch = partial(item.saving.store, store, report.source)
            finish(report, item, read(report, item, store_batch))
        return reports
    for report, item, got in _in_workers(pending, read, min(workers, len(pending))):
        if isinstance(got, _Outcome):
            finish(report, item, got)
        else:
            item.saving.store(store, report.source, got)
    return reports


_Job = tuple[SourceReport, _Pending]
_Work = Callable[[SourceReport, _Pending, Callable[[list[Any]], None]], _Outcome]


def _in_workers(
    jobs: Sequence[_Job], work: _Work, size: int
) -> Iterator[tuple[SourceReport, _Pending, _Outcome | list[Any]]]:
    """Run ``work`` on the jobs in ``size`` daemon threads; yield each batch of papers a job hands
    over and each job's outcome (after its batches) as they are ready.

    Daemon threads rather than a ``ThreadPoolExecutor``: the interpreter joins an executor's threads
    at exit, so quitting the app during a refresh would wait for the slowest feed's deadline. These
    threads write nothing shared (results come back through a queue and the caller stores them), so
    they can simply be abandoned; a caller that stops early also stops them taking new jobs.
    """
    todo: queue.SimpleQueue[_Job] = queue.SimpleQueue()
    done: queue.SimpleQueue[tuple[SourceReport, _Pending, _Outcome | list[Any]]] = queue.SimpleQueue()
    stop = threading.Event()
    for job in jobs:
        todo.put(job)

    def worker() -> None:
        while not stop.is_set():
            try:
                report, item = todo.get_nowait()
            except queue.Empty:
                return
            try:
                outcome = work(report, item, partial(_put, done, report, item))
            except BaseException as exc:  # never leave the caller waiting for a result
                outcome = _Outcome(
                    error=f"{clean_line(report.source)}: unexpected error ({type(exc).__name__})"
                )
            done.put((report, item, outcome))

    for n in range(size):
        threading.Thread(target=worker, name=f"reader-tui-feed-{n}", daemon=True).start()
    try:
        left = len(jobs)
        while left:
            got = done.get()
            left -= isinstance(got[2], _Outcome)
            yield got
    finally:
        stop.set()


def _put(done: queue.SimpleQueue[Any], *parts: Any) -> None:
    done.put(parts)


def _apply(store: Store, report: SourceReport, item: _Pending, outcome: _Outcome | None) -> None:
    """Turn one source's outcome into store writes and fill in its report (calling thread only)."""
    now = time.time()
    info: dict[str, Any] = dict(item.known or {})
    info["checked"] = now
    report.title = clean_line(str(info.get("title") or ""))
    report.papers = int(info.get("papers") or 0)
    saving = item.saving
    report.new_ids = saving.new_ids  # stored, even from a feed that failed after them
    report.new = len(report.new_ids)
    if outcome is None:  # the file's size and mtime are as last read
        report.unchanged = True
    elif outcome.error is not None:
        _failed(store, report, info, outcome.error, outcome.seconds)
        return
    elif saving.error is not None:  # read next time in full: nothing of this read is remembered
        _failed(store, report, dict(item.known or {}), saving.error, outcome.seconds)
        return
    else:
        report.seconds = outcome.seconds
        report.unchanged = outcome.unchanged
        report.not_modified = outcome.not_modified
        info.update({name: value for name, value in outcome.fetched.items() if value is not None})
        result = outcome.result
        if result is not None:
            try:
                _carry_marks(store, result.renamed)
                store.forget_papers(result.renamed)
            except StoreError as error:  # read next time in full: nothing of this read is remembered
                _failed(store, report, dict(item.known or {}), f"{clean_line(report.source)}: {error}")
                return
            report.papers = len(saving.ids)
            report.warnings = list(result.warnings)
            report.title = clean_line(result.title or "")
            info.update(
                {
                    "papers": report.papers,
                    "title": report.title,
                    "sample": next(iter(saving.ids), None),
                }
            )
    info["fingerprint"] = item.fingerprint
    info["refreshed"] = now
    info["error"] = None
    store.set_source_info(report.key, info)


def _carry_marks(store: Store, renamed: dict[str, str]) -> None:
    """Marks made on a paper under the id an earlier release gave it (its guid or link) go to the id
    it has now (its DOI, or the arXiv id a relay names), unless the paper has marks of its own there;
    the paper under its former id then leaves the library (it would be listed twice)."""
    for former, current in renamed.items():
        before = store.state(former)
        if not any(getattr(before, name) for name in STATE_FIELDS):
            continue
        now = store.state(current)
        if any(getattr(now, name) for name in STATE_FIELDS):
            continue
        for name in STATE_FIELDS:
            if value := getattr(before, name):
                store.set_field(current, name, value)


def _failed(
    store: Store, report: SourceReport, info: dict[str, Any], error: str, seconds: float = 0.0
) -> None:
    report.error, report.seconds = error, seconds
    info["error"] = error
    store.set_source_info(report.key, info)


def default_sources() -> tuple[list[str], str | None]:
    """The feeds the app opens on when given none: the subscriptions' URLs ([] when there are none, and
    the app falls back to the bundled sample digest), and why ``feeds.toml`` could not be read, in one
    line, if it could not (not fatal: the app says so and goes on)."""
    from reader_tui.subscriptions import SubscriptionError, load

    try:
        return [sub.url for sub in load()], None
    except SubscriptionError as error:
        return [], str(error)


def sample_sources() -> list[str]:
    """The bundled sample digests, as absolute paths."""
    return [os.fspath(path) for path in paths.sample_feeds()]


def newest_first(papers: Sequence[Paper]) -> list[Paper]:
    """Library order: newest date first, undated last; ties keep the order the feeds gave them."""
    dated = [p for p in papers if p.published is not None]
    dated.sort(key=lambda p: p.published, reverse=True)  # type: ignore[arg-type, return-value]
    return [*dated, *(p for p in papers if p.published is None)]

"""The library: every paper in the store, and the one path by which feeds get into it.

Data flows one way: source (file/URL) -> fetch -> parse -> ``Paper`` -> store. Both the headless CLI
and the app call :func:`ingest`; neither parses feeds on its own.

A local file whose size and modification time match what was recorded at its last successful read is
not parsed again: its papers are already in the store, so opening a big feed the second time costs
what loading the store costs.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reader_tui import paths
from reader_tui.model import Paper
from reader_tui.store import Store


@dataclass(slots=True)
class SourceReport:
    """What happened to one source during :func:`ingest`."""

    source: str
    key: str
    papers: int = 0
    new: int = 0
    unchanged: bool = False
    error: str | None = None
    """One line naming the source and the reason; the source's cached papers are kept."""
    warnings: list[str] = field(default_factory=list)


def _file_fingerprint(source: str) -> dict[str, int] | None:
    """Size and mtime of a local feed file, or None for URLs and files that cannot be stat'ed."""
    if "://" in source and not source.startswith("file://"):
        return None
    path = Path(source.removeprefix("file://")).expanduser()
    try:
        info = path.stat()
    except OSError:
        return None
    return {"size": info.st_size, "mtime_ns": info.st_mtime_ns}


def ingest(store: Store, sources: Sequence[str], *, force: bool = False) -> list[SourceReport]:
    """Read each source into the store; one report per source, in order. Never raises for a bad feed."""
    from reader_tui.feeds import FeedError, load_feed, source_key

    reports: list[SourceReport] = []
    for source in sources:
        key = source_key(source)
        report = SourceReport(source=source, key=key)
        reports.append(report)
        fingerprint = _file_fingerprint(source)
        known = store.source_info(key)
        if not force and fingerprint is not None and known and known.get("fingerprint") == fingerprint:
            report.unchanged = True
            report.papers = int(known.get("papers", 0))
            continue
        try:
            result = load_feed(source)
        except FeedError as error:
            report.error = str(error)
            continue
        new_ids = store.add_papers(result.papers)
        report.papers = len(result.papers)
        report.new = len(new_ids)
        report.warnings = list(result.warnings)
        store.set_source_info(
            key, {"fingerprint": fingerprint, "papers": report.papers, "title": result.title or ""}
        )
    return reports


def papers_from(store: Store, keys: Sequence[str]) -> list[Paper]:
    """The library's papers seen in any of the given source keys."""
    wanted = set(keys)
    return [paper for paper in store.papers() if wanted.intersection(paper.feeds)]


def sample_sources() -> list[str]:
    """The bundled sample digests, as absolute paths."""
    return [os.fspath(path) for path in paths.sample_feeds()]


def newest_first(papers: Sequence[Paper]) -> list[Paper]:
    """Library order: newest date first, undated last; ties keep the order the feeds gave them."""
    dated = [p for p in papers if p.published is not None]
    dated.sort(key=lambda p: p.published, reverse=True)  # type: ignore[arg-type, return-value]
    return [*dated, *(p for p in papers if p.published is None)]

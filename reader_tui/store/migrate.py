"""First start after the paper cache moved to SQLite: ``papers.json`` of earlier releases goes into it.

That file is a TinyDB document (``{"papers": {id: record}}``, one record a line), long summaries as
base64 raw deflate under ``summary_z``. Every paper is written to the cache, merged with what is already
there, and only then is the old file renamed ``papers.json.migrated`` (kept, never deleted): a start that
is killed midway migrates again next time, and nothing is lost. A damaged file falls back to its backup.
"""

from __future__ import annotations

import base64
import json
import os
import zlib
from pathlib import Path
from typing import Any

from reader_tui.datafiles import read_plain
from reader_tui.model import Paper
from reader_tui.store.cache import PaperCache, _paper

OLD_FILE = "papers.json"


def _summary(doc: dict[str, Any]) -> str:
    packed = doc.get("summary_z")
    if not packed:
        return str(doc.get("summary_html") or "")
    try:
        return zlib.decompress(base64.b64decode(packed), -15).decode("utf-8", "surrogatepass")
    except (TypeError, ValueError, zlib.error):
        return ""  # a damaged record loses its summary, not the paper


def _old_papers(path: Path) -> list[Paper] | None:
    try:
        data = json.loads(read_plain(path) or b"")
        records = data["papers"]
        assert isinstance(records, dict)
    except (ValueError, KeyError, TypeError, AssertionError):
        return None
    papers = (_paper(doc, _summary(doc)) if isinstance(doc, dict) else None for doc in records.values())
    return [paper for paper in papers if paper is not None]


def migrate(data_dir: Path, cache: PaperCache, messages: list[str]) -> None:
    old = data_dir / OLD_FILE
    if not os.path.lexists(old):
        return
    papers = _old_papers(old)
    if papers is None:
        papers = _old_papers(old.with_name(OLD_FILE + ".bak"))
        if papers is None:
            messages.append(
                f"{OLD_FILE} (the paper cache of an earlier version) is unreadable; left as it is"
            )
            return
    cache.save(papers)
    os.replace(old, old.with_name(OLD_FILE + ".migrated"))
    messages.append(
        f"moved {len(papers)} papers from {OLD_FILE} into {cache.path.name} (the old file is kept as"
        f" {OLD_FILE}.migrated)"
    )

"""The store: the one object that owns TinyDB and keeps the library on disk.

It holds two TinyDB files in the data dir, kept apart because one TinyDB write rewrites the whole file:

* ``state.json``: what the user decided per paper (read, starred, tags, note: each field with its own
  change time and whether a sync sent it, see :class:`~reader_tui.model.FieldChange`), small app settings
  and per-source fingerprints. Small, written often.
* ``papers.json``: the paper cache, so papers stay after they leave their feed. Large (~18 MB at 10,000
  papers), written when feeds bring new papers. Each paper sits on a line of its own
  (``{"meta": {...}, "papers": {\n"id": {...},\n"id": {...}\n}}``, still one JSON document that TinyDB
  reads), so loading parses it a batch of lines at a time and never holds the whole file or all of its
  dicts in memory: the peak stays near the papers themselves. A file in any other layout (an older
  version, a hand edit) is parsed whole and rewritten in the line layout; one of an older
  :data:`FORMAT_VERSION` is rewritten too. Long summaries are stored as their packed bytes (see
  :func:`reader_tui.model.pack_summary`) in base64 under ``summary_z``: loading never inflates them.

Both use TinyDB's layout (``{table: {doc_id: document}}``) with the paper id, setting key or source as
document id, and go through :class:`AtomicJSONStorage`, a TinyDB storage that never leaves a half-written
file. The store answers every read from memory and writes behind: a change is in memory at once and on
disk within a second, written by a daemon thread after a short debounce.

Two processes may share the data dir. Every write happens under a file lock, re-reads the file if another
process changed it, and merges: per paper and per field the value with the later change time wins, so
two processes that change different fields of one paper both keep their change (settings and sources: per
key); the paper cache is a union, with :meth:`Paper.merge` for papers both sides hold.

Damaged files are moved aside and the last good backup (``<name>.bak``, the version before the last write)
is restored; the user is told in one line via :attr:`Store.messages`, never with a traceback.
"""

from __future__ import annotations

import atexit
import binascii
import contextlib
import gc
import json
import math
import os
import re
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from tinydb import TinyDB
from tinydb.storages import Storage

from reader_tui import paths
from reader_tui.model import STATE_FIELDS, FieldChange, Links, Paper, PaperState, Venue, check_field

if TYPE_CHECKING:
    from filelock import BaseFileLock

STATE_FILE = "state.json"
PAPERS_FILE = "papers.json"
FORMAT_VERSION = 2
"""2: long summaries are stored compressed (``summary_z``). A paper cache of an older format is rewritten
once on load, so that later loads need not compress every summary (~0.45 s at 10,000 papers)."""
LOCK_TIMEOUT = 10.0
"""Seconds to wait for another process's write before giving up (and retrying later)."""
MAX_WRITE_DELAY = 0.8
"""A burst of changes is written at the latest this long after its first change, so that a user who keeps
toggling still sees every change on disk within a second."""

RETRY_DELAY = 2.0
"""Seconds before the writer thread tries again after a failed write (disk full, lock held too long)."""

_TOKEN_RE = re.compile(rb'"token":\s*"([0-9a-f]{32})"')
_HEAD_BYTES = 256
_DUMPS = json.JSONEncoder(separators=(",", ":")).encode  # ASCII: decodes and parses faster

Fingerprint = tuple[int, int, int, str | None]
"""(inode, size, mtime_ns, write token) of a store file: tells cheaply whether another process wrote it."""

_K = TypeVar("_K")
_V = TypeVar("_V")


def _paper_doc(paper: Paper) -> dict[str, Any]:
    """A paper's document without empty fields (``Paper.from_dict`` restores them): a smaller file that
    parses faster. Built straight from the fields, not via ``to_dict``: the whole cache is encoded on
    every write of it, so this is the writer's inner loop."""
    doc: dict[str, Any] = {"id": paper.id}
    if paper.arxiv_id is not None:
        doc["arxiv_id"] = paper.arxiv_id
    if paper.version is not None:
        doc["version"] = paper.version
    if paper.title:
        doc["title"] = paper.title
    if paper.authors:
        doc["authors"] = list(paper.authors)
    if paper.affiliations:
        doc["affiliations"] = list(paper.affiliations)
    if paper.categories:
        doc["categories"] = list(paper.categories)
    if paper.keywords:
        doc["keywords"] = list(paper.keywords)
    summary = paper.summary_packed
    if summary:  # as held: compressed summaries go to disk as base64, never decompressed on the way
        if isinstance(summary, bytes):
            doc["summary_z"] = _b2a(summary, newline=False).decode("ascii")
        else:
            doc["summary_html"] = summary
    links = paper.links
    urls = {
        name: url
        for name, url in (("abs", links.abs), ("pdf", links.pdf), ("post", links.post), ("doi", links.doi))
        if url
    }
    if urls:
        doc["links"] = urls
    if paper.published is not None:
        doc["published"] = paper.published.isoformat()
    if paper.feeds:
        doc["feeds"] = list(paper.feeds)
    if paper.announce_type is not None:
        doc["announce_type"] = paper.announce_type
    if paper.journal_ref is not None:
        doc["journal_ref"] = paper.journal_ref
    if paper.comment is not None:
        doc["comment"] = paper.comment
    if paper.is_paper is not True:
        doc["is_paper"] = paper.is_paper
    if paper.venue:
        doc["venue"] = paper.venue.to_dict()
    if paper.owned:
        doc["owned"] = True
    return doc


_intern = sys.intern
_a2b = binascii.a2b_base64
_b2a = binascii.b2a_base64
_fromisoformat = datetime.fromisoformat


def _paper_from_doc(doc: dict[str, Any]) -> Paper:
    """``Paper.from_dict`` for the load path: positional arguments (the dataclass ``__init__`` is the
    cost), and strings that repeat across thousands of papers (categories, feeds, author names, announce
    types) interned so the library holds each once. Raises like ``from_dict`` on a bad record."""
    get = doc.get
    paper_id = doc["id"]
    arxiv_id = get("arxiv_id")
    if arxiv_id == paper_id:
        arxiv_id = paper_id  # one string object for both
    authors = get("authors")
    categories = get("categories")
    feeds = get("feeds")
    links = get("links")
    published = get("published")
    announce = get("announce_type")
    packed = get("summary_z")
    return Paper(
        paper_id,
        get("title") or "",
        arxiv_id,
        get("version"),
        list(map(_intern, authors)) if authors else [],
        list(get("affiliations") or ()),
        list(map(_intern, categories)) if categories else [],
        list(get("keywords") or ()),
        None if packed else get("summary_html") or "",  # plain in files from before summary_z, or short
        Links(links.get("abs"), links.get("pdf"), links.get("post"), links.get("doi")) if links else Links(),
        _fromisoformat(published) if published else None,
        list(map(_intern, feeds)) if feeds else [],
        _intern(announce) if type(announce) is str else announce,
        get("journal_ref"),
        get("comment"),
        get("is_paper", True),
        summary_packed=_a2b(packed) if packed else "",
        venue=Venue.from_dict(venue) if (venue := get("venue")) else None,
        owned=get("owned", False),
    )


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Loading builds ~100 objects per paper; the collector would re-scan them over and over."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_LINES_HEAD = re.compile(r'\{"meta":\{"1":\{"token":"[0-9a-f]{32}","format":([0-9]{1,9})\}\},"papers":\{\s*')
"""The first line of a paper cache in the line layout (group 1: its format); anything else is parsed as a
whole document."""
_LINES_END = "}}"
_BATCH_LINES = 50
"""Records parsed per ``json.loads`` call: one call per line costs ~25% more CPU in call overhead, one
call for everything holds the whole file's dicts at once. 50 lines (~170 KB of text) measured as fast as
200 or 500 and leaves the heap least fragmented (~1 MB less RSS at 10,000 papers than 200, ~4 MB less
than 500)."""


def _add_papers(docs: dict[str, Any], into: dict[str, Paper], reuse: dict[str, Paper] | None) -> None:
    """Build the papers of ``docs`` into ``into``, skipping records that are not papers (one bad record
    costs only itself). A paper equal to its copy in ``reuse`` is taken from there, so that re-reading
    the cache another process wrote holds only the papers that changed, not a second library."""
    for paper_id, doc in docs.items():
        try:
            paper = _paper_from_doc(doc)
        except (TypeError, ValueError, KeyError, AttributeError):
            continue
        if reuse is not None:
            known = reuse.get(paper_id)
            if known is not None and known == paper:
                paper = known
        into[paper_id] = paper


def _decode_batch(batch: list[str], into: dict[str, Paper], reuse: dict[str, Paper] | None) -> bool:
    """Parse ``batch`` (``"{"`` and then record lines as read, commas and newlines included) and add its
    papers to ``into``; return whether the last line ended with a comma (so another record must follow).

    The lines are joined as they are, so the JSON parser itself checks the commas between them. Raises
    ValueError when they are not JSON members (the file is damaged).
    """
    last = batch[-1].rstrip()
    more = last.endswith(",")
    batch[-1] = last[:-1] if more else last
    batch.append("}")
    _add_papers(json.loads("".join(batch)), into, reuse)
    return more


def _stream_papers(path: Path, reuse: dict[str, Paper] | None = None) -> tuple[dict[str, Paper], int] | None:
    """The papers of a cache file in the line layout, read a batch of lines at a time, and its format.

    Returns None when the file is missing, unreadable or not exactly in the line layout (an older
    layout, a hand edit, damage): the caller then reads it as a whole document, which also decides
    whether it is damaged. Whatever this accepts is a valid JSON document that the whole-document read
    sees the same way: the head line, record lines that the parser accepts as members of one object
    (so the commas between them are right), no comma after the last one, the closing line, and nothing
    but whitespace after it.
    """
    papers: dict[str, Paper] = {}
    try:
        with open(path, encoding="utf-8") as handle:
            head = _LINES_HEAD.fullmatch(handle.readline(_HEAD_BYTES))
            if head is None:
                return None
            batch = ["{"]
            more: bool | None = None  # None: no record yet; False: the last record has been read
            for line in handle:
                if line[0] == "}":
                    if line.rstrip() != _LINES_END:
                        return None
                    break
                if more is False:
                    return None
                batch.append(line)
                if len(batch) > _BATCH_LINES:
                    more = _decode_batch(batch, papers, reuse)
                    batch = ["{"]
            else:
                return None  # no closing line: cut short
            if len(batch) > 1:
                more = _decode_batch(batch, papers, reuse)
            if more:
                return None  # a comma before the closing brace
            while rest := handle.read(1 << 16):
                if rest.strip():
                    return None
    except (OSError, ValueError, RecursionError):  # UnicodeDecodeError, JSONDecodeError: ValueErrors
        return None
    return papers, int(head.group(1))


def _encode_papers(papers: dict[str, Paper]) -> Iterator[bytes]:
    """The cache file in the line layout, as chunks of a few hundred papers for ``write_chunks``.

    Encoding everything on each write (~0.2 s for 10,000 papers, in the writer thread) is what keeps
    no serialized copy of the library in memory.
    """
    parts = [_meta_prefix(_token(16)), ',"papers":{']
    separator = "\n"
    for paper_id, paper in papers.items():
        parts.append(separator)
        parts.append(_DUMPS({paper_id: _paper_doc(paper)})[1:-1])
        separator = ",\n"
        if len(parts) >= 256:  # ~128 papers, ~0.4 MB a chunk
            yield "".join(parts).encode("ascii")
            parts = []
    parts.append("\n" + _LINES_END + "\n")
    yield "".join(parts).encode("ascii")


class CorruptFileError(ValueError):
    """A store file exists but is not a TinyDB JSON document (truncated, NUL-filled, not JSON)."""


def _parse(raw: bytes) -> dict[str, dict[str, Any]]:
    """Decode a store file, insisting on TinyDB's layout so that garbage that happens to be JSON is caught."""
    if not raw.strip():
        raise CorruptFileError("empty file")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise CorruptFileError(str(exc)) from exc
    if not isinstance(data, dict) or not all(isinstance(table, dict) for table in data.values()):
        raise CorruptFileError("not a TinyDB document")
    return data


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable; directories cannot be opened for fsync on Windows, where it is not needed."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class AtomicJSONStorage(Storage):
    """A TinyDB storage whose writes are all-or-nothing.

    TinyDB's ``JSONStorage`` rewrites the file in place, so a crash mid-write leaves a file that no longer
    loads. This one writes a temp file in the same folder, fsyncs it, ``os.replace``-s it over the old file
    and fsyncs the folder: after a ``kill -9`` or power loss the file holds the old or the new data.
    Because files are only ever replaced, never modified, the previous version can be kept as a backup by
    hard-linking it (no copy) before the replace.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__()
        self.path = Path(path)
        self.backup_path = self.path.with_name(self.path.name + ".bak")

    def read(self) -> dict[str, dict[str, Any]] | None:
        """The file's data, or None when there is no file yet. Raises :class:`CorruptFileError`."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        return _parse(raw)

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self.write_bytes(_DUMPS(data).encode("utf-8"))

    def write_bytes(self, payload: bytes) -> None:
        """Atomically replace the file with ``payload`` (already-serialized JSON)."""
        self.write_chunks([payload])

    def write_chunks(self, chunks: Iterable[bytes]) -> None:
        """Atomically replace the file with the concatenated ``chunks``; no joined copy is ever built."""
        folder = self.path.parent
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb", buffering=1 << 20) as handle:
                handle.writelines(chunks)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _fsync_dir(folder)

    def keep_backup(self) -> None:
        """Make the current file the backup, atomically (hard link; a copy where links are not supported)."""
        if not self.path.exists():
            return
        tmp = self.backup_path.with_name(f".{self.backup_path.name}.{_token(4)}.tmp")
        try:
            os.link(self.path, tmp)
        except OSError:
            AtomicJSONStorage(self.backup_path).write_chunks([self.path.read_bytes()])
            return
        try:
            os.replace(tmp, self.backup_path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def remove_stale_temps(self) -> None:
        """Delete temp files left by a writer that was killed (call only while holding the file's lock)."""
        for pattern in (f".{self.path.name}.*.tmp", f".{self.backup_path.name}.*.tmp"):
            for stale in self.path.parent.glob(pattern):
                with contextlib.suppress(OSError):
                    stale.unlink()

    def fingerprint(self) -> Fingerprint | None:
        """Identity of the file's current version, cheap enough to check every second or two.

        Inode, size and mtime alone can repeat (inode reuse within one coarse mtime tick), so each write
        puts a random token at the head of the file and the fingerprint includes it.
        """
        try:
            with open(self.path, "rb") as handle:
                st = os.fstat(handle.fileno())
                head = handle.read(_HEAD_BYTES)
        except FileNotFoundError:
            return None
        match = _TOKEN_RE.search(head)
        return (st.st_ino, st.st_size, st.st_mtime_ns, match.group(1).decode() if match else None)

    def close(self) -> None:
        pass


def _token(nbytes: int) -> str:
    """Random hex (what ``secrets.token_hex`` does, without importing ``secrets``/``hmac`` at start-up)."""
    return os.urandom(nbytes).hex()


def _meta_prefix(token: str) -> str:
    """The head of every store file: the ``meta`` table, first, so :meth:`fingerprint` finds the token."""
    return '{"meta":{"1":' + _DUMPS({"token": token, "format": FORMAT_VERSION}) + "}"


class _StoreFile:
    """One TinyDB file of the store with its lock, its backup and the fingerprint of the version last seen.

    ``known`` is the fingerprint of the version this process last read or wrote and knows to be good;
    when the file on disk still has it, another process has not written since and there is no need to
    re-read it.
    """

    def __init__(self, path: Path, messages: list[str]) -> None:
        self.db = TinyDB(path, storage=AtomicJSONStorage)
        storage = self.db.storage
        assert isinstance(storage, AtomicJSONStorage)
        self.storage = storage
        self.name = path.name
        self.messages = messages
        self.known: Fingerprint | None = None
        self._lock: BaseFileLock | None = None

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        if self._lock is None:
            from filelock import FileLock  # lazy: 25 ms of start-up that the first paint does not need

            self._lock = FileLock(str(self.storage.path) + ".lock", timeout=LOCK_TIMEOUT)
        with self._lock:
            yield

    def changed_on_disk(self) -> bool:
        return self.storage.fingerprint() != self.known

    def read_locked(self) -> dict[str, dict[str, Any]] | None:
        """Read the file (caller holds the lock); a damaged file is replaced by its backup, with a message."""
        try:
            data = self.storage.read()
        except CorruptFileError:
            data = self._recover()
        except OSError as exc:
            self.messages.append(f"{self.name} could not be read ({exc}); working without it for now")
            return None
        self.known = self.storage.fingerprint()
        return data

    def write_locked(self, chunks: Iterable[bytes]) -> None:
        """Replace the file (caller holds the lock); the replaced version, if good, becomes the backup."""
        if self.known is not None and self.storage.fingerprint() == self.known:
            self.storage.keep_backup()
        self.storage.write_chunks(chunks)
        self.known = self.storage.fingerprint()

    def _recover(self) -> dict[str, dict[str, Any]] | None:
        path, backup = self.storage.path, self.storage.backup_path
        try:
            aside = _move_aside(path)
        except OSError as exc:
            self.messages.append(
                f"{self.name} was unreadable and could not be moved aside ({exc}); started empty"
            )
            return None
        lead = f"{self.name} was unreadable; moved it to {aside.name} and"
        try:
            raw = backup.read_bytes()
            data = _parse(raw)
        except FileNotFoundError:
            self.messages.append(f"{lead} started empty (there was no backup)")
            return None
        except (CorruptFileError, OSError):
            with contextlib.suppress(OSError):
                _move_aside(backup)
            self.messages.append(f"{lead} started empty (its backup {backup.name} was unreadable too)")
            return None
        when = datetime.fromtimestamp(backup.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
        try:
            self.storage.write_chunks([raw])
        except OSError as exc:
            self.messages.append(f"{lead} loaded the backup from {when}, but could not write it back ({exc})")
            return data
        self.messages.append(f"{lead} restored the backup from {when}")
        return data


def _move_aside(path: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    os.replace(path, aside)
    return aside


def _merge_newer(
    mine: dict[_K, _V], disk: dict[_K, _V], stamp: Callable[[_V], float]
) -> tuple[dict[_K, _V], dict[_K, _V], bool]:
    """Merge two versions of a table where every record carries its last-change time; the newer one wins.

    Returns the merged table, the records that came from disk and differ from ``mine`` (to be applied to
    memory), and whether the disk lacks something of ours (so the file must be written). Ties go to disk,
    so that two processes converge on the same answer.
    """
    merged = dict(disk)
    disk_lacks_ours = False
    for key, value in mine.items():
        theirs = disk.get(key)
        if theirs is None or stamp(value) > stamp(theirs):
            merged[key] = value
            disk_lacks_ours = disk_lacks_ours or theirs != value
    from_disk = {key: value for key, value in disk.items() if merged[key] is value and mine.get(key) != value}
    return merged, from_disk, disk_lacks_ours


_Stamped = tuple[Any, float]
"""A setting or source record in memory: (value, changed)."""


def _merge_state(ours: PaperState, theirs: PaperState) -> tuple[PaperState, bool]:
    """Per field, the value with the later change time; and whether ``ours`` gave ``theirs`` anything.

    A tie goes to ``theirs`` (the disk), so that two processes converge on one answer; at one change
    time and value, a field delivered by a sync in either copy counts as sent.
    """
    merged = replace(theirs)
    gave = False
    for name in STATE_FIELDS:
        at_ours, at_theirs = ours.changed_at(name), theirs.changed_at(name)
        if at_ours > at_theirs:
            merged.take(ours.change("", name))
            gave = True
        elif (
            at_ours == at_theirs
            and name in ours.sent
            and name not in theirs.sent
            and getattr(ours, name) == getattr(theirs, name)
        ):
            merged.sent = merged.sent | {name}
            gave = True
    return merged, gave


def _merge_states(
    mine: dict[str, PaperState], disk: dict[str, PaperState]
) -> tuple[dict[str, PaperState], dict[str, PaperState], bool]:
    """Merge two versions of the state table field by field (see :func:`_merge_state`).

    Returns the merged table, the states that differ from ``mine`` (to be applied to memory), and whether
    the disk lacks a field of ours (so the file must be written).
    """
    merged = dict(disk)
    disk_lacks_ours = False
    for paper_id, ours in mine.items():
        theirs = disk.get(paper_id)
        if theirs is None:
            merged[paper_id] = ours
            disk_lacks_ours = True
        elif theirs != ours:
            merged[paper_id], gave = _merge_state(ours, theirs)
            disk_lacks_ours = disk_lacks_ours or gave
    from_disk = {pid: state for pid, state in merged.items() if mine.get(pid) != state}
    return merged, from_disk, disk_lacks_ours


def _apply_states(table: dict[str, PaperState], incoming: dict[str, PaperState]) -> set[str]:
    """Take states from disk into memory field by field, keeping fields changed here meanwhile."""
    changed: set[str] = set()
    for paper_id, state in incoming.items():
        current = table.get(paper_id)
        merged = state if current is None else _merge_state(current, state)[0]
        if current is None or (
            [getattr(merged, f) for f in STATE_FIELDS] != [getattr(current, f) for f in STATE_FIELDS]
        ):
            changed.add(paper_id)
        table[paper_id] = merged
    return changed


def _stamp_of_record(record: _Stamped) -> float:
    return record[1]


def _decode_stamped(table: dict[str, Any] | None, field: str) -> dict[str, _Stamped]:
    out: dict[str, _Stamped] = {}
    for key, doc in (table or {}).items():
        if isinstance(doc, dict):
            with contextlib.suppress(TypeError, ValueError):
                out[key] = (doc.get(field), float(doc.get("changed") or 0.0))
    return out


def _apply_newer(table: dict[str, _V], incoming: dict[str, _V], stamp: Callable[[_V], float]) -> set[str]:
    """Take records from disk into memory unless memory changed them again meanwhile (newer stamp)."""
    applied: set[str] = set()
    for key, value in incoming.items():
        current = table.get(key)
        if current is None or stamp(value) >= stamp(current):
            table[key] = value
            applied.add(key)
    return applied


def _decode_state(doc: dict[str, Any]) -> PaperState:
    """A state record: ``{field: {"value", "at", "sent"}}``, or the one-time form before per-field
    times, ``{"read", "starred", "changed"}`` (both fields then count as changed at ``changed``)."""
    state = PaperState()
    if "changed" in doc and not isinstance(doc.get("read"), dict):
        at = float(doc["changed"] or 0.0)
        state.read, state.starred = bool(doc.get("read")), bool(doc.get("starred"))
        state.read_at = state.starred_at = at
        return state
    for name in STATE_FIELDS:
        record = doc.get(name)
        if isinstance(record, dict):
            with contextlib.suppress(TypeError, ValueError):
                value = record.get("value")
                value = check_field(
                    name, tuple(value) if name == "tags" and isinstance(value, list) else value
                )
                state.take(FieldChange("", name, value, float(record["at"]), bool(record.get("sent"))))
    return state


def _encode_state(state: PaperState) -> dict[str, Any]:
    return {
        name: {"value": getattr(state, name), "at": state.changed_at(name), "sent": name in state.sent}
        for name in STATE_FIELDS
        if state.changed_at(name)
    }


class _StateTables:
    """The contents of ``state.json`` in memory."""

    __slots__ = ("settings", "sources", "states")

    def __init__(
        self,
        states: dict[str, PaperState] | None = None,
        settings: dict[str, _Stamped] | None = None,
        sources: dict[str, _Stamped] | None = None,
    ) -> None:
        self.states = states if states is not None else {}
        self.settings = settings if settings is not None else {}
        self.sources = sources if sources is not None else {}

    def copy(self) -> _StateTables:
        return _StateTables(dict(self.states), dict(self.settings), dict(self.sources))

    @classmethod
    def decode(cls, data: dict[str, dict[str, Any]] | None) -> _StateTables:
        data = data or {}
        states: dict[str, PaperState] = {}
        for paper_id, doc in (data.get("state") or {}).items():
            if isinstance(doc, dict):
                with contextlib.suppress(TypeError, ValueError, AttributeError):
                    states[paper_id] = _decode_state(doc)
        return cls(
            states,
            _decode_stamped(data.get("settings"), "value"),
            _decode_stamped(data.get("sources"), "info"),
        )

    def encode(self) -> list[bytes]:
        body = {
            "state": {pid: _encode_state(s) for pid, s in self.states.items()},
            "settings": {key: {"value": v, "changed": t} for key, (v, t) in self.settings.items()},
            "sources": {key: {"info": v, "changed": t} for key, (v, t) in self.sources.items()},
        }
        return [(_meta_prefix(_token(16)) + "," + _DUMPS(body)[1:]).encode("utf-8")]


class _WriteBehind:
    """A daemon thread that runs ``sync`` a little after changes and every ``poll_interval`` seconds.

    Changes are debounced by ``delay`` but never held longer than ``max_delay`` after the first unsaved
    one. Each store file has its own writer, so a long rewrite of the paper cache never holds back a
    read/starred change. Errors do not end the thread: they are reported once and retried.
    """

    def __init__(
        self,
        name: str,
        sync: Callable[[], None],
        on_error: Callable[[Exception], None],
        *,
        delay: float,
        max_delay: float,
        poll_interval: float | None,
    ) -> None:
        self._sync = sync
        self._on_error = on_error
        self._delay = delay
        self._max_delay = max_delay
        self._poll_interval = poll_interval
        self._wake = threading.Condition()
        self._due: float | None = None
        self._first_unsaved: float | None = None
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=f"reader-tui-store-{name}", daemon=True)
        self._thread.start()

    def schedule(self) -> None:
        with self._wake:
            now = time.monotonic()
            if self._first_unsaved is None:
                self._first_unsaved = now
            self._due = min(now + self._delay, self._first_unsaved + self._max_delay)
            self._wake.notify()

    def stop(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify()
        self._thread.join()

    def _run(self) -> None:
        poll = self._poll_interval
        next_poll = time.monotonic() + poll if poll is not None else math.inf
        while True:
            with self._wake:
                while True:
                    if self._stopping:
                        return
                    now = time.monotonic()
                    deadline = min(self._due if self._due is not None else math.inf, next_poll)
                    if now >= deadline:
                        break
                    self._wake.wait(None if deadline == math.inf else deadline - now)
                self._due = self._first_unsaved = None
            if poll is not None:
                next_poll = time.monotonic() + poll
            try:
                self._sync()
            except Exception as exc:
                self._on_error(exc)
                with self._wake:
                    if self._due is None:
                        self._due = time.monotonic() + max(RETRY_DELAY, self._delay)


class Store:
    """Read/starred state, the paper cache, settings and source fingerprints, shared safely between processes.

    Reads come from memory. Changes land in memory at once and on disk within about a second (a daemon
    thread writes them after ``flush_delay`` seconds of quiet, at most :data:`MAX_WRITE_DELAY` after the
    first unsaved change); :meth:`flush` writes now and :meth:`close` (or leaving a ``with`` block) flushes
    and stops the thread. The thread also looks every ``poll_interval`` seconds (a stat and a 256-byte read)
    whether another process wrote, merges what it wrote, and tells :attr:`on_change` which papers' state
    changed that way (and :attr:`on_papers_change` which papers arrived).

    Returned ``Paper`` objects are shared, not copies: treat them as read-only. ``PaperState`` objects are
    copies.
    """

    def __init__(
        self,
        data_dir: Path | None = None,
        *,
        flush_delay: float = 0.4,
        poll_interval: float | None = 2.0,
    ) -> None:
        self.data_dir = Path(data_dir) if data_dir is not None else paths.data_dir()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.messages: list[str] = []
        """One-line notes for the user (a damaged file was restored, a write failed); only ever appended."""
        self.on_change: Callable[[set[str]], None] | None = None
        """Called with the ids whose state another process changed (from a writer thread, or in flush())."""
        self.on_papers_change: Callable[[set[str]], None] | None = None
        """Called with the ids of papers another process added to the cache or changed (likewise)."""

        self._mem = threading.RLock()  # guards the in-memory tables
        self._state_io = threading.Lock()  # one sync of a file at a time within this process
        self._papers_io = threading.Lock()
        self._closing = False
        self._closed = False
        self._last_stamp = 0.0
        self._last_failure: str | None = None

        self._state_file = _StoreFile(self.data_dir / STATE_FILE, self.messages)
        self._papers_file = _StoreFile(self.data_dir / PAPERS_FILE, self.messages)
        self._tables = self._load_state()
        self._state_gen = self._state_saved_gen = 0
        self._papers, relayout = self._load_papers()
        self._papers_list: list[Paper] | None = None
        self._papers_saved_gen = 0
        self._papers_gen = 1 if relayout else 0  # a file in another layout is rewritten in the line layout

        max_delay = max(flush_delay, min(2 * flush_delay, MAX_WRITE_DELAY))
        self._state_writer = _WriteBehind(
            "state",
            self._write_state_behind,
            self._write_failed,
            delay=flush_delay,
            max_delay=max_delay,
            poll_interval=poll_interval,
        )
        self._papers_writer = _WriteBehind(
            "papers",
            self._write_papers_behind,
            self._write_failed,
            delay=flush_delay,
            max_delay=max_delay,
            poll_interval=poll_interval,
        )
        if relayout:
            self._papers_writer.schedule()
        ref = weakref.ref(self)

        def close_at_exit() -> None:  # a forgotten close() must not lose the last second of changes
            store = ref()
            if store is not None:
                store._close_quietly()

        self._atexit = close_at_exit
        atexit.register(close_at_exit)

    @property
    def state_path(self) -> Path:
        return self._state_file.storage.path

    @property
    def papers_path(self) -> Path:
        return self._papers_file.storage.path

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Write what is pending and stop the writer thread. Safe to call twice."""
        if self._closed:
            return
        self._closing = True
        self._state_writer.stop()
        self._papers_writer.stop()
        try:
            self.flush()
        finally:
            self._closed = True
            atexit.unregister(self._atexit)
            self._state_file.db.close()
            self._papers_file.db.close()

    def _close_quietly(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    def flush(self) -> None:
        """Write pending changes now and take in what other processes wrote. Raises OSError if it cannot."""
        if self._closed:
            return
        changed = self._sync_state()
        arrived = self._sync_papers()
        self._notify(self.on_change, changed)
        self._notify(self.on_papers_change, arrived)

    # ------------------------------------------------------------------ papers

    def papers(self) -> list[Paper]:
        """Every paper in the library, in the order first seen. The list is yours; the papers are shared."""
        with self._mem:
            if self._papers_list is None:
                self._papers_list = list(self._papers.values())
            return list(self._papers_list)

    def get(self, paper_id: str) -> Paper | None:
        return self._papers.get(paper_id)

    def __len__(self) -> int:
        return len(self._papers)

    def __contains__(self, paper_id: object) -> bool:
        return paper_id in self._papers

    def add_papers(self, papers: Iterable[Paper]) -> list[str]:
        """Merge papers into the cache and return the ids that were not in it before.

        A paper already cached is combined with :meth:`Paper.merge` (the cached copy's fields win, gaps are
        filled, feeds are united). All of it is written in one file write, behind.
        """
        self._check_open()
        new: list[str] = []
        with self._mem:
            changed = False
            for paper in papers:
                old = self._papers.get(paper.id)
                if old is None:
                    self._papers[paper.id] = paper
                    new.append(paper.id)
                    changed = True
                elif old != paper:
                    merged = old.merge(paper)
                    if merged != old:
                        self._papers[paper.id] = merged
                        changed = True
            if changed:
                self._papers_gen += 1
                self._papers_list = None
        if changed:
            self._papers_writer.schedule()
        return new

    # ------------------------------------------------------------------ state

    def state(self, paper_id: str) -> PaperState:
        found = self._tables.states.get(paper_id)
        return replace(found) if found is not None else PaperState()

    def states(self) -> dict[str, PaperState]:
        """Every paper the user ever marked (papers never touched are absent: unread and unstarred)."""
        with self._mem:
            return {pid: replace(s) for pid, s in self._tables.states.items()}

    def set_field(self, paper_id: str, field: str, value: Any) -> PaperState:
        """Change one field of a paper's state (see :data:`~reader_tui.model.STATE_FIELDS`); on disk within
        a second. Setting the value it already has changes nothing, not even its time."""
        value = check_field(field, value)
        self._check_open()
        with self._mem:
            changed = self._change_state(paper_id, field, value)
            current = self.state(paper_id)
        if changed:
            self._state_writer.schedule()
        return current

    def set_read(self, paper_id: str, read: bool) -> PaperState:
        return self.set_field(paper_id, "read", read)

    def set_starred(self, paper_id: str, starred: bool) -> PaperState:
        return self.set_field(paper_id, "starred", starred)

    def set_read_many(self, paper_ids: Iterable[str], read: bool) -> int:
        """Mark many papers at once (``A`` in the app); one scheduled write. Returns how many changed."""
        check_field("read", read)
        self._check_open()
        with self._mem:
            changed = sum(1 for paper_id in paper_ids if self._change_state(paper_id, "read", read))
        if changed:
            self._state_writer.schedule()
        return changed

    def toggle_read(self, paper_id: str) -> PaperState:
        with self._mem:
            return self.set_field(paper_id, "read", not self.state(paper_id).read)

    def toggle_starred(self, paper_id: str) -> PaperState:
        with self._mem:
            return self.set_field(paper_id, "starred", not self.state(paper_id).starred)

    def pending_changes(self, limit: int | None = None) -> list[FieldChange]:
        """Changes made on this machine (by any process) that no sync has delivered yet, oldest first."""
        with self._mem:
            changes = [
                state.change(paper_id, name)
                for paper_id, state in self._tables.states.items()
                for name in STATE_FIELDS
                if state.changed_at(name) and name not in state.sent
            ]
        changes.sort(key=lambda change: change.changed_at)
        return changes if limit is None else changes[:limit]

    def mark_sent(self, changes: Iterable[FieldChange]) -> None:
        """Record that a sync delivered ``changes``; a field changed again since stays pending."""
        self._check_open()
        marked = False
        with self._mem:
            for change in changes:
                state = self._tables.states.get(change.paper_id)
                if (
                    state is not None
                    and change.field not in state.sent
                    and state.changed_at(change.field) == change.changed_at
                    and getattr(state, change.field) == change.value
                ):
                    self._tables.states[change.paper_id] = replace(state, sent=state.sent | {change.field})
                    marked = True
            if marked:
                self._state_gen += 1
        if marked:
            self._state_writer.schedule()

    def apply_remote(self, paper_id: str, field: str, value: Any, changed_at: float) -> bool:
        """Take a value from a sync server if it is newer than this machine's; it counts as sent.

        Returns whether it was applied (a local change at ``changed_at`` or later wins, sent or not).
        """
        value = check_field(field, value)
        self._check_open()
        with self._mem:
            old = self._tables.states.get(paper_id) or PaperState()
            if changed_at <= old.changed_at(field):
                return False
            new = replace(old)
            new.take(FieldChange(paper_id, field, value, float(changed_at), sent=True))
            self._tables.states[paper_id] = new
            self._state_gen += 1
        self._state_writer.schedule()
        return True

    def _change_state(self, paper_id: str, field: str, value: Any) -> bool:
        """Set one field in memory (caller holds ``_mem``); False if it already had that value."""
        old = self._tables.states.get(paper_id) or PaperState()
        if getattr(old, field) == value:
            return False
        new = replace(old)
        new.take(FieldChange(paper_id, field, value, self._stamp(old.changed_at(field))))
        self._tables.states[paper_id] = new
        self._state_gen += 1
        return True

    # ------------------------------------------------------------------ settings and sources

    def setting(self, key: str, default: Any = None) -> Any:
        found = self._tables.settings.get(key)
        return found[0] if found is not None else default

    def set_setting(self, key: str, value: Any) -> None:
        """Remember a small JSON-serializable value (last selected paper, last filter, ...)."""
        self._set_stamped(self._tables.settings, key, value)

    def source_info(self, source: str) -> dict[str, Any] | None:
        """What was remembered about a feed source (e.g. ETag, Last-Modified, content hash), as a copy."""
        found = self._tables.sources.get(source)
        return json.loads(_DUMPS(found[0])) if found is not None and found[0] is not None else None

    def set_source_info(self, source: str, info: dict[str, Any]) -> None:
        self._set_stamped(self._tables.sources, source, json.loads(_DUMPS(info)))

    def _set_stamped(self, table: dict[str, _Stamped], key: str, value: Any) -> None:
        self._check_open()
        _DUMPS(value)  # fail here, in the caller, rather than in the writer thread
        with self._mem:
            old = table.get(key)
            if old is not None and old[0] == value:
                return
            table[key] = (value, self._stamp(old[1] if old is not None else 0.0))
            self._state_gen += 1
        self._state_writer.schedule()

    # ------------------------------------------------------------------ internals

    def _check_open(self) -> None:
        if self._closing:
            raise RuntimeError("the store is closed")

    def _stamp(self, previous: float) -> float:
        """A change time later than the record it replaces and than any earlier change in this process."""
        now = max(time.time(), math.nextafter(self._last_stamp, math.inf), math.nextafter(previous, math.inf))
        self._last_stamp = now
        return now

    def _load_state(self) -> _StateTables:
        f = self._state_file
        with f.locked():
            f.storage.remove_stale_temps()
            return _StateTables.decode(f.read_locked())

    def _load_papers(self) -> tuple[dict[str, Paper], bool]:
        f = self._papers_file
        with f.locked():
            f.storage.remove_stale_temps()
            return self._read_papers_locked()

    def _read_papers_locked(self, reuse: dict[str, Paper] | None = None) -> tuple[dict[str, Paper], bool]:
        """The cache on disk (caller holds its lock), and whether it should be rewritten (in the line layout,
        in the current format).

        The line layout streams; anything else goes through the whole-document read, which also moves a
        damaged file aside and restores the backup. Papers equal to those in ``reuse`` are taken from it.
        """
        f = self._papers_file
        with _gc_paused():
            streamed = _stream_papers(f.storage.path, reuse)
            if streamed is not None:
                f.known = f.storage.fingerprint()
                papers, version = streamed
                return papers, version < FORMAT_VERSION and bool(papers)
            data = f.read_locked()
            papers = {}
            _add_papers((data or {}).get("papers") or {}, papers, reuse)
        return papers, bool(papers)

    def _write_state_behind(self) -> None:
        self._notify(self.on_change, self._sync_state())

    def _write_papers_behind(self) -> None:
        self._notify(self.on_papers_change, self._sync_papers())

    def _write_failed(self, exc: Exception) -> None:
        note = f"could not save to {self.data_dir} ({exc}); will retry"
        if note != self._last_failure:  # one line per distinct problem, not one per retry
            self.messages.append(note)
            self._last_failure = note

    @staticmethod
    def _notify(callback: Callable[[set[str]], None] | None, ids: set[str]) -> None:
        if ids and callback is not None:
            callback(ids)

    def _sync_state(self) -> set[str]:
        with self._state_io:
            return self._sync_state_unlocked()

    def _sync_state_unlocked(self) -> set[str]:
        f = self._state_file
        with self._mem:
            gen = self._state_gen
            mine = self._tables.copy()
        dirty = gen != self._state_saved_gen
        if not dirty and not f.changed_on_disk():
            return set()
        with f.locked():
            if f.changed_on_disk():
                disk = _StateTables.decode(f.read_locked())
                states, states_in, write1 = _merge_states(mine.states, disk.states)
                settings, settings_in, write2 = _merge_newer(mine.settings, disk.settings, _stamp_of_record)
                sources, sources_in, write3 = _merge_newer(mine.sources, disk.sources, _stamp_of_record)
                merged = _StateTables(states, settings, sources)
                need_write = write1 or write2 or write3
            else:
                merged, states_in, settings_in, sources_in = mine, {}, {}, {}
                need_write = dirty
            if need_write:
                f.write_locked(merged.encode())
        with self._mem:
            changed = _apply_states(self._tables.states, states_in)
            _apply_newer(self._tables.settings, settings_in, _stamp_of_record)
            _apply_newer(self._tables.sources, sources_in, _stamp_of_record)
            self._state_saved_gen = gen
        return changed

    def _sync_papers(self) -> set[str]:
        with self._papers_io:
            return self._sync_papers_unlocked()

    def _sync_papers_unlocked(self) -> set[str]:
        f = self._papers_file
        with self._mem:
            gen = self._papers_gen
            mine = dict(self._papers)
        dirty = gen != self._papers_saved_gen
        if not dirty and not f.changed_on_disk():
            return set()
        incoming: dict[str, Paper] = {}
        with f.locked():
            merged = mine
            need_write = dirty
            if f.changed_on_disk():
                disk, relayout = self._read_papers_locked(reuse=mine)
                merged = dict(mine)
                need_write = relayout or any(paper_id not in disk for paper_id in mine)
                for paper_id, theirs in disk.items():
                    ours = mine.get(paper_id)
                    if ours is None:
                        merged[paper_id] = incoming[paper_id] = theirs
                    elif ours is not theirs and ours != theirs:
                        combined = ours.merge(theirs)
                        merged[paper_id] = combined
                        if combined != ours:
                            incoming[paper_id] = combined
                        need_write = need_write or combined != theirs
            if need_write:
                f.write_locked(_encode_papers(merged))
        remerged = False
        with self._mem:
            for paper_id, paper in incoming.items():
                current = self._papers.get(paper_id)
                if current is None or current is mine.get(paper_id):
                    self._papers[paper_id] = paper
                else:  # changed here while we were writing: keep both sides' knowledge, write again
                    self._papers[paper_id] = current.merge(paper)
                    remerged = True
            if incoming:
                self._papers_list = None
            self._papers_saved_gen = gen
            if remerged:
                self._papers_gen += 1
        if remerged:
            self._papers_writer.schedule()
        return set(incoming)

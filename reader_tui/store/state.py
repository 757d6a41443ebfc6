"""What the user decided per paper, small settings and feed-source fingerprints: ``state.json``, TinyDB.

Tables, with the paper id, setting key or source as document id: ``state`` (per field: ``{"value", "at",
"sent"}``, see :class:`~reader_tui.model.FieldChange`), ``settings`` (``{"value", "changed"}``),
``sources`` (``{"info", "changed"}``) and ``meta`` (format, and a random token that tells one version of
the file from the next). A write reads the file under the lock, merges in only the records this process
changed (per field: the later change wins; a tie goes to the disk, so processes converge) and writes it
once, through TinyDB's ``CachingMiddleware`` over :class:`JSONFile`. A copy of every version written is
kept as ``state.json.bak``; a damaged file is moved aside and that copy restored, so nothing written is
lost to damage.

The file's contents as this process last read or wrote them are kept: a write that finds the file as it
left it reads nothing, and only the records that differ from them (another process's) are decoded and
merged. With 100,000 papers marked, a flush took 1.3 s of CPU decoding and merging every record; now it
costs one serialization of the file and TinyDB's table updates.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.middlewares import CachingMiddleware
from tinydb.storages import Storage
from tinydb.table import Document, Table

from reader_tui.datafiles import NO_FOLLOW, FileLock, json_bytes, move_aside, read_plain, write_atomic
from reader_tui.model import STATE_FIELDS, PaperState, check_field

FORMAT = 3
"""3: per-field state records. 2 and earlier: ``{"read", "starred", "changed"}`` (still read)."""
_HEAD_BYTES = 256
Stamped = tuple[Any, float]
"""A setting or source record: (value, changed)."""


class CorruptFileError(ValueError):
    """A store file exists but is not a TinyDB document (truncated, NUL-filled, not JSON)."""


def _parse(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw.decode("utf-8")) if raw.strip() else None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise CorruptFileError(str(exc)) from exc
    if not isinstance(data, dict) or not all(isinstance(table, dict) for table in data.values()):
        raise CorruptFileError("not a TinyDB document")
    # A record that is not a document (a hand edit) costs only itself.
    return {
        name: {k: doc for k, doc in table.items() if isinstance(doc, dict)} for name, table in data.items()
    }


class JSONFile(Storage):
    """TinyDB storage: atomic replacement plus a backup copy; restores that copy over a damaged file.

    ``recover=False`` (a reader without the lock) raises :class:`CorruptFileError` instead.
    """

    def __init__(
        self, path: Path, messages: list[str], recover: bool = True, known: dict[str, Any] | None = None
    ) -> None:
        self.path, self.messages, self.recover, self.known = path, messages, recover, known
        self.backup = path.with_name(path.name + ".bak")
        self.written: dict[str, Any] | None = None

    def read(self) -> dict[str, Any] | None:
        if self.known is not None:  # the file is as this process last saw it: served, not read again
            return dict(self.known)
        raw = read_plain(self.path)
        try:
            return None if raw is None else _parse(raw)
        except CorruptFileError:
            if not self.recover:
                raise
            return self._restore_backup()

    def write(self, data: dict[str, Any]) -> None:
        tables = {"meta": data.get("meta", {}), **data}  # meta first: the token is in the file's head
        payload = json_bytes(tables)
        write_atomic(self.path, payload)
        write_atomic(self.backup, payload)
        self.written = tables

    def _restore_backup(self) -> dict[str, Any] | None:
        aside = move_aside(self.path)
        lead = f"{self.path.name} was unreadable; moved it to {aside.name} and"
        try:
            raw = read_plain(self.backup)
            data = None if raw is None else _parse(raw)
        except (CorruptFileError, OSError):
            with contextlib.suppress(OSError):
                move_aside(self.backup)
            self.messages.append(f"{lead} started empty (its backup {self.backup.name} was unreadable too)")
            return None
        if raw is None:
            self.messages.append(f"{lead} started empty (there was no backup)")
            return None
        when = datetime.fromtimestamp(os.stat(self.backup).st_mtime).strftime("%Y-%m-%d %H:%M")
        write_atomic(self.path, raw)
        self.messages.append(f"{lead} restored the backup from {when}")
        return data


class _KeyedTable(Table):
    document_id_class = str  # type: ignore[assignment]  # paper ids, setting keys and sources


class _StateDB(TinyDB):
    table_class = _KeyedTable


Tables = dict[str, dict[str, Any]]
"""The file's contents in memory (or, for a write, just the records this process changed), by table:
``state`` holds :class:`PaperState`, the others :data:`Stamped` records."""
_STAMPED = {"settings": "value", "sources": "info"}
"""The stamped tables, and the name of their value in the file."""


def new_tables() -> Tables:
    return {"state": {}, **{name: {} for name in _STAMPED}}


def decode_state(doc: dict[str, Any]) -> PaperState:
    """A state record, per field or in the form before per-field times (both fields then at ``changed``).

    A field that is not a well-formed record costs only itself. Built in one call, not field by field:
    a start with 100,000 marked papers decodes them all (~2 µs each)."""
    if "changed" in doc and not isinstance(doc.get("read"), dict):
        at = float(doc["changed"] or 0.0)
        return PaperState(bool(doc.get("read")), bool(doc.get("starred")), read_at=at, starred_at=at)
    fields: dict[str, Any] = {}
    sent = []
    for name in STATE_FIELDS:
        record = doc.get(name)
        if record.__class__ is dict:
            try:
                value = record["value"]
                value = check_field(name, tuple(value) if value.__class__ is list else value)
                fields[name + "_at"] = float(record["at"])
            except (TypeError, ValueError, KeyError):
                continue
            fields[name] = value
            if record.get("sent"):
                sent.append(name)
    return PaperState(**fields, sent=frozenset(sent)) if sent else PaperState(**fields)


def encode_state(state: PaperState) -> dict[str, Any]:
    return {
        name: {"value": getattr(state, name), "at": state.changed_at(name), "sent": name in state.sent}
        for name in STATE_FIELDS
        if state.changed_at(name)
    }


def merge_state(ours: PaperState, theirs: PaperState) -> PaperState:
    """Per field, the value with the later change time (a tie: ``theirs``, with either side's sent flag)."""
    merged = replace(theirs)
    for name in STATE_FIELDS:
        at_ours, at_theirs = ours.changed_at(name), theirs.changed_at(name)
        if at_ours > at_theirs:
            merged.take(ours.change("", name))
        elif at_ours == at_theirs and name in ours.sent and getattr(ours, name) == getattr(theirs, name):
            merged.sent = merged.sent | {name}
    return merged


def fold(ours: Tables, theirs: Tables) -> set[str]:
    """Fold ``theirs`` into ``ours``: a paper's state field by field (:func:`merge_state`), a setting or
    source when it is newer. The one merge of reads and writes alike; returns the ids whose state changed."""
    changed: set[str] = set()
    for pid, state in theirs["state"].items():
        old = ours["state"].get(pid)
        new = ours["state"][pid] = state if old is None or old == state else merge_state(old, state)
        if old is None or any(getattr(old, f) != getattr(new, f) for f in STATE_FIELDS):
            changed.add(pid)
    for name in _STAMPED:
        table = ours[name]
        table.update({k: rec for k, rec in theirs[name].items() if k not in table or rec[1] > table[k][1]})
    return changed


def _decode_changes(data: dict[str, Any], known: dict[str, Any]) -> Tables:
    """The records of ``data`` (the file's contents) that differ from ``known`` (an earlier version of
    them), decoded: every record the first time, and only the few another process wrote afterwards."""
    tables = new_tables()
    before = known.get("state", {})
    for pid, doc in data.get("state", {}).items():
        if before.get(pid) != doc:
            with contextlib.suppress(TypeError, ValueError, AttributeError):
                tables["state"][pid] = decode_state(doc)
    for name, key in _STAMPED.items():
        before = known.get(name, {})
        for k, doc in data.get(name, {}).items():
            if before.get(k) != doc:
                with contextlib.suppress(TypeError, ValueError):
                    tables[name][k] = (doc.get(key), float(doc.get("changed") or 0.0))
    return tables


class StateFile:
    """``state.json``: read without the lock; written under it, merging what other processes wrote.

    ``known`` is the file's contents as this process last read or wrote them, ``seen`` that version's
    fingerprint."""

    def __init__(self, path: Path, messages: list[str]) -> None:
        self.path, self.messages = path, messages
        self.lock = FileLock(path)
        self.known: dict[str, Any] = {}
        self.seen: tuple[int, int, int, bytes] | None = None

    def _open(self, recover: bool, known: dict[str, Any] | None = None) -> TinyDB:
        storage = CachingMiddleware(JSONFile)
        return _StateDB(self.path, storage=storage, messages=self.messages, recover=recover, known=known)

    def _read(self, recover: bool) -> dict[str, Any]:
        with self._open(recover) as db:
            return db.storage.read() or {}

    def changes(self) -> Tables:
        """The records that differ in the file from what this process last read or wrote (all of them
        the first time). No lock: the file is only ever replaced whole; a damaged one is restored from
        its backup under the lock."""
        seen = self.fingerprint()
        try:
            data = self._read(recover=False)
        except CorruptFileError:
            with self.lock.held():
                seen = self.fingerprint()
                data = self._read(recover=True)
        changed = _decode_changes(data, self.known)
        self.known, self.seen = data, seen
        self.lock.clean_up(self.path)
        return changed

    def changed_on_disk(self) -> bool:
        return self.fingerprint() != self.seen

    def fingerprint(self) -> tuple[int, int, int, bytes] | None:
        """Inode, size, mtime and the head (with its random token): which version of the file is there."""
        try:
            with open(self.path, "rb", opener=lambda path, flags: os.open(path, flags | NO_FOLLOW)) as fh:
                st = os.fstat(fh.fileno())
                return (st.st_ino, st.st_size, st.st_mtime_ns, fh.read(_HEAD_BYTES) if st.st_size else b"")
        except OSError:  # missing, or a link/FIFO (which reading reports)
            return None

    def write(self, mine: Tables) -> Tables:
        """Merge ``mine`` (the changed records) into the file and write it. Returns the records that
        now differ from what this process knew: another process's, and the merged ones of ``mine``."""
        with self.lock.held():
            unchanged = bool(self.known) and self.fingerprint() == self.seen
            with self._open(recover=True, known=self.known if unchanged else None) as db:
                data: dict[str, Any] = db.storage.read() or {}
                changed = new_tables() if unchanged else _decode_changes(data, self.known)
                theirs = {
                    name: {k: data[name][k] for k in mine[name] if k in data.get(name, {})} for name in mine
                }
                merged = _decode_changes(theirs, {})  # the file's records of what this write changes
                fold(merged, mine)
                _put(db.table("state"), {pid: encode_state(merged["state"][pid]) for pid in mine["state"]})
                for name, key in _STAMPED.items():
                    value = {k: {key: merged[name][k][0], "changed": merged[name][k][1]} for k in mine[name]}
                    _put(db.table(name), value)
                _put(db.table("meta"), {"1": {"format": FORMAT, "token": os.urandom(16).hex()}})
                file: JSONFile = db.storage.storage  # the middleware's storage
            self.known = file.written or self.known
            self.seen = self.fingerprint()
        for name, table in merged.items():
            changed[name].update(table)
        return changed


def _put(table: Table, docs: dict[str, dict[str, Any]]) -> None:
    """Replace these documents and no others (two table operations, one write when the db closes).

    Document ids are strings here (:class:`_KeyedTable`); TinyDB's annotations say ``int``.
    """
    present: list[Any] = [doc_id for doc_id in docs if table.contains(doc_id=doc_id)]  # type: ignore[arg-type]
    if present:
        table.remove(doc_ids=present)
    table.insert_multiple(Document(doc, doc_id=doc_id) for doc_id, doc in docs.items())  # type: ignore[arg-type]

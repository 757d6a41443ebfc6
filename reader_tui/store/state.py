"""What the user decided per paper, small settings and feed-source fingerprints: ``state.json``, TinyDB.

Tables, with the paper id, setting key or source as document id: ``state`` (per field: ``{"value", "at",
"sent"}``, see :class:`~reader_tui.model.FieldChange`), ``settings`` (``{"value", "changed"}``),
``sources`` (``{"info", "changed"}``) and ``meta`` (format, and a random token that tells one version of
the file from the next). A write reads the file under the lock, merges in only the records this process
changed (per field: the later change wins; a tie goes to the disk, so processes converge) and writes it
once, through TinyDB's ``CachingMiddleware`` over :class:`JSONFile`. A copy of every version written is
kept as ``state.json.bak``; a damaged file is moved aside and that copy restored, so nothing written is
lost to damage.
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

from reader_tui.datafiles import DUMPS, NO_FOLLOW, FileLock, move_aside, read_plain, write_atomic
from reader_tui.model import STATE_FIELDS, FieldChange, PaperState, check_field

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

    def __init__(self, path: Path, messages: list[str], recover: bool = True) -> None:
        self.path, self.messages, self.recover = path, messages, recover
        self.backup = path.with_name(path.name + ".bak")

    def read(self) -> dict[str, Any] | None:
        raw = read_plain(self.path)
        try:
            return None if raw is None else _parse(raw)
        except CorruptFileError:
            if not self.recover:
                raise
            return self._restore_backup()

    def write(self, data: dict[str, Any]) -> None:
        tables = {"meta": data.get("meta", {}), **data}  # meta first: the token is in the file's head
        payload = DUMPS(tables).encode("utf-8")
        write_atomic(self.path, payload)
        write_atomic(self.backup, payload)

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
    """A state record, per field or in the form before per-field times (both fields then at ``changed``)."""
    state = PaperState()
    if "changed" in doc and not isinstance(doc.get("read"), dict):
        state.read, state.starred = bool(doc.get("read")), bool(doc.get("starred"))
        state.read_at = state.starred_at = float(doc["changed"] or 0.0)
        return state
    for name in STATE_FIELDS:
        record = doc.get(name)
        if isinstance(record, dict):
            with contextlib.suppress(TypeError, ValueError, KeyError):
                value = record.get("value")
                value = check_field(name, tuple(value) if isinstance(value, list) else value)
                state.take(FieldChange("", name, value, float(record["at"]), bool(record.get("sent"))))
    return state


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


def _decode(db: TinyDB) -> Tables:
    tables = new_tables()
    for doc in db.table("state"):
        with contextlib.suppress(TypeError, ValueError, AttributeError):
            tables["state"][str(doc.doc_id)] = decode_state(doc)
    for name, key in _STAMPED.items():
        for doc in db.table(name):
            with contextlib.suppress(TypeError, ValueError):
                tables[name][str(doc.doc_id)] = (doc.get(key), float(doc.get("changed") or 0.0))
    return tables


class StateFile:
    """``state.json``: loaded without the lock; written under it, merging what other processes wrote."""

    def __init__(self, path: Path, messages: list[str]) -> None:
        self.path, self.messages = path, messages
        self.lock = FileLock(path)
        self.known: tuple[int, int, int, bytes] | None = None

    def _open(self, recover: bool) -> TinyDB:
        return _StateDB(
            self.path, storage=CachingMiddleware(JSONFile), messages=self.messages, recover=recover
        )

    def load(self) -> Tables:
        """Read the file as it is now (no lock: it is only ever replaced whole); a damaged file is
        restored from its backup under the lock."""
        seen = self.fingerprint()
        try:
            with self._open(recover=False) as db:
                tables = _decode(db)
        except CorruptFileError:
            with self.lock.held(), self._open(recover=True) as db:
                seen = self.fingerprint()
                tables = _decode(db)
        self.known = seen
        self.lock.clean_up(self.path)
        return tables

    def changed_on_disk(self) -> bool:
        return self.fingerprint() != self.known

    def fingerprint(self) -> tuple[int, int, int, bytes] | None:
        """Inode, size, mtime and the head (with its random token): which version of the file is there."""
        try:
            with open(self.path, "rb", opener=lambda path, flags: os.open(path, flags | NO_FOLLOW)) as fh:
                st = os.fstat(fh.fileno())
                return (st.st_ino, st.st_size, st.st_mtime_ns, fh.read(_HEAD_BYTES) if st.st_size else b"")
        except OSError:  # missing, or a link/FIFO (which load reports)
            return None

    def write(self, mine: Tables) -> Tables:
        """Merge ``mine`` (the changed records) into the file and write it; return the file's contents."""
        with self.lock.held():
            with self._open(recover=True) as db:
                disk = _decode(db)
                fold(disk, mine)
                _put(db.table("state"), {pid: encode_state(disk["state"][pid]) for pid in mine["state"]})
                for name, key in _STAMPED.items():
                    value = {k: {key: disk[name][k][0], "changed": disk[name][k][1]} for k in mine[name]}
                    _put(db.table(name), value)
                token = os.urandom(16).hex()
                _put(db.table("meta"), {"1": {"format": FORMAT, "token": token}})
            self.known = self.fingerprint()
        return disk


def _put(table: Table, docs: dict[str, dict[str, Any]]) -> None:
    """Replace these documents and no others (two table operations, one write when the db closes).

    Document ids are strings here (:class:`_KeyedTable`); TinyDB's annotations say ``int``.
    """
    present: list[Any] = [doc_id for doc_id in docs if table.contains(doc_id=doc_id)]  # type: ignore[arg-type]
    if present:
        table.remove(doc_ids=present)
    table.insert_multiple(Document(doc, doc_id=doc_id) for doc_id, doc in docs.items())  # type: ignore[arg-type]

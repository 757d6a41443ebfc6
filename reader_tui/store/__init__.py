"""The store: papers (``cache``, SQLite), per-field state and settings (``state``, TinyDB), the safe
handling of data files and the writers' lock (``files``), the first-start migration (``migrate``), and
the :class:`Store` that joins them (``core``)."""

from reader_tui.model import FieldChange
from reader_tui.store.cache import Encoded, encode_papers
from reader_tui.store.core import Store
from reader_tui.store.files import StoreError

__all__ = ["Encoded", "FieldChange", "Store", "StoreError", "encode_papers"]

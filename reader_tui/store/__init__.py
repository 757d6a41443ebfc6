"""The store: papers (``cache``, SQLite), per-field state and settings (``state``, TinyDB), the
first-start migration (``migrate``), and the :class:`Store` that joins them (``core``). Files are
written through :mod:`reader_tui.datafiles`; the search's tables are :mod:`reader_tui.search_tables`."""

from reader_tui.datafiles import StoreError
from reader_tui.model import FieldChange
from reader_tui.store.cache import Encoded, encode_papers
from reader_tui.store.core import Store

__all__ = ["Encoded", "FieldChange", "Store", "StoreError", "encode_papers"]

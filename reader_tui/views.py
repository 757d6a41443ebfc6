"""Saved searches ("views"): a name for a query, kept in the store's settings, with unread counts.

A view is only its query text: it is parsed again on use, so a view follows the query language as it
grows and always shows today's papers. Names are short single lines (they label a switcher and a
command line argument); the same name saved again replaces its query, as ``git config`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from reader_tui.paper_fields import PaperFields
from reader_tui.query import QueryError, parse_query
from reader_tui.query_match import MatchContext
from reader_tui.safety import clean_line
from reader_tui.search_index import SearchIndex
from reader_tui.store import Store

VIEWS_SETTING = "views"
NAME_MAX = 40
QUERY_MAX = 1_000


class ViewError(ValueError):
    """A view cannot be saved or found; the message is one line for the user."""


@dataclass(frozen=True, slots=True)
class View:
    name: str
    query: str


def views(store: Store) -> list[View]:
    """The saved views in the order they were saved (a damaged setting gives none, not an error)."""
    saved = store.setting(VIEWS_SETTING)
    if not isinstance(saved, list):
        return []
    out = []
    for entry in saved:
        if (
            isinstance(entry, dict)
            and isinstance(entry.get("name"), str)
            and isinstance(entry.get("query"), str)
        ):
            out.append(View(entry["name"], entry["query"]))
    return out


def _check_name(name: str) -> str:
    cleaned = " ".join(clean_line(name).split())
    if not cleaned:
        raise ViewError("a view needs a name")
    if len(cleaned) > NAME_MAX:
        raise ViewError(f"a view name has at most {NAME_MAX} characters")
    return cleaned


def add_view(store: Store, name: str, query: str) -> View:
    """Save (or replace) a view; the query must parse."""
    name = _check_name(name)
    query = query.strip()
    if not query:
        raise ViewError("a view needs a query")
    if len(query) > QUERY_MAX:
        raise ViewError(f"a view's query has at most {QUERY_MAX} characters")
    try:
        parse_query(query)
    except QueryError as error:
        raise ViewError(f"bad query: {error}") from None
    kept = [v for v in views(store) if v.name.casefold() != name.casefold()]
    replaced = len(kept) != len(views(store))
    view = View(name, query)
    if replaced:
        at = next(i for i, v in enumerate(views(store)) if v.name.casefold() == name.casefold())
        kept.insert(at, view)
    else:
        kept.append(view)
    store.set_setting(VIEWS_SETTING, [{"name": v.name, "query": v.query} for v in kept])
    return view


def find_view(store: Store, name: str) -> View:
    wanted = " ".join(clean_line(name).split()).casefold()
    for view in views(store):
        if view.name.casefold() == wanted:
            return view
    known = ", ".join(v.name for v in views(store)) or "none yet"
    raise ViewError(f"no view named {clean_line(name)!r} (views: {known})")


def remove_view(store: Store, name: str) -> View:
    view = find_view(store, name)
    store.set_setting(
        VIEWS_SETTING, [{"name": v.name, "query": v.query} for v in views(store) if v.name != view.name]
    )
    return view


def unread_counts(
    store: Store,
    rows: Sequence[PaperFields],
    queries: Sequence[str],
    new_ids: frozenset[str] = frozenset(),
    now: datetime | None = None,
) -> tuple[list[int], int]:
    """Unread papers among the store's search ``rows`` matching each query (0 for one that no longer
    parses), and unread papers in all; no paper is decoded. The app's switcher and ``view list`` both
    count here, so they agree with each other and with the filter (notes included)."""
    state = store.state
    unread = [row for row in rows if not state(row.paper_id).read]
    context = MatchContext(
        now=now or datetime.now(UTC), state_of=state, new_ids=new_ids, notes=store.field_values("note")
    )
    index = SearchIndex(store.search.summary_hits)
    counts = []
    for text in queries:
        try:
            counts.append(len(index.filter_rows(parse_query(text), unread, context)))
        except QueryError:
            counts.append(0)
    return counts, len(unread)

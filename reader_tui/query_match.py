"""What a parsed query matches: one node per term, compiled into closures over :class:`PaperFields`.

The parser (:mod:`reader_tui.query`) builds a tree of these nodes; matching compiles the tree once per
filtering pass, against a :class:`MatchContext` (the clock, the user's read/starred state, tags and
notes, the ``is:new`` ids), so a keystroke costs only the closures' ``in`` checks on prepared strings.
AND and OR run their cheapest children first (:meth:`Node.cost`). :func:`split_top` sets apart the
plain text terms of the top-level AND, which the search index runs as tight loops and narrows while the
user types (:mod:`reader_tui.search_index`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from reader_tui.model import PaperState
from reader_tui.paper_fields import PaperFields, SummaryHits, no_hits, posix_seconds, text_matcher
from reader_tui.textfold import normalize

__all__ = [
    "And",
    "Day",
    "Has",
    "MatchContext",
    "Node",
    "Not",
    "Note",
    "Or",
    "Predicate",
    "Since",
    "State",
    "Tag",
    "Term",
    "Text",
    "always",
    "bind",
    "split_top",
]


@dataclass(frozen=True)
class MatchContext:
    """What matching needs beyond the paper: the clock for ``since:``, the user's state, new ids.

    ``now`` is passed in (not read from the clock) so results are deterministic within one
    filtering pass and in tests. ``new_ids`` holds the ids ``is:new`` matches (empty when unknown).
    ``notes`` holds the note of each paper that has one (``Store.field_values("note")``): bare words
    and ``note:`` search them; they live in the user's state, not in the cached paper fields.
    """

    now: datetime
    state_of: Callable[[str], PaperState]
    new_ids: frozenset[str] = frozenset()
    notes: Mapping[str, str] = field(default_factory=dict)


Predicate = Callable[[PaperFields], bool]


def always(_: PaperFields) -> bool:
    """The predicate of nothing left to test."""
    return True


class Node:
    """A node of the parsed query; ``cost`` orders AND/OR children so cheap tests run first."""

    def cost(self) -> int:
        return 3

    def compile(self, ctx: Bound) -> Predicate:
        raise NotImplementedError


@dataclass(frozen=True)
class Bound:
    """The per-pass values a compiled predicate closes over (computed once per filter call)."""

    state_of: Callable[[str], PaperState]
    new_ids: frozenset[str]
    now_ts: float | None
    notes: dict[str, str] = field(default_factory=dict)
    """Normalised notes by paper id (only papers that have one)."""
    summary_hits: SummaryHits = no_hits


@dataclass(frozen=True)
class Text(Node):
    needle: str
    attr: str = "hay"
    """Which :class:`PaperFields` field to search (``title``, ``authors``, ``affiliations``, ``keywords``,
    ``categories`` (a prefix of any), ``feeds``, ``ids``, ``journal``, ``doi``); ``hay`` is every
    unscoped field."""

    def cost(self) -> int:
        return 3 if self.attr == "hay" else 2

    def compile(self, ctx: Bound) -> Predicate:
        if not self.needle:
            return always
        test = text_matcher(self.attr, self.needle, ctx.summary_hits)
        if self.attr != "hay" or not ctx.notes:
            return test
        needle, notes = self.needle, ctx.notes
        return lambda f: test(f) or needle in notes.get(f.paper_id, "")


@dataclass(frozen=True)
class Tag(Node):
    """``tag:x``: one of the paper's tags is ``x`` (folded like every needle)."""

    name: str

    def cost(self) -> int:
        return 2

    def compile(self, ctx: Bound) -> Predicate:
        state_of, name = ctx.state_of, self.name
        folded: dict[str, str] = {}

        def fold(tag: str) -> str:
            found = folded.get(tag)
            if found is None:
                found = folded[tag] = normalize(tag)
            return found

        return lambda f: any(fold(tag) == name for tag in state_of(f.paper_id).tags)


@dataclass(frozen=True)
class Has(Node):
    """``has:note`` / ``has:tag``."""

    what: str

    def cost(self) -> int:
        return 1

    def compile(self, ctx: Bound) -> Predicate:
        state_of = ctx.state_of
        if self.what == "note":
            notes = ctx.notes
            return lambda f: f.paper_id in notes or bool(state_of(f.paper_id).note)
        return lambda f: bool(state_of(f.paper_id).tags)


@dataclass(frozen=True)
class Note(Node):
    """``note:x``: a substring of the paper's note."""

    needle: str

    def cost(self) -> int:
        return 1

    def compile(self, ctx: Bound) -> Predicate:
        if ctx.notes:
            notes, needle = ctx.notes, self.needle
            return lambda f: needle in notes.get(f.paper_id, "")
        state_of, needle = ctx.state_of, self.needle
        return lambda f: needle in normalize(state_of(f.paper_id).note)


@dataclass(frozen=True)
class State(Node):
    state: str

    def cost(self) -> int:
        return 1

    def compile(self, ctx: Bound) -> Predicate:
        state_of = ctx.state_of
        if self.state == "read":
            return lambda f: state_of(f.paper_id).read
        if self.state == "unread":
            return lambda f: not state_of(f.paper_id).read
        if self.state == "starred":
            return lambda f: state_of(f.paper_id).starred
        if self.state == "unstarred":
            return lambda f: not state_of(f.paper_id).starred
        new_ids = ctx.new_ids
        return lambda f: f.paper_id in new_ids


@dataclass(frozen=True)
class Day(Node):
    """``after:`` (``on_or_after`` True: day >= ordinal) or ``before:`` (day < ordinal)."""

    ordinal: int
    on_or_after: bool

    def cost(self) -> int:
        return 0

    def compile(self, ctx: Bound) -> Predicate:
        ordinal = self.ordinal
        if self.on_or_after:
            return lambda f: f.day is not None and f.day >= ordinal
        return lambda f: f.day is not None and f.day < ordinal


@dataclass(frozen=True)
class Since(Node):
    seconds: float

    def cost(self) -> int:
        return 0

    def compile(self, ctx: Bound) -> Predicate:
        if ctx.now_ts is None:
            return lambda f: False
        start = ctx.now_ts - self.seconds
        return lambda f: f.timestamp is not None and f.timestamp >= start


@dataclass(frozen=True)
class Not(Node):
    child: Node

    def cost(self) -> int:
        return self.child.cost()

    def compile(self, ctx: Bound) -> Predicate:
        inner = self.child.compile(ctx)
        return lambda f: not inner(f)


@dataclass(frozen=True)
class And(Node):
    children: tuple[Node, ...]

    def cost(self) -> int:
        return 4

    def compile(self, ctx: Bound) -> Predicate:
        parts = [c.compile(ctx) for c in sorted(self.children, key=lambda c: c.cost())]
        if len(parts) == 2:
            a, b = parts
            return lambda f: a(f) and b(f)
        if len(parts) == 3:
            a, b, c = parts
            return lambda f: a(f) and b(f) and c(f)
        return lambda f: all(p(f) for p in parts)


@dataclass(frozen=True)
class Or(Node):
    children: tuple[Node, ...]

    def cost(self) -> int:
        return 4

    def compile(self, ctx: Bound) -> Predicate:
        parts = [c.compile(ctx) for c in sorted(self.children, key=lambda c: c.cost())]
        if len(parts) == 2:
            a, b = parts
            return lambda f: a(f) or b(f)
        return lambda f: any(p(f) for p in parts)


Term = tuple[str, str]
"""A positive text term at the top level of the query: (PaperFields field, needle)."""


def split_top(root: Node | None) -> tuple[tuple[Term, ...], Node | None]:
    """Split the top-level AND into plain positive text terms and the rest.

    The text terms run as tight list comprehensions over cached haystacks (and can narrow the last
    result while the user types); only the rest needs the general compiled predicate.
    """
    if root is None:
        return (), None
    children = root.children if isinstance(root, And) else (root,)
    terms: list[Term] = []
    rest: list[Node] = []
    for child in children:
        if isinstance(child, Text):
            if child.needle:
                terms.append((child.attr, child.needle))
        else:
            rest.append(child)
    # Short scoped fields first, then the longest (most selective) words over the big haystack.
    terms.sort(key=lambda term: (term[0] == "hay", -len(term[1])))
    rest_node = None if not rest else rest[0] if len(rest) == 1 else And(tuple(rest))
    return tuple(dict.fromkeys(terms)), rest_node


def bind(ctx: MatchContext, summary_hits: SummaryHits = no_hits) -> Bound:
    """The context as compiled predicates read it, worked out once per pass (notes folded, ``now`` in
    POSIX seconds); ``summary_hits`` answers for summaries the rows do not hold."""
    now_ts = posix_seconds(ctx.now) if isinstance(ctx.now, datetime) else None
    notes = {paper_id: normalize(note) for paper_id, note in ctx.notes.items() if note}
    return Bound(ctx.state_of, frozenset(ctx.new_ids), now_ts, notes, summary_hits)

"""The filter bar's query language: what the user may type, and its parser into a :class:`Query`.

The language (documented here because the help screen and the CLI ``--query`` point at it)::

    graph neural            every word must match (AND), anywhere in the paper's text
    "graph neural"          a phrase: matched as one substring (“typographic quotes” work too)
    diffusion OR flow       either side; AND binds tighter than OR: ``a b OR c`` is ``(a b) OR c``
    (a OR b) c              parentheses group
    -survey  -cat:cs.CV     ``-`` negates a word, a field term or a group: ``-(a OR b)``
    title:  author:  affil:  kw:        substring of that field (values may be quoted:
                                        ``author:"de la Cruz"``)
    cat:cs                  prefix of any category (``cat:cs`` matches cs.LG and cs.CL)
    feed:ftxj               substring of any feed the paper was seen in
    id:2604.1               substring of the paper's id or arXiv id
    is:unread is:read is:starred is:unstarred is:new
    tag:ml                  tagged ``ml`` (whole tag, case- and accent-insensitive)
    has:note  has:tag       has a note / at least one tag
    note:baseline           substring of the paper's note (bare words search notes too)
    after:2026-05-01        published on or after that day (``YYYY`` and ``YYYY-MM`` mean the 1st)
    before:2026-05-01       published before that day (that day itself does not match)
    since:7d                published within the last 7 days (``h`` hours, ``d`` days, ``w`` weeks);
                            ``since:<date>`` is the same as ``after:<date>``

Matching ignores case, accents and compatibility forms (``muller`` finds Müller, ``strasse`` finds
Straße, full-width letters match ASCII) and is plain substring matching, so Chinese and Japanese
text needs no word splitting: ``智能体`` matches inside a summary. Bare words look in the title,
authors, affiliations, keywords, categories, arXiv id and the summary's text. A date term is
compared with the calendar day of ``published`` as the feed gave it (in the feed's own offset);
papers with no date never match a date term (so ``-after:…`` does match them).

A half-typed query raises :class:`QueryError` only, whose message is a few words for the bar; the
UI keeps showing the last good result meanwhile. ``OR`` is the keyword only in capitals, so ``or``
is an ordinary word; a ``word:`` with an unknown field is an error rather than silently a word
(``http:``/``https:`` and any ``scheme://…`` token stay words, so pasting a URL works).

How fast a query runs over the library is :mod:`reader_tui.search_index`'s job; what each term
matches, :mod:`reader_tui.query_match`'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from reader_tui.model import Paper
from reader_tui.paper_fields import PaperFields
from reader_tui.query_match import (
    And,
    Day,
    Has,
    MatchContext,
    Node,
    Not,
    Note,
    Or,
    Predicate,
    Since,
    State,
    Tag,
    Term,
    Text,
    always,
    bind,
    split_top,
)
from reader_tui.textfold import normalize

__all__ = ["Query", "QueryError", "parse_query"]


class QueryError(ValueError):
    """The query cannot be used as typed; ``str(error)`` is a few words for the filter bar."""


@dataclass(frozen=True)
class Query:
    """A parsed, immutable query. Build it with :func:`parse_query`; ``text`` is what was typed."""

    text: str
    root: Node | None = field(default=None, repr=False)
    """The whole parsed tree; None for a blank query."""
    terms: tuple[Term, ...] = field(default=(), repr=False, compare=False)
    """The plain text terms of the top-level AND, which the search index narrows while the user types."""
    rest: Node | None = field(default=None, repr=False, compare=False)
    """The top-level AND without ``terms`` (None: nothing left to test)."""

    @property
    def is_empty(self) -> bool:
        """True for a blank query, which matches every paper."""
        return self.root is None

    def predicate(self, ctx: MatchContext) -> Predicate:
        """Compile to one closure over :class:`PaperFields` for a whole filtering pass."""
        if self.root is None:
            return always
        return self.root.compile(bind(ctx))

    def matches(self, paper: Paper, ctx: MatchContext) -> bool:
        """Whether one paper matches. Normalises the paper on the spot: for lists use
        :meth:`~reader_tui.search_index.SearchIndex.filter_rows` over rows built once (the store
        keeps them)."""
        return self.predicate(ctx)(PaperFields(paper))


_FIELD_PREFIX = re.compile(r"([A-Za-z]+):")
_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{1,2})(?:-([0-9]{1,2}))?)?", re.ASCII)
_SPAN = re.compile(r"([0-9]{1,6})([hdw])", re.ASCII | re.IGNORECASE)
_SPAN_SECONDS = {"h": 3600.0, "d": 86400.0, "w": 7 * 86400.0}
_URL_SCHEMES = ("http", "https")
_MAX_DEPTH = 40
_QUOTES = {'"': '"', "“": "”"}
"""Opening to closing quote: typographic quotes too, which CJK input methods and some keyboards type."""
_WORD_STOP = '()"“'
_KNOWN_FIELDS = (
    "title", "author", "affil", "cat", "kw", "feed", "id", "journal", "doi", "is", "after", "before", "since",
    "tag", "has", "note",
)  # fmt: skip
_HAS = ("note", "tag", "tags")
_STATES = ("read", "unread", "starred", "unstarred", "new")
_TEXT_FIELDS = {  # field name -> the PaperFields field a Text node searches
    "title": "title",
    "author": "authors",
    "affil": "affiliations",
    "kw": "keywords",
    "feed": "feeds",
    "id": "ids",
    "journal": "journal",
    "doi": "doi",
}

# Token kinds. A term token carries its parsed node.
_LPAREN, _RPAREN, _OR, _NOT, _TERM = "(", ")", "OR", "-", "term"
_Token = tuple[str, Node | None]


def _short(text: str, limit: int = 24) -> str:
    """User text quoted in an error message, kept short enough for the bar."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _parse_day(name: str, value: str) -> int:
    match = _DATE.fullmatch(value)
    if match is None:
        raise QueryError(f"bad date '{_short(name + ':' + value)}' (use YYYY-MM-DD)")
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        return date(year, month, day).toordinal()
    except ValueError:
        raise QueryError(f"bad date '{_short(name + ':' + value)}'") from None


def _field_term(name: str, value: str) -> Node:
    """The node for ``name:value`` (``name`` is a known field, lower-case; ``value`` non-empty)."""
    if name in _TEXT_FIELDS:
        return Text(normalize(value), _TEXT_FIELDS[name])
    if name == "cat":
        return Text(normalize(value), "categories")
    if name == "tag":
        return Tag(normalize(value.strip()))
    if name == "note":
        return Note(normalize(value))
    if name == "has":
        what = value.lower()
        if what not in _HAS:
            raise QueryError(f"unknown 'has:{_short(value)}' (has:note, has:tag)")
        return Has("tag" if what == "tags" else what)
    if name == "is":
        state = value.lower()
        if state not in _STATES:
            raise QueryError(f"unknown state 'is:{_short(value)}'")
        return State(state)
    if name == "since":
        span = _SPAN.fullmatch(value)
        if span is None:
            if _DATE.fullmatch(value):
                return Day(_parse_day(name, value), on_or_after=True)
            raise QueryError(f"bad span 'since:{_short(value)}' (use 12h, 7d, 2w)")
        return Since(int(span.group(1)) * _SPAN_SECONDS[span.group(2).lower()])
    return Day(_parse_day(name, value), on_or_after=name == "after")


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)

    def read_quoted(start: int) -> tuple[str, int]:
        end = text.find(_QUOTES[text[start]], start + 1)
        if end < 0:
            raise QueryError("unclosed quote")
        return text[start + 1 : end], end + 1

    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append((ch, None))
            i += 1
        elif ch == "-":
            if i + 1 >= n or text[i + 1].isspace():
                raise QueryError("nothing after '-'")
            tokens.append((_NOT, None))
            i += 1
        elif ch in _QUOTES:
            phrase, i = read_quoted(i)
            if not phrase.strip():
                raise QueryError("empty quotes")
            tokens.append((_TERM, Text(normalize(phrase))))
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in _WORD_STOP:
                i += 1
            word = text[start:i]
            if word == "OR":
                tokens.append((_OR, None))
                continue
            prefix = _FIELD_PREFIX.match(word)
            if prefix is None:
                tokens.append((_TERM, Text(normalize(word))))
                continue
            name, value = prefix.group(1).lower(), word[prefix.end() :]
            if name not in _KNOWN_FIELDS:
                if name in _URL_SCHEMES or value.startswith("//"):
                    tokens.append((_TERM, Text(normalize(word))))
                    continue
                raise QueryError(f"unknown field '{_short(prefix.group(1))}:'")
            if not value and i < n and text[i] in _QUOTES:
                value, i = read_quoted(i)
            if not value.strip():
                raise QueryError(f"'{name}:' needs a value")
            tokens.append((_TERM, _field_term(name, value)))
    return tokens


class _Parser:
    """Recursive descent over the tokens: ``or := and (OR and)*``, ``and := unary+``,
    ``unary := '-'* (term | '(' or ')')``. Nesting depth is capped so no input can reach
    Python's recursion limit (which would raise something other than :class:`QueryError`)."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def parse(self) -> Node | None:
        root = self.parse_or(0)
        if self.peek() == _RPAREN:
            raise QueryError("unmatched ')'")
        return root

    def parse_or(self, depth: int) -> Node | None:
        branches = [self.parse_and(depth)]
        while self.peek() == _OR:
            self.pos += 1
            branches.append(self.parse_and(depth))
        if len(branches) == 1:
            return branches[0]
        present = [b for b in branches if b is not None]
        if len(present) != len(branches):
            raise QueryError("empty OR")
        return Or(tuple(present))

    def parse_and(self, depth: int) -> Node | None:
        items: list[Node] = []
        while self.peek() not in (None, _OR, _RPAREN):
            items.append(self.parse_unary(depth))
        if not items:
            return None
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_unary(self, depth: int) -> Node:
        negated = False
        while self.peek() == _NOT:
            negated = not negated
            self.pos += 1
        kind = self.peek()
        if kind == _TERM:
            node = self.tokens[self.pos][1]
            assert node is not None
            self.pos += 1
        elif kind == _LPAREN:
            if depth >= _MAX_DEPTH:
                raise QueryError("too many nested '('")
            self.pos += 1
            inner = self.parse_or(depth + 1)
            if self.peek() != _RPAREN:
                raise QueryError("missing ')'")
            if inner is None:
                raise QueryError("empty ( )")
            self.pos += 1
            node = inner
        else:
            raise QueryError("nothing after '-'")
        return Not(node) if negated else node


def parse_query(text: str) -> Query:
    """Parse what the user typed. Raises :class:`QueryError` (and nothing else) when it is unusable.

    A blank query parses to one that matches everything (:attr:`Query.is_empty`).
    """
    if not isinstance(text, str):
        raise QueryError("query must be text")
    root = _Parser(_tokenize(text)).parse()
    terms, rest = split_top(root)
    return Query(text, root, terms, rest)

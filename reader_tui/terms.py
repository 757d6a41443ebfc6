"""The terms of a paper that relevance counts: its words, word pairs, CJK character pairs, authors and
categories, and the numbering that packs a library's terms into one flat array (:mod:`reader_tui.rank`).

Words are folded as the query language folds them (:func:`~reader_tui.textfold.normalize`: case, accents,
full-width forms), split on whitespace with edge punctuation cut, English function words and the stock
phrases of abstracts dropped, plural endings cut; Chinese, Japanese and Korean runs become overlapping
character pairs (no dictionary needed: "智能体" gives "智能", "能体"). Every pattern is one plain class:
linear time on any text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

from reader_tui.model import Paper
from reader_tui.paper_fields import PaperFields
from reader_tui.textfold import html_to_text, normalize

TERMS_FORMAT = 1
"""Raise it when what a paper's terms are changes in a way the saved tables' key cannot see (their
key, :data:`reader_tui.term_table.FORMAT`, already follows the function words, the caps and the
folding): :func:`stem`, :class:`WordNumbers`, the CJK pairs, :func:`row_document`."""
TEXT_CAP = 6_000
"""Characters of summary text considered: an abstract is ~1,500; a 5 MB summary must not stall a build."""
AUTHORS_CAP = 30
"""Authors considered per paper (a 3,000-author collaboration paper is one paper, not 3,000 reasons)."""

# English function words and the boilerplate of abstracts: they say nothing about a paper's topic.
STOP = frozenset(
    """
    a about above after again against all almost along also although am among an and another any are
    around as at be because been before being below between both but by can cannot could did do does
    doing done down during each either else etc even ever every few for from further had has have
    having he her here hers herself him himself his how however i if in into is it its itself just
    least less let like made make makes making many may me might more most much must my myself near
    neither no nor not now of off often on once one only or other others otherwise our ours ourselves
    out over own per perhaps rather same several she should since so some such than that the their
    theirs them themselves then there thereby therefore these they this those though through thus to
    together too toward towards under until up upon us use used uses using very via was we well were
    what whatever when where whereas whether which while who whom whose why will with within without
    would yet you your yours yourself
    paper papers propose proposed proposes present presents presented introduce introduces introduced
    show shows shown showed demonstrate demonstrates demonstrated result results approach approaches
    method methods novel new based study studies work works existing recent recently further moreover
    furthermore specifically particular particularly various significant significantly achieve
    achieves achieved state art first two three well including include includes provide provides
    provided effective effectively address addresses problem problems task tasks different respectively
    """.split()
)
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_WORD = re.compile(rf"[^\W_{_CJK}]+")
"""A run of letters and digits other than CJK (one plain class: linear time)."""
CJK_RUN = re.compile(rf"[{_CJK}]{{2,}}")
AUTHOR, CATEGORY, PRIMARY = "\x00a:", "\x00c:", "\x00p:"
"""Prefixes that keep author and category terms apart from words (no folded word holds a NUL)."""


def stem(word: str) -> str:
    """Cut an English plural ending so "models" meets "model"; nothing cleverer (no dictionary)."""
    if len(word) <= 3 or not word.endswith("s") or not word.isascii():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if word.endswith(("ss", "us", "is", "ys", "as", "os")):
        return word
    return word[:-1]


class Terms(dict[str, str]):
    """Folded word -> its term (``""`` for a word that is none: function word, digits, one letter).

    A memo filled on first sight of each word, so the per-word Python work runs once per distinct word
    of the library, and each paper's words are mapped by ``map`` over ``__getitem__`` at C speed.
    """

    def __missing__(self, word: str) -> str:
        term = "" if len(word) < 2 or word.isdigit() or word in STOP else stem(word)
        self[word] = term
        return term


def tokens(text: str, memo: Terms | None = None) -> list[str]:
    """The terms of some text: kept words, pairs of neighbouring kept words, CJK character pairs.

    ``text`` is folded here; a function word or a digit-only token breaks a pair, so "the cache of a
    model" pairs nothing across "of a".
    """
    folded = normalize(text)
    mapped = list(map((memo if memo is not None else Terms()).__getitem__, _WORD.findall(folded)))
    out = [term for term in mapped if term]
    out += [a + " " + b for a, b in pairwise(mapped) if a and b]
    if not folded.isascii():
        for run in CJK_RUN.findall(folded):
            out += [run[i : i + 2] for i in range(len(run) - 1)]
    return out


class Numbering(dict[str, int]):
    """Term -> number, a new number for each new term (so ``map`` can number a paper's terms in C)."""

    def __missing__(self, term: str) -> int:
        number = self[term] = len(self)
        return number


EDGE_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00b7"


class WordNumbers(dict[str, int]):
    """A whitespace-separated token as found in folded text -> its term's number, or -1 for none.

    Filled on first sight of each token, so the per-word Python work (edge punctuation, function
    words, digits, plural endings) runs once per distinct token of the library; every paper's tokens
    are then numbered by ``map`` over ``__getitem__`` at C speed. A hyphenated compound stays one
    term ("self-supervised"): consistent across papers, and more telling than its parts.
    """

    def __init__(self, numbering: Numbering) -> None:
        super().__init__()
        self.numbering = numbering

    def __missing__(self, token: str) -> int:
        word = token.strip(EDGE_PUNCTUATION)
        if len(word) < 2 or word in STOP or word.replace(".", "").isdigit():
            number = -1
        else:
            number = self.numbering[stem(word)]
        self[token] = number
        return number


Document = tuple[str, str, str, Sequence[str], Sequence[str]]
"""What the index reads of a paper: id, title and whole text (title, authors, keywords, summary), its
authors and its categories, all folded as the query language folds them (:func:`normalize`)."""


def paper_document(paper: Paper) -> Document:
    """A paper's :data:`Document`, folded here (the CLI's path: markup stripped, text folded)."""
    title = normalize(paper.title)
    summary = normalize(html_to_text(paper.summary_html[: TEXT_CAP * 2]))
    body = " ".join((title, *map(normalize, paper.keywords), summary))
    return (
        paper.id,
        title,
        body,
        [normalize(a) for a in paper.authors[:AUTHORS_CAP]],
        [normalize(c) for c in paper.categories[:AUTHORS_CAP]],
    )


def row_document(row: PaperFields, text: str) -> Document:
    """A paper's :data:`Document` from the store's search row and summary text, both folded already
    (the app's path: no paper is decoded, no text folded again)."""
    categories = row.categories[1:]
    return (
        row.paper_id,
        row.title,
        row.short + "\n" + text,
        row.authors.split("\n")[:AUTHORS_CAP] if row.authors else [],
        categories.split("\n")[:AUTHORS_CAP] if categories else [],
    )

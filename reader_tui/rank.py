"""Relevance: order papers by how much they resemble the ones the user starred, and say why.

The model is TF-IDF over a paper's words and word pairs, plus its authors and categories as terms of
their own, compared by cosine similarity:

* **Terms.** Words of the title (counted twice), keywords (twice) and the summary's text, folded like
  the query language folds them (:func:`reader_tui.query.normalize`: case, accents, full-width forms),
  with English function words and the stock phrases of abstracts dropped and plural endings cut;
  pairs of neighbouring kept words ("speculative decoding"), since a pair says far more than its two
  words; Chinese, Japanese and Korean runs as overlapping character pairs (no dictionary needed:
  "智能体" gives "智能", "能体"); each author's full name; each category (the primary one twice).
* **Weights.** ``(1 + log tf) * idf`` with ``idf = log(N / df)``; words, authors and categories are
  each scaled to a fixed share of the vector's length (:data:`BLOCKS`), so a similarity is mostly
  words, partly shared categories, a little shared authors. Terms only one paper has cannot make two
  papers alike and words in more than half of the library say nothing, so neither is kept, nor more
  than :data:`MAX_TERMS` words a paper: that is what keeps the index small and ranking fast.
* **Profile.** The mean of the starred papers' vectors plus :data:`READ_WEIGHT` times the mean of the
  read ones (a read paper was at least worth opening, but far weaker evidence than a star). A paper's
  score is its cosine with the profile; "more like this" is the same with one paper as the profile.
* **Reasons.** The terms that contribute most to a score, grouped as the user thinks of them:
  ``shares: kv cache, speculative decoding · author: Tri Dao · cat: cs.CL``.

Why our own few lines rather than a library: scikit-learn would cost ~1 s of import and ~100 MB for
the same arithmetic, and nothing here needs a model downloaded. Speed (``bench/bench_rank.py``): the
index is built once per library, off the event loop (~0.5 ms of CPU a paper); ranking 10,000 papers
is one dot product of ~100 terms each (tens of ms), so a new star re-ranks at once: only the
:class:`Profile` changes.
"""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from operator import mul

from reader_tui.model import Paper
from reader_tui.query import html_to_text, normalize

__all__ = ["READ_WEIGHT", "Profile", "RankIndex", "Ranked", "tokens"]

READ_WEIGHT = 0.2
"""How much all read papers together count against all starred ones in the profile."""
TITLE_REPEAT = 2
"""Title words and keywords count as if written this many times: they are the paper's own summary."""
TEXT_CAP = 6_000
"""Characters of summary text considered: an abstract is ~1,500; a 5 MB summary must not stall a build."""
AUTHORS_CAP = 30
"""Authors considered per paper (a 3,000-author collaboration paper is one paper, not 3,000 reasons)."""
MAX_DF_SHARE = 0.5
"""Words in more than this share of the papers are dropped (they are the field's own stopwords)."""
MAX_TERMS = 100
"""Words and pairs kept per paper, heaviest first: past ~100 they add little to a score (an abstract
has ~150 that occur in two papers or more) and each one costs time on every ranking."""
REASON_WORDS = 3
"""Shared words or phrases shown in a reason."""
REASON_SHARE = 0.08
"""A term is a reason only if it gives at least this share of what its kind (words, authors or
categories) adds to the paper's score."""
BLOCKS = {"words": 0.75, "authors": 0.1, "categories": 0.15}
"""Words, authors and categories are each scaled to a vector of length ``sqrt(share)``, so the
similarity of two papers is the shares' weighted sum of their word, author and category cosines: a
shared category counts, but never more than the words (a paper lacking a kind scores 0 on it)."""

# English function words and the boilerplate of abstracts: they say nothing about a paper's topic.
_STOP = frozenset(
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
_CJK_RUN = re.compile(rf"[{_CJK}]{{2,}}")
_AUTHOR, _CATEGORY = "\x00a:", "\x00c:"
"""Prefixes that keep author and category terms apart from words (no folded word holds a NUL)."""


def _stem(word: str) -> str:
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


class _Terms(dict[str, str]):
    """Folded word -> its term (``""`` for a word that is none: function word, digits, one letter).

    A memo filled on first sight of each word, so the per-word Python work runs once per distinct word
    of the library, and each paper's words are mapped by ``map`` over ``__getitem__`` at C speed.
    """

    def __missing__(self, word: str) -> str:
        term = "" if len(word) < 2 or word.isdigit() or word in _STOP else _stem(word)
        self[word] = term
        return term


def tokens(text: str, memo: _Terms | None = None) -> list[str]:
    """The terms of some text: kept words, pairs of neighbouring kept words, CJK character pairs.

    ``text`` is folded here; a function word or a digit-only token breaks a pair, so "the cache of a
    model" pairs nothing across "of a".
    """
    folded = normalize(text)
    mapped = list(map((memo if memo is not None else _Terms()).__getitem__, _WORD.findall(folded)))
    out = [term for term in mapped if term]
    out += [a + " " + b for a, b in pairwise(mapped) if a and b]
    if not folded.isascii():
        for run in _CJK_RUN.findall(folded):
            out += [run[i : i + 2] for i in range(len(run) - 1)]
    return out


def _paper_terms(
    paper: Paper, memo: _Terms | None = None
) -> tuple[Counter[str], dict[str, int], dict[str, int]]:
    """Term counts of one paper: words (title, keywords, summary), authors, categories."""
    memo = memo if memo is not None else _Terms()
    words = Counter(tokens(_summary_text(paper), memo))
    head = tokens(" . ".join([paper.title, *paper.keywords]), memo)
    for _ in range(TITLE_REPEAT):
        words.update(head)
    authors: dict[str, int] = {}
    for name in paper.authors[:AUTHORS_CAP]:
        key = " ".join(normalize(name).split())
        if key:
            authors[_AUTHOR + key] = 1
    categories: dict[str, int] = {}
    for position, category in enumerate(dict.fromkeys(paper.categories)):
        key = category.strip().lower()
        if key:
            categories[_CATEGORY + key] = 2 if position == 0 else 1
    return words, authors, categories


def _summary_text(paper: Paper) -> str:
    return html_to_text(paper.summary_html[: TEXT_CAP * 2])[:TEXT_CAP]


@dataclass(frozen=True, slots=True)
class Ranked:
    """One paper's place in a ranking: its score (cosine, 0..1)."""

    paper_id: str
    score: float


_MAX_TF = TEXT_CAP + 1_000
"""No term occurs more often than this in the capped text (title and keywords repeated included)."""


class _Numbering(dict[str, int]):
    """Term -> number, a new number for each new term (so ``map`` can number a paper's terms in C)."""

    def __missing__(self, term: str) -> int:
        number = self[term] = len(self)
        return number


class Profile:
    """What the user likes, as a weighted sum of paper vectors; cheap to change one paper at a time.

    Starred papers share a weight of 1 between them, read ones :data:`READ_WEIGHT`; adding or removing
    a paper touches only its own terms, so a new star costs a few hundred additions, not a rebuild.
    """

    def __init__(self, index: RankIndex, starred: Iterable[str] = (), read: Iterable[str] = ()) -> None:
        self._index = index
        self.starred: set[str] = set()
        self.read: set[str] = set()
        self._sum_starred: dict[int, float] = {}
        self._sum_read: dict[int, float] = {}
        self._weights: list[float] | None = None
        for paper_id in starred:
            self.add_star(paper_id)
        for paper_id in read:
            self.add_read(paper_id)

    def __bool__(self) -> bool:
        """A profile is worth ranking by only once something is starred."""
        return bool(self.starred)

    def _change(self, table: dict[int, float], paper_id: str, sign: float) -> bool:
        vector = self._index.vector(paper_id)
        if vector is None:
            return False
        for term, weight in zip(*vector, strict=True):
            table[term] = table.get(term, 0.0) + sign * weight
        self._weights = None
        return True

    def add_star(self, paper_id: str) -> None:
        if paper_id not in self.starred and self._change(self._sum_starred, paper_id, 1.0):
            self.starred.add(paper_id)

    def remove_star(self, paper_id: str) -> None:
        if paper_id in self.starred:
            self._change(self._sum_starred, paper_id, -1.0)
            self.starred.discard(paper_id)

    def add_read(self, paper_id: str) -> None:
        if paper_id not in self.read and self._change(self._sum_read, paper_id, 1.0):
            self.read.add(paper_id)

    def remove_read(self, paper_id: str) -> None:
        if paper_id in self.read:
            self._change(self._sum_read, paper_id, -1.0)
            self.read.discard(paper_id)

    def weights(self) -> list[float]:
        """The profile as one weight per vocabulary term, scaled to length 1 (cached until a change)."""
        if self._weights is None:
            dense = [0.0] * len(self._index.vocabulary)
            for table, total in ((self._sum_starred, 1.0), (self._sum_read, READ_WEIGHT)):
                count = len(self.starred if table is self._sum_starred else self.read)
                if count:
                    for term, value in table.items():
                        dense[term] += value * total / count
            norm = math.sqrt(math.fsum(w * w for w in dense if w))
            if norm > 0:
                dense = [w / norm for w in dense]
            self._weights = dense
        return self._weights


class RankIndex:
    """Every paper's TF-IDF vector over one vocabulary; built once per library (in a worker).

    A vector is two arrays (term numbers, weights: 8 bytes a term) holding the paper's
    :data:`MAX_TERMS` heaviest words plus its authors and categories, so 10,000 papers take ~10 MB
    and scoring one is ~100 multiplications. Papers added later are not in the index until it is
    built again (after a refresh brings papers in); :class:`Profile` ignores papers it lacks.
    """

    def __init__(self, papers: Sequence[Paper]) -> None:
        memo = _Terms()
        numbering = _Numbering()
        raw: list[tuple[str, array[int], array[int], int, int]] = []
        every = array("i")
        self.papers: dict[str, Paper] = {}
        for paper in papers:
            if paper.id in self.papers:
                continue
            self.papers[paper.id] = paper
            words, authors, categories = _paper_terms(paper, memo)
            numbers = array("i", map(numbering.__getitem__, words))
            numbers.extend(map(numbering.__getitem__, authors))
            numbers.extend(map(numbering.__getitem__, categories))
            counts = array("i", (min(tf, _MAX_TF) for tf in words.values()))
            counts.extend(authors.values())
            counts.extend(categories.values())
            every.extend(numbers)
            raw.append((paper.id, numbers, counts, len(words), len(words) + len(authors)))
        del memo
        total = len(raw)
        frequency = Counter(every)
        del every
        ceiling = max(2, int(total * MAX_DF_SHARE))
        terms = list(numbering)
        del numbering
        idf = [0.0] * len(terms)
        for number, df in frequency.items():
            idf[number] = math.log(total / df) if total > df else 0.0
        keep = bytearray(len(terms))
        for number, df in frequency.items():
            # The ceiling is for words only: a category most papers share is still the user's signal
            # (idf makes it weigh little, and nothing when every paper has it).
            keep[number] = 2 <= df < total and (df <= ceiling or terms[number].startswith("\x00"))
        del frequency
        log_tf = [0.0] + [1.0 + math.log(tf) for tf in range(1, _MAX_TF + 1)]
        remap = array("i", [-1]) * len(terms)
        self.vocabulary: list[str] = []
        for number, term in enumerate(terms):
            if keep[number]:
                remap[number] = len(self.vocabulary)
                self.vocabulary.append(term)
        del terms
        self._vectors: dict[str, tuple[array[int], array[float]]] = {}
        for paper_id, numbers, counts, words_end, authors_end in raw:
            weights = list(map(mul, map(log_tf.__getitem__, counts), map(idf.__getitem__, numbers)))
            ids, values = array("i"), array("f")
            for start, end, share in (
                (0, words_end, BLOCKS["words"]),
                (words_end, authors_end, BLOCKS["authors"]),
                (authors_end, len(numbers), BLOCKS["categories"]),
            ):
                block = weights[start:end]
                norm = math.sqrt(sum(map(mul, block, block)))
                if norm <= 0:
                    continue
                scale = math.sqrt(share) / norm
                chosen = [(w, n) for w, n in zip(block, numbers[start:end], strict=True) if keep[n] and w > 0]
                if len(chosen) > MAX_TERMS:
                    chosen.sort(reverse=True)
                    del chosen[MAX_TERMS:]
                if chosen:
                    chosen_weights, chosen_numbers = zip(*chosen, strict=True)
                    ids.extend(map(remap.__getitem__, chosen_numbers))
                    values.extend([w * scale for w in chosen_weights])
            self._vectors[paper_id] = (ids, values)
        self._display: dict[int, str] = {}
        names = {term: number for number, term in enumerate(self.vocabulary) if term.startswith("\x00")}
        for paper in self.papers.values():
            self._remember_names(paper, names)

    def _remember_names(self, paper: Paper, numbers: dict[str, int]) -> None:
        """The author's and category's own spelling, for reasons ("Müller", not "muller")."""
        for name in paper.authors[:AUTHORS_CAP]:
            number = numbers.get(_AUTHOR + " ".join(normalize(name).split()))
            if number is not None and number not in self._display:
                self._display[number] = " ".join(name.split())
        for category in paper.categories:
            number = numbers.get(_CATEGORY + category.strip().lower())
            if number is not None and number not in self._display:
                self._display[number] = category.strip()

    def __len__(self) -> int:
        return len(self._vectors)

    def __contains__(self, paper_id: object) -> bool:
        return paper_id in self._vectors

    def vector(self, paper_id: str) -> tuple[array[int], array[float]] | None:
        return self._vectors.get(paper_id)

    def profile(self, starred: Iterable[str] = (), read: Iterable[str] = ()) -> Profile:
        return Profile(self, starred, read)

    def rank(
        self, profile: Profile, candidates: Iterable[str] | None = None, *, top: int | None = None
    ) -> list[Ranked]:
        """Candidates (default: every paper not in the profile) by score, best first.

        Ties (and papers sharing nothing, score 0) keep the candidates' order, so a date-ordered list
        stays date-ordered among equals; candidates the index lacks score 0.
        """
        weights = profile.weights()
        if candidates is None:
            excluded = profile.starred | profile.read
            candidates = [paper_id for paper_id in self._vectors if paper_id not in excluded]
        vectors = self._vectors
        getter = weights.__getitem__
        scored: list[tuple[float, int, str]] = []
        append = scored.append
        for position, paper_id in enumerate(candidates):
            vector = vectors.get(paper_id)
            value = sum(map(mul, map(getter, vector[0]), vector[1])) if vector is not None else 0.0
            append((-value, position, paper_id))
        scored.sort()
        if top is not None:
            scored = scored[:top]
        return [Ranked(paper_id, -negative) for negative, _, paper_id in scored]

    def similar(
        self, paper_id: str, *, top: int = 20, candidates: Iterable[str] | None = None
    ) -> list[Ranked]:
        """The papers most like one paper (sharing anything at all), best first; empty if not indexed."""
        if paper_id not in self._vectors:
            return []
        profile = Profile(self, starred=[paper_id])
        pool = [p for p in (candidates if candidates is not None else self._vectors) if p != paper_id]
        return [ranked for ranked in self.rank(profile, pool, top=top) if ranked.score > 0]

    def reasons(self, profile: Profile, paper_id: str) -> str:
        """The terms that give most of a paper's score against ``profile``, in one short line."""
        vector = self._vectors.get(paper_id)
        if vector is None:
            return ""
        weights = profile.weights()
        contributions = sorted(
            (
                (weight * weights[term], term)
                for term, weight in zip(*vector, strict=True)
                if weights[term] > 0
            ),
            reverse=True,
        )
        if not contributions:
            return ""
        # Each kind against its own total: one shared category can outweigh every word, and the words
        # that carry the rest still deserve naming.
        totals: dict[str, float] = {}
        for value, number in contributions:
            kind = self.vocabulary[number][:3]
            totals[kind] = totals.get(kind, 0.0) + value
        words: list[str] = []
        authors: list[str] = []
        categories: list[str] = []
        for value, number in contributions:
            term = self.vocabulary[number]
            if value < totals[term[:3]] * REASON_SHARE:
                continue
            if term.startswith(_AUTHOR):
                if len(authors) < 2:
                    authors.append(self._display.get(number, term[len(_AUTHOR) :]))
            elif term.startswith(_CATEGORY):
                if len(categories) < 2:
                    categories.append(self._display.get(number, term[len(_CATEGORY) :]))
            elif len(words) < REASON_WORDS:
                # A pair replaces its own word shown before; otherwise a term repeating a shown word
                # ("language model" after "natural language") says nothing new.
                parts = term.split(" ")
                if any(shown in parts for shown in words):
                    words = [shown for shown in words if shown not in parts]
                elif any(part in shown.split(" ") for shown in words for part in parts):
                    continue
                words.append(term)
        parts = []
        if words:
            parts.append("shares: " + ", ".join(words))
        if authors:
            parts.append(("authors: " if len(authors) > 1 else "author: ") + ", ".join(authors))
        if categories:
            parts.append("cat: " + ", ".join(categories))
        return " · ".join(parts)

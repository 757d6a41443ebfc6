"""Relevance: order papers by how much they resemble the ones the user starred, and say why.

The model is BM25 with the user's profile as the query, over a paper's words, authors and categories:

* **Terms.** The words of the paper's folded text (title, authors, keywords, summary: the search
  index's ``hay``, folded like the query language folds it: case, accents, full-width forms), split
  on whitespace with edge punctuation cut, English function words and the stock phrases of abstracts
  dropped, plural endings cut; Chinese, Japanese and Korean runs as overlapping character pairs (no
  dictionary needed: "智能体" gives "智能", "能体"); each author's name; each category, the primary
  one twice. A paper keeps each term once (its distinct terms, numbered, in one flat array).
* **Profile.** For each term, the share of the starred papers holding it plus :data:`READ_WEIGHT`
  times the share of the read ones (a read paper was worth opening, but is far weaker evidence than
  a star), times the term's idf; a title word counts :data:`TITLE_BOOST` more.
* **Score.** The sum of the profile's weights over the terms a paper holds, its title words boosted,
  scaled by BM25's length factor (a long abstract holds more words by chance), plus its shared
  categories and authors. The best :data:`RERANK_TOP` are then checked for the starred papers'
  pairs of neighbouring words ("speculative decoding"): a phrase says far more than its two words.
  "More like this" is the same with one paper as the profile.
* **Reasons.** The terms that give most of a score, grouped as the user thinks of them:
  ``shares: kv cache, speculative decoding · author: Tri Dao · cat: cs.CL``.

Why our own few lines rather than a library: scikit-learn would cost ~1 s of import and ~100 MB for
the same arithmetic, and nothing here needs a model downloaded. Speed (``bench/bench_rank.py``, CPU
at 10,000 real abstracts): the index is built once per library, in a worker, from text the filter
has already folded (~0.6 s; 6.8 s when every paper kept a TF-IDF vector of Python objects), and
kept in the store (:mod:`reader_tui.term_table`: the next start loads it and indexes only the papers
written since, ~50 ms); ranking is one ``map`` of the profile's weights over the flat array and a
running sum (~70 ms). After the first ranking the profile's sums per span are worked out once
(:mod:`reader_tui.rank_segments`, in a worker) and kept up to date star by star, so a new star
re-ranks in ~25 ms.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from reader_tui.model import Paper
from reader_tui.rank_segments import NEGLIGIBLE, Segments, Snapshot, span_sums
from reader_tui.term_table import TermTable
from reader_tui.terms import AUTHOR, AUTHORS_CAP, CATEGORY, PRIMARY, Document, paper_document, tokens
from reader_tui.textfold import normalize

__all__ = ["READ_WEIGHT", "Profile", "RankIndex", "Ranked", "tokens"]

READ_WEIGHT = 0.2
"""How much all read papers together count against all starred ones in the profile."""
TITLE_BOOST = 1.0
"""A title word counts this much more than a word of the summary: the title is the paper's own summary."""
BM25_K1, BM25_B = 1.2, 0.75
"""BM25's usual constants: how soon a term's weight saturates, and how much a long text is discounted."""
CATEGORY_WEIGHT = 6.0
"""A shared category (and the primary one once more) weighs this many times its idf, a word its idf
once: the feed's own label for the field is the strongest signal a feed gives (bench_rank: p@10 0.92
with it, 0.47 from words alone on the 444-paper arXiv day)."""
AUTHOR_WEIGHT = 1.0
"""A shared author weighs this many times its idf."""
PROFILE_PAIRS = 60
"""Word pairs of the starred papers checked in the best candidates, the most shared first."""
RERANK_TOP = 200
"""Candidates checked for the profile's word pairs (an ``in`` each on their text)."""
PAIR_WEIGHT = 0.3
"""The bonus for holding every pair, as a share of the best score (a few pairs give a fraction)."""
MAX_DF_SHARE = 0.5
"""Words in more than this share of the papers are dropped (they are the field's own stopwords)."""
REASON_WORDS = 3
"""Shared words or phrases shown in a reason."""
REASON_SHARE = 0.08
"""A term is a reason only if it gives at least this share of what its kind (words, authors or
categories) adds to the paper's score."""


@dataclass(frozen=True, slots=True)
class Ranked:
    """One paper's place in a ranking: its score (0 when it shares nothing with the profile)."""

    paper_id: str
    score: float


class Profile:
    """What the user likes: how many of the starred (and, weakly, read) papers hold each term.

    Adding or removing a paper touches only its own terms (a few hundred additions), so a new star
    costs well under a millisecond; :meth:`weights` turns the counts into one weight per term.
    """

    def __init__(self, index: RankIndex, starred: Iterable[str] = (), read: Iterable[str] = ()) -> None:
        self._index = index
        self.starred: set[str] = set()
        self.read: set[str] = set()
        self._sum_starred: dict[int, float] = {}
        self._sum_read: dict[int, float] = {}
        self._weights: list[float] | None = None
        self._pairs: dict[str, float] | None = None
        self.generation = 0
        """Changes made so far (segments worked out for an earlier one are out of date)."""
        self.segments: Segments | None = None
        """The profile's sums per span, once worked out (see :meth:`adopt`): kept up to date here."""
        self.scores: tuple[int, list[float]] | None = None
        """Every paper's score (see :meth:`RankIndex.scores`) and the :attr:`generation` it is of."""
        for paper_id in starred:
            self.add_star(paper_id)
        for paper_id in read:
            self.add_read(paper_id)

    def __bool__(self) -> bool:
        """A profile is worth ranking by only once something is starred."""
        return bool(self.starred)

    def _change(self, table: dict[int, float], paper_id: str, sign: float) -> bool:
        terms = self._index.terms_of(paper_id)
        if terms is None:
            return False
        for term, weight in terms.items():
            table[term] = table.get(term, 0.0) + sign * weight
        self._weights = self._pairs = None
        self.generation += 1
        if self.segments is not None:
            self.segments.add(table is self._sum_starred, terms, self._index.idf, sign)
            self.segments.generation = self.generation
        return True

    def snapshot(self) -> Snapshot:
        """The counts as they stand, copied: segments are worked out from them on another thread."""
        return Snapshot(dict(self._sum_starred), dict(self._sum_read), self.generation)

    def adopt(self, segments: Segments) -> bool:
        """Rank by ``segments`` from now on, if the profile has not changed since their snapshot."""
        if segments.generation != self.generation:
            return False
        self.segments = segments
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
        """One weight per vocabulary term: the share of profile papers holding it times its idf
        (and its kind's weight); cached until the profile changes."""
        if self._weights is None:
            dense = [0.0] * len(self._index.vocabulary)
            idf = self._index.idf
            for table, people, total in (
                (self._sum_starred, self.starred, 1.0),
                (self._sum_read, self.read, READ_WEIGHT),
            ):
                if people:
                    share = total / len(people)
                    for term, value in table.items():
                        if value > 1e-9:
                            dense[term] += value * share * idf[term]
            self._weights = dense
        return self._weights

    def pairs(self) -> dict[str, float]:
        """Pairs of neighbouring words ("speculative decoding") in the starred papers, by the share of
        them holding each: checked against the best candidates only (see :meth:`RankIndex.rank`)."""
        if self._pairs is None:
            counts: Counter[str] = Counter()
            for paper_id in self.starred:
                counts.update(self._index.pairs_of(paper_id))
            total = max(1, len(self.starred))
            # Ties broken by the pair itself: the same profile ranks the same in every process
            # (set and string-hash order differ between runs).
            best = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:PROFILE_PAIRS]
            self._pairs = {pair: n / total for pair, n in best}
        return self._pairs


class RankIndex:
    """A :class:`~reader_tui.term_table.TermTable` (each paper's distinct terms, numbered, in one
    flat array) and the weights worked out from its counts: each term's idf, each paper's length factor.

    Scoring is BM25 with the profile as the query: a paper's score is the sum, over the terms it shares
    with the profile, of the profile's weight for the term (share of profile papers holding it x idf),
    title terms counting :data:`TITLE_BOOST` times more, scaled by BM25's length factor for a term seen
    once; plus its categories' and authors' weights. Building costs one ``str.split`` and one ``map``
    per paper over text the search index has already folded; ranking is one ``map`` over the flat
    array and a running sum, so a new star re-ranks 10,000 papers in tens of milliseconds. The best
    :data:`RERANK_TOP` candidates are then checked for the profile's word pairs (``in`` on their text).
    """

    def __init__(
        self,
        papers: Iterable[Paper] = (),
        documents: Iterable[Document] | None = None,
        texts_of: Callable[[list[str]], dict[str, str]] | None = None,
        *,
        table: TermTable | None = None,
    ) -> None:
        """Index ``documents`` (the app's, see :func:`row_document`), else ``papers``; or take
        ``table``, built already (loaded from the store and brought up to date).

        ``texts_of`` gives the summary text of a few papers by id (the store's): the index then keeps
        only the titles, and asks for the text of the best candidates when it looks for word pairs
        (keeping every text would hold ~14 MB at 10,000 papers, 140 MB at 100,000).
        """
        if table is None:
            table = TermTable(keep_texts=texts_of is None)
            table.add(documents if documents is not None else map(paper_document, papers))
        self.table = table
        self._texts_of = texts_of
        self._postings: tuple[array[int], array[int]] | None = None
        self._flat, self._ends, self._position = table.flat, table.ends, table.position
        self._titles, self._texts = table.titles, table.texts or []
        self.vocabulary: list[str] = table.vocabulary
        total = len(table)
        df = table.df
        self.idf: list[float] = [
            (math.log(1.0 + (total - n + 0.5) / (n + 0.5)) if 1 < n < total else 0.0) for n in df
        ]
        ceiling = total * MAX_DF_SHARE
        for number, term in enumerate(self.vocabulary):
            if term.startswith("\x00"):
                self.idf[number] *= AUTHOR_WEIGHT if term.startswith(AUTHOR) else CATEGORY_WEIGHT
            elif df[number] > ceiling:
                self.idf[number] = 0.0  # in most papers: the field's own stopword
        lengths = table.lengths
        mean = (sum(lengths) / total) if total else 1.0
        k1, b = BM25_K1, BM25_B
        self._length_factor = array("f", [(k1 + 1) / (1 + k1 * (1 - b + b * n / mean)) for n in lengths])

    def _span(self, position: int) -> tuple[int, int, int, int]:
        ends = self._ends
        start = ends[3 * position - 1] if position else 0
        return start, ends[3 * position], ends[3 * position + 1], ends[3 * position + 2]

    def __len__(self) -> int:
        return len(self._position)

    def __contains__(self, paper_id: object) -> bool:
        return paper_id in self._position

    def terms_of(self, paper_id: str) -> dict[int, float] | None:
        """The paper's terms as a profile counts them: 1 each, a title word :data:`TITLE_BOOST` more."""
        position = self._position.get(paper_id)
        if position is None:
            return None
        start, words_end, title_end, end = self._span(position)
        flat = self._flat
        terms = dict.fromkeys(flat[start:words_end], 1.0)
        terms.update(dict.fromkeys(flat[words_end:title_end], 1.0 + TITLE_BOOST))
        terms.update(dict.fromkeys(flat[title_end:end], 1.0))
        return terms

    def _text_of(self, paper_ids: list[str]) -> dict[str, str]:
        """The title and text the index was given for each paper (asked of ``texts_of`` when kept
        there), for word pairs."""
        position = self._position
        if self._texts_of is None:
            return {pid: self._texts[position[pid]] for pid in paper_ids if pid in position}
        found = self._texts_of([pid for pid in paper_ids if pid in position])
        return {pid: self._titles[position[pid]] + "\n" + text for pid, text in found.items()}

    def pairs_of(self, paper_id: str) -> set[str]:
        """The pairs of neighbouring kept words in the paper's text."""
        text = self._text_of([paper_id]).get(paper_id)
        return {term for term in tokens(text) if " " in term} if text else set()

    def profile(self, starred: Iterable[str] = (), read: Iterable[str] = ()) -> Profile:
        return Profile(self, starred, read)

    def rank(
        self, profile: Profile, candidates: Iterable[str] | None = None, *, top: int | None = None
    ) -> list[Ranked]:
        """Candidates (default: every paper not in the profile) by score, best first.

        Ties (and papers sharing nothing, score 0) keep the candidates' order, so a date-ordered list
        stays date-ordered among equals; candidates the index lacks score 0.
        """
        ids, scores = self.order(profile, candidates)
        if top is not None:
            ids, scores = ids[:top], scores[:top]
        return [Ranked(paper_id, score) for paper_id, score in zip(ids, scores, strict=True)]

    def order(
        self, profile: Profile, candidates: Iterable[str] | None = None
    ) -> tuple[list[str], list[float]]:
        """:meth:`rank` as two lists, the ids and their scores: no object made per paper, so a star's
        re-rank leaves nothing alive for the interpreter's garbage collector to go through (with
        10,000 tuples kept through a ranking, a full collection of the app's ~160,000 objects,
        ~80 ms, came every second or third star)."""
        if candidates is None:
            excluded = profile.starred | profile.read
            candidates = [paper_id for paper_id in self._position if paper_id not in excluded]
        pool = candidates if isinstance(candidates, list) else list(candidates)
        scores, position_of = self.scores(profile), self._position
        keys = [-scores[at] if (at := position_of.get(pid)) is not None else 0.0 for pid in pool]
        order = sorted(range(len(pool)), key=keys.__getitem__)  # stable: ties keep the candidates' order
        self._rerank_with_pairs(profile, order, keys, pool)
        return [pool[i] for i in order], [0.0 - keys[i] for i in order]

    def scores(self, profile: Profile) -> list[float]:
        """Every paper's score, by position: its words' weights plus its title words' boosted, times
        its length factor, plus its authors' and categories'. The sums per span come from the
        profile's segments when it has them, else from one pass over the flat array. Kept with the
        profile until it changes: the app works them out in its worker, with the index, so the
        event loop only sorts; and ranking a filtered list again (a keystroke) only sorts."""
        if profile.scores is not None and profile.scores[0] == profile.generation:
            return profile.scores[1]
        segments = profile.segments
        if segments is not None:
            sums = segments.combined(len(profile.starred), len(profile.read), READ_WEIGHT)
        else:
            sums = span_sums(profile.weights(), self._flat, self._ends)
        boost = 1.0 + TITLE_BOOST
        spans = zip(sums[0::3], sums[1::3], sums[2::3], self._length_factor, strict=True)
        scores = [
            score if (score := (words + boost * title) * factor + names) > NEGLIGIBLE else 0.0
            for words, title, names, factor in spans
        ]
        profile.scores = (profile.generation, scores)
        return scores

    def segments(self, snapshot: Snapshot) -> Segments:
        """Sums per span for a profile's snapshot, and the postings that keep them up to date (built
        once per index): ~0.2 s of CPU at 10,000 papers, for a worker."""
        if self._postings is None:
            self._postings = self.table.postings()
        return Segments.prime(snapshot, self.idf, self._flat, self._ends, self._postings)

    def _rerank_with_pairs(
        self, profile: Profile, order: list[int], keys: list[float], pool: list[str]
    ) -> None:
        """The best :data:`RERANK_TOP` of ``order`` (indexes into ``pool``, by ``keys``, the negated
        scores) again, with a bonus for each of the profile's word pairs their text holds: a shared
        phrase says more than its two words apart."""
        pairs = profile.pairs()
        head = order[:RERANK_TOP]
        if not pairs or not head or keys[head[0]] >= 0:
            return
        best = -keys[head[0]]
        texts = self._text_of([pool[i] for i in head if keys[i] < 0])
        for i in head:
            text = texts.get(pool[i])
            if text is not None:
                bonus = sum(share for pair, share in pairs.items() if pair in text)
                keys[i] -= PAIR_WEIGHT * best * bonus / len(pairs) ** 0.5
        head.sort()  # ties by the candidates' order ...
        head.sort(key=keys.__getitem__)  # ... under the new scores
        order[: len(head)] = head

    def similar(
        self, paper_id: str, *, top: int = 20, candidates: Iterable[str] | None = None
    ) -> list[Ranked]:
        """The papers most like one paper (sharing anything at all), best first; empty if not indexed."""
        if paper_id not in self._position:
            return []
        profile = Profile(self, starred=[paper_id])
        pool = [p for p in (candidates if candidates is not None else self._position) if p != paper_id]
        return [ranked for ranked in self.rank(profile, pool, top=top) if ranked.score > 0]

    def reasons(self, profile: Profile, paper_id: str, paper: Paper | None = None) -> str:
        """The terms that give most of a paper's score against ``profile``, in one short line; the
        shared authors and categories spelt as ``paper`` (the one explained) spells them."""
        terms = self.terms_of(paper_id)
        if terms is None:
            return ""
        weights = profile.weights()
        contributions = [
            (weight * weights[term], self.vocabulary[term])
            for term, weight in terms.items()
            if weights[term] > 0
        ]
        if not contributions:
            return ""
        value_of = {term: value for value, term in contributions}
        text = self._text_of([paper_id]).get(paper_id, "")
        for pair in profile.pairs():
            if pair in text:
                first, _, second = pair.partition(" ")
                if first in value_of and second in value_of:
                    contributions.append((value_of[first] + value_of[second], pair))
        contributions.sort(reverse=True)
        return _reason_line(contributions, _display_names(paper))


def _display_names(paper: Paper | None) -> dict[str, str]:
    """The paper's authors and categories as it spells them ("Müller", not "muller"), by term."""
    if paper is None:
        return {}
    names = {AUTHOR + normalize(name): " ".join(name.split()) for name in paper.authors[:AUTHORS_CAP]}
    names.update((CATEGORY + normalize(c), c.strip()) for c in paper.categories[:AUTHORS_CAP])
    return names


def _reason_line(contributions: list[tuple[float, str]], names: dict[str, str]) -> str:
    """``shares: kv cache, speculative decoding · author: Tri Dao · cat: cs.CL`` from the terms that
    give most of a score, best first; each kind is judged against its own total, so one shared
    category does not hide the words that carry the rest."""
    totals: dict[str, float] = {}
    for value, term in contributions:
        if term.startswith(PRIMARY):
            term = CATEGORY + term[len(PRIMARY) :]
        kind = term[:3] if term.startswith("\x00") else "w"
        if " " not in term or kind != "w":
            totals[kind] = totals.get(kind, 0.0) + value
    words: list[str] = []
    authors: list[str] = []
    categories: list[str] = []
    for value, term in contributions:
        if term.startswith(PRIMARY):  # the primary category's second term: named as a category
            term = CATEGORY + term[len(PRIMARY) :]
        kind = term[:3] if term.startswith("\x00") else "w"
        if value < totals.get(kind, 0.0) * REASON_SHARE:
            continue
        if term.startswith(AUTHOR):
            if len(authors) < 2:
                authors.append(names.get(term, term[len(AUTHOR) :]))
        elif term.startswith(CATEGORY):
            name = names.get(term, term[len(CATEGORY) :])
            if len(categories) < 2 and name not in categories:
                categories.append(name)
        elif len(words) < REASON_WORDS:
            # A pair replaces its own word shown before; otherwise a term repeating a shown word
            # ("language model" after "natural language") says nothing new.
            parts = term.split(" ")
            if any(shown in parts for shown in words):
                words = [shown for shown in words if shown not in parts]
            elif any(part in shown.split(" ") for shown in words for part in parts):
                continue
            words.append(term)
    line = []
    if words:
        line.append("shares: " + ", ".join(words))
    if authors:
        line.append(("authors: " if len(authors) > 1 else "author: ") + ", ".join(authors))
    if categories:
        line.append("cat: " + ", ".join(categories))
    return " · ".join(line)

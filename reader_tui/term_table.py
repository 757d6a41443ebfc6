"""Each paper's distinct terms, numbered, in one flat array: what :class:`~reader_tui.rank.RankIndex`
scores, kept apart from the scoring so it can be saved, loaded and brought up to date.

Building it costs ~50 µs of CPU a paper (~0.5 s at 10,000), most of it Python work per word; so the
app keeps it in the paper cache (:meth:`TermTable.dumps`, keyed by :data:`FORMAT`) and at the next
start loads it (tens of milliseconds) and indexes only the papers written since
(:meth:`TermTable.updated`). Everything a ranking needs that changes with the library (idf, the
length factor) is worked out from the table's counts after loading, so a loaded and updated table
ranks exactly as one built from scratch.
"""

from __future__ import annotations

import json
import sys
import zlib
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping
from itertools import accumulate
from typing import Any

from reader_tui import terms
from reader_tui.terms import (
    AUTHOR,
    CATEGORY,
    CJK_RUN,
    PRIMARY,
    TEXT_CAP,
    Document,
    Numbering,
    Terms,
    WordNumbers,
)
from reader_tui.textfold import normalize

TABLE_FORMAT = 1
"""Raise it when the table's layout changes."""
FORMAT = "terms-{}.{:08x}.{}".format(
    TABLE_FORMAT,
    zlib.crc32(
        repr(
            (
                terms.TERMS_FORMAT,
                sorted(terms.STOP),
                TEXT_CAP,
                terms.AUTHORS_CAP,
                terms.EDGE_PUNCTUATION,
                normalize("Ｆｕｌｌ-Wïdth ÉTÉ"),
            )
        ).encode()
    ),
    sys.byteorder,
)
"""What a saved table must have been built by: this layout, the same terms (function words, caps,
folding) and byte order. A table saved under another is built again, never read."""

_CHUNK = 65_536
"""Term numbers gathered in a list before they are packed into the array."""


class TermTable:
    """Papers' terms in one flat array: for each paper, three spans (its words not in the title, its
    title words, its authors and categories) ending at ``ends[3p]``, ``ends[3p+1]``, ``ends[3p+2]``.

    Also kept: each term's document frequency (``df``), each paper's count of distinct words
    (``lengths``, for BM25), its folded title, and (without a store to ask) its text.
    """

    def __init__(self, keep_texts: bool = True) -> None:
        self.vocabulary: list[str] = []
        self.flat = array("i")
        self.ends = array("i")
        self.lengths = array("f")
        self.df = array("i")
        self.ids: list[str] = []
        self.position: dict[str, int] = {}
        self.titles: list[str] = []
        self.texts: list[str] | None = [] if keep_texts else None
        self.versions = array("q")
        """Each paper's version in the paper cache when indexed: a paper written since is indexed again."""
        self.unsaved = 0
        """Papers indexed or dropped since the table was saved (or all, if it never was)."""

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, documents: Iterable[Document], versions: Mapping[str, int] | None = None) -> None:
        """Index ``documents`` after the papers already here (one already here is skipped), each
        with its version in the paper cache (0 when not given)."""
        versions = versions or {}
        numbering = Numbering(zip(self.vocabulary, range(len(self.vocabulary)), strict=True))
        words = WordNumbers(numbering)
        word_number = words.__getitem__
        memo = Terms()
        flat: list[int] = []  # a list while it grows (extending an array from a set is slower) ...
        packed = self.flat  # ... packed into the array a chunk at a time, so the list stays small
        frequency: Counter[int] = Counter()
        ends, position, titles, texts = self.ends, self.position, self.titles, self.texts
        for paper_id, title, body, authors, categories in documents:
            if paper_id in position:
                continue
            body = body[:TEXT_CAP]
            if body.isascii() or not CJK_RUN.search(body):
                distinct = set(map(word_number, set(body.split())))
                in_title = set(map(word_number, title.split()))
            else:  # Chinese, Japanese or Korean: character pairs, found by the slower regex path
                distinct = set(map(numbering.__getitem__, _plain_terms(body, memo)))
                in_title = set(map(numbering.__getitem__, _plain_terms(title, memo)))
            in_title.discard(-1)
            distinct.discard(-1)
            self.lengths.append(len(distinct | in_title))
            distinct -= in_title  # each word once: in the title, else in the rest
            position[paper_id] = len(self.ids)
            self.ids.append(paper_id)
            self.versions.append(versions.get(paper_id, 0))
            self.unsaved += 1
            titles.append(title)
            if texts is not None:
                texts.append(body)
            flat.extend(distinct)
            ends.append(len(packed) + len(flat))
            flat.extend(in_title)
            ends.append(len(packed) + len(flat))
            names = [AUTHOR + name for name in authors]
            if categories:  # the primary category once more, as a term of its own
                names += [CATEGORY + c for c in dict.fromkeys(categories)]
                names.append(PRIMARY + categories[0])
            flat.extend(map(numbering.__getitem__, names))
            ends.append(len(packed) + len(flat))
            if len(flat) >= _CHUNK:
                frequency.update(flat)  # the list counts faster than the array
                packed.extend(flat)
                flat.clear()
        frequency.update(flat)
        packed.extend(flat)
        del flat, words
        self.vocabulary[len(self.vocabulary) :] = list(numbering)[len(self.vocabulary) :]
        df = self.df
        df.extend([0] * (len(self.vocabulary) - len(df)))
        for number, count in frequency.items():
            df[number] += count

    def span(self, position: int) -> tuple[int, int]:
        ends = self.ends
        return (ends[3 * position - 1] if position else 0), ends[3 * position + 2]

    def postings(self) -> tuple[array[int], array[int]]:
        """For each term, the spans holding it (span ``3p + k`` is paper ``p``'s k-th span): the
        index turned around, for :class:`~reader_tui.rank_segments.Segments` (~0.2 s at 10,000).
        One flat array and each term's end in it (an array per term would be ~50,000 more objects
        for every full garbage collection of the app to go through), filled in place from the
        terms' counts: a list per term while it grows held ~4 times the memory (~80 MB more at
        100,000 papers)."""
        ends = array("i", accumulate(self.df))
        spans = array("i", [0]) * len(self.flat)
        free = [0, *ends[:-1]]  # where each term's next span goes
        flat, start = self.flat, 0
        for span, end in enumerate(self.ends):
            for term in flat[start:end]:
                at = free[term]
                spans[at] = span
                free[term] = at + 1
            start = end
        return spans, ends

    def updated(
        self,
        documents: Iterable[Document],
        drop: Iterable[str] = (),
        versions: Mapping[str, int] | None = None,
    ) -> TermTable:
        """A new table: this one without the papers of ``drop`` and the papers of ``documents``
        (indexed again if here already: a paper written again may have new text). This one is left
        as it was (a ranking may be reading it on another thread)."""
        documents = list(documents)
        again = {document[0] for document in documents}
        gone_ids = {pid for pid in {*drop, *again} if pid in self.position}
        gone = {self.position[pid] for pid in gone_ids}
        table = TermTable(keep_texts=self.texts is not None)
        table.vocabulary = list(self.vocabulary)
        table.df = array("i", self.df)
        table.unsaved = self.unsaved + len(gone_ids - again)  # those indexed again count once, below
        table._keep(self, gone)
        table.add(documents, versions)
        return table

    def _keep(self, source: TermTable, gone: set[int]) -> None:
        """Copy ``source``'s papers but those at the positions of ``gone`` (their terms uncounted)."""
        df, flat, ends = self.df, self.flat, self.ends
        for position in gone:
            start, end = source.span(position)
            for number in source.flat[start:end]:
                df[number] -= 1
        kept_from = 0  # copy the runs of kept papers a slice at a time: one memcpy each
        for position in [*sorted(gone), len(source.ids)]:
            if kept_from < position:
                start, _ = source.span(kept_from)
                _, end = source.span(position - 1)
                shift = len(flat) - start
                flat.extend(source.flat[start:end])
                ends.extend(e + shift for e in source.ends[3 * kept_from : 3 * position])
                self.lengths.extend(source.lengths[kept_from:position])
                self.ids.extend(source.ids[kept_from:position])
                self.versions.extend(source.versions[kept_from:position])
                self.titles.extend(source.titles[kept_from:position])
                if self.texts is not None and source.texts is not None:
                    self.texts.extend(source.texts[kept_from:position])
            kept_from = position + 1
        self.position = dict(zip(self.ids, range(len(self.ids)), strict=True))

    # -- saved in the paper cache ----------------------------------------------------------------
    def dumps(self) -> tuple[str, bytes]:
        """The table as JSON (its strings) and bytes (its numbers), for :meth:`loads`. Texts are not
        saved: a saved table is the app's, which asks the store for them."""
        arrays = (self.flat, self.ends, self.lengths, self.df, self.versions)
        strings = json.dumps(
            {
                "ids": self.ids,
                "titles": self.titles,
                "vocabulary": self.vocabulary,
                "sizes": [len(a) for a in arrays],
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        numbers = b"".join(a.tobytes() for a in arrays)
        return strings, _checksum(strings, numbers) + numbers

    @classmethod
    def loads(cls, strings: str, numbers: bytes) -> TermTable | None:
        """A table saved by :meth:`dumps`; None when it does not hold together (then build anew)."""
        if numbers[:4] != _checksum(strings, numbers[4:]):
            return None  # damaged (or written by something else): built again, never half read
        numbers = numbers[4:]
        try:
            found = json.loads(strings)
            table = cls(keep_texts=False)
            table.ids, table.titles, table.vocabulary = found["ids"], found["titles"], found["vocabulary"]
            offset = 0
            arrays: list[array[Any]] = [table.flat, table.ends, table.lengths, table.df, table.versions]
            for target, size in zip(arrays, found["sizes"], strict=True):
                end = offset + size * target.itemsize
                target.frombytes(numbers[offset:end])
                offset = end
        except (ValueError, TypeError, KeyError):
            return None
        papers = len(table.ids)
        if not (
            offset == len(numbers)
            and len(table.titles) == len(table.lengths) == len(table.versions) == papers
            and len(table.ends) == 3 * papers
            and len(table.df) == len(table.vocabulary)
            and (not papers or table.ends[-1] == len(table.flat))
        ):
            return None
        table.position = dict(zip(table.ids, range(papers), strict=True))
        if len(table.position) != papers:
            return None
        return table


def _checksum(strings: str, numbers: bytes) -> bytes:
    return zlib.crc32(numbers, zlib.crc32(strings.encode())).to_bytes(4, "little")


def _plain_terms(text: str, memo: Terms) -> list[str]:
    """Words and CJK character pairs, no word pairs: the slower path for CJK text."""
    return [term for term in terms.tokens(text, memo) if " " not in term]

"""Text folded for matching: what makes ``muller`` find Müller and ``<b>Trans</b>former`` one word.

Search and ranking compare words, not spellings: the filter's needles and every paper's fields go through
:func:`normalize` (case, accents and compatibility forms folded away, so ``strasse`` finds Straße and
full-width letters match ASCII), and a summary's HTML is reduced to its words by :func:`html_to_text`.
Both sides must fold the same way, so there is one place that does it. Pure functions over ``str``:
nothing here knows a paper, a query or a feed.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from reader_tui.safety import drop_invisible

__all__ = ["html_to_text", "normalize", "strip_markup"]


@lru_cache(maxsize=1)
def _bmp_marks() -> re.Pattern[str]:
    """A character class of every combining mark (canonical combining class != 0) below U+10000.

    Built on first use from the running Python's Unicode database (a few ms, so not at import).
    Astral marks are kept out of the class on purpose: one code point above U+FFFF makes ``re``
    test each character against every range instead of a bitmap, 50 times slower.
    """
    ranges: list[str] = []
    run_start = previous = -2
    for code in range(0x300, 0x10000):
        if unicodedata.combining(chr(code)):
            if code != previous + 1:
                if run_start >= 0:
                    ranges.append(f"{re.escape(chr(run_start))}-{re.escape(chr(previous))}")
                run_start = code
            previous = code
    ranges.append(f"{re.escape(chr(run_start))}-{re.escape(chr(previous))}")
    return re.compile("[" + "".join(ranges) + "]")


@lru_cache(maxsize=1024)
def _is_astral_mark(char: str) -> bool:
    return char > "\uffff" and unicodedata.combining(char) != 0


def _fold(text: str) -> str:
    """Drop invisible characters, NFKD, drop combining marks, casefold; whitespace untouched (see
    :func:`normalize`). Without the first step ``zerowidth`` would not find ``Zero\u200bwidth``.

    Marks go before casefolding because casefold turns one of them (U+0345, the Greek iota
    subscript) into a letter; checked over all of Unicode, casefolding mark-free NFKD text
    never brings a mark back.
    """
    if text.isascii():
        return text.lower()
    folded = unicodedata.normalize("NFKD", drop_invisible(text))
    if not folded.isascii():
        folded = _bmp_marks().sub("", folded)
        if len(folded.encode("utf-16-le", "surrogatepass")) != 2 * len(folded):
            # Characters beyond the BMP (emoji, rare scripts): check just the distinct ones.
            for mark in [ch for ch in set(folded) if _is_astral_mark(ch)]:
                folded = folded.replace(mark, "")
    return folded.casefold()


def normalize(text: str) -> str:
    """Fold text for matching: NFKD, drop combining marks, casefold, collapse whitespace runs.

    Queries and paper fields both go through this, so ``Müller``/``muller``, ``Straße``/``strasse``
    and ``ＧＰＴ``/``gpt`` meet in the middle. Pure ASCII takes a fast path (lower-casing is
    casefolding there); otherwise one regex pass drops the marks, far cheaper than a per-character
    Python loop on 1,500-character summaries.
    """
    return " ".join(_fold(text).split())


# Possessive quantifiers: "<" and 100k spaces made the plain "<\s*/?\s*" try every split of the run
# (72 s at 20k characters, on the UI thread while the index is built).
_BLOCK_TAG = re.compile(
    r"<\s*+/?\s*+(?:p|br|div|li|ul|ol|dl|dt|dd|h[1-6]|tr|td|th|table|thead|tbody|blockquote|pre|hr|"
    r"section|article|header|footer|figure|figcaption|img)\b[^<>]*>",
    re.IGNORECASE,
)
_OTHER_MARKUP = re.compile(
    r"<!--.*?(?:-->|$)|<(?:script|style)\b.*?(?:</(?:script|style)\s*>|$)|</?[A-Za-z!?][^<>]*>",
    re.IGNORECASE | re.DOTALL,
)


def strip_markup(markup: str) -> str:
    import html  # html.entities is a large table: loaded on first use (the app's start needs none)

    if "<" in markup:
        markup = _OTHER_MARKUP.sub("", _BLOCK_TAG.sub(" ", markup))
    return html.unescape(markup)


def html_to_text(markup: str) -> str:
    """The readable text of a summary's HTML, for searching (not for display).

    Two compiled regexes and ``html.unescape`` instead of a parser: building the index for 100k
    papers must stay in seconds, and a search haystack only needs the words, not the structure.
    Block-level tags become spaces (so ``<p>a</p><p>b</p>`` does not glue ``ab``); inline tags
    vanish (so ``<b>Trans</b>former`` stays one word); comments, scripts and styles are dropped.
    """
    return " ".join(strip_markup(markup).split())

"""Author fields -> a list of people, each written "Given Surname" (as arXiv writes them), whatever the habit.

Feeds write authors in many ways: one ``dc:creator`` or Atom ``<author>`` per person (Nature, PubMed,
OJS), one field holding the whole list ("A, B and C"; "A; B; C;"), surname first ("Inoda, Toshio";
bioRxiv's "LAPALU, N., SIMON, A."), Vancouver lists ("Brandão S, Saeedi H, Brandt A."), Chinese
names joined by full-width commas, collaborations ("The Brazil Flora Group"), an e-mail after the
name, "et al." at the end. :func:`people` reads all of these into one form so that the list,
``author:`` search and citation keys agree; a surname-first name is turned around with nameparser
(``HumanName``), which knows particles ("van der Berg, Jan") and suffixes ("Smith, John, Jr.").

Every pattern here is linear in the field's length (no nested or adjacent unbounded repeats), and
each field is cut to :data:`AUTHOR_FIELD_MAX` characters before anything else reads it: a 100 KB
author field costs milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from reader_tui.safety import clean_line

AUTHOR_FIELD_MAX = 100_000
"""Characters of one author field read; a 3,000-author collaboration list is ~60,000."""
NAME_MAX = 200
"""Characters of one name kept: no person's name is longer; a longer piece is junk, cut, not dropped."""
AUTHORS_MAX = 5_000
"""Names kept per paper (ATLAS papers list ~3,000)."""

# An e-mail address, bounded on both sides so that a long run without "@" costs linear time.
_EMAIL = re.compile(r"[<(\[]?\s{0,3}(?:mailto:)?[^\s<>()\[\]@,;]{1,64}@[^\s<>()\[\]@,;]{1,255}\s{0,3}[>)\]]?")
_ET_AL = re.compile(r"(?:,\s{0,3})?(?<!\S)(?:et\.?\s{1,3}al\.?|and\s{1,3}others|等(?:人)?)\s{0,3}$", re.I)
# List separators: commas and semicolons (ASCII and full-width), the Chinese enumeration comma,
# and "and" / "&" as whole words. Look-arounds instead of \s+ on both sides keep this linear.
_ET_AL_SPAN = 32
"""Characters at the end of a field :data:`_ET_AL` is looked for in (its longest match is 19)."""
_SEPARATOR = re.compile(r"[,;，；、]|(?<!\S)(?:and|&)(?!\S)")
_COMMAS = re.compile(r"[,;，；、]")
""":data:`_SEPARATOR` where the text has no "and" or "&" (most fields): a plain class splits faster."""
_SEMICOLON = re.compile(r"[;；]")
_SUFFIX_COMMA = re.compile(r",\s{0,3}(?=(?:Jr|Sr|II|III|IV)\.?\s{0,3}(?:$|[,;]))")
_INITIALS = re.compile(r"[A-Z][a-z]?\.(?:[- ]{0,2}[A-Z][a-z]?\.){0,3}")
_VANCOUVER = re.compile(r"(?P<surname>\S.{0,150}?)\s(?P<initials>[A-Z]{1,3})\.?")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]")
_COLLABORATION = re.compile(
    r"(?<!\S)(?:collaboration|consortium|group|team|project|initiative|network|society|committee|"
    r"working|investigators|study|alliance|association|council|program(?:me)?)(?!\S)",
    re.I,
)
_TEX_HINT = re.compile(r"[\\{]")


def people(fields: Iterable[str | None]) -> list[str]:
    """Every person named in the author fields of one item, in order, each once.

    Each field may hold one person or a whole list: both are read by :func:`split_list`.
    """
    names: list[str] = []
    for value in fields:
        names.extend(split_list(value))
        if len(names) >= AUTHORS_MAX:
            break
    return list(dict.fromkeys(names))[:AUTHORS_MAX]


def split_list(text: str | None) -> list[str]:
    """One author field as people: ``"Inoda, Toshio"`` is one, ``"A, B and C"`` three."""
    if not text:
        return []
    text = clean_line(text[:AUTHOR_FIELD_MAX])
    if "@" in text:
        text = _EMAIL.sub(" ", text)
    # Each pattern only where its words can be: most fields (arXiv's) have none of them. "et al." ends
    # the field (its match is at most 19 characters long, in any case); a suffix is one of four words.
    tail = text[-_ET_AL_SPAN:].lower()
    if "et" in tail or "others" in tail or "等" in tail:
        text = _ET_AL.sub("", text)
    text = text.strip(" ,;")
    if "Jr" in text or "Sr" in text or "II" in text or "IV" in text:
        text = _SUFFIX_COMMA.sub(" ", text)  # "Smith, John, Jr.": one person
    if not text:
        return []
    if ";" in text or "；" in text:  # "A; B; C;" or "Surname, Given; Surname, Given"
        pieces = [p for p in (p.strip() for p in _SEMICOLON.split(text)) if p]
        return _dedupe(_person(piece, inverted_ok=True) for piece in pieces)
    # The text is one clean line: its pieces need only their ends trimmed.
    separator = _SEPARATOR if "and" in text or "&" in text else _COMMAS
    pieces = [p for p in (p.strip() for p in separator.split(text)) if p]
    if len(pieces) == 2 and _inverted_pair(pieces[0], pieces[1]):
        return _dedupe([_person(f"{pieces[0]}, {pieces[1]}", inverted_ok=True)])
    if len(pieces) > 1 and all(_VANCOUVER.fullmatch(p) for p in pieces):
        return _dedupe(_vancouver(p) for p in pieces)
    names: list[str] = []
    i = 0
    while i < len(pieces):
        piece = pieces[i]
        following = pieces[i + 1] if i + 1 < len(pieces) else None
        if following is not None and _is_initials(following) and not _is_initials(piece):
            names.append(_person(f"{piece}, {following}", inverted_ok=True))  # "LAPALU, N."
            i += 2
        else:
            names.append(_person(piece, inverted_ok=False))
            i += 1
    return _dedupe(names)


def _person(piece: str, *, inverted_ok: bool) -> str:
    """One person's name in "Given Surname" order, TeX accents decoded, at most NAME_MAX characters."""
    piece = piece[: NAME_MAX * 2]
    decoded = decode_tex(piece)
    piece = (piece if decoded is piece else clean_line(decoded))[:NAME_MAX].strip(" ,;")
    if not piece or (not piece.isascii() and _CJK.search(piece)) or _COLLABORATION.search(piece):
        return piece
    if inverted_ok and "," in piece:
        return _turn_around(piece)
    if (
        (piece[-1].isupper() or piece[-1] == ".")
        and piece.count(" ") == 1
        and (match := _VANCOUVER.fullmatch(piece))
        and len(match["initials"]) <= 2
    ):
        if any(c.islower() for c in match["surname"]):  # "Brandão S", not "Xiao JIN"
            return _vancouver(piece)
    return piece


def _turn_around(piece: str) -> str:
    """``"van der Berg, Jan"`` -> ``"Jan van der Berg"``; ``"Smith, John, Jr."`` -> ``"John Smith Jr."``."""
    name = _human_name(piece)
    given = " ".join(filter(None, (name.first, name.middle)))
    surname = name.last
    if not surname or not given:
        return piece.replace(",", " ").strip()
    return " ".join(filter(None, (given, surname, name.suffix)))


def _vancouver(piece: str) -> str:
    """``"Brandão S"`` -> ``"S. Brandão"``; ``"Smith JR."`` -> ``"J. R. Smith"``."""
    match = _VANCOUVER.fullmatch(piece)
    if not match:
        return piece
    initials = " ".join(f"{letter}." for letter in match["initials"])
    return f"{initials} {match['surname'].strip()}"


def _inverted_pair(first: str, second: str) -> bool:
    """Whether "first, second" is one person written surname first ("Inoda, Toshio", "van der Berg, Jan")."""
    if _CJK.search(first) or _COLLABORATION.search(first) or _COLLABORATION.search(second):
        return False
    surname_words = first.split()
    given_words = second.split()
    if len(surname_words) > 1 and not all(w.islower() for w in surname_words[:-1]):
        return False  # "Rachel Binks, Margaret Heslewood": two people
    return 1 <= len(given_words) <= 3


def _is_initials(piece: str) -> bool:
    """ "N.", "R. J.", "J.-P." (bioRxiv's given names after a surname-first comma)."""
    return "." in piece and bool(_INITIALS.fullmatch(piece))


def _dedupe(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(name for name in names if name))


@lru_cache(maxsize=1)
def _constants() -> Any:
    """nameparser's vocabulary without job titles: "King Wai Chan" is a name, not King Wai Chan."""
    from nameparser.config import Constants

    return Constants(titles=())


def _human_name(text: str) -> Any:
    from nameparser import HumanName

    return HumanName(text, constants=_constants())


@lru_cache(maxsize=1)
def _latex_converter() -> Any:
    import importlib

    latex2text = importlib.import_module("pylatexenc.latex2text")
    return latex2text.LatexNodes2Text()


def decode_tex(text: str) -> str:
    """Turn TeX accents into letters: ``Rodr\\'iguez`` -> ``Rodríguez``, ``Fran\\c{c}ois`` -> ``François``.

    Only text that looks like TeX is touched (pylatexenc is slow-ish and reads ``%`` as a comment).
    """
    if not _TEX_HINT.search(text):
        return text
    try:
        decoded = _latex_converter().latex_to_text(text.replace("%", r"\%"))
    except Exception:  # pylatexenc raises assorted errors on malformed TeX: keep the raw name
        return text
    return str(decoded)

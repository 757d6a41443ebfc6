"""Author names as citations need them: split the way arXiv's own author parser splits them.

Surname particles stay with the surname ("Jan van der Berg" -> "van der Berg"), a suffix is kept apart
("John Smith, Jr."), a name written surname first ("LAPALU, N.", as bioRxiv does) is kept as written,
a two-to-four-character CJK name has its family name first, and a leading "XYZ Collaboration" is one
surname.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .model import Paper
from .safety import clean_line
from .tex import tex_to_unicode as _tex_to_unicode

# Surname particles arXiv's author parser keeps with the surname ("Jan van der Berg" -> "van der Berg").
_PARTICLE = r"(?:van|der|de|la|von|del|della|da|mac|ter|dem|di|vaziri)"
_NAME_PATTERNS = (
    re.compile(rf"^(.*)\s+({_PARTICLE}\s{_PARTICLE}\s\S+)$", re.IGNORECASE),
    re.compile(rf"^(.*)\s+({_PARTICLE}\s\S+)$", re.IGNORECASE),
    re.compile(r"^(.*)\s+(\S+)\s(I|II|III|IV|V|Sr|Jr|Sr\.|Jr\.)$", re.IGNORECASE),
    re.compile(r"^(.*)\s+(\S+)$"),
)
# Starts only where a run of name characters starts (the lookbehind): unanchored, a 20k-character
# author without the keyword was scanned to its end from every position (24 s).
_COLLABORATION = re.compile(r"(?<![a-z0-9\s])([a-z0-9\s]+\s+(?:collaboration|group|team))", re.IGNORECASE)
_COMMA_SUFFIX = re.compile(r"^(\S.*\s\S+?)\s*,\s*(Jr\.?|Sr\.?|II|III|IV)$", re.IGNORECASE)
_CJK_NAME = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]{2,4}")
_DOT_NO_SPACE = re.compile(r"(?<!\\)\.([^\s\-])")


class Name(NamedTuple):
    """One author split the way arXiv splits it: surname (with particles), given names, suffix."""

    surname: str
    given: str
    suffix: str
    full: str
    """As written in BibTeX: "Given Surname Suffix", or "Surname, G." when the feed gave it so."""
    inverted: bool
    """The feed wrote the name surname first ("LAPALU, N.", as bioRxiv does)."""


def split_name(raw: str, leading: bool) -> Name:
    """Split one author name; ``leading`` is True while no personal name has been seen yet.

    Mirrors arXiv: a space goes in after an initial's dot ("J.R. Smith" -> "J. R. Smith"; a hyphen
    is left alone, so "J.-P." stays), a leading "XYZ Collaboration/Group/Team" is one surname.
    """
    name = clean_line(_tex_to_unicode(raw))
    if m := _COMMA_SUFFIX.match(name):  # "John Smith, Jr.": a suffix, not surname-first
        given, _, surname = m.group(1).rpartition(" ")
        return Name(surname, given, m.group(2), name, False)
    if "," in name:
        surname, _, rest = name.partition(",")
        return Name(surname.strip(), rest.strip(" ,"), "", name, True)
    if _CJK_NAME.fullmatch(name):  # 范存祥: the family name comes first, written as one word
        return Name(name[0], name[1:], "", name, False)
    name = _DOT_NO_SPACE.sub(r". \1", name)
    if leading and (m := _COLLABORATION.search(name)):
        collab = clean_line(m.group(1))
        return Name(collab, "", "", collab, False)
    for index, pattern in enumerate(_NAME_PATTERNS):
        if m := pattern.match(name):
            given, surname = m.group(1).strip(), m.group(2)
            suffix = m.group(3) if index == 2 else ""
            return Name(surname, given, suffix, name, False)
    return Name(name, "", "", name, False)


def names_of(paper: Paper) -> list[Name]:
    """The paper's authors as citations name them (no empty ones).

    A leading collaboration is one name while no personal name has been seen."""
    names: list[Name] = []
    for raw in paper.authors:
        name = split_name(raw, leading=all(not n.given and not n.inverted for n in names))
        if any(ch.isalnum() for ch in name.full):  # "", ",", "{}" or "\\" is no name: never an empty one
            names.append(name)
    return names

"""TeX in feed text: accents turned into Unicode, and any text made safe inside a BibTeX value.

Split from :mod:`reader_tui.cite`, which writes the entries: this module decides what a value may hold.
A value always parses (braces balanced for BibTeX and for bibtexparser, ``& % #`` escaped), compiles
(``_``, ``^`` and a lone ``$`` escaped outside math) and runs nothing (TeX commands that read, write or
redefine become text, see :func:`_neutralise_commands`), while ``$CO_2$``, ``{BERT}`` and accents stay.
"""

from __future__ import annotations

import re
import unicodedata

from .safety import clean_line

# --------------------------------------------------------------------------------------------
# TeX accents in author names (arXiv converts them to Unicode before writing the entry)

_ACCENT_SYMBOL = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
}
_ACCENT_LETTER = {
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
}
_TEX_LETTERS = {
    "ss": "ß",
    "o": "ø",
    "O": "Ø",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "j": "ȷ",
}
_BASE = r"(?:\{(?P<b1>\\?[A-Za-z])\}|(?P<b2>\\?[A-Za-z]))"
_ACCENT = re.compile(
    r"(?P<open>\{)?\\(?:(?P<sym>[`'^\"~=.])\s*"
    + _BASE
    + r"|(?P<let>[uvHckr])(?:\s*\{(?P<b3>\\?[A-Za-z])\}|\s+(?P<b4>\\?[A-Za-z])))(?P<close>\})?"
)
_LETTER = re.compile(
    r"(?P<open>\{)?\\(?P<name>ss|o|O|ae|AE|oe|OE|aa|AA|l|L|i|j)(?![A-Za-z])(?:\{\}|\s*)(?P<close>\})?"
)


def _rebrace(m: re.Match[str], core: str) -> str:
    """``{\\'a}`` loses both braces; a lone brace the pattern swallowed is given back."""
    opened, closed = m.group("open") is not None, m.group("close") is not None
    if opened and closed:
        return core
    return ("{" if opened else "") + core + ("}" if closed else "")


def _accent(m: re.Match[str]) -> str:
    mark = _ACCENT_SYMBOL[m.group("sym")] if m.group("sym") else _ACCENT_LETTER[m.group("let")]
    base = next(g for g in (m.group("b1"), m.group("b2"), m.group("b3"), m.group("b4")) if g)
    base = {"\\i": "i", "\\j": "j"}.get(base, base.lstrip("\\"))
    return _rebrace(m, unicodedata.normalize("NFC", base + mark))


def tex_to_unicode(text: str) -> str:
    """Turn ``Rodr\\'iguez-G\\'alvez`` into ``Rodríguez-Gálvez`` (common accents and letters only)."""
    if "\\" not in text:
        return text
    text = _ACCENT.sub(_accent, text)
    return _LETTER.sub(lambda m: _rebrace(m, _TEX_LETTERS[m.group("name")]), text)


# --------------------------------------------------------------------------------------------
# BibTeX values


def _balanced(text: str) -> bool:
    """True when BibTeX (counts every brace) and bibtexparser (skips ``\\{``) both see balance."""
    depth = {True: 0, False: 0}
    for i, ch in enumerate(text):
        if ch in "{}":
            kind = i > 0 and text[i - 1] == "\\"
            depth[kind] += 1 if ch == "{" else -1
            if depth[kind] < 0:
                return False
    return depth[True] == depth[False] == 0 and not text.endswith("\\")


def bib_value(text: str | None) -> str:
    """Make feed text safe inside ``{…}``: escape ``& % #``, drop unbalanced braces and control chars.

    TeX such as ``$\\ln\\ln T$`` or ``{BERT}`` is kept as written when its braces balance.
    """
    line = clean_line(text)
    out: list[str] = []
    opened: dict[bool, list[int]] = {True: [], False: []}
    for ch in line:
        escaped = bool(out) and out[-1] == "\\"
        if ch == "{":
            opened[escaped].append(len(out))
            out.append(ch)
        elif ch == "}":
            if opened[escaped]:
                opened[escaped].pop()
                out.append(ch)
            elif escaped:
                out.pop()  # an unmatched "\}": drop the pair
        elif ch in "&%#" and not escaped:
            out.extend(("\\", ch))
        else:
            out.append(ch)
    for index in sorted(opened[True] + opened[False], reverse=True):
        del out[index]
        if index in opened[True]:
            del out[index - 1]
    value = "".join(out).rstrip("\\").strip()
    if not _balanced(value):
        value = re.sub(r"[{}]", "", value).rstrip("\\").strip()
    return _text_mode_safe(_neutralise_commands(value))


# TeX commands a title may use outside math: accents, font changes, logos and a few symbols. Any
# other command word outside math is written as text (\textbackslash{}name), so a feed cannot make
# the user's LaTeX read files (\input, \include), write them (\openout, \write18 runs programs with
# shell escape), or redefine anything (\def, \catcode, \csname).
_TEXT_COMMANDS = frozenset(
    """
    u v H c k r d b t ss o O ae AE oe OE aa AA l L i j
    textbf textit emph texttt textsc textrm textsf textsl textup textnormal textmd
    textsuperscript textsubscript underline mbox LaTeX TeX BibTeX LaTeXe
    ldots dots textendash textemdash textquoteright textquoteleft textquotedblleft
    textquotedblright textasciitilde textasciicircum textbackslash textbar textless textgreater
    S P dag ddag copyright pounds quad qquad
    """.split()
)
# Inside math almost any command is fair (\mathcal, \ln, \alpha...), except these.
_DANGEROUS_COMMANDS = frozenset(
    """
    input include includeonly InputIfFileExists endinput openin openout closein closeout read
    readline write immediate special shipout output def edef gdef xdef let futurelet global long
    outer catcode lccode uccode sfcode mathcode delcode csname endcsname expandafter noexpand
    afterassignment aftergroup newcommand renewcommand providecommand DeclareRobustCommand
    newenvironment renewenvironment usepackage RequirePackage documentclass begin end batchmode
    nonstopmode scrollmode errorstopmode everypar everymath everydisplay everyhbox everyvbox everycr
    everyjob everyeof errmessage message errhelp jobname loop repeat makeatletter makeatother
    newread newwrite verb scantokens pdfprimitive primitive directlua luaexec ShellEscape
    """.split()
)
_TEX_SUPERSCRIPTS = re.compile(r"\^\^+")


def _neutralise_commands(value: str) -> str:
    """Write unknown TeX commands outside math, and dangerous ones anywhere, as harmless text.

    ``\\input{/etc/passwd}`` becomes ``\\textbackslash{}input{/etc/passwd}`` (it prints, it reads
    nothing). TeX's ``^^5c`` spelling of a backslash is broken up first, math such as ``$\\mathcal{O}$``
    and accents such as ``\\'e`` or ``\\c{c}`` are kept. Math is told apart as in
    :func:`_text_mode_safe`: an odd number of ``$`` means they are all dollars, none of it math.
    """
    if "^^" in value:
        value = _TEX_SUPERSCRIPTS.sub("^", value)
    if "\\" not in value:
        return value
    dollars = sum(1 for i, ch in enumerate(value) if ch == "$" and (i == 0 or value[i - 1] != "\\"))
    may_be_math = dollars % 2 == 0
    out: list[str] = []
    math = False
    i, size = 0, len(value)
    while i < size:
        ch = value[i]
        if ch == "$" and may_be_math:
            math = not math
        if ch != "\\" or i + 1 >= size:
            out.append(ch)
            i += 1
            continue
        end = i + 1
        while end < size and value[end].isascii() and value[end].isalpha():
            end += 1
        if end == i + 1:  # a control symbol (\\& \\$ \\' \\\\ ...): kept, with its character
            out.append(value[i : i + 2])
            i += 2
            continue
        name = value[i + 1 : end]
        allowed = name not in _DANGEROUS_COMMANDS and (math or name in _TEXT_COMMANDS)
        if allowed:
            out.append("\\" + name)
        else:
            out.append(("\\backslash " if math else "\\textbackslash{}") + name)
        i = end
    return "".join(out)


def _text_mode_safe(value: str) -> str:
    """Escape what LaTeX refuses outside math: ``_`` and ``^`` in text, and a ``$`` that opens no pair.

    BibTeX passes these through, but the user's paper then stops with "Missing $ inserted" (a digest
    title such as ``HealthNLP_Retrievers`` does it). Math such as ``$CO_2$`` is left as written; an odd
    number of unescaped ``$`` means they are dollars, not math, so all of them are escaped.
    """
    if not any(ch in value for ch in "_^$"):
        return value
    dollars = sum(1 for i, ch in enumerate(value) if ch == "$" and (i == 0 or value[i - 1] != "\\"))
    literal_dollars = dollars % 2 == 1
    out: list[str] = []
    math = False
    for i, ch in enumerate(value):
        escaped = i > 0 and value[i - 1] == "\\"
        if escaped:
            out.append(ch)
        elif ch == "$":
            if literal_dollars:
                out.append("\\$")
                continue
            math = not math
            out.append(ch)
        elif ch == "_" and not math:
            out.append("\\_")
        elif ch == "^" and not math:
            out.append("\\^{}")
        else:
            out.append(ch)
    return "".join(out)


def bib_url(url: str) -> str:
    """A URL that cannot break the entry: characters BibTeX treats specially are percent-encoded."""
    return url.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")


__all__ = ["bib_url", "bib_value", "tex_to_unicode"]

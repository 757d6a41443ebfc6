"""Feed text is written by strangers: this module makes it safe to show, copy and open.

* :func:`clean_text` / :func:`clean_line` drop terminal escape sequences (CSI, OSC, DCS, 8-bit CSI),
  C0/C1 control characters, DEL, BiDi overrides and invisible characters (every format character,
  Unicode category Cf: zero-width space and non-joiner, word joiner, BOM, tag characters...; and the
  blank "fillers" such as U+3164), so a title can neither drive the terminal, reorder what the user
  reads, hide words from search nor shift a row. U+200D (zero-width joiner) is kept so emoji sequences
  survive. Display, search, the clipboard, exports and the CLI's output all go through them.
* :func:`check_url` is the single gate for every URL the app opens: only absolute http(s) URLs pass.
* :func:`open_url` is the single opener; it never goes through a shell.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

# Whole escape sequences first, so their parameters do not survive as visible junk.
_ESCAPE_SEQUENCE = re.compile(
    r"""
    (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]                 # CSI (7-bit and 8-bit)
    | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])       # OSC, DCS, SOS, PM, APC (7-bit and 8-bit) ...
      [^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?         # ... up to BEL or ST (or the end)
    | \x1b[ -/]*[0-~]?                               # any other ESC sequence, or a lone ESC
    """,
    re.VERBOSE,
)
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_CONTROL_EXCEPT_NEWLINE_TAB = "".join(
    chr(c) for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)] if chr(c) not in "\n\t"
)
# Unicode 15's format characters (category Cf) below U+10000 except U+200D, and the blank fillers
# that are letters to Unicode but show nothing (Hangul fillers, combining grapheme joiner, Khmer and
# Mongolian invisible marks). tests/test_safety.py checks this against the running unicodedata.
_INVISIBLE_BMP = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b\u200c\u200e\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180d\u180f\u3164\uffa0"
)
# Astral ones (tag characters above all) are matched apart: one astral range among the BMP ones makes
# ``re`` drop its bitmap and scan 40 times slower.
_INVISIBLE_ASTRAL = re.compile(
    "[\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f]"
)


def _expand(ranges: str) -> list[str]:
    """The characters of a character-class body made of single characters and ``a-z`` ranges."""
    out: list[str] = []
    i = 0
    while i < len(ranges):
        if i + 2 < len(ranges) and ranges[i + 1] == "-":
            out.extend(chr(c) for c in range(ord(ranges[i]), ord(ranges[i + 2]) + 1))
            i += 3
        else:
            out.append(ranges[i])
            i += 1
    return out


_DROP_MULTILINE = str.maketrans(
    {
        **dict.fromkeys(_CONTROL_EXCEPT_NEWLINE_TAB + _BIDI + "\r"),
        **dict.fromkeys(_expand(_INVISIBLE_BMP)),
        "\u2028": "\n",  # line and paragraph separators: newlines to a reader, not to a terminal
        "\u2029": "\n",
    }
)
# Any character clean_text changes, or any astral one (which may be invisible); every escape sequence
# starts with one of them, and so does "\r\n".
_NEEDS_CLEANING = re.compile(
    "["
    + re.escape(_CONTROL_EXCEPT_NEWLINE_TAB + _BIDI + "\r\u2028\u2029")
    + _INVISIBLE_BMP
    + "\U00010000-\U0010ffff]"
)


def clean_text(text: str | None) -> str:
    """Strip escape sequences, control characters (keeping newlines and tabs), BiDi overrides and
    invisible characters (U+200D excepted).

    Text with none of those characters (nearly all of it) is returned as is after one regex scan in C:
    ``str.translate`` with a dict table costs a Python-level lookup per character, which was a quarter
    of the time to read a big feed.
    """
    if not text:
        return ""
    if (text.isascii() and text.isprintable()) or _NEEDS_CLEANING.search(text) is None:
        return text  # printable ASCII (most names, ids, links): two C scans, a third of a search's cost
    text = text.replace("\r\n", "\n")
    text = _ESCAPE_SEQUENCE.sub("", text).translate(_DROP_MULTILINE)
    return _INVISIBLE_ASTRAL.sub("", text)


_ANY_INVISIBLE = re.compile("[" + _INVISIBLE_BMP + "\U00010000-\U0010ffff]")
_INVISIBLE = re.compile("[" + _INVISIBLE_BMP + "]")


def drop_invisible(text: str) -> str:
    """Only the invisible characters :func:`clean_text` drops, nothing else (search uses it on text
    that holds its own control-character separators)."""
    if text.isascii() or _ANY_INVISIBLE.search(text) is None:
        return text
    return _INVISIBLE_ASTRAL.sub("", _INVISIBLE.sub("", text))


def clean_line(text: str | None) -> str:
    """:func:`clean_text`, then fold all whitespace (newlines included) into single spaces.

    ``str.split()`` splits on exactly the characters ``\\s`` matches, at a fraction of ``re.sub``'s cost:
    a feed's every title, name, id and link passes here.
    """
    return " ".join(clean_text(text).split())


def clean_data(value: object) -> object:
    """JSON-like data with :func:`clean_text` applied to every string in it (keys included)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list | tuple):
        return [clean_data(item) for item in value]
    if isinstance(value, dict):
        return {clean_data(key): clean_data(item) for key, item in value.items()}
    return value


class UnsafeURLError(ValueError):
    """A URL the app refuses to open; ``str(error)`` is a one-line reason for the user."""


# An absolute http(s) URL made only of plain ASCII URL characters (no space, no control, no backslash):
# the slow checks below can only accept it, so it is let through after one match. Path, query and
# fragment classes exclude the character that starts the next part: one way to match, linear time.
_PLAIN_URL = re.compile(
    r"https?://[A-Za-z0-9.-]{1,253}(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?"
    r"(?:\?[A-Za-z0-9._~%!$&'()*+,;=:@/?-]*)?(?:#[A-Za-z0-9._~%!$&'()*+,;=:@/?#-]*)?"
)
_URL_CONTROL = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{_BIDI}{_INVISIBLE_BMP}\\u200d]")


def _shown(url: str) -> str:
    """The URL as a refusal message quotes it: cleaned and cut, built only when refusing."""
    return repr(clean_line(url)[:80])


def check_url(url: str | None, base: str | None = None) -> str:
    """Return the absolute http(s) URL to open, or raise :class:`UnsafeURLError` saying why not.

    Relative links are resolved against ``base`` (the paper's own page). Leading whitespace, a
    leading ``-`` (which a browser would read as an option) and control characters are refused
    rather than repaired: a feed that sends them is not to be trusted with a guess.
    """
    if url is None or url == "":
        raise UnsafeURLError("no link to open")
    if _PLAIN_URL.fullmatch(url):  # nearly every feed link: a third of the time to read a digest
        return url
    if url != url.strip():
        raise UnsafeURLError(f"refused link with surrounding whitespace: {_shown(url)}")
    if url.startswith("-"):
        raise UnsafeURLError(f"refused link that starts with '-': {_shown(url)}")
    if _URL_CONTROL.search(url) or _INVISIBLE_ASTRAL.search(url):
        raise UnsafeURLError(f"refused link with control characters: {_shown(url)}")
    if " " in url:
        raise UnsafeURLError(f"refused link with spaces: {_shown(url)}")
    try:  # urllib raises ValueError for a malformed host ("http://[::1"): a refusal, not a crash
        parts = urlsplit(url)
        hostname = parts.hostname
        if not parts.scheme and base is not None:
            url = urljoin(check_url(base), url)
    except UnsafeURLError:
        raise
    except ValueError:
        raise UnsafeURLError(f"refused malformed link: {_shown(url)}") from None
    if not parts.scheme:
        if base is None:
            raise UnsafeURLError(f"refused relative link with no page to resolve it against: {_shown(url)}")
        return check_url(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise UnsafeURLError(
            f"refused {parts.scheme.lower()}: link (only http and https open): {_shown(url)}"
        )
    if not parts.netloc or not hostname:
        raise UnsafeURLError(f"refused link with no host: {_shown(url)}")
    return url


def open_url(url: str | None, base: str | None = None, opener: Callable[[str], object] | None = None) -> str:
    """Open ``url`` in the browser after :func:`check_url`; return the URL opened.

    ``webbrowser`` (the default ``opener``) runs the browser as a program with arguments, never through
    a shell; it is imported here, not with this module, which every start imports.
    """
    safe = check_url(url, base)
    if opener is None:
        import webbrowser

        opener = webbrowser.open
    opener(safe)
    return safe

"""Feed text is written by strangers: this module makes it safe to show, copy and open.

* :func:`clean_text` / :func:`clean_line` drop terminal escape sequences (CSI, OSC, DCS, 8-bit CSI),
  C0/C1 control characters, DEL and BiDi overrides, so a title can neither drive the terminal nor
  reorder what the user reads. U+200D (zero-width joiner) is kept so emoji sequences survive.
* :func:`check_url` is the single gate for every URL the app opens: only absolute http(s) URLs pass.
* :func:`open_url` is the single opener; it never goes through a shell.
"""

from __future__ import annotations

import re
import webbrowser
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
_DROP_MULTILINE = str.maketrans(dict.fromkeys(_CONTROL_EXCEPT_NEWLINE_TAB + _BIDI + "\r"))
# Any character clean_text drops; every escape sequence starts with one of them, and so does "\r\n".
_NEEDS_CLEANING = re.compile("[" + re.escape(_CONTROL_EXCEPT_NEWLINE_TAB + _BIDI + "\r") + "]")
_WHITESPACE_RUN = re.compile(r"\s+")


def clean_text(text: str | None) -> str:
    """Strip escape sequences, control characters (keeping newlines and tabs) and BiDi overrides.

    Text with none of those characters (nearly all of it) is returned as is after one regex scan in C:
    ``str.translate`` with a dict table costs a Python-level lookup per character, which was a quarter
    of the time to read a big feed.
    """
    if not text:
        return ""
    if _NEEDS_CLEANING.search(text) is None:
        return text
    text = text.replace("\r\n", "\n")
    return _ESCAPE_SEQUENCE.sub("", text).translate(_DROP_MULTILINE)


def clean_line(text: str | None) -> str:
    """:func:`clean_text`, then fold all whitespace (newlines included) into single spaces."""
    return _WHITESPACE_RUN.sub(" ", clean_text(text)).strip()


class UnsafeURLError(ValueError):
    """A URL the app refuses to open; ``str(error)`` is a one-line reason for the user."""


_URL_CONTROL = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{_BIDI}]")


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
    if url != url.strip():
        raise UnsafeURLError(f"refused link with surrounding whitespace: {_shown(url)}")
    if url.startswith("-"):
        raise UnsafeURLError(f"refused link that starts with '-': {_shown(url)}")
    if _URL_CONTROL.search(url):
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


def open_url(
    url: str | None, base: str | None = None, opener: Callable[[str], object] = webbrowser.open
) -> str:
    """Open ``url`` in the browser after :func:`check_url`; return the URL opened.

    ``webbrowser`` runs the browser as a program with arguments, never through a shell.
    """
    safe = check_url(url, base)
    opener(safe)
    return safe

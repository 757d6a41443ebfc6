"""The two gates every feed string and every URL pass: ``clean_text``/``clean_line`` and ``check_url``."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader_tui import safety
from reader_tui.safety import UnsafeURLError, check_url, clean_line, clean_text, open_url

PAGE = "https://arxiv.org/abs/2401.00001v2"

# --- clean_text / clean_line --------------------------------------------------------------------------

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
FORBIDDEN = re.compile(rf"[\x00-\x08\x0b-\x1f\x7f-\x9f{BIDI}]")


@pytest.mark.parametrize(
    ("hostile", "shown"),
    [
        ("a\x1b]52;c;SGVsbG8=\x07b", "ab"),  # OSC 52: writes the clipboard
        ("a\x1b]0;pwned\x07b", "ab"),  # OSC 0: sets the window title
        ("a\x1b]0;pwned\x1b\\b", "ab"),  # ... ended by ST instead of BEL
        ("a\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\b", "alinkb"),  # OSC 8 hyperlink
        ("a\x1b[2Jb", "ab"),  # CSI: clear screen
        ("a\x1b[38;2;255;0;0mb", "ab"),
        ("a\x9b2Jb", "ab"),  # 8-bit CSI
        ("a\x9d0;pwned\x9cb", "ab"),  # 8-bit OSC ... ST
        ("a\x1bP+q544e\x1b\\b", "ab"),  # DCS (terminal query)
        ("a\x1b]52;c;SGVsbG8=", "a"),  # unterminated OSC: the payload goes too
        ("a\x1bcb", "ab"),  # RIS (full reset): ESC and its final byte
        ("a\x0e\x0f\x00\x08\x7fb", "ab"),  # shift out/in, NUL, backspace, DEL
        ("left\u202eright\u2066x\u2069\u200f\u061c", "leftrightx"),  # BiDi overrides and marks
        ("👩\u200d🔬 team", "👩\u200d🔬 team"),  # the zero-width joiner is kept for emoji
        ("深度学习 naïve ©", "深度学习 naïve ©"),
    ],
)
def test_clean_text_drops_escapes_controls_and_bidi(hostile: str, shown: str) -> None:
    assert clean_text(hostile) == shown
    assert clean_line(hostile) == shown


def test_clean_text_keeps_lines_and_tabs_clean_line_makes_one_line() -> None:
    text = "Title\r\n  second\tline\rthird\x85\u2028"
    assert clean_text(text) == "Title\n  second\tlinethird\n"  # U+2028 is a line separator
    assert clean_line(text) == "Title second linethird"
    assert clean_text(None) == clean_line(None) == ""


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.characters(codec="utf-8"),
            st.sampled_from(["\x1b", "\x1b[", "\x1b]", "\x07", "\x1b\\", "\x9b", "\x9d", "\x9c", "\u202e"]),
        )
    ).map("".join)
)
def test_no_text_survives_cleaning_with_a_control_or_bidi_character(text: str) -> None:
    cleaned = clean_text(text)
    assert not FORBIDDEN.search(cleaned)
    assert clean_text(cleaned) == cleaned  # cleaning twice changes nothing: no sequence is re-formed
    line = clean_line(text)
    assert not FORBIDDEN.search(line) and "\n" not in line and "\t" not in line


# --- check_url / open_url -----------------------------------------------------------------------------

REFUSED = [
    ("javascript:alert(1)", "refused javascript: link (only http and https open)"),
    ("JavaScript:alert(1)", "refused javascript: link (only http and https open)"),
    (" javascript:alert(1)", "refused link with surrounding whitespace"),
    ("https://example.org/ ", "refused link with surrounding whitespace"),
    ("file:///etc/passwd", "refused file: link (only http and https open)"),
    ("smb://host/x.desktop", "refused smb: link (only http and https open)"),
    ("ssh://attacker.example", "refused ssh: link (only http and https open)"),
    ("data:text/html,<script>alert(1)</script>", "refused data: link (only http and https open)"),
    ("--incognito", "refused link that starts with '-'"),
    ("-https://example.org", "refused link that starts with '-'"),
    ("java\tscript:alert(1)", "refused link with control characters"),
    ("https://example.org/\x1b]52;c;SGVsbG8=\x07", "refused link with control characters"),
    ("https://exa\u202emple.org/", "refused link with control characters"),
    ("https://example.org/a b", "refused link with spaces"),
    ("https:///no-host", "refused link with no host"),
    ("http://[::1", "refused malformed link"),  # urllib raises ValueError on these hosts
    ("https://[evil]/x", "refused malformed link"),
    ("//[::1/x", "refused malformed link"),  # ... also while resolving against the page
    ("http:example.org", "refused link with no host"),
    ("", "no link to open"),
    (None, "no link to open"),
]


@pytest.mark.parametrize(("url", "reason"), REFUSED)
def test_check_url_refuses_with_one_line_reason(url: str | None, reason: str) -> None:
    with pytest.raises(UnsafeURLError) as caught:
        check_url(url, base=PAGE)
    message = str(caught.value)
    assert message.startswith(reason)
    assert "\n" not in message and not FORBIDDEN.search(message)


def test_relative_links_resolve_against_the_papers_page() -> None:
    assert check_url("../pdf/2401.00001v2", base=PAGE) == "https://arxiv.org/pdf/2401.00001v2"
    assert check_url("/list/cs.AI/new", base=PAGE) == "https://arxiv.org/list/cs.AI/new"
    assert check_url("?v=1#top", base=PAGE) == "https://arxiv.org/abs/2401.00001v2?v=1#top"
    assert check_url("//mirror.example/x", base=PAGE) == "https://mirror.example/x"
    with pytest.raises(UnsafeURLError, match="no page to resolve it against"):
        check_url("../pdf/2401.00001v2")
    with pytest.raises(UnsafeURLError, match="refused javascript: link"):
        check_url("x", base="javascript:alert(1)")  # an unsafe page cannot launder a relative link


def test_safe_urls_pass_unchanged() -> None:
    for url in ["https://arxiv.org/abs/2401.00001", "HTTP://Example.org/a?b=c&d=%20#f", PAGE]:
        assert check_url(url) == url


def test_open_url_hands_the_opener_only_checked_urls() -> None:
    opened: list[str] = []
    assert open_url("../pdf/1", base=PAGE, opener=opened.append) == "https://arxiv.org/pdf/1"
    for url, _ in REFUSED:
        with pytest.raises(UnsafeURLError):
            open_url(url, base=PAGE, opener=opened.append)
    assert opened == ["https://arxiv.org/pdf/1"]


@settings(max_examples=400, deadline=None)
@given(
    url=st.lists(
        st.one_of(
            st.text(max_size=6),
            st.sampled_from(
                ["http", "https", "javascript", ":", "//", "/", "[", "]", "::1", "@", "%", "?", "#"]
            ),
        )
    ).map("".join),
    base=st.sampled_from([None, PAGE, "http://[::1", "javascript:x", ""]),
)
def test_any_url_is_checked_or_refused_never_a_crash(url: str, base: str | None) -> None:
    """Every caller catches UnsafeURLError only, so nothing else may escape (ValueError did)."""
    try:
        safe = check_url(url, base)
    except UnsafeURLError as error:
        assert "\n" not in str(error) and not FORBIDDEN.search(str(error))
    else:
        assert re.match(r"(?i)https?://[^/?#]", safe) and not FORBIDDEN.search(safe)


@settings(max_examples=300)
@given(st.from_regex(safety._PLAIN_URL, fullmatch=True))
def test_the_plain_url_shortcut_lets_through_only_what_the_full_check_accepts(url: str) -> None:
    """check_url returns a plain http(s) URL after one match; the full checks must accept it unchanged."""
    assert check_url(url) == url
    shortcut = safety._PLAIN_URL
    try:
        safety._PLAIN_URL = re.compile(r"(?!)")  # never matches: the full checks run
        assert check_url(url) == url
    finally:
        safety._PLAIN_URL = shortcut


@pytest.mark.parametrize(
    "url",
    ["https://a.org/x y", "https://a.org/\x1b[31m", "https://a.org/\\x", "HTTPS://a.org/", "https://[::1]/"],
)
def test_urls_off_the_plain_alphabet_take_the_full_check(url: str) -> None:
    assert not safety._PLAIN_URL.fullmatch(url)

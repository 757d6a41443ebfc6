"""End to end: the real app in a real pseudo-terminal never writes a feed's escape sequences.

``python -m reader_tui FEED...`` runs in a pty (120x40, TERM=xterm-256color) on feeds whose titles and
summaries carry OSC 52 (clipboard write), OSC 0 (window title), OSC 8 (hyperlink), CSI 2J (clear
screen), 8-bit CSI, SO (charset switch) and U+202E, in every way XML can carry them: character
references in an entity-escaped description (expat refuses those, so feedparser's fallback parser
reads them), HTML entities inside the description (decoded only when the summary is rendered), raw
ESC bytes in CDATA, and raw C1/BiDi characters in an otherwise valid feed. One more paper with raw
control characters in every field is put in the store directly, so the screen layer is tested on its
own and not only behind the feed layer's cleaning. The test moves through the papers, filters, opens
help and quits, and checks every byte the app wrote.
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from pty_terminal import Terminal, app_env

from reader_tui.feeds import source_key
from reader_tui.model import Links, Paper
from reader_tui.store import Store

OSC52 = "\x1b]52;c;SGVsbG8=\x07"
OSC0 = "\x1b]0;pwned\x07"
OSC8 = "\x1b]8;;https://evil.example/osc8\x1b\\click here\x1b]8;;\x1b\\"
CSI_CLEAR = "\x1b[2J"
CSI_8BIT = "\x9b2J"
SHIFT_OUT = "\x0e"
RLO = "\u202e"
PAYLOAD = f"{OSC52}alpha{OSC0} beta{CSI_CLEAR}{CSI_8BIT}{SHIFT_OUT} gamma{RLO} delta {OSC8}"
"""Every hostile sequence, between words that must survive: 'alpha beta gamma delta click here'."""


def numeric_refs(text: str) -> str:
    """``text`` escaped, with control and BiDi characters as numeric references (``&#x1b;``).

    As XML text, expat refuses the references to control characters, so feedparser's lenient parser
    reads the feed and decodes them; inside a description's HTML they stay entities until the
    renderer decodes them.
    """
    return "".join(
        f"&#x{ord(ch):x};" if ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 or ch == RLO else ch
        for ch in escape(text)
    )


def rss(items: list[str]) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Hostile</title>'
        "<link>https://example.org/</link>" + "".join(items) + "</channel></rss>"
    )


def item(title_xml: str, link: str, description_xml: str, date: str) -> str:
    return (
        f"<item><title>{title_xml}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>{date}</pubDate><description>{description_xml}</description></item>"
    )


def digest_html(body: str) -> str:
    """A "论文速递" digest description: the metadata lines, a rule, then the write-up."""
    return (
        '<p><strong>arXiv:</strong> <a href="https://arxiv.org/abs/2605.30102">2605.30102</a> · '
        '<a href="https://arxiv.org/pdf/2605.30102">PDF</a></p>\n'
        f"<p><strong>作者:</strong> Eve{PAYLOAD}, Mallory</p>\n"
        "<p><strong>主分类:</strong> <code>cs.CR</code> · 全部: cs.CR</p>\n"
        f"<hr>\n<h2>TL;DR</h2>\n{body}"
    )


def write_feeds(folder: Path) -> list[Path]:
    """Three feeds: escapes as XML character references, raw ESC in CDATA, raw C1/BiDi in valid XML."""
    refs = folder / "refs.xml"
    refs.write_text(
        rss(
            [
                item(
                    numeric_refs(f"DigestVisible {PAYLOAD}"),
                    "https://example.org/digest",
                    # Raw controls once the XML is decoded, and HTML entities decoded at render time.
                    numeric_refs(digest_html(f"<p>DigestBody {PAYLOAD}</p><p>{numeric_refs(PAYLOAD)}</p>")),
                    "Fri, 29 May 2026 12:00:00 +0000",
                ),
                item(
                    numeric_refs(f"PlainVisible {PAYLOAD}"),
                    "https://example.org/plain",
                    numeric_refs(f"<p>PlainBody {PAYLOAD}</p><p>{numeric_refs(PAYLOAD)}</p>"),
                    "Thu, 28 May 2026 12:00:00 +0000",
                ),
            ]
        ),
        encoding="utf-8",
    )
    cdata = folder / "cdata.xml"
    cdata.write_text(
        rss(
            [
                item(
                    f"<![CDATA[CdataVisible {PAYLOAD}]]>",
                    "https://example.org/cdata",
                    f"<![CDATA[<p>CdataBody {PAYLOAD}</p>]]>",
                    "Wed, 27 May 2026 12:00:00 +0000",
                )
            ]
        ),
        encoding="utf-8",
    )
    raw_c1 = f"\u009b2J{RLO}\u2066"  # legal in XML 1.0, unlike ESC
    strict = folder / "strict.xml"
    strict.write_text(
        rss(
            [
                item(
                    f"StrictVisible alpha{raw_c1} beta&#x9b;2J gamma&#x202e; delta",
                    "https://example.org/strict",
                    escape(f"<p>StrictBody{raw_c1} {numeric_refs(PAYLOAD)}</p>"),
                    "Tue, 26 May 2026 12:00:00 +0000",
                )
            ]
        ),
        encoding="utf-8",
    )
    return [refs, cdata, strict]


def seed_store_paper(data_dir: Path, feed: Path) -> None:
    """A cached paper with raw escapes in every field, listed under ``feed``: only the UI can clean it."""
    with Store(data_dir) as store:
        store.add_papers(
            [
                Paper(
                    id="stored-hostile",
                    title=f"StoredVisible {PAYLOAD}",
                    authors=[f"Eve {PAYLOAD}"],
                    affiliations=[PAYLOAD],
                    categories=[f"cs.CR{CSI_8BIT}"],
                    keywords=[PAYLOAD],
                    summary_html=f"<p>StoredBody {PAYLOAD}</p><p>{numeric_refs(PAYLOAD)}</p>",
                    links=Links(abs=f"https://example.org/abs{OSC8}", pdf=f"https://example.org/pdf{OSC52}"),
                    published=datetime(2026, 5, 30, 12, 0, tzinfo=UTC),
                    feeds=[source_key(str(feed))],
                )
            ]
        )


@pytest.mark.slow
def test_no_feed_escape_sequence_reaches_the_terminal(tmp_path: Path) -> None:
    home = tmp_path / "home"
    feeds = write_feeds(tmp_path)
    seed_store_paper(home / "data", feeds[0])
    env = app_env(home)
    terminal = Terminal([sys.executable, "-m", "reader_tui", *map(str, feeds)], env, cwd=tmp_path)
    try:
        terminal.wait_for(b"StrictVisible", timeout=20)  # the last feed's paper: ingest is done
        terminal.wait_for(b"StoredBody", timeout=5)  # newest first: the seeded paper is selected
        for body in [b"DigestBody", b"PlainBody", b"CdataBody", b"StrictBody"]:
            terminal.press(b"j", settle=0)
            terminal.wait_for(body, timeout=5)  # the detail pane rendered the next summary
        for key in [b"/", b"a", b"\x1b", b"?"]:  # filter, type, clear, help
            terminal.press(key)
        terminal.wait_for(b"reader-tui keys", timeout=5)
        terminal.press(b"\x1b")
        terminal.press(b"q", settle=0)
    finally:
        status = terminal.close(timeout=10)
    out = terminal.seen()
    assert status == 0, f"exit status {status}: {out[-2000:]!r}"

    # None of the feed's sequences reached the terminal ...
    assert b"\x1b]52;c;SGVsbG8" not in out
    assert b"\x1b]0;pwned" not in out
    assert b"\x1b]8;;https://evil.example" not in out
    assert b"\x1b[2J" not in out  # Textual never clears this way itself
    for osc in re.findall(rb"(?:\x1b\]|\xc2\x9d)([^\x07\x1b]*)", out):  # whatever OSC the app wrote
        assert not any(bad in osc for bad in (b"SGVsbG8", b"pwned", b"evil.example")), osc
    assert b"\xc2\x9b" not in out and b"\xc2\x9d" not in out  # 8-bit CSI / OSC as UTF-8
    assert b"\xe2\x80\xae" not in out and b"\xe2\x81\xa6" not in out  # U+202E, U+2066
    assert b"\x0e" not in out  # shift out: would switch the terminal to line-drawing glyphs
    stray = set(re.findall(rb"[\x00-\x08\x0b-\x0c\x0e-\x1a\x1c-\x1f\x7f]", out))
    assert stray <= {b"\x07"}, stray  # only BEL, which ends Textual's own OSC (pointer shape)

    # ... while the words around them did (the list, the header, every summary visited, help).
    for marker in [b"StoredVisible alpha beta", b"DigestVisible alpha beta", b"PlainVisible alpha beta"]:
        assert marker in out
    for marker in [b"CdataVisible alpha beta", b"StrictVisible alpha", b"Eve alpha beta gamma delta"]:
        assert marker in out
    for marker in [b"StoredBody", b"DigestBody", b"PlainBody", b"CdataBody", b"StrictBody"]:
        assert marker in out

"""Input files the user did not write carefully (or did not write at all): OPML from elsewhere, a
hand-edited feeds.toml, a config.toml, a feed file. Each bad one is one line naming the file and the
problem, never an "internal error"; a bad outline costs that outline only; nothing a file holds
reaches the terminal raw or makes a written OPML unreadable.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import pytest

from reader_tui import subscriptions

Run = Callable[..., tuple[int, str, str]]
GOOD = "https://rss.arxiv.org/rss/cs.LG"


def opml(body: str, head: str = '<?xml version="1.0"?>') -> bytes:
    return f'{head}<opml version="2.0"><head/><body>{body}</body></opml>'.encode()


def feeds_toml(home: Path, text: str) -> None:
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "feeds.toml").write_text(text, encoding="utf-8")


def test_an_opml_nested_5000_deep_imports_its_feeds(run: Run, tmp_path: Path) -> None:
    depth = 5000
    body = '<outline text="f">' * depth + f'<outline xmlUrl="{GOOD}"/>' + "</outline>" * depth
    path = tmp_path / "deep.opml"
    path.write_bytes(opml(f'<outline xmlUrl="https://example.org/a"/>{body}'))
    code, out, err = run("import-opml", str(path))
    assert (code, out, err) == (0, "imported 2 feeds (0 already subscribed)\n", "")
    assert [sub.url for sub in subscriptions.load()] == ["https://example.org/a", GOOD]


def test_a_malformed_outline_is_one_line_and_the_rest_is_imported(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "subs.opml"
    path.write_bytes(
        opml(f'<outline xmlUrl="http://[::1"/><outline xmlUrl="{GOOD}"/><outline xmlUrl="https://a.org/x"/>')
    )
    code, out, err = run("import-opml", str(path))
    assert code == 0 and out == "imported 2 feeds (0 already subscribed)\n"
    assert err == "reader-tui: warning: skipped 'http://[::1': malformed link\n"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/shadow",
        "/proc/self/environ",
        "file:///proc/self/environ",
        "~/.ssh/id_rsa",
        "../../etc/passwd",
        "javascript:alert(1)",
        "ftp://example.org/feed",
        "https:///no-host",
    ],
)
def test_an_opml_subscribes_to_nothing_but_http_feeds(run: Run, tmp_path: Path, url: str) -> None:
    path = tmp_path / "untrusted.opml"
    path.write_bytes(opml(f'<outline xmlUrl="{url}"/><outline xmlUrl="{GOOD}"/>'))
    code, out, err = run("import-opml", str(path))
    assert code == 0 and out == "imported 1 feeds (0 already subscribed)\n"
    assert err.startswith(f"reader-tui: warning: skipped {url!r}: ") and err.count("\n") == 1
    assert [sub.url for sub in subscriptions.load()] == [GOOD]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (opml("", head='<?xml version="1.0" encoding="x-no-such-codec"?>'), "not OPML"),
        (b"\x00\xff\xfe binary", "not OPML"),
        (b"", "not OPML"),
        (b"<opml><body>" * 3000, "not OPML"),
        (opml(f'<outline xmlUrl="{GOOD}\x1b]0;x\x07"/>'), "not OPML"),
    ],
    ids=["unknown-encoding", "binary", "empty", "unclosed-deep", "raw-escape"],
)
def test_an_unreadable_opml_is_one_line_naming_it(
    run: Run, tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "bad.opml"
    path.write_bytes(content)
    code, out, err = run("import-opml", str(path))
    assert code == 1 and out == ""
    assert err.startswith(f"reader-tui: {path}: {problem}") and err.count("\n") == 1
    assert "internal error" not in err


def test_export_opml_leaves_out_a_bad_hand_edited_url_and_writes_clean_xml(
    run: Run, reader_home: Path, tmp_path: Path
) -> None:
    feeds_toml(
        reader_home,
        '[[feed]]\nurl = "http://[::1"\n\n'
        '[[feed]]\nurl = "https://example.org/f"\ntitle = "T\\u001b]0;pwned\\u0007itle\\u200b"\n'
        'tags = ["ml\\u001b[31m"]\n',
    )
    target = tmp_path / "out.opml"
    code, out, err = run("export-opml", str(target))
    assert code == 0 and out == ""
    assert err.splitlines() == [
        "reader-tui: warning: skipped 'http://[::1': not a URL or path that can be exported",
        f"wrote 1 feeds to {target}",
    ]
    text = target.read_text(encoding="utf-8")
    root = ElementTree.fromstring(text)  # parses: no raw ESC or BEL in it
    (outline,) = [o for o in root.iter("outline") if o.get("xmlUrl")]
    assert outline.get("title") == "Title" and outline.get("category") == "/ml"
    assert not any(ch in text for ch in "\x1b\x07\u200b")


def test_remove_does_not_echo_escape_bytes_from_feeds_toml(run: Run, reader_home: Path) -> None:
    feeds_toml(reader_home, '[[feed]]\nurl = "https://example.org/f\\u001b]0;pwned\\u0007"\n')
    code, out, err = run("remove", "https://example.org/f\x1b]0;pwned\x07")
    assert code == 0 and out == "removed https://example.org/f; its papers stay in the library\n"
    assert not any(ch in out + err for ch in "\x1b\x07")


HOSTILE_BYTES = {
    "binary": b"\x00\x01\xff\xfe" * 100,
    "escapes": b"\x1b]52;c;SGVsbG8=\x07\x1b[2J",
    "invalid-utf8": b'[[feed]]\nurl = "\xff\xfe"\n',
    "nan": b"auto_refresh_minutes = nan\n[[feed]]\nurl = 5\n",
    "deep-toml": b"a = " + b"[" * 5000 + b"]" * 5000 + b"\n",
    "bad-url": b'[[feed]]\nurl = "http://[::1"\n',
}


@pytest.mark.parametrize("name", list(HOSTILE_BYTES))
@pytest.mark.parametrize("where", ["config.toml", "feeds.toml", "feed"])
def test_no_input_file_gives_an_internal_error(tmp_path: Path, name: str, where: str) -> None:
    """Every command a hostile file reaches: one line at most per problem, never a traceback."""
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    bad = tmp_path / "bad"
    bad.write_bytes(HOSTILE_BYTES[name])
    if where == "feed":
        feeds_toml(home, f'[[feed]]\nurl = "{bad}"\n')
    else:
        (home / "config" / where).write_bytes(HOSTILE_BYTES[name])
    commands = (["feeds"], ["refresh", "--timeout", "5"], ["export-opml"], ["import-opml", str(bad)])
    for argv in (*commands, ["list"]):
        done = subprocess.run(
            [sys.executable, "-m", "reader_tui", *argv],
            capture_output=True,
            env={"READER_TUI_HOME": str(home), "PATH": "/usr/bin:/bin"},
            timeout=60,
        )
        err = done.stderr.decode("utf-8", "replace")
        assert done.returncode in (0, 1), (argv, err)
        assert "internal error" not in err and "Traceback" not in err, (argv, err)
        assert not any(ch in done.stdout + done.stderr for ch in (b"\x1b", b"\x07")), argv

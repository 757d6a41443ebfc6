"""OPML: newsboat's export imports, ours imports into newsboat (for real), hostile files are refused."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from reader_tui import subscriptions
from reader_tui.opml import OpmlError, parse_opml, to_opml
from reader_tui.subscriptions import Subscription

Run = Callable[..., tuple[int, str, str]]

# What `newsboat -e` prints (2.21), byte for byte in shape: OPML 1.0, no text attribute, empty titles for
# feeds without a "~title", plus a query feed that is not a URL at all.
NEWSBOAT_EXPORT = b"""<?xml version="1.0"?>
<opml version="1.0">
  <head>
    <title>newsboat - Exported Feeds</title>
  </head>
  <body>
    <outline type="rss" xmlUrl="https://rss.arxiv.org/rss/cs.LG" htmlUrl="https://x/" title="arXiv cs.LG"/>
    <outline type="rss" xmlUrl="https://huggingface.co/papers/rss" htmlUrl="" title=""/>
    <outline type="rss" xmlUrl="query:Unread:unread = &quot;yes&quot;" htmlUrl="" title="Unread"/>
  </body>
</opml>
"""

MINE = [
    Subscription("https://rss.arxiv.org/rss/cs.LG", "arXiv cs.LG", ["ml", "daily"]),
    Subscription("https://export.arxiv.org/api/query?search_query=cat:cs.CL&max_results=50", "", []),
    Subscription("https://ftxj.github.io/zh/posts/index.xml", '论文速递 <&> "digest"', ["daily"]),
]


def test_a_newsboat_export_imports(run: Run, tmp_path: Path, reader_home: Path) -> None:
    exported = tmp_path / "newsboat.opml"
    exported.write_bytes(NEWSBOAT_EXPORT)
    code, out, err = run("import-opml", str(exported))
    assert code == 0
    assert out == "imported 2 feeds (0 already subscribed)\n"
    assert err == "reader-tui: warning: skipped 'query:Unread:unread = \"yes\"': not an http(s) feed URL\n"
    assert subscriptions.load(reader_home / "config" / "feeds.toml") == [
        Subscription("https://rss.arxiv.org/rss/cs.LG", "arXiv cs.LG"),
        Subscription("https://huggingface.co/papers/rss"),
    ]
    assert run("import-opml", str(exported))[1] == "imported 0 feeds (2 already subscribed)\n"


def test_export_then_import_round_trips_urls_titles_and_tags(run: Run, tmp_path: Path) -> None:
    subscriptions.save(MINE)
    target = tmp_path / "mine.opml"
    code, _, err = run("export-opml", str(target))
    assert code == 0 and err == f"wrote 3 feeds to {target}\n"
    assert parse_opml(target.read_bytes()).subscriptions == MINE
    code, out, _ = run("export-opml")
    assert code == 0 and out == target.read_text(encoding="utf-8").replace(
        _created(target.read_text(encoding="utf-8")), _created(out)
    )


def _created(text: str) -> str:
    start = text.index("<dateCreated>")
    return text[start : text.index("</dateCreated>")]


def test_folders_and_categories_become_tags_and_local_feeds_export_as_file_urls(tmp_path: Path) -> None:
    feed = tmp_path / "local feed.xml"
    feed.write_text("<rss/>")
    document = f"""<opml version="2.0"><head/><body>
      <outline text="Science"><outline text="Bio">
        <outline type="rss" text="bioRxiv" xmlurl="https://connect.biorxiv.org/biorxiv_xml/genomics"
                 category="/papers/genomics,weekly"/>
      </outline></outline>
      <outline type="rss" text="Mine" xmlUrl="{feed.as_uri()}"/>
      <outline type="rss" text="dup" xmlUrl="https://connect.biorxiv.org/biorxiv_xml/genomics"/>
    </body></opml>""".encode()
    found = parse_opml(document)
    assert found.subscriptions == [
        Subscription(
            "https://connect.biorxiv.org/biorxiv_xml/genomics",
            "bioRxiv",
            ["Science", "Bio", "genomics", "weekly"],
        ),
    ]
    # A file URL in an OPML from elsewhere is not followed (local feeds need the user's own `add`).
    assert found.warnings == [f"skipped {feed.as_uri()!r}: not an http(s) feed URL"]
    exported = to_opml([Subscription(str(feed), "Mine")])
    assert f'xmlUrl="{feed.as_uri()}"' in exported


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b'<opml version="2.0"><body><outline xmlUrl="https://x/&b;"/></body></opml>',
            "refused a document with a DOCTYPE",
        ),
        (b'<!DOCTYPE opml SYSTEM "file:///etc/passwd"><opml/>', "refused a document with a DOCTYPE"),
        (b"<rss><channel/></rss>", "not OPML (the document is <rss>)"),
        (b'<opml version="2.0"><head/></opml>', "not OPML (no <body>)"),
        (b"<opml><body><outline", "not OPML (XML error"),
    ],
)
def test_hostile_or_wrong_files_are_refused_in_one_line(document: bytes, reason: str) -> None:
    with pytest.raises(OpmlError) as caught:
        parse_opml(document, "in.opml")
    assert str(caught.value).startswith("in.opml: ") and reason in str(caught.value)
    assert "\n" not in str(caught.value)


def test_import_failures_exit_1_in_one_line(run: Run, tmp_path: Path) -> None:
    code, _, err = run("import-opml", str(tmp_path / "missing.opml"))
    assert code == 1 and err == f"reader-tui: {tmp_path / 'missing.opml'}: file not found\n"
    empty = tmp_path / "empty.opml"
    empty.write_bytes(b'<opml version="2.0"><head/><body/></opml>')
    code, _, err = run("import-opml", str(empty))
    assert code == 1 and err == f"reader-tui: {empty}: no feeds in it\n"


NEWSBOAT = shutil.which("newsboat")


def newsboat(home: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """newsboat with its urls, cache and config all in ``home``: it never touches the user's files."""
    (home / "config").touch()
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home), "XDG_DATA_HOME": str(home)}
    base = ["newsboat", "-u", str(home / "urls"), "-c", str(home / "cache.db"), "-C", str(home / "config")]
    return subprocess.run([*base, *argv], capture_output=True, text=True, env=env, timeout=30, check=False)


@pytest.mark.skipif(NEWSBOAT is None, reason="newsboat is not installed")
def test_our_export_imports_into_newsboat_and_back(run: Run, tmp_path: Path) -> None:
    home = tmp_path / "nb"
    home.mkdir()
    (home / "urls").touch()
    subscriptions.save(MINE)
    ours = tmp_path / "ours.opml"
    assert run("export-opml", str(ours))[0] == 0

    done = newsboat(home, "-i", str(ours))
    assert done.returncode == 0, done.stderr
    urls = (home / "urls").read_text(encoding="utf-8").splitlines()
    assert [line.split()[0] for line in urls] == [sub.url for sub in MINE]
    assert urls[0].split()[1] == '"ml"'  # newsboat reads the folder as a tag

    done = newsboat(home, "-e")  # and newsboat's own export of what it imported comes back to us
    assert done.returncode == 0, done.stderr
    back = parse_opml(done.stdout.encode()).subscriptions
    assert [sub.url for sub in back] == [sub.url for sub in MINE]

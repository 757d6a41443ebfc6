"""Subscriptions in feeds.toml: the add/remove/feeds commands, hand edits kept, errors in one line."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader_tui import subscriptions
from reader_tui.library import default_sources
from reader_tui.subscriptions import Subscription, SubscriptionError

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
DIGEST = FEEDS / "ftxj-2026-05-29.xml"
URL = "https://rss.arxiv.org/rss/cs.LG"

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def feeds_toml(reader_home: Path) -> Path:
    return reader_home / "config" / "feeds.toml"


def feeds_json(run: Run) -> list[dict[str, object]]:
    code, out, _ = run("feeds", "--json")
    assert code == 0
    rows: list[dict[str, object]] = json.loads(out)
    return rows


def test_add_feeds_remove(run: Run, feeds_toml: Path) -> None:
    assert feeds_json(run) == []
    code, out, _ = run("add", URL, "--title", "arXiv cs.LG", "--tag", "ml", "--tag", "daily")
    assert code == 0 and URL in out
    assert tomllib.loads(feeds_toml.read_text())["feed"] == [
        {"url": URL, "title": "arXiv cs.LG", "tags": ["ml", "daily"]}
    ]
    [row] = feeds_json(run)
    assert (row["url"], row["title"], row["tags"], row["papers"], row["unread"]) == (
        URL,
        "arXiv cs.LG",
        ["ml", "daily"],
        0,
        0,
    )
    assert row["refreshed"] is None and row["error"] is None

    code, out, _ = run("add", URL)
    assert code == 0 and out == f"already subscribed: {URL}\n"
    run("add", URL, "--tag", "weekly")
    assert feeds_json(run)[0]["tags"] == ["ml", "daily", "weekly"]

    code, out, _ = run("feeds")
    assert out.splitlines() == [
        "arXiv cs.LG  [ml, daily, weekly]",
        f"    {URL}",
        "    0 papers, 0 unread; last refresh never",
    ]

    assert run("remove", URL)[0] == 0
    assert feeds_json(run) == []
    code, _, err = run("remove", URL)
    assert code == 1 and err == f"reader-tui: not subscribed: {URL}\n"


def test_add_a_local_file_stores_its_absolute_path(
    run: Run, feeds_toml: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(FEEDS)
    assert run("add", DIGEST.name)[0] == 0
    assert subscriptions.load(feeds_toml) == [Subscription(url=str(DIGEST.resolve()))]
    assert run("add", DIGEST.resolve().as_uri())[1].startswith("already subscribed")  # same feed
    assert run("remove", f"./{DIGEST.name}")[0] == 0


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("/no/such/feed.xml", "no such feed file"),
        ("ftp://example.org/feed.xml", "unsupported scheme"),
        ("https://example.org/a feed.xml", "refused link with spaces"),
    ],
)
def test_add_refuses_what_cannot_be_a_feed(run: Run, feeds_toml: Path, url: str, reason: str) -> None:
    code, _, err = run("add", url)
    assert code == 1 and len(err.splitlines()) == 1 and reason in err
    assert not feeds_toml.exists()


HAND_WRITTEN = """\
# my feeds, sorted by how much I trust them

# the daily digest
[[feed]]
url = "https://ftxj.github.io/zh/posts/index.xml"   # the Hugo site
title = "论文速递"

[[feed]]
url = "https://rss.arxiv.org/rss/cs.LG"
tags = ["ml"]

# keep this one last
[[feed]]
url = "https://huggingface.co/papers/rss"
"""


def test_add_and_remove_keep_every_hand_written_line(run: Run, feeds_toml: Path) -> None:
    feeds_toml.parent.mkdir(parents=True)
    feeds_toml.write_text(HAND_WRITTEN, encoding="utf-8")
    run("add", "https://biorxiv.org/rss/genomics", "--title", 'bioRxiv "genomics"')
    text = feeds_toml.read_text(encoding="utf-8")
    assert text.startswith(HAND_WRITTEN)
    assert [s.url for s in subscriptions.load(feeds_toml)][-1] == "https://biorxiv.org/rss/genomics"
    assert subscriptions.load(feeds_toml)[-1].title == 'bioRxiv "genomics"'

    run("remove", "https://rss.arxiv.org/rss/cs.LG")
    text = feeds_toml.read_text(encoding="utf-8")
    assert "cs.LG" not in text
    assert "# my feeds, sorted by how much I trust them\n\n# the daily digest\n[[feed]]\n" in text
    assert 'url = "https://ftxj.github.io/zh/posts/index.xml"   # the Hugo site' in text
    assert "# keep this one last\n[[feed]]\n" in text
    run("remove", "https://huggingface.co/papers/rss")
    assert "keep this one last" not in feeds_toml.read_text(encoding="utf-8")  # its comment went with it
    assert [s.url for s in subscriptions.load(feeds_toml)] == [
        "https://ftxj.github.io/zh/posts/index.xml",
        "https://biorxiv.org/rss/genomics",
    ]


def test_a_file_the_editor_cannot_cut_is_rewritten_whole(feeds_toml: Path) -> None:
    feeds_toml.parent.mkdir(parents=True)
    feeds_toml.write_text(f'feed = [{{url = "{URL}"}}, {{url = "https://a.example/rss"}}]\n')
    assert subscriptions.remove(URL, feeds_toml) == Subscription(URL)
    assert subscriptions.load(feeds_toml) == [Subscription("https://a.example/rss")]


def test_a_syntax_error_is_one_line_with_the_line_number(
    run: Run, feeds_toml: Path, reader_home: Path
) -> None:
    feeds_toml.parent.mkdir(parents=True)
    feeds_toml.write_text(f'[[feed]]\nurl = "{URL}"\n\n[[feed]]\nurl = https://oops\n', encoding="utf-8")
    for argv in (["feeds"], ["refresh"], ["add", "https://x.example/rss"], ["export-opml"]):
        code, out, err = run(*argv)
        assert code == 1 and out == ""
        assert len(err.splitlines()) == 1 and "Traceback" not in err
        assert err.startswith(f"reader-tui: {feeds_toml}: ") and "(at line 5, column 7)" in err
    urls, problem = default_sources()
    assert urls == []  # the app falls back to the sample digest...
    assert problem is not None and "at line 5" in problem and "\n" not in problem  # ...and says why


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('[[feed]]\ntitle = "x"\n', "feed 1: needs url"),
        ('[[feed]]\nurl = "https://a"\ntags = [1]\n', "feed 1: tags must be a list of strings"),
        ('[[feed]]\nurl = "https://a"\n[[feed]]\nurl = "https://b"\ntitle = 3\n', "feed 2: title must be"),
        ('feed = "https://a"\n', "'feed' must be written as [[feed]] blocks"),
    ],
)
def test_wrong_shapes_are_named(text: str, reason: str) -> None:
    with pytest.raises(SubscriptionError, match=re.escape(reason)):
        subscriptions.parse(text)


def test_default_sources_are_the_subscriptions(feeds_toml: Path, reader_home: Path) -> None:
    assert default_sources() == ([], None)
    subscriptions.add([Subscription(URL), Subscription("https://b.example/rss", tags=["x"])])
    assert default_sources() == ([URL, "https://b.example/rss"], None)


def test_a_hand_written_relative_path_means_next_to_feeds_toml(
    run: Run, feeds_toml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (feeds_toml.parent / "digests").mkdir(parents=True)
    (feeds_toml.parent / "digests" / "today.xml").write_bytes(DIGEST.read_bytes())
    feeds_toml.write_text('[[feed]]\nurl = "digests/today.xml"\n\n[[feed]]\nurl = "~/x.xml"\n', "utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # started from another folder
    monkeypatch.setenv("HOME", str(tmp_path))
    urls = [sub.url for sub in subscriptions.load()]
    assert urls == [str(feeds_toml.parent / "digests" / "today.xml"), str(tmp_path / "x.xml")]
    code, out, _ = run("refresh")
    assert code == 0 and "10 new of 10" in out  # the digest was read (x.xml fails on its own line)
    assert len(run("list")[1].splitlines()) == 10


text_values = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.builds(
            Subscription,
            url=st.from_regex(r"https://[a-z]{1,10}\.example/[a-z0-9/._~-]{0,20}", fullmatch=True),
            title=text_values,
            tags=st.lists(text_values, max_size=4, unique=True),
        ),
        max_size=6,
        unique_by=lambda sub: sub.url,
    )
)
def test_the_writer_round_trips_any_text(subs: list[Subscription]) -> None:
    text = subscriptions.dumps(subs)
    assert subscriptions.parse(text) == subs
    assert all(line.isprintable() for line in text.splitlines())  # escapes keep every line readable

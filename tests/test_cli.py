"""The headless CLI as a user runs it: what it prints, what it remembers, and how it fails.

Most tests call ``reader_tui.cli.main`` in-process (fast, output via capsys); a few run the installed
``reader-tui`` script and ``python -m reader_tui`` for real, because exit codes, a closed pipe and the
absence of tracebacks are only honest in a separate process. READER_TUI_HOME is always a temp folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from reader_tui.feeds import load_feed

ROOT = Path(__file__).resolve().parent.parent
FEEDS = Path(__file__).parent / "fixtures" / "feeds"
DIGEST = FEEDS / "ftxj-2026-05-29.xml"
DIGEST_0420 = FEEDS / "ftxj-2026-04-20.xml"
DEAD_URL = "http://127.0.0.1:9/x.xml"
KNOWN_ID = "2605.30102"  # first item of DIGEST: Rainone et al., cs.MA
SCRIPT = Path(sys.executable).parent / "reader-tui"

Run = Callable[..., tuple[int, str, str]]


def listed_ids(out: str) -> list[str]:
    """Paper ids from ``reader-tui list`` lines: marks (2), date (10), then the id."""
    return [line[14:].split()[0] for line in out.splitlines() if line.strip()]


def digest_ids(path: Path = DIGEST) -> list[str]:
    return [paper.id for paper in load_feed(str(path)).papers]


def assert_one_line_failure(code: int, err: str) -> None:
    assert code == 1
    assert len(err.splitlines()) == 1, err
    assert err.startswith("reader-tui: ")
    assert "Traceback" not in err


# --------------------------------------------------------------------------- list


def test_list_feed_prints_that_feeds_papers(run: Run) -> None:
    code, out, err = run("list", str(DIGEST))
    assert code == 0 and err == ""
    assert sorted(listed_ids(out)) == sorted(digest_ids())
    line = next(line for line in out.splitlines() if KNOWN_ID in line)
    assert line.startswith("N  2026-05-29")  # unread, not starred, dated
    assert "When Cloud Agents Meet Device Agents" in line


def test_list_without_feed_prints_the_whole_library(run: Run) -> None:
    assert run("list") == (0, "", "")  # empty library, nothing to say
    run("list", str(DIGEST))
    run("list", str(DIGEST_0420))
    code, out, _ = run("list")
    assert code == 0
    assert sorted(listed_ids(out)) == sorted(digest_ids() + digest_ids(DIGEST_0420))
    dates = [line[3:13] for line in out.splitlines()]
    assert dates == sorted(dates, reverse=True)  # newest first
    code, out, _ = run("list", str(DIGEST_0420))
    assert sorted(listed_ids(out)) == sorted(digest_ids(DIGEST_0420))  # a FEED narrows to its papers


def test_query_filters(run: Run) -> None:
    run("list", str(DIGEST))
    code, out, _ = run("list", "--query", "author:Rainone")
    assert code == 0 and listed_ids(out) == [KNOWN_ID]
    _, out, _ = run("list", str(DIGEST), "-q", "cat:cs.MA")
    assert KNOWN_ID in listed_ids(out) and len(listed_ids(out)) < len(digest_ids())
    _, out, _ = run("list", "-q", f"-id:{KNOWN_ID}")
    assert KNOWN_ID not in listed_ids(out) and len(listed_ids(out)) == len(digest_ids()) - 1


def test_json_prints_paper_objects_with_the_model_field_names(run: Run) -> None:
    code, out, _ = run("list", str(DIGEST), "--json")
    assert code == 0
    papers = json.loads(out)
    assert sorted(p["id"] for p in papers) == sorted(digest_ids())
    paper = next(p for p in papers if p["id"] == KNOWN_ID)
    for name in (
        "id",
        "arxiv_id",
        "version",
        "title",
        "authors",
        "affiliations",
        "categories",
        "keywords",
        "summary_html",
        "links",
        "published",
        "feeds",
    ):
        assert name in paper
    assert set(paper["links"]) == {"abs", "pdf", "post", "doi"}
    assert paper["arxiv_id"] == KNOWN_ID
    assert paper["authors"][0] == "Corrado Rainone"
    assert paper["affiliations"] == ["Qualcomm AI Research"]
    assert paper["categories"][0] == "cs.MA"
    assert paper["links"]["pdf"] == f"https://arxiv.org/pdf/{KNOWN_ID}"
    assert paper["published"].startswith("2026-05-29T") and paper["published"].endswith("+00:00")
    assert paper["feeds"] == [str(DIGEST.resolve())]
    assert "TL;DR" in paper["summary_html"]


# --------------------------------------------------------------------------- show, mark, export


def test_show_prints_one_paper(run: Run) -> None:
    run("list", str(DIGEST))
    code, out, err = run("show", KNOWN_ID)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "When Cloud Agents Meet Device Agents: Lessons from Hybrid Multi-Agent Systems"
    assert "authors: Corrado Rainone, Davide Belli, Bence Major, Arash Behboodi" in lines
    assert f"pdf: https://arxiv.org/pdf/{KNOWN_ID}" in lines
    assert "state: unread" in lines
    assert "## TL;DR" in out  # the summary, rendered as Markdown


def test_mark_persists_and_the_next_list_sees_it(run: Run) -> None:
    run("list", str(DIGEST))
    assert run("mark", KNOWN_ID, "--star") == (0, f"{KNOWN_ID}: unread, starred\n", "")
    _, out, _ = run("list", "--query", "is:starred")
    assert listed_ids(out) == [KNOWN_ID]
    assert out.startswith("N* ")
    run("mark", KNOWN_ID, "--read")
    _, out, _ = run("list", "-q", "is:read")
    assert listed_ids(out) == [KNOWN_ID] and out.startswith(" * ")
    run("mark", KNOWN_ID, "--unread", "--unstar")
    assert run("list", "-q", "is:starred")[1] == ""
    _, out, _ = run("list", "-q", "is:unread")
    assert len(listed_ids(out)) == len(digest_ids())


def test_export_starred_bibtex_to_a_file(run: Run, tmp_path: Path) -> None:
    import bibtexparser

    run("list", str(DIGEST))
    run("mark", KNOWN_ID, "--star")
    target = tmp_path / "starred.bib"
    code, out, err = run("export", "--query", "is:starred", "--format", "bibtex", "-o", str(target))
    assert code == 0 and out == ""
    assert err == f"wrote 1 papers to {target}\n"
    library = bibtexparser.parse_string(target.read_text(encoding="utf-8"))
    assert [entry.fields_dict["eprint"].value for entry in library.entries] == [KNOWN_ID]
    code, _, err = run("export", "-q", "is:starred", "-o", str(tmp_path / "missing-dir" / "x.bib"))
    assert_one_line_failure(code, err)


# --------------------------------------------------------------------------- exit codes


def test_usage_errors_exit_2(run: Run) -> None:
    run("list", str(DIGEST))
    code, _, err = run("mark", KNOWN_ID)
    assert code == 2 and "--read" in err
    code, _, err = run("list", "--no-such-option")
    assert code == 2 and "unrecognized arguments: --no-such-option" in err
    code, _, err = run("lsit")  # a typo must not open the app on a feed called "lsit"
    assert code == 2 and "unknown command 'lsit'" in err
    code, _, err = run("export", "--format", "docx")
    assert code == 2 and "invalid choice" in err


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["list", "/no/such/feed.xml"], "/no/such/feed.xml: file not found"),
        (["list", DEAD_URL], f"{DEAD_URL}: cannot connect"),
        (["list", "--query", "(agent"], "bad query"),
        (["show", "no-such-id"], "no paper with id 'no-such-id'"),
        (["mark", "no-such-id", "--star"], "no paper with id 'no-such-id'"),
    ],
)
def test_failures_exit_1_with_one_line(run: Run, argv: list[str], reason: str) -> None:
    code, out, err = run(*argv)
    assert_one_line_failure(code, err)
    assert reason in err and out == ""


def test_one_bad_feed_among_good_ones_is_a_warning_not_a_failure(run: Run) -> None:
    code, out, err = run("list", str(DIGEST), "/no/such/feed.xml")
    assert code == 0
    assert sorted(listed_ids(out)) == sorted(digest_ids())
    assert err == "reader-tui: /no/such/feed.xml: file not found\n"


# --------------------------------------------------------------------------- re-reading


def test_an_unchanged_file_is_not_parsed_again_and_a_changed_one_is(
    run: Run, parse_calls: list[str], tmp_path: Path
) -> None:
    feed = tmp_path / "feed.xml"
    shutil.copy(DIGEST, feed)
    assert run("list", str(feed))[0] == 0
    assert len(parse_calls) == 1
    code, out, _ = run("list", str(feed))
    assert code == 0 and sorted(listed_ids(out)) == sorted(digest_ids())
    assert len(parse_calls) == 1  # size and mtime as last read: not even opened

    os.utime(feed, ns=(feed.stat().st_atime_ns, feed.stat().st_mtime_ns + 5_000_000_000))
    run("list", str(feed))
    assert len(parse_calls) == 1  # touched, same bytes: the hash says there is nothing new

    text = feed.read_text(encoding="utf-8")
    feed.write_text(text.replace("When Cloud Agents Meet", "When Cloud Agents Greet", 1), encoding="utf-8")
    run("list", str(feed))
    assert len(parse_calls) == 2  # changed: parsed again


def test_a_lost_paper_cache_is_refilled_even_if_the_file_is_unchanged(
    run: Run, parse_calls: list[str], reader_home: Path
) -> None:
    run("list", str(DIGEST))
    for name in ("papers.sqlite", "papers.sqlite-wal", "papers.sqlite-shm"):
        (reader_home / "data" / name).unlink(missing_ok=True)
    code, out, _ = run("list", str(DIGEST))
    assert code == 0 and sorted(listed_ids(out)) == sorted(digest_ids())
    assert len(parse_calls) == 2


def test_the_same_paper_from_two_feeds_is_one_paper_naming_both(run: Run, tmp_path: Path) -> None:
    first, second = tmp_path / "a.xml", tmp_path / "b.xml"
    shutil.copy(DIGEST, first)
    shutil.copy(DIGEST, second)
    run("list", str(first))
    run("list", str(second))
    code, out, _ = run("list", "--json")
    assert code == 0
    papers = json.loads(out)
    assert sorted(p["id"] for p in papers) == sorted(digest_ids())  # each once
    assert all(p["feeds"] == [str(first), str(second)] for p in papers)
    _, out, _ = run("list", "-q", f"feed:{second.name}")
    assert len(listed_ids(out)) == len(digest_ids())


# --------------------------------------------------------------------------- real processes


def run_process(argv: list[str], home: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "READER_TUI_HOME": str(home)}
    return subprocess.run(
        argv,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        **kwargs,  # type: ignore[call-overload]
    )


@pytest.mark.skipif(not SCRIPT.exists(), reason="the console script is not installed in this environment")
def test_console_script_and_module_run_for_real(tmp_path: Path) -> None:
    done = run_process([str(SCRIPT), "list", str(DIGEST)], tmp_path)
    assert done.returncode == 0 and done.stderr == ""
    assert sorted(listed_ids(done.stdout)) == sorted(digest_ids())

    done = run_process([str(SCRIPT), "mark", KNOWN_ID, "--star"], tmp_path)
    assert done.returncode == 0
    done = run_process([sys.executable, "-m", "reader_tui", "list", "--json", "-q", "is:starred"], tmp_path)
    assert done.returncode == 0
    assert [paper["id"] for paper in json.loads(done.stdout)] == [KNOWN_ID]

    done = run_process([str(SCRIPT), "list", DEAD_URL], tmp_path)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"reader-tui: {DEAD_URL}: cannot connect: [Errno 111] Connection refused"
    ]
    done = run_process([sys.executable, "-m", "reader_tui", "mark", KNOWN_ID], tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_a_reader_that_closes_the_pipe_gets_no_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "READER_TUI_HOME": str(tmp_path)}
    argv = [sys.executable, "-m", "reader_tui", "list", "--json", str(DIGEST)]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # like `| head -0`: gone before the first write
        err = process.stderr.read().decode()
        code = process.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipe" not in err
    assert code == 0


def test_show_prints_a_journal_papers_venue_and_a_short_author_list(run: Run) -> None:
    """`show` says what the detail pane says of a journal paper: its journal line and not 983 names."""
    flora = FEEDS / "scholarly" / "wiley-taxon-atypon-rss2-2021-12.xml"
    assert run("list", str(flora))[0] == 0
    code, out, err = run("show", "doi:10.1002/tax.12640")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert any(line.startswith("journal: TAXON") for line in lines), lines[:12]
    assert "doi: 10.1002/tax.12640" in lines
    authors = next(line for line in lines if line.startswith("authors: "))
    assert authors.startswith("authors: The Brazil Flora Group, ") and authors.endswith("…and 970 more")

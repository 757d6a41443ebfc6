"""The exported .bib goes through BibTeX itself, as it will in the user's paper.

bibtexparser (in test_cite.py) is a Python reading of the format; the ``bibtex`` program is what
actually meets the file. Skipped where no TeX is installed (CI's clean machine); where it is, every
fixture paper and every hostile title must come out in the .bbl with no BibTeX error.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_cite import NASTY_TITLES

from reader_tui import cite
from reader_tui.feeds import load_feed
from reader_tui.model import Paper

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
BIBTEX = shutil.which("bibtex")

pytestmark = pytest.mark.skipif(BIBTEX is None, reason="no bibtex on this machine")

HOSTILE_TITLES = [*NASTY_TITLES, "Trailing backslash \\", "Tilde ~ caret ^ underscore _ dollar $"]


def all_papers() -> list[Paper]:
    papers = [
        paper
        for path in sorted(FEEDS.glob("*.xml"))
        if not path.name.startswith("broken-")
        for paper in load_feed(str(path)).papers
    ]
    papers += [
        Paper(id=f"h{n}", arxiv_id=f"2401.{n:05d}", title=title, authors=["A. {Weird} Name }", "B% C#"])
        for n, title in enumerate(HOSTILE_TITLES)
    ]
    papers.append(Paper(id="bare", title="", authors=[]))  # nothing but an id
    return papers


def test_bibtex_reads_every_exported_entry_without_an_error(tmp_path: Path) -> None:
    papers = all_papers()
    (tmp_path / "refs.bib").write_text(cite.export(papers, "bibtex"), encoding="utf-8")
    aux = "\\citation{*}\n\\bibstyle{plain}\n\\bibdata{refs}\n"
    (tmp_path / "refs.aux").write_text(aux, encoding="utf-8")
    assert BIBTEX is not None
    done = subprocess.run(
        [BIBTEX, "refs"], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    log = (tmp_path / "refs.blg").read_text(encoding="utf-8", errors="replace")
    assert done.returncode == 0, log  # bibtex exits 1 on warnings, 2 on errors
    assert "error message" not in log, log
    bbl = (tmp_path / "refs.bbl").read_text(encoding="utf-8", errors="replace")
    keys = re.findall(r"^@\w+\{([^,]+),", (tmp_path / "refs.bib").read_text(encoding="utf-8"), re.M)
    assert len(keys) == len(papers)
    for key in keys:
        assert f"\\bibitem{{{key}}}" in bbl


PDFLATEX = shutil.which("pdflatex")
CJK = re.compile(r"[\u3000-\u9fff\uac00-\ud7af\uff00-\uffef]")
"""Chinese, Japanese and Korean need xeCJK or ctex in the user's preamble: a font matter, not the entry's."""

DOCUMENT = r"""\documentclass{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\begin{document}
\nocite{*}
\bibliographystyle{plain}
\bibliography{refs}
\end{document}
"""


@pytest.mark.skipif(PDFLATEX is None, reason="no pdflatex on this machine")
def test_the_exported_bib_compiles_in_a_latex_paper(tmp_path: Path) -> None:
    papers = [paper for paper in all_papers() if not CJK.search(paper.title + "".join(paper.authors))]
    (tmp_path / "refs.bib").write_text(cite.export(papers, "bibtex"), encoding="utf-8")
    (tmp_path / "paper.tex").write_text(DOCUMENT, encoding="utf-8")
    assert PDFLATEX is not None and BIBTEX is not None

    def run(*command: str) -> str:
        done = subprocess.run(
            list(command), cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
        )
        return done.stdout

    run(PDFLATEX, "-interaction=nonstopmode", "paper")
    run(BIBTEX, "paper")
    run(PDFLATEX, "-interaction=nonstopmode", "paper")
    log = (tmp_path / "paper.log").read_text(encoding="utf-8", errors="replace")
    errors = [line for line in log.splitlines() if line.startswith("!")]
    assert errors == [], "\n".join(errors)
    assert (tmp_path / "paper.pdf").exists()

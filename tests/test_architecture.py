"""The domain layer never imports Textual, and the code stays ruff- and mypy-clean.

Importing each domain module in a fresh interpreter is the only honest check: within one test process
some other test has long since imported textual.
"""

from __future__ import annotations

import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import reader_tui

ROOT = Path(__file__).resolve().parent.parent


def domain_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(reader_tui.__path__, "reader_tui."):
        if info.name.startswith("reader_tui.ui") or info.name == "reader_tui.__main__":
            continue
        names.append(info.name)
    return sorted(names)


def test_domain_modules_are_found() -> None:
    names = domain_modules()
    for expected in ("reader_tui.model", "reader_tui.store", "reader_tui.feeds.parse", *SEARCH):
        assert expected in names


SEARCH = [
    "reader_tui.textfold",
    "reader_tui.paper_fields",
    "reader_tui.query",
    "reader_tui.query_match",
    "reader_tui.search_index",
]
"""The filter's modules: text folding, a paper's search record, the query language, its matching, the
search over the library. All domain."""
NOT_DOMAIN = ("textual", "reader_tui.ui", "reader_tui.feeds", "reader_tui.library", "reader_tui.refresh")
NOT_DOMAIN += ("reader_tui.subscriptions", "reader_tui.opml", "reader_tui.sync", "reader_tui.cli")


def test_search_is_domain_it_imports_no_feed_layer_use_case_or_ui() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {SEARCH!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(sorted(m for m in sys.modules if m.startswith({NOT_DOMAIN!r})))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_domain_layer_never_imports_textual() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {domain_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"domain imported: {result.stdout.strip()}"


def test_headless_cli_does_not_import_textual(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from reader_tui.cli import main\n"
        "main(['list'])\n"
        "print('TEXTUAL' if any(m.startswith('textual') for m in sys.modules) else 'CLEAN')\n"
    )
    env = {"READER_TUI_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("CLEAN")


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "ruff", "check", "reader_tui", "tests", "bench"],
        [sys.executable, "-m", "mypy"],
    ],
    ids=["ruff", "mypy"],
)
def test_code_quality(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def test_sync_is_a_use_case_layer() -> None:
    """reader_tui.sync joins the store and the servers: it never imports the UI, and the domain never
    imports it."""
    sync = sorted(name for name in domain_modules() if name.startswith("reader_tui.sync"))
    domain = ["reader_tui.model", "reader_tui.store", *SEARCH, "reader_tui.config"]
    code = (
        "import importlib, sys\n"
        f"for name in {domain!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.startswith('reader_tui.sync')))\n"
        f"for name in {sync!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('reader_tui.ui', 'textual'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "reader_tui.sync.backend" in sync
    assert result.stdout.split("\n")[:2] == ["[]", "[]"]


def test_no_private_textual_api() -> None:
    """Textual's private modules and attributes change in any release; the app uses public API only, so
    pyproject.toml can declare a range of Textual versions (constraints.txt pins one for the snapshots)."""
    private = re.compile(r"\btextual\._\w+|\._(?:scroll_update|keymap|parser|xterm_parser|loop)\b")
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted((ROOT / "reader_tui").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if private.search(line)
    ]
    assert found == []

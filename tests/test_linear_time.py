"""Every regex that runs on feed text outside ``reader_tui/feeds/`` is linear in the text's size.

Each function that applies one (search normalisation, the renderer, the sanitizer, the URL check,
citation export, the detail pane's link finder) is run on hostile text shaped to make a backtracking
regex rescan: long runs after a ``<``, of backslashes, of name characters, of ``](``... at 100,000 and
at 200,000 characters. Doubling the input must not much more than double the CPU time, and each call
stays under a few seconds. The work runs in a spawned child with a deadline, so a quadratic regex (which
holds the GIL and cannot be interrupted) fails the test instead of hanging the run.
"""

from __future__ import annotations

import gc
import multiprocessing
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from reader_tui import cite, render, safety, textfold
from reader_tui.model import Links, Paper

SIZES = (100_000, 200_000)
CHILD_SECONDS = 240.0
"""Wall time for all shapes of one function: generous, as a loaded 2-core machine runs tests side by side."""
CALL_SECONDS = 10.0
"""At 200k characters every call here takes at most a few seconds of CPU; a quadratic one takes minutes."""
NOISE_SECONDS = 0.25
"""Below this the ratio of two timings on a shared machine says little; a quadratic regex is far above."""
REPEATS = 3
"""A pair of timings that looks superlinear is taken again, keeping the fastest of each: one slow run
(an allocation spike, measured up to 3.5x at 200k on a linear function) is noise, while a quadratic
regex is slow on every run."""

HOSTILE: dict[str, Callable[[int], str]] = {
    "spaces after <": lambda n: "<" + " " * n,
    "slash and spaces after <": lambda n: "< /" + " " * n,
    "many <": lambda n: "<a " * (n // 3),
    "unclosed comments": lambda n: "<!--" * (n // 4),
    "unclosed scripts": lambda n: "<script " * (n // 8),
    "name run": lambda n: "a " * (n // 2),
    "one word": lambda n: "a" * n,
    "backslashes": lambda n: "\\" * n + "x",
    "brackets": lambda n: "](" * (n // 2),
    "escape parameters": lambda n: "\x1b[" + "0" * n,
    "csi starts": lambda n: "\x1b[0" * (n // 3),
    "osc starts": lambda n: "\x9d" * n,
    "dollars": lambda n: "$_^" * (n // 3),
    "braces": lambda n: "{" * (n // 2) + "}" * (n // 2),
    "dots": lambda n: "J." * (n // 2),
    "commas": lambda n: "a , " * (n // 4) + "Jr",
    "tex accents": lambda n: "\\'" * (n // 2),
    "tex commands": lambda n: "\\input" * (n // 6),
    "invisible": lambda n: "a\u200b" * (n // 2),
}


def _paper(text: str) -> Paper:
    return Paper(
        id="2601.00001",
        title=text,
        authors=["Ada Lovelace " + text],
        summary_html=text,
        published=datetime(2026, 1, 2, tzinfo=UTC),
        links=Links(abs="https://arxiv.org/abs/2601.00001"),
    )


def _markdown_links(text: str) -> object:
    from reader_tui.ui.detail import _MARKDOWN_LINK

    return _MARKDOWN_LINK.findall(text)


FUNCTIONS: dict[str, Callable[[str], object]] = {
    "textfold.normalize": textfold.normalize,
    "textfold.html_to_text": textfold.html_to_text,
    "render.summary_markdown": render.summary_markdown,
    "render.html_to_text": render.html_to_text,
    "safety.clean_text": safety.clean_text,
    "safety.clean_line": safety.clean_line,
    "safety.check_url": lambda text: _refused(lambda: safety.check_url("https://a.org/" + text)),
    "cite.export": lambda text: [cite.export([_paper(text)], fmt) for fmt in cite.FORMATS],
    "detail links": _markdown_links,
}


def _refused(call: Callable[[], object]) -> object:
    try:
        return call()
    except safety.UnsafeURLError:
        return None


def _cpu_seconds(function: Callable[[str], object], text: str) -> float:
    started = time.process_time()
    function(text)
    return time.process_time() - started


def _superlinear(small: float, large: float) -> bool:
    """Doubling the size may at most ~double the CPU time (3x leaves room for noise); a quadratic regex
    quadruples it, and takes minutes at these sizes, so it also hits the child's deadline."""
    return large > CALL_SECONDS or (large > NOISE_SECONDS and large > 3 * small)


def _measure(name: str, out: multiprocessing.queues.Queue[object]) -> None:
    # The child is spawned, not forked: a forked child inherited the test worker's heap, and a full
    # collection landing in the 200k run made cite.export look 3.3-3.8x (2.0x outside pytest). Regex
    # backtracking owes nothing to the collector, so what the child imported is set aside too.
    gc.collect()
    gc.freeze()
    function = FUNCTIONS[name]
    rows = []
    for shape, make in HOSTILE.items():
        small_text, large_text = (make(size) for size in SIZES)
        small = large = float("inf")
        for _ in range(REPEATS):
            small = min(small, _cpu_seconds(function, small_text))
            large = min(large, _cpu_seconds(function, large_text))
            if not _superlinear(small, large):
                break
        rows.append((shape, small, large))
    out.put(rows)


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_regexes_on_feed_text_are_linear(name: str) -> None:
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    child = context.Process(target=_measure, args=(name, out), daemon=True)
    child.start()
    child.join(CHILD_SECONDS)
    if child.is_alive():
        child.kill()
        child.join()
        pytest.fail(f"{name}: did not finish {len(HOSTILE)} hostile inputs in {CHILD_SECONDS:.0f} s")
    assert child.exitcode == 0, f"{name} crashed (exit code {child.exitcode})"
    slow = []
    for shape, small, large in out.get(timeout=5):
        if _superlinear(small, large):
            slow.append(f"{shape}: {small * 1000:.0f} ms at 100k, {large * 1000:.0f} ms at 200k")
    assert not slow, f"{name} is not linear on: " + "; ".join(slow)

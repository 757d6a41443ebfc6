"""Measure query filtering on synthetic libraries (a script, not a test: timings vary by machine).

Run from the repo root: ``.venv/bin/python bench/bench_query.py [sizes...]`` (default 10000 100000).
Papers: ~10-word titles, 5 authors, 2 affiliations, 3 categories, summary_html of ~1,500 characters
with some CJK and accented names, so most haystacks are not pure ASCII (the slow case for ``in``).
"""

from __future__ import annotations

import random
import string
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

from reader_tui.model import Paper, PaperState
from reader_tui.paper_fields import PaperFields
from reader_tui.query import Query, parse_query
from reader_tui.query_match import MatchContext
from reader_tui.search_index import SearchIndex

QUERIES = [
    "transformer",
    "graph neural",
    "智能体",
    "muller",
    '"language model"',
    "cat:cs.lg is:unread",
    "diffusion OR flow -survey",
    "since:7d author:smith",
]


def make_papers(count: int, seed: int = 7) -> list[Paper]:
    rng = random.Random(seed)
    vocab = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 10))) for _ in range(8000)]
    vocab += ["transformer", "graph", "neural", "diffusion", "flow", "language", "model", "survey"]
    cjk = "智能体大模型推理训练数据强化学习视觉语言多模态检索增强生成"
    names = ["Smith", "Müller", "Rodríguez", "Wang", "Li", "Nguyễn", "Østergård", "de la Cruz", "Kim"]
    cats = ["cs.LG", "cs.CL", "cs.CV", "stat.ML", "cs.AI", "q-bio.GN"]
    now = datetime(2026, 6, 1, tzinfo=UTC)
    papers = []
    for i in range(count):
        words: list[str] = []
        size = 0
        while size < 1500:
            word = rng.choice(vocab) if rng.random() > 0.01 else "".join(rng.choices(cjk, k=3))
            words.append(word)
            size += len(word) + 1
        summary = "<p>" + " ".join(words[: len(words) // 2]) + "</p><p>" + " ".join(words[len(words) // 2 :])
        papers.append(
            Paper(
                id=f"2605.{i:05d}",
                arxiv_id=f"2605.{i:05d}",
                title=" ".join(rng.choices(vocab, k=10)).capitalize(),
                authors=[f"{rng.choice(string.ascii_uppercase)}. {rng.choice(names)}" for _ in range(5)],
                affiliations=[f"University of {rng.choice(vocab).capitalize()}" for _ in range(2)],
                categories=rng.sample(cats, 3),
                keywords=rng.sample(vocab, 3),
                summary_html=summary + "</p>",
                published=now - timedelta(hours=rng.randint(0, 24 * 60)),
                feeds=["https://ftxj.github.io/zh/index.xml" if i % 3 else "https://rss.arxiv.org/rss/cs"],
            )
        )
    return papers


def best_of(runs: int, func: Callable[[], object]) -> str:
    """Best wall and CPU time in ms: CPU time is the fairer number when other jobs share the cores."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        func()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return f"{min(walls) * 1000:7.1f} ms wall {min(cpus) * 1000:7.1f} ms cpu"


def cold_filter(
    index: SearchIndex, query: Query, rows: list[PaperFields], ctx: MatchContext
) -> list[PaperFields]:
    """One filter pass without the narrowing memo (what the first keystroke of a new word costs)."""
    index._memo = None  # bench only: measure the full scan, not the reuse of the last result
    return index.filter_rows(query, rows, ctx)


def main(sizes: list[int]) -> None:
    states = {f"2605.{i:05d}": PaperState(read=True) for i in range(0, max(sizes), 4)}
    unread = PaperState()
    ctx = MatchContext(now=datetime(2026, 6, 1, tzinfo=UTC), state_of=lambda pid: states.get(pid, unread))
    for size in sizes:
        papers = make_papers(size)
        index = SearchIndex()
        start, cpu = time.perf_counter(), time.process_time()
        rows = [PaperFields(paper) for paper in papers]  # what the store does once, when it saves a paper
        cold, cold_cpu = time.perf_counter() - start, time.process_time() - cpu
        print(f"{size:>7} papers: cold index build {cold * 1000:.0f} ms wall {cold_cpu * 1000:.0f} ms cpu")
        reloaded = list(rows)
        start = time.perf_counter()
        index.filter_rows(parse_query("x"), reloaded, ctx)
        took = (time.perf_counter() - start) * 1000
        print(f"{'':>7}  first filter after a reload (a new list of rows) {took:.0f} ms")
        start = time.perf_counter()
        index.filter_rows(parse_query("x"), reloaded, ctx)
        index.filter_rows(parse_query("x"), rows, ctx)
        took = (time.perf_counter() - start) * 1000
        print(f"{'':>7}  then the same filter again, and back on the original list {took:.0f} ms")
        for text in QUERIES:
            query = parse_query(text)
            hits = len(cold_filter(index, query, rows, ctx))
            ms = best_of(5, partial(cold_filter, index, query, rows, ctx))
            print(f"{'':>7}  {text!r:<32} {ms}  ({hits} hits)")
        word = "transformer graph"
        keystrokes = [word[:n] for n in range(1, len(word) + 1)]
        index.filter_rows(parse_query("warm"), rows, ctx)
        start, cpu = time.perf_counter(), time.process_time()
        worst = worst_cpu = 0.0
        for text in keystrokes:
            began, began_cpu = time.perf_counter(), time.process_time()
            index.filter_rows(parse_query(text), rows, ctx)
            worst = max(worst, time.perf_counter() - began)
            worst_cpu = max(worst_cpu, time.process_time() - began_cpu)
        total, total_cpu = (time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000
        print(
            f"{'':>7}  typing {word!r} key by key: {total:.0f} ms wall {total_cpu:.0f} ms cpu in all, "
            f"worst key {worst * 1000:.0f} ms wall {worst_cpu * 1000:.0f} ms cpu"
        )


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [10_000, 100_000])

"""Measure relevance ranking: quality on real labelled feeds, and speed at 10,000 papers.

Run from the repo root: ``.venv/bin/python bench/bench_rank.py [FEED_OR_DIR...] [--trials N] [--size N]``
(default: every feed in ``tests/fixtures/feeds`` and, when present, ``/work/shared/fixtures/feeds``).

Quality. The label is a paper's primary arXiv category, which the ranking never sees as a label. For
every feed and every primary category with at least ``MIN_PAPERS`` papers (and under 90% of the feed,
else there is nothing to tell apart), each trial stars ``STARS`` random papers of that category and
ranks all the others; precision@k is the share of the top k whose primary category is the same. Three
rankers are compared on the same trials:

* ``random``: the category's share of the rest, which is what a random order scores on average;
* ``overlap``: plain keyword overlap, the number of distinct words (same fields, same tokens, no
  weights) a paper shares with the starred ones;
* ``rank``: :class:`reader_tui.rank.RankIndex`, as the app and CLI use it.

Because categories are among the terms the ranking uses (they are the user's own signal), the table
also shows ``text``: the ranking with every paper's categories removed, i.e. from words and authors
alone; it shows how much of the quality does not come from the category label itself.

Speed, in CPU time (the machine is shared; wall time only for the build), on ``--size`` (default
10,000) papers cut from the real feeds (real abstracts, new ids) and on ``bench/generate.py`` papers:
building the index (the first time, in a worker; best of 3), loading the index kept in the store
(with nothing and with 1% of the papers written since), ranking every paper against a 5-star profile
with the top 20 reasons, and re-ranking after one more star, by a pass over the index and from the
profile's sums per span kept (best of 5). ``--no-quality`` prints the speed alone.

In the app: ``--app [SIZE...]`` (default 10,000; ``--app 10000 100000`` for both) starts the real
app through Pilot on a library of that size with 5 stars and "for you" restored, and prints CPU (all
threads of the process) and wall time from the first screen to the list set in relevance order, with
no index kept, with the index kept, and with 1% of the papers written since by another process; then
a star's re-rank (the key's own work, and the press until the app is idle again), with the load
average before and after.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from generate import generate_papers  # noqa: E402

from reader_tui.feeds import parse_feed  # noqa: E402
from reader_tui.model import Paper  # noqa: E402
from reader_tui.paper_fields import PaperFields  # noqa: E402
from reader_tui.rank import Profile, RankIndex  # noqa: E402
from reader_tui.relevance import Relevance  # noqa: E402
from reader_tui.store import Store  # noqa: E402
from reader_tui.terms import paper_document, row_document, tokens  # noqa: E402

MIN_PAPERS = 15
STARS = 5
DEFAULT_FEEDS = [ROOT / "tests" / "fixtures" / "feeds", Path("/work/shared/fixtures/feeds")]

Ranker = Callable[[list[str]], list[str]]


def load(paths: Sequence[Path]) -> dict[str, list[Paper]]:
    feeds: dict[str, list[Paper]] = {}
    seen: set[str] = set()
    for path in paths:
        files = sorted(path.rglob("*.xml")) if path.is_dir() else [path]
        for file in files:
            if file.name in seen:  # the same fixture copied into tests/ and /work/shared
                continue
            seen.add(file.name)
            try:
                result = parse_feed(file.read_bytes(), str(file))
            except Exception as error:  # a bench reports and goes on
                print(f"skip {file.name}: {error}", file=sys.stderr)
                continue
            feeds[file.name] = [p for p in result.papers if p.is_paper]
    return feeds


def categories_to_test(papers: list[Paper]) -> list[str]:
    counts: dict[str, int] = defaultdict(int)
    for paper in papers:
        if paper.primary_category:
            counts[paper.primary_category] += 1
    return sorted(c for c, n in counts.items() if n >= MIN_PAPERS and n < 0.9 * len(papers))


def app_documents(papers: list[Paper]) -> list[tuple[str, str, str, list[str], list[str]]]:
    """What the app indexes: each paper's search row and summary text, as the store keeps them."""
    rows = [PaperFields(paper) for paper in papers]
    return [row_document(row, row.text or "") for row in rows]  # type: ignore[misc]


def rank_ranker(papers: list[Paper]) -> Ranker:
    index = RankIndex(documents=app_documents(papers))  # the app's path: the store's folded rows

    def ranked(starred: list[str]) -> list[str]:
        return [r.paper_id for r in index.rank(index.profile(starred), top=20)]

    return ranked


def overlap_ranker(papers: list[Paper]) -> Ranker:
    def words_of(paper: Paper) -> set[str]:
        _, _, text, _, _ = paper_document(paper)
        names = {"author:" + a.casefold() for a in paper.authors} | {"cat:" + c for c in paper.categories}
        return {t for t in tokens(text) if " " not in t} | names

    words = {p.id: words_of(p) for p in papers}
    order = [p.id for p in papers]

    def ranked(starred: list[str]) -> list[str]:
        liked = set().union(*(words[s] for s in starred))
        pool = [(-len(words[pid] & liked), i, pid) for i, pid in enumerate(order) if pid not in starred]
        return [pid for _, _, pid in sorted(pool)[:20]]

    return ranked


def quality(
    name: str, papers: list[Paper], trials: int
) -> list[tuple[str, int, dict[str, tuple[float, float]]]]:
    label = {p.id: p.primary_category for p in papers}
    rng = random.Random(13)
    rankers = {
        "rank": rank_ranker(papers),
        "text": rank_ranker([replace(p, categories=[]) for p in papers]),
        "overlap": overlap_ranker(papers),
    }
    rows = []
    for category in categories_to_test(papers):
        members = [p.id for p in papers if label[p.id] == category]
        scores: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for _ in range(trials):
            starred = rng.sample(members, STARS)
            share = (len(members) - STARS) / (len(papers) - STARS)
            scores["random"].append((share, share))
            for ranker_name, ranker in rankers.items():
                top = ranker(starred)
                hits = [label[pid] == category for pid in top]
                scores[ranker_name].append((sum(hits[:10]) / 10, sum(hits[:20]) / 20))
        rows.append(
            (
                category,
                len(members),
                {
                    k: (statistics.fmean(a for a, _ in v), statistics.fmean(b for _, b in v))
                    for k, v in scores.items()
                },
            )
        )
    return rows


def report_quality(feeds: dict[str, list[Paper]], trials: int) -> None:
    print(f"Quality: star {STARS} papers of one primary category, rank the rest; mean of {trials} trials.")
    print(
        "p@10 / p@20 for: random (category share), overlap (plain keyword overlap), rank,"
        " text (rank with no categories)"
    )
    all_rank: list[float] = []
    for name, papers in feeds.items():
        rows = quality(name, papers, trials)
        if not rows:
            continue
        print(f"\n{name} ({len(papers)} papers)")
        print(f"  {'category':<14}{'n':>5}  {'random':>11}  {'overlap':>11}  {'rank':>11}  {'text':>11}")
        for category, n, s in rows:
            cells = "  ".join(f"{s[k][0]:.2f} / {s[k][1]:.2f}" for k in ("random", "overlap", "rank", "text"))
            print(f"  {category:<14}{n:>5}  {cells}")
        means = {
            k: statistics.fmean(s[k][0] for _, _, s in rows) for k in ("random", "overlap", "rank", "text")
        }
        means20 = {
            k: statistics.fmean(s[k][1] for _, _, s in rows) for k in ("random", "overlap", "rank", "text")
        }
        cells = "  ".join(f"{means[k]:.2f} / {means20[k]:.2f}" for k in ("random", "overlap", "rank", "text"))
        print(f"  {'mean':<14}{'':>5}  {cells}")
        all_rank.extend(s["rank"][0] for _, _, s in rows)
    if all_rank:
        print(f"\nrank p@10 averaged over all {len(all_rank)} categories: {statistics.fmean(all_rank):.2f}")


def best_of(runs: int, action: Callable[[], object]) -> float:
    """CPU milliseconds of the fastest of ``runs`` runs (the machine is shared: wall time is noise)."""
    return min(cpu_ms(action) for _ in range(runs))


def real_papers(feeds: dict[str, list[Paper]], size: int) -> list[Paper]:
    """``size`` papers cut from the real feeds' papers (new ids, each a copy of a real one), so the
    vocabulary and text lengths are those of real abstracts, not of generate.py's 60 words."""
    pool = [p for papers in feeds.values() for p in papers] or generate_papers(1_000)
    return [replace(pool[i % len(pool)], id=f"{pool[i % len(pool)].id}#{i}") for i in range(size)]


def report_speed(papers: list[Paper], label: str) -> None:
    ids = [p.id for p in papers]
    documents = app_documents(papers)
    build_cpu = best_of(3, lambda: RankIndex(documents=documents))
    start = time.perf_counter()
    index = RankIndex(documents=documents)
    build_wall = (time.perf_counter() - start) * 1000
    cli_cpu = best_of(3, lambda: RankIndex(papers))
    tracemalloc.start()
    kept = RankIndex(documents=documents)
    memory = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    del kept
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder)) as store:
        store.add_papers(papers)
        store.flush()
        store_cpu = best_of(3, lambda: Relevance.from_store(store, {}))
        Relevance.from_store(store, {}).save(store)
        kept_cpu = best_of(3, lambda: Relevance.from_store(store, {}))
        store.add_papers([replace(p, id=p.id + "+new") for p in papers[: len(papers) // 100]])
        store.flush()
        delta_cpu = best_of(3, lambda: Relevance.from_store(store, {}))
    rng = random.Random(5)
    starred = rng.sample(ids, STARS)
    profile = index.profile(starred)
    by_id = {p.id: p for p in papers}

    def rank_and_explain(index: RankIndex, profile: Profile) -> None:
        for ranked in index.rank(profile)[:20]:
            index.reasons(profile, ranked.paper_id, by_id[ranked.paper_id])

    rank_cpu = best_of(5, lambda: rank_and_explain(index, index.profile(starred)))
    extra = next(pid for pid in rng.sample(ids, 10) if pid not in starred)

    def one_more_star(index: RankIndex, profile: Profile) -> None:
        profile.add_star(extra)
        rank_and_explain(index, profile)
        profile.remove_star(extra)

    star_cpu = best_of(5, lambda: one_more_star(index, profile))
    fresh = RankIndex(documents=documents)  # its postings not built yet
    kept_sums = fresh.profile(starred)
    snapshot = kept_sums.snapshot()
    segments_cpu = cpu_ms(lambda: kept_sums.adopt(fresh.segments(snapshot)))
    segments_star_cpu = best_of(5, lambda: one_more_star(fresh, kept_sums))
    print(
        f"\nSpeed at {len(papers):,} {label} ({len(index.vocabulary):,} terms), CPU ms (wall for the build):"
    )
    rows = [
        ("build the index from the store's folded rows (the app, in a worker)", build_cpu),
        ("the same with the rows and summary texts read from a real store", store_cpu),
        ("build the index from the papers (the CLI: markup stripped, text folded)", cli_cpu),
        ("the index kept in the store: loaded, checked against the store", kept_cpu),
        ("the same with 1% of the papers written since (indexed, added)", delta_cpu),
        ("rank every paper, 5 stars (profile, scores, top 20 reasons)", rank_cpu),
        ("re-rank every paper after one more star (a pass over the index)", star_cpu),
        ("the sums per span and the postings (once, in a worker, after ranking)", segments_cpu),
        ("re-rank every paper after one more star (the sums per span kept)", segments_star_cpu),
        ("from 'f' to a ranked list, no index kept (store read + build + rank)", store_cpu + rank_cpu),
        ("from 'f' to a ranked list, the index kept (load + check + rank)", kept_cpu + rank_cpu),
    ]
    for name, value in rows:
        print(f"  {name + ':':<74}{value:6.0f} ms CPU")
    print(f"  (the first build: {build_wall:.0f} ms wall, {memory:.1f} MB)")


class Clock:
    """CPU (every thread of the process) and wall time since it was made, in ms."""

    def __init__(self) -> None:
        self.cpu, self.wall = time.process_time(), time.perf_counter()

    def read(self) -> tuple[float, float]:
        return (time.process_time() - self.cpu) * 1000, (time.perf_counter() - self.wall) * 1000


def app_library(papers: list[Paper], folder: Path) -> None:
    """A library of ``papers`` with 5 of them starred and "for you" the order in force (as a user
    who sorted by relevance last session leaves it)."""
    with Store(folder) as store:
        store.add_papers(papers)
        for paper_id in random.Random(5).sample([p.id for p in papers], STARS):
            store.set_starred(paper_id, True)
        store.set_setting("ui.sort", "relevance")
        store.flush()


async def time_app(folder: Path, stars: int) -> dict[str, object]:
    """Start the real app (headless, through Pilot) on ``folder`` and time, CPU (all threads) and
    wall: the first screen; from it to the list set in relevance order (the index built or loaded in
    its worker, ranked; painted at the next frame); then, once the app's work after the ranking is
    done, ``stars`` times ``j`` and ``s`` (star, re-rank the rows below, repaint)."""
    from reader_tui.ui.app import make_app

    store = Store(folder)
    app = make_app(store=store)
    handler: list[tuple[float, float]] = []
    toggle = app.action_toggle_star

    def timed_toggle() -> None:  # the key's own work: star, re-rank, set the list
        clock = Clock()
        toggle()
        handler.append(clock.read())

    app.action_toggle_star = timed_toggle  # type: ignore[method-assign]
    start = Clock()
    marks: dict[str, tuple[float, float]] = {}
    apply_filter = app._apply_filter

    def timed_apply(keep_id: str | None = None) -> None:  # the list set in relevance order
        apply_filter(keep_id)
        if app.papers_view.for_you.ranked:
            marks.setdefault("ranked", start.read())

    app._apply_filter = timed_apply  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        first_screen = start.read()
        while "ranked" not in marks:
            await pilot.pause(0.002)
        ranked = (marks["ranked"][0] - first_screen[0], marks["ranked"][1] - first_screen[1])
        indexed = app.papers_view.for_you.relevance.indexed  # type: ignore[union-attr]
        await app.workers.wait_for_complete()  # the index kept, the sums per span: not during the stars
        await pilot.pause(0.05)
        presses: list[tuple[float, float]] = []
        for _ in range(stars):
            await pilot.press("j")
            clock = Clock()
            await pilot.press("s")
            presses.append(clock.read())
        await app.workers.wait_for_complete()
    store.close()
    return {"first": first_screen, "ranked": ranked, "indexed": indexed, "press": presses, "key": handler}


def report_app(papers: list[Paper], label: str, stars: int = 5) -> None:
    """The app's figures: ranked order after the first screen (no index kept, the index kept, the
    index kept and 1% of the library written since by another process) and a star's re-rank."""
    import asyncio

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nIn the app (Pilot, headless), {len(papers):,} {label}; load average before: {load}")
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        app_library(papers, home)
        runs = [("no index kept (first 'f' ever)", asyncio.run(time_app(home, stars)))]
        runs.append(("the index kept from the last session", asyncio.run(time_app(home, stars))))
        extra = [replace(p, id=p.id + "+new") for p in papers[: max(1, len(papers) // 100)]]
        with Store(home) as other:  # another process writes 1% more papers
            other.add_papers(extra)
        runs.append((f"kept, {len(extra):,} papers written since", asyncio.run(time_app(home, stars))))
    print("  first screen -> list set in relevance order, ms CPU (all threads) / wall; papers indexed:")
    for name, run in runs:
        cpu, wall = run["ranked"]  # type: ignore[misc]
        print(f"    {name:<44} {cpu:6.0f} CPU {wall:6.0f} wall  ({run['indexed']:,} indexed)")
    presses = [p for _, run in runs for p in run["press"]]  # type: ignore[attr-defined]
    keys = [k for _, run in runs for k in run["key"]]  # type: ignore[attr-defined]
    for name, values in (
        ("the key's handler (star, re-rank, set list)", keys),
        ("press s -> idle (repainted)", presses),
    ):
        cpus, walls = [c for c, _ in values], [w for _, w in values]
        print(
            f"  re-rank after a star, {name}: median {statistics.median(cpus):.0f} CPU"
            f" {statistics.median(walls):.0f} wall, worst {max(cpus):.0f} CPU {max(walls):.0f} wall"
            f" ({len(values)} stars)"
        )
    print(f"  load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def cpu_ms(action: Callable[[], object]) -> float:
    start = time.process_time()
    action()
    return (time.process_time() - start) * 1000


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("feeds", nargs="*", type=Path)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--no-quality", action="store_true")
    parser.add_argument("--app", type=int, nargs="*", default=None, metavar="SIZE",
                        help="time the app (Pilot) at these sizes only (default 10000)")  # fmt: skip
    args = parser.parse_args(argv)
    paths = args.feeds or [p for p in DEFAULT_FEEDS if p.exists()]
    feeds = load(paths)
    if args.app is not None:
        for size in args.app or [10_000]:
            report_app(real_papers(feeds, size), "papers cut from the real feeds")
        return 0
    if not args.no_quality:
        report_quality(feeds, args.trials)
    if not args.no_speed:
        report_speed(real_papers(feeds, args.size), "papers cut from the real feeds")
        report_speed(generate_papers(args.size), "generated papers")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

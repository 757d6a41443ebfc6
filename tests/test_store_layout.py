"""The paper cache on disk: one paper per line, so a 10,000-paper library loads without holding the file
(or all of its dicts) in memory, while staying one JSON document that TinyDB and plain ``json`` read.

Files in any other layout (an older version of the app, a hand edit) still load, and are rewritten in the
line layout; damage anywhere in a line-layout file is still caught and recovered from the backup.
"""

from __future__ import annotations

import json
import shutil
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from tinydb.storages import JSONStorage

from bench.generate import generate_papers
from reader_tui.model import Links, Paper
from reader_tui.store import Store


def paper(pid: str, **extra: object) -> Paper:
    return Paper(id=pid, title=f"Title of {pid}", feeds=["feed-a"], **extra)  # type: ignore[arg-type]


FULL = Paper(
    id="2401.00001",
    title="Ünïcode “title” with\nnewline",
    arxiv_id="2401.00001",
    version=0,
    authors=["Jürgen Müller", "王伟"],
    affiliations=["ETH Zürich"],
    categories=["cs.LG", "stat.ML"],
    keywords=["graphs", "智能体"],
    summary_html="<p>One</p>\n<p>Two &amp; three</p>",
    links=Links(abs="https://arxiv.org/abs/2401.00001", doi="10.1/x"),
    published=datetime(2026, 5, 1, 9, 30, tzinfo=timezone(timedelta(hours=8))),
    feeds=["https://rss.arxiv.org/rss/cs.LG", "/home/me/feed.xml"],
    announce_type="replace-cross",
    journal_ref="J. Tests 1 (2026)",
    comment="",
    is_paper=False,
)
BARE = Paper(id="https://example.org/item?id=1", title="")


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_each_paper_sits_on_its_own_line_of_a_json_document(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.add_papers([FULL, BARE, paper("c")])
    path = tmp_path / "papers.json"
    lines = lines_of(path)
    assert lines[0].startswith('{"meta":') and lines[0].endswith('"papers":{')
    for line, pid in zip(lines[1:4], [FULL.id, BARE.id, "c"], strict=True):
        assert line.startswith(json.dumps(pid) + ":{")
    assert lines[4:] == ["}}"]
    for plain in (json.loads(path.read_text(encoding="utf-8")), JSONStorage(str(path)).read()):
        assert plain is not None and list(plain["papers"]) == [FULL.id, BARE.id, "c"]
        assert plain["papers"]["c"]["title"] == "Title of c"


def test_every_field_survives_a_restart(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.add_papers([FULL, BARE])
    with Store(tmp_path) as again:
        assert again.papers() == [FULL, BARE]
        assert again.messages == []


@pytest.mark.parametrize(
    "text",
    [
        '{"meta":{"1":{"token":"0123456789abcdef0123456789abcdef","format":1}},"papers":{\n}}\n',
        '{"meta":{},"papers":{}}',
    ],
)
def test_an_empty_cache_loads_empty(tmp_path: Path, text: str) -> None:
    (tmp_path / "papers.json").write_text(text)
    with Store(tmp_path) as store:
        assert store.papers() == [] and store.messages == []


@pytest.mark.parametrize("layout", ["one line", "pretty-printed"])
def test_a_file_in_another_layout_loads_and_is_rewritten_in_lines(tmp_path: Path, layout: str) -> None:
    papers = {p.id: p.to_dict() for p in [FULL, BARE, paper("c")]}
    document = {"meta": {"1": {"format": 1}}, "papers": papers}
    text = (
        json.dumps(document) if layout == "one line" else json.dumps(document, indent=2, ensure_ascii=False)
    )
    (tmp_path / "papers.json").write_text(text, encoding="utf-8")
    with Store(tmp_path) as store:
        assert store.papers() == [FULL, BARE, paper("c")]
        assert store.messages == []
    lines = lines_of(tmp_path / "papers.json")
    assert len(lines) == 5 and lines[-1] == "}}"
    with Store(tmp_path) as again:
        assert again.papers() == [FULL, BARE, paper("c")]


def _records(raw: bytes) -> list[bytes]:
    return raw.split(b"\n")


DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "cut at a line end": lambda raw: b"\n".join(_records(raw)[:-2]) + b"\n",
    "cut mid-line": lambda raw: raw[: len(raw) - len(_records(raw)[-3]) // 2 - 10],
    "comma missing": lambda raw: raw.replace(b"},\n", b"}\n", 1),
    "comma doubled": lambda raw: raw.replace(b"},\n", b"},,\n", 1),
    "comma after the last": lambda raw: raw.replace(b"}\n}}", b"},\n}}"),
    "record garbled": lambda raw: raw.replace(b'"title":', b'"title"', 1),
    "nul bytes in a line": lambda raw: raw.replace(b'"title":"', b'"title":"\0\0', 1),
    "not utf-8": lambda raw: raw.replace(b'"title":"', b'"title":"\xff', 1),
    "garbage after the end": lambda raw: raw + b"{}",
    "two closing lines": lambda raw: raw + b"}}\n",
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_damage_in_a_line_layout_file_is_caught_and_the_backup_restored(tmp_path: Path, damage: str) -> None:
    with Store(tmp_path, flush_delay=60) as store:
        store.add_papers([paper(f"kept{i}") for i in range(300)])  # more than one batch of lines
        store.flush()
        store.add_papers([paper("later")])
    path = tmp_path / "papers.json"
    raw = path.read_bytes()
    damaged = DAMAGE[damage](raw)
    assert damaged != raw
    path.write_bytes(damaged)
    with pytest.raises(ValueError):
        json.loads(damaged.decode("utf-8"))  # the damage really breaks the document
    with Store(tmp_path) as store:
        assert len(store.messages) == 1, store.messages
        assert (
            store.messages[0].startswith("papers.json was unreadable")
            and "restored the backup" in store.messages[0]
        )
        assert len(store) == 300 and "kept299" in store
    with Store(tmp_path) as again:  # the restored file is whole again
        assert again.messages == [] and len(again) == 300


def test_a_record_that_is_not_a_paper_costs_only_itself(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.add_papers([paper("a"), paper("b"), paper("c")])
    path = tmp_path / "papers.json"
    lines = lines_of(path)
    lines[2] = '"b":{"title":"no id"},'
    path.write_text("\n".join(lines), encoding="utf-8")
    with Store(tmp_path) as store:
        assert [p.id for p in store.papers()] == ["a", "c"] and store.messages == []


LONG = Paper(
    id="2401.00002",
    title="Long abstract",
    summary_html="<p>Müller &amp; 王伟 study <b>hypergraphs</b> of agents.</p>\n" * 40,
    feeds=["feed-a"],
)


def record_of(path: Path, paper_id: str) -> dict[str, object]:
    record: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))["papers"][paper_id]
    return record


def test_long_summaries_are_written_compressed_and_read_back_whole(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.add_papers([LONG, FULL])
    path = tmp_path / "papers.json"
    assert "hypergraphs" not in path.read_text(encoding="utf-8")  # not in plain text anywhere
    stored = record_of(path, LONG.id)
    assert "summary_html" not in stored and isinstance(stored["summary_z"], str)
    assert len(stored["summary_z"]) < len(LONG.summary_html.encode()) / 4
    assert record_of(path, FULL.id)["summary_html"] == FULL.summary_html  # short: plain, readable
    with Store(tmp_path) as again:
        assert again.papers() == [LONG, FULL]
        assert again.get(LONG.id).summary_html == LONG.summary_html  # type: ignore[union-attr]


def test_a_library_written_before_compression_loads_and_is_rewritten_compressed(tmp_path: Path) -> None:
    path = tmp_path / "papers.json"
    head = '{"meta":{"1":{"token":"0123456789abcdef0123456789abcdef","format":1}},"papers":{'
    records = [json.dumps({p.id: p.to_dict()}, ensure_ascii=False)[1:-1] for p in (LONG, FULL)]
    path.write_text(head + "\n" + ",\n".join(records) + "\n}}\n", encoding="utf-8")
    with Store(tmp_path) as store:
        assert store.papers() == [LONG, FULL] and store.messages == []
    # Rewritten once, unasked, so that later starts need not compress every summary again.
    assert "summary_z" in record_of(path, LONG.id) and "summary_html" not in record_of(path, LONG.id)
    with Store(tmp_path) as again:
        assert again.papers() == [LONG, FULL]


def test_a_damaged_compressed_summary_costs_at_most_its_paper(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.add_papers([LONG, paper("bad base64"), paper("not deflate")])
    path = tmp_path / "papers.json"
    lines = lines_of(path)
    lines[2] = '"bad base64":{"id":"bad base64","title":"x","summary_z":"abc"},'
    lines[3] = '"not deflate":{"id":"not deflate","title":"Kept","summary_z":"bm90IGRlZmxhdGU="}'
    path.write_text("\n".join(lines), encoding="utf-8")
    with Store(tmp_path) as store:
        assert [p.id for p in store.papers()] == [LONG.id, "not deflate"] and store.messages == []
        kept = store.get("not deflate")
        assert kept is not None and kept.title == "Kept" and kept.summary_html == ""


# ---------------------------------------------------------------------------- memory


@pytest.fixture(scope="module")
def library_4k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("library")
    with Store(folder) as store:
        store.add_papers(generate_papers(4000))
    return folder


@pytest.fixture
def big_library(library_4k: Path, tmp_path: Path) -> Path:
    """A 4,000-paper library of this test's own (~7 MB of papers.json)."""
    return Path(shutil.copytree(library_4k, tmp_path / "big"))


def test_loading_holds_only_a_few_lines_of_the_file_at_a_time(big_library: Path) -> None:
    size = (big_library / "papers.json").stat().st_size
    tracemalloc.start()
    try:
        store = Store(big_library, poll_interval=None)
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    try:
        assert len(store) == 4000 and store.messages == []
        assert peak - current < size / 4, (peak - current, size)  # a whole-file read needs twice its size
    finally:
        store.close()


def test_writing_the_cache_keeps_no_serialized_copy_of_it(big_library: Path) -> None:
    size = (big_library / "papers.json").stat().st_size
    with Store(big_library, flush_delay=60, poll_interval=None) as store:
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            store.add_papers([paper("one more")])
            store.flush()
            after, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert after - before < size / 20, (after - before, size)
        # A serialized copy would be the file's size; what a write holds is its 1 MB file buffer and a chunk.
        assert peak - before < size / 2, (peak - before, size)
    with Store(big_library) as again:
        assert len(again) == 4001 and "one more" in again


def test_repeated_strings_are_held_once(big_library: Path) -> None:
    with Store(big_library) as store:
        papers = store.papers()
    categories = {id(c) for p in papers for c in p.categories}
    feeds = {id(f) for p in papers for f in p.feeds}
    assert len(categories) == len({c for p in papers for c in p.categories})
    assert len(feeds) == len({f for p in papers for f in p.feeds})
    assert all(p.arxiv_id is p.id for p in papers if p.arxiv_id)


def test_dates_keep_their_offset(tmp_path: Path) -> None:
    when = datetime(2026, 5, 1, 23, 59, tzinfo=UTC)
    with Store(tmp_path) as store:
        store.add_papers([paper("a", published=when)])
    with Store(tmp_path) as store:
        found = store.get("a")
        assert found is not None and found.published == when and found.published.utcoffset() == timedelta(0)


def test_reading_another_process_write_keeps_one_copy_of_the_library(big_library: Path) -> None:
    size = (big_library / "papers.json").stat().st_size
    with Store(big_library, flush_delay=60, poll_interval=None) as mine:
        before = {p.id: p for p in mine.papers()}
        arrived: list[set[str]] = []
        mine.on_papers_change = arrived.append
        with Store(big_library, flush_delay=60, poll_interval=None) as other:
            other.add_papers([paper("from the other app")])
        tracemalloc.start()
        try:
            start = tracemalloc.get_traced_memory()[0]
            mine.flush()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert arrived == [{"from the other app"}]
        assert all(mine.get(pid) is p for pid, p in before.items())  # unchanged papers: the same objects
        assert peak - start < size / 4, (peak - start, size)

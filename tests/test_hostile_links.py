"""One opener for every URL the app opens, links clicked inside a summary included; what leaves the app
(browser, clipboard) is checked and clean.

The unit rules of ``check_url`` are in ``test_safety.py``; here the real app is driven: a summary link
is clicked (a real click on the rendered text, and ``Markdown.LinkClicked`` messages posted from the
summary widget for hrefs the renderer would never produce), and the keys that open or copy links are
pressed on papers whose stored links are hostile. The browser and clipboard are recorders.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

from conftest import SealedHarness, wait_until
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Markdown

from reader_tui.model import Links, Paper
from reader_tui.ui.app import ReaderApp

SIZE = (120, 40)
DAY = datetime(2026, 5, 29, 12, 0, tzinfo=UTC)
PAGE = "https://arxiv.org/abs/2401.00001v2"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

HOSTILE_HREFS = {
    "javascript:alert(1)": "refused javascript: link (only http and https open)",
    " javascript:alert(1)": "refused link with surrounding whitespace",
    "file:///etc/passwd": "refused file: link (only http and https open)",
    "smb://host/x.desktop": "refused smb: link (only http and https open)",
    "ssh://attacker.example": "refused ssh: link (only http and https open)",
    "--incognito": "refused link that starts with '-'",
}


def paper(pid: str, summary_html: str = "", age: int = 0, **links: str) -> Paper:
    return Paper(
        id=pid,
        title=f"Paper {pid}",
        summary_html=summary_html,
        links=Links(**links),
        published=DAY - timedelta(days=age),
    )


async def summary_of(pilot: Pilot[None], paper_id: str) -> Markdown:
    app = pilot.app
    assert isinstance(app, ReaderApp)
    await wait_until(pilot, lambda: app.detail._rendered_id == paper_id)
    await pilot.pause()
    return app.detail.query_one("#detail-summary", Markdown)


def find_on_screen(app: ReaderApp, word: str) -> tuple[int, int]:
    """Screen cell of the first character of ``word`` in the detail pane."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    region = app.detail.region
    for y, line in enumerate(console.export_text().splitlines()):
        x = line.find(word, region.x, region.right)
        if region.y <= y < region.bottom and x >= 0:
            return x, y
    raise AssertionError(f"{word!r} is not on screen")


async def test_clicked_summary_links_are_checked_by_the_one_opener(sealed: SealedHarness) -> None:
    """Hrefs the renderer never emits are still refused if a click ever delivers them."""
    sealed.store.add_papers([paper("p1", "<p>Abstract text</p>", abs=PAGE)])
    async with sealed.app.run_test(size=SIZE, notifications=True) as pilot:
        summary = await summary_of(pilot, "p1")
        for href in [*HOSTILE_HREFS, "../pdf/2401.00001v2"]:
            summary.post_message(Markdown.LinkClicked(summary, href))
        await wait_until(pilot, lambda: len(sealed.app._notifications) == len(HOSTILE_HREFS) + 1)
        assert sealed.opened.calls == ["https://arxiv.org/pdf/2401.00001v2"]  # resolved against PAGE
        warnings = sealed.warnings()
        assert len(warnings) == len(HOSTILE_HREFS)
        for warning, reason in zip(warnings, HOSTILE_HREFS.values(), strict=True):
            assert warning.startswith(reason) and "\n" not in warning
        assert sealed.browser.calls == sealed.textual_opened.calls == []


async def test_clicking_rendered_summary_links(sealed: SealedHarness) -> None:
    """A real click: relative links open resolved, unsafe ones were rendered as plain, dead text."""
    summary_html = (
        "<p>Read <a href='/pdf/2401.00001v2'>relpdf</a> or <a href='javascript:alert(1)'>scripted</a>"
        " or <a href='file:///etc/passwd'>localfile</a> or <a href='smb://host/x.desktop'>share</a>"
        " or <a href='https://example.org/ok'>plainlink</a>.</p>"
    )
    sealed.store.add_papers([paper("p1", summary_html, abs=PAGE)])
    app = sealed.app
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await summary_of(pilot, "p1")
        for word in ["relpdf", "scripted", "localfile", "share", "plainlink"]:
            x, y = find_on_screen(app, word)
            await pilot.click(offset=(x + 1, y))
            await pilot.pause()
        await wait_until(pilot, lambda: len(sealed.opened.calls) == 2)
        await pilot.pause(0.1)
        assert sealed.opened.calls == ["https://arxiv.org/pdf/2401.00001v2", "https://example.org/ok"]
        for word in ["scripted", "localfile", "share"]:
            x, y = find_on_screen(app, word)
            assert "@click" not in app.screen.get_style_at(x + 1, y).meta  # no link there at all
        assert sealed.warnings() == []
        assert sealed.browser.calls == sealed.textual_opened.calls == []


async def test_keys_refuse_hostile_stored_links(sealed: SealedHarness) -> None:
    """A cached paper's links are not trusted either: o, a and y refuse them, in one line each."""
    hrefs = list(HOSTILE_HREFS)
    sealed.store.add_papers([paper(f"p{i}", age=i, abs=href, pdf=href) for i, href in enumerate(hrefs)])
    app = sealed.app
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(pilot, lambda: app.current is not None)
        for i in range(len(hrefs)):
            assert app.current is not None and app.current.id == f"p{i}"
            await pilot.press("o", "a", "y", "j")
        await wait_until(pilot, lambda: len(app._notifications) == 3 * len(hrefs))
        warnings = sealed.warnings()
        assert len(warnings) == 3 * len(hrefs)
        for i, reason in enumerate(HOSTILE_HREFS.values()):
            for warning in warnings[3 * i : 3 * i + 3]:
                assert warning.startswith(reason) and "\n" not in warning
        assert (
            sealed.opened.calls
            == sealed.copied.calls
            == sealed.browser.calls
            == sealed.textual_opened.calls
            == []
        )


async def test_what_is_copied_is_clean(sealed: SealedHarness) -> None:
    """Escape sequences in a cached paper never reach the clipboard (citation or link)."""
    dirty = "Title\x1b]52;c;SGVsbG8=\x07 with\x1b[2J \u202eescapes\x9b31m"
    sealed.store.add_papers(
        [
            Paper(
                id="p1",
                title=dirty,
                authors=[f"Eve {dirty}"],
                journal_ref=dirty,
                links=Links(abs=PAGE),
                published=DAY,
            )
        ]
    )
    async with sealed.app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(pilot, lambda: sealed.app.current is not None)
        await pilot.press("c", "y")
        await wait_until(pilot, lambda: len(sealed.copied.calls) == 2)
        citation, link = sealed.copied.calls
        assert "Title with escapes" in citation and not CONTROL.search(citation)
        assert link == PAGE


async def test_percent_encoded_summary_link_opens_as_written(sealed: SealedHarness) -> None:
    target = "https://example.org/search?q=a%20b%26c"
    sealed.store.add_papers([paper("p1", f"<p><a href='{target}'>encoded</a></p>", abs=PAGE)])
    app = sealed.app
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await summary_of(pilot, "p1")
        x, y = find_on_screen(app, "encoded")
        await pilot.click(offset=(x + 1, y))
        await wait_until(pilot, lambda: bool(app._notifications))
        assert sealed.opened.calls == [target]

"""What leaves the app: links opened in a browser, text put on a clipboard, lists written to a file.

One opener for every URL (:meth:`Outbound.open_link`, through :func:`reader_tui.safety.check_url`), one
clipboard path with its terminal fallback, and the list export; each says in one line what happened.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from textual.app import App

from reader_tui import paths
from reader_tui.model import Paper
from reader_tui.safety import UnsafeURLError, check_url

Opener = Callable[[str], object]
Clipboard = Callable[[str], None]

SUFFIXES = {"bibtex": "bib", "ris": "ris", "markdown": "md", "plain": "txt", "json": "json"}


def pyperclip_copy(text: str) -> None:
    """Copy with pyperclip; raises when no clipboard tool exists (the app then falls back to OSC 52)."""
    import pyperclip

    pyperclip.copy(text)


def _has_graphical_browser() -> bool:
    return sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


class Outbound:
    """Opens, copies and exports for ``app``, telling the user in a notification."""

    def __init__(self, app: App[None], opener: Opener | None, clipboard: Clipboard | None) -> None:
        self.app = app
        self._opener = opener
        self._copy: Clipboard = clipboard or pyperclip_copy

    def open_link(self, url: str | None, base: str | None = None) -> None:
        """The one place the app opens a URL: checked first, refused with a one-line reason."""
        app = self.app
        try:
            safe = check_url(url, base)
        except UnsafeURLError as error:
            app.notify(str(error), severity="warning", markup=False)
            return
        import webbrowser  # lazy: ~16 ms of start-up for a key most sessions press late

        if self._opener is not None:
            self._opener(safe)
        elif _has_graphical_browser():
            webbrowser.open(safe)
        else:
            # A console browser takes over the terminal: hand it over and take it back after.
            try:
                with app.suspend():
                    opened = webbrowser.open(safe)
            except Exception:
                opened = webbrowser.open(safe)
            if not opened:
                app.notify(f"no browser found; press y to copy the link: {safe}", markup=False)
                return
        app.notify(f"opened {safe}", markup=False, timeout=2)

    def copy_text(self, text: str, what: str) -> None:
        """Copy to the system clipboard, else through the terminal (OSC 52); say which."""
        try:
            self._copy(text)
            where = "clipboard"
        except Exception:
            self.app.copy_to_clipboard(text)
            where = "terminal clipboard"
        self.app.notify(f"copied {what} to the {where}", markup=False, timeout=2)

    def copy_link(self, link: str) -> None:
        try:
            self.copy_text(check_url(link), link)
        except UnsafeURLError as error:
            self.app.notify(str(error), severity="warning", markup=False)

    def export(self, papers: Sequence[Paper], fmt: str, now: datetime) -> None:
        """Write ``papers`` to a file in the data folder and say where."""
        from reader_tui import cite

        target = Path(paths.data_dir()) / "exports" / f"papers-{now:%Y%m%d-%H%M%S}.{SUFFIXES[fmt]}"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(cite.export(papers, fmt), encoding="utf-8")
        except OSError as error:
            self.app.notify(f"export failed: {error.strerror}", severity="error", markup=False)
            return
        self.app.notify(f"exported {len(papers)} papers to {target}", markup=False, timeout=6)

"""The small editors of the user's own words on a paper: tags (``t``), a note (``e``), a name (views).

Each is a modal screen that dismisses with the new value, or None when cancelled with escape; the app
stores the value. Every string shown comes from the user or the app and is still shown as
:class:`Content` or plain widget text, never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import App, ComposeResult, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Static, TextArea


class TagSuggester(Suggester):
    """Completes the tag being typed (after the last comma) from the tags in use, most used first."""

    def __init__(self, tags: Sequence[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.tags = list(tags)

    async def get_suggestion(self, value: str) -> str | None:
        head, _, typed = value.rpartition(",")
        typed_stripped = typed.lstrip()
        if not typed_stripped:
            return None
        chosen = {t.strip().casefold() for t in head.split(",")} if head else set()
        wanted = typed_stripped.casefold()
        for tag in self.tags:
            if tag.casefold().startswith(wanted) and tag.casefold() not in chosen and tag != typed_stripped:
                return value[: len(value) - len(typed_stripped)] + tag
        return None


class PromptScreen(ModalScreen[str | None]):
    """One line of input: ``enter`` gives it back, ``escape`` gives None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="prompt.cancel"),
    ]

    def __init__(
        self, title: str, value: str = "", hint: str = "", suggester: Suggester | None = None
    ) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.hint = hint
        self.suggester = suggester

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-body", classes="dialog"):
            yield Static(Content(self.title_text), id="prompt-title")
            yield Input(self.value, id="prompt-input", suggester=self.suggester, select_on_focus=False)
            yield Static(Content.styled(self.hint or "enter: save    escape: cancel", "$text-muted"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class NoteScreen(ModalScreen[str | None]):
    """A paper's note, Markdown in a text area: ``ctrl+s`` saves, ``escape`` cancels, ``ctrl+e`` hands
    the text to ``$EDITOR`` (the app suspends itself meanwhile) and saves what the editor wrote.

    ``escape`` and ``ctrl+e`` are priority bindings: a text area that indents with tab takes escape
    for itself (it moves focus to the next widget, and the area is the only one), so without priority
    the note could never be closed with escape and a key-mashing user (the monkey test) was stuck in
    it for good; and the text area binds ``ctrl+e`` to "end of line", so ``$EDITOR`` never opened.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="note.save"),
        Binding("escape", "cancel", "Cancel", id="note.cancel", priority=True),
        Binding("ctrl+e", "external", "$EDITOR", id="note.editor", priority=True),
    ]

    def __init__(self, title: str, note: str) -> None:
        super().__init__()
        self.title_text = title
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(id="note-body", classes="dialog"):
            yield Static(Content(self.title_text), id="note-title")
            yield TextArea(self.note, id="note-text", soft_wrap=True, tab_behavior="indent")
            yield Static(
                Content.styled("ctrl+s: save    escape: cancel    ctrl+e: edit in $EDITOR", "$text-muted")
            )

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_external(self) -> None:
        text = self.query_one(TextArea).text
        edited = edit_in_editor(self.app, text)
        if edited is not None:
            self.dismiss(edited)


def edit_in_editor(app: App[object], text: str) -> str | None:
    """``text`` edited in ``$VISUAL``/``$EDITOR`` (else ``vi``) with the app suspended; None (and a
    one-line notice) when no editor could run or it failed."""
    import os
    import shlex
    import subprocess
    import tempfile

    command = shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")
    handle, name = tempfile.mkstemp(prefix="reader-tui-note-", suffix=".md")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        try:
            with app.suspend():
                done = subprocess.run([*command, name], check=False)
        except (OSError, SuspendNotSupported) as error:
            app.notify(f"cannot run the editor: {error}", severity="warning", markup=False)
            return None
        if done.returncode != 0:
            app.notify(f"the editor exited with status {done.returncode}; note unchanged", markup=False)
            return None
        with open(name, encoding="utf-8", errors="replace") as back:
            return back.read()
    finally:
        try:
            os.unlink(name)
        except OSError:
            pass

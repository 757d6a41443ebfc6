"""Every user action, declared once: its id, default keys, label, help text and where it applies.

The ``BINDINGS`` of the app, the paper list, the filter bar and the dialogs, the footer (it shows the
bindings marked ``show``), the command palette and the help screen are all built from :data:`ACTIONS`;
``[keymap]`` in config.toml remaps keys by id. To add an action, add a row here and an ``action_*``
method on the class its scope names (``app``: :class:`~reader_tui.ui.app.ReaderApp`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from textual.binding import Binding, BindingType

Scope = Literal["app", "list", "filter", "help", "feeds", "confirm"]


@dataclass(frozen=True)
class Action:
    """One thing the user can do."""

    id: str
    """Stable binding id, the key of ``[keymap]`` in config.toml (``app.toggle_star``)."""
    keys: str
    """Default keys, comma-separated; empty for an action only the command palette offers."""
    action: str
    """Textual action string, run on the object the scope names (``toggle_star``, ``view('unread')``)."""
    label: str
    """Short name for the footer (and the command palette, unless ``title`` is given)."""
    help: str
    """What it does, for the help screen and the command palette."""
    scope: Scope = "app"
    """Where it applies: the whole app, the paper list, the filter bar, or one dialog."""
    show: bool = False
    """Shown in the footer (which must fit 80 columns)."""
    palette: bool = True
    """Offered by the command palette (only ``app`` actions are)."""
    keeps_focus: bool = False
    """Never moves focus or changes the screen, so the keys after it need not wait (:mod:`.keys`)."""
    priority: bool = False
    """Checked before the focused widget sees the key (enter in the filter bar, before the input)."""
    title: str = ""
    """The command palette's name for it, when the footer's label is too terse."""

    @property
    def palette_title(self) -> str:
        return self.title or self.label

    @property
    def palette_help(self) -> str:
        return self.help[:1].upper() + self.help[1:]


ACTIONS: tuple[Action, ...] = (
    # Triage: on the paper under the cursor, whichever pane has focus.
    Action("app.read_next", "space", "mark_read_next", "Read+next", "mark read, go to the next paper",
           show=True, keeps_focus=True, title="Mark read and next"),
    Action("app.mark_all_read", "A", "mark_all_read", "All read", "mark the whole list read (asks first)",
           title="Mark all read"),
    Action("app.toggle_read", "m", "toggle_read", "Read", "toggle read",
           show=True, keeps_focus=True, title="Toggle read"),
    Action("app.toggle_star", "s", "toggle_star", "Star", "toggle starred (to read)",
           show=True, keeps_focus=True, title="Toggle star"),
    Action("app.view_unread", "u", "view('unread')", "Unread", "unread-only view (again: all)",
           keeps_focus=True, title="Unread only"),
    Action("app.view_starred", "S", "view('starred')", "Starred", "starred-only view (again: all)",
           keeps_focus=True, title="Starred only"),
    Action("app.open_pdf", "o", "open_pdf", "PDF", "open the PDF",
           show=True, keeps_focus=True, title="Open PDF"),
    Action("app.open_page", "a", "open_page", "Abstract", "open the abstract or post page",
           show=True, keeps_focus=True, title="Open abstract page"),
    Action("app.copy_bibtex", "c", "copy_citation('bibtex')", "Cite", "copy the BibTeX citation",
           show=True, keeps_focus=True, palette=False),  # the palette has "Copy as bibtex" and the rest
    Action("app.copy_link", "y", "copy_link", "Copy link", "copy the link", keeps_focus=True),
    Action("app.filter", "slash", "focus_filter", "Filter", "filter the list", show=True),
    Action("app.switch_pane", "tab", "switch_pane", "Pane", "switch between list and detail", palette=False),
    Action("app.reload", "R", "reload", "Reload", "reload the feeds", keeps_focus=True, title="Reload feeds"),
    Action("app.feeds", "F", "feeds", "Feeds", "feeds: unread, last refresh, errors"),
    Action("app.for_you", "f", "for_you", "For you",
           "sort: for you (like your starred papers, with reasons) / by date"),
    Action("app.more_like_this", "L", "more_like_this", "Like this",
           "papers most like this one (again: back)", title="More like this"),
    Action("app.tag", "t", "tag", "Tag", "tag the paper (→ takes the suggestion)"),
    Action("app.note", "e", "note", "Note", "the paper's note (ctrl+s saves, ctrl+e: $EDITOR)"),
    Action("app.views", "v", "views", "Views", "saved views with unread counts (a number picks)"),
    Action("app.save_view", "", "save_view", "Save filter as view", "name the current filter as a view"),
    Action("app.toggle_detail", "z", "toggle_detail", "List only", "hide or show the detail pane"),
    Action("app.help", "question_mark", "help", "Help", "this help", show=True),
    Action("app.quit", "q", "quit", "Quit", "quit", show=True, palette=False),  # Textual's palette has Quit
    Action("app.toggle_dark", "", "toggle_dark", "Toggle light/dark",
           "switch between the light and dark theme"),  # the palette only
    # Moving in the list.
    Action("list.down", "j,down", "cursor_down", "Down", "Down", "list", keeps_focus=True),
    Action("list.up", "k,up", "cursor_up", "Up", "Up", "list", keeps_focus=True),
    Action("list.first", "g,home", "first", "First", "First", "list", keeps_focus=True),
    Action("list.last", "G,end", "last", "Last", "Last", "list", keeps_focus=True),
    Action("list.page_up", "pageup", "page_up", "Page up", "Page up", "list", keeps_focus=True),
    Action("list.page_down", "pagedown", "page_down", "Page down", "Page down", "list", keeps_focus=True),
    Action("list.next_unread", "n", "next_unread", "Next unread", "Next unread", "list", keeps_focus=True),
    Action("list.previous_unread", "p", "previous_unread", "Previous unread", "Previous unread", "list",
           keeps_focus=True),
    # The filter bar: the app leaves it, so focus has moved before the next key is routed.
    Action("filter.clear", "escape", "app.leave_filter(True)", "Clear filter", "clear, back to the list",
           "filter", show=True),
    Action("filter.accept", "enter", "app.leave_filter(False)", "Keep filter", "keep, back to the list",
           "filter", show=True, priority=True),  # before the input's own enter (submit)
    # Dialogs.
    Action("help.close", "escape,q,question_mark", "dismiss", "Close help", "close", "help", show=True),
    Action("feeds.close", "escape,q,F", "dismiss", "Close", "close", "feeds", show=True),
    Action("confirm.yes", "y,enter", "answer(True)", "Yes", "yes", "confirm", show=True),
    Action("confirm.no", "n,escape", "answer(False)", "No", "no", "confirm", show=True),
)  # fmt: skip

HELP_SECTIONS: dict[Scope, str] = {"app": "Triage", "list": "Moving", "filter": "Filter bar"}
"""The help screen's sections, in order; the command palette's key closes it."""

KEEP_FOCUS = frozenset(action.id for action in ACTIONS if action.keeps_focus)


def bindings(scope: Scope) -> list[BindingType]:
    """The ``BINDINGS`` of the class that ``scope`` names."""
    return [
        Binding(a.keys, a.action, a.label, show=a.show, priority=a.priority, id=a.id, tooltip=a.help)
        for a in ACTIONS
        if a.scope == scope and a.keys
    ]


def palette_actions() -> Iterator[Action]:
    """What the command palette offers: every app action but quit, then copy and export in each format."""
    yield from (a for a in ACTIONS if a.scope == "app" and a.palette)
    from reader_tui.cite import FORMATS

    for fmt in FORMATS:
        if fmt != "json":
            yield Action(f"app.copy_{fmt}", "", f"copy_citation('{fmt}')", f"Copy as {fmt}",
                         f"copy the paper's citation as {fmt}")  # fmt: skip
        yield Action(f"app.export_{fmt}", "", f"export_list('{fmt}')", f"Export list as {fmt}",
                     f"write the list to a {fmt} file")  # fmt: skip


def help_sections(
    keymap: Mapping[str, str], key_display: Callable[[str], str]
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Rows of (keys, help) per section, with the user's ``[keymap]`` applied."""

    def keys(action: Action) -> str:
        return ", ".join(key_display(key.strip()) for key in keymap.get(action.id, action.keys).split(","))

    sections = [
        (title, [(keys(a), a.help) for a in ACTIONS if a.scope == scope and a.keys])
        for scope, title in HELP_SECTIONS.items()
    ]
    return [*sections, ("Everywhere", [("ctrl+p", "command palette: every action")])]

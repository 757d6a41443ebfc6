"""The footer: Textual's, compact below :data:`NARROW_WIDTH` columns so its keys still fit."""

from __future__ import annotations

from textual import events
from textual.widgets import Footer

NARROW_WIDTH = 100
"""Below this many columns the list and detail panes stack instead of sitting side by side."""


class ReaderFooter(Footer):
    """Full below 100 columns it overlaps; compact, without the palette hint (ctrl+p still works, and
    the help screen lists it), it fits 80. Not CSS: the footer builds its keys in compose."""

    def on_resize(self, event: events.Resize) -> None:
        narrow = event.size.width < NARROW_WIDTH
        self.compact = narrow
        if self.show_command_palette == narrow:
            self.show_command_palette = not narrow
            self.refresh(recompose=True)

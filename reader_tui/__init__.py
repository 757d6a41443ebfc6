"""reader-tui: triage research papers from feeds in the terminal.

The package splits into a domain layer (everything outside ``reader_tui.ui``), which never imports
Textual so the headless CLI and the tests stay fast, and the UI layer in ``reader_tui.ui``.
"""

__version__ = "0.1.0"

"""Allow ``python -m reader_tui``."""

from reader_tui.cli import main

raise SystemExit(main())

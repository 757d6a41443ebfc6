"""Sync with a feed server (Miniflux or Tiny Tiny RSS): a use-case package, like ``library`` and ``refresh``.

``backend`` is the interface every server adapter implements; ``miniflux`` and ``ttrss`` are the adapters
(HTTP only, no store, no decisions). The engine joins them with the store: it never imports Textual, and
the domain layer never imports it (``tests/test_architecture.py``).
"""

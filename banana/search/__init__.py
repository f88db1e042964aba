"""Search: the library's archive in one SQLite FTS5 index (``index``), and what a
listener types turned into a safe query (``query``)."""

"""The page of every activity's URL, computed by the database itself (``activity.page``).

``VisitedPage`` compares the page of a URL as ``conditions.url_path`` gives it: lowercased,
without scheme, host, query, fragment and trailing slashes. Computed at query time, the
page of every visit in the window was worked out again by each rebuild: 4.4 s on SQLite
for a million contacts' two million yearly page visits (and 200 times faster than the ORM
is the target), 1 s on PostgreSQL. Kept in a generated column indexed with the visit's
time, contact and type, the visits of one page are one range of that index.

Generated, not written by the store, so that every writer keeps it right: an import, a
DBA's ``INSERT``, another program. PostgreSQL stores the exact page, in SQL that does what
``url_path`` does. SQLite computes it on the fly (it can only add a virtual column to a
table that has rows) from built-in functions alone: one of ours there would make the table
unreadable to the ``sqlite3`` shell. Its built-in ``lower()`` folds ASCII only, so a URL
with any other character gets :data:`NOT_ASCII` instead of its page, and a test of the page
reads those few URLs with the registered ``cg_url_path`` (see ``SqliteDialect.page_is``).
"""

from __future__ import annotations

from conditions import values

NOT_ASCII = "\u2026"
"""SQLite's page of a URL that holds a character beyond ASCII: not a page any ASCII URL has
(every such page is ASCII) nor one ``url_path`` gives a URL holding it (that page would be
compared exactly)."""

COLUMN = "page"
INDEX = "activity_page_at"


def postgresql_page(url: str) -> str:
    """``url_path`` of the column ``url`` in PostgreSQL's SQL (every function immutable, as
    a generated column's must be)."""
    scheme_and_host = values.URL_SCHEME_AND_HOST.replace("'", "''")
    return (f"rtrim(regexp_replace(split_part(split_part(lower({url}), '#', 1), '?', 1), "
            f"'{scheme_and_host}', ''), '/')")


def sqlite_page(url: str) -> str:
    """``url_path`` of the ASCII URL in the column ``url`` in SQLite's built-in SQL, or
    :data:`NOT_ASCII`. A URL is cut before its first ``#`` or ``?``; a scheme is letters,
    digits, ``+``, ``.`` and ``-`` after a first letter, before the first ``://``; the host
    runs to the next ``/``. ``tests/store/test_page_column.py`` compares it with
    ``url_path`` on random URLs."""
    low = f"lower({url})"
    cut = f"min(instr({low} || '#', '#'), instr({low} || '?', '?'))"
    marker = f"instr({low}, '://')"
    scheme = f"substr({low}, 1, {marker} - 1)"
    path = f"min({marker} + 2 + instr(substr({low}, {marker} + 3) || '/', '/'), {cut})"
    return (f"CASE WHEN {url} IS NULL THEN NULL "
            f"WHEN length({url}) <> length(CAST({url} AS BLOB)) THEN '{NOT_ASCII}' "
            f"WHEN {marker} > 1 AND {scheme} GLOB '[a-z]*' "
            f"AND {scheme} NOT GLOB '*[^a-z0-9+.-]*' "
            f"THEN rtrim(substr({low}, {path}, {cut} - {path}), '/') "
            f"ELSE rtrim(substr({low}, 1, {cut} - 1), '/') END")

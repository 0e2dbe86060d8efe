"""The SQL functions SQLite lacks, registered on each connection the store opens.

Its own ``lower()`` and ``upper()`` fold ASCII only; the compiled conditions need the case
mapping of ``conditions.values``, and ``VisitedPage`` the page of a URL (``values.url_path``).
A module of its own, because every connection needs it at start-up and the compiler behind
it loads most of the language.
"""

from __future__ import annotations

import sqlite3

from conditions import values

SQLITE_FUNCTIONS = {
    "cg_lower": lambda v: values.fold_case(v) if isinstance(v, str) else v,
    "cg_upper": lambda v: v.upper() if isinstance(v, str) else v,
    "cg_url_path": lambda v: values.url_path(v) if isinstance(v, str) else None,
}


def register_sqlite_functions(connection: sqlite3.Connection) -> None:
    """Give a SQLite connection ``cg_lower``/``cg_upper`` with our case mapping."""
    for name, function in SQLITE_FUNCTIONS.items():
        connection.create_function(name, 1, function, deterministic=True)

"""Opening a database from a URL.

The store binds every model to :data:`database_proxy`, so one process can open an SQLite
file or a PostgreSQL server by URL and the same services run on both. Opening also creates
or upgrades the schema (see :mod:`store.db.schema`), so a caller never sees a half-made
database.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import peewee
import platformdirs

from conditions import register_sqlite_functions
from store.db.database_url import DatabaseUrl, mask_password, parse_url
from store.db.dialects import POSTGRESQL, SQLITE, StoreDialect
from store.errors import StoreError

database_proxy = peewee.DatabaseProxy()


def placeholders(count: int) -> str:
    """``?, ?, ?`` (or ``%s, …``): the parameters of a hand-written ``IN (…)`` or ``VALUES``."""
    return ", ".join([database_proxy.param] * count)


def rows_of(rows: Sequence[tuple]) -> str:
    """``(?, ?), (?, ?)``: the parameters of a hand-written multi-row ``VALUES``."""
    return ", ".join(f"({placeholders(len(row))})" for row in rows)


def insert_values(target: str, rows: Sequence[tuple], returning: str = ""):
    """``INSERT INTO target VALUES (…), (…) [RETURNING …]``: one statement for all ``rows``
    (a handful, from code: a per-contact write must stay a few round trips). Returns the
    cursor, for what ``returning`` names."""
    return database_proxy.execute_sql(
        f"INSERT INTO {target} VALUES {rows_of(rows)}"
        + (f" RETURNING {returning}" if returning else ""),
        [value for row in rows for value in row])


def dialect() -> StoreDialect:
    """The open database's engine, to ask for whatever the engines do differently (see
    :mod:`store.db.dialects`); chosen when :func:`connect` opened it."""
    return database_proxy.obj.dialect


ENV_VAR = "CONTACT_GROUPS_DB"
SQLITE_BUSY_TIMEOUT_MS = 10_000
SQLITE_CACHE_KIB = 65_536


def default_url() -> str:
    """``$CONTACT_GROUPS_DB`` if set, else an SQLite file in the user's data directory."""
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        return configured if "://" in configured else f"sqlite:///{configured}"
    data_dir = Path(platformdirs.user_data_dir("contact-groups"))
    _make_private_directory(data_dir)
    return f"sqlite:///{data_dir / 'contact-groups.db'}"


def _make_private_directory(path: Path) -> None:
    """Create the default data directory on first use, readable by its owner only.

    Only this one: a directory a user named himself must exist, or the name is a typo.
    """
    if path.is_dir():
        return
    try:
        path.mkdir(mode=0o700, parents=True)
        path.chmod(0o700)  # mkdir's mode passes through the umask
    except OSError as error:
        raise StoreError(f"cannot create the data directory {path}: {error.strerror}") from None


class ContactGroupsSqlite(peewee.SqliteDatabase):
    """SQLite with the settings every connection needs (WAL, busy timeout, foreign keys)."""

    def _add_conn_hooks(self, conn: sqlite3.Connection) -> None:
        super()._add_conn_hooks(conn)
        register_sqlite_functions(conn)  # cg_lower/cg_upper: SQLite's own only fold ASCII


def _open_sqlite(url: DatabaseUrl) -> peewee.Database:
    assert url.path is not None
    path = Path(url.path)
    if path.is_dir():
        raise StoreError(f"{url.display} is a directory, not a database file")
    if not path.parent.is_dir():
        raise StoreError(f"cannot create {url.display}: its directory does not exist")
    read_only = url.read_only or _is_read_only_file(path)
    if not path.exists():
        _create_private_file(path, url.display)
    # Temporary tables (a rebuild's staging set) in memory: filling one in a temporary file
    # cost a quarter again of the query that fills it.
    # A 64 MiB page cache (SQLite's default is 2 MiB): a rebuild's transaction writes the
    # members, their indexes and the audit rows together, and with the default cache it
    # spilled pages mid-transaction — the member insert of a 110,000-member group took
    # three times as long as the same INSERT on its own. Pages are allocated as used.
    pragmas = {"foreign_keys": 1, "busy_timeout": SQLITE_BUSY_TIMEOUT_MS, "temp_store": "memory",
               "cache_size": -SQLITE_CACHE_KIB}
    if read_only:
        target = f"file:{path}?mode=ro"
        db = ContactGroupsSqlite(target, uri=True, pragmas=pragmas, check_same_thread=False)
    else:
        pragmas["synchronous"] = "normal"  # WAL is switched on by connect(), once checked
        # Every transaction takes the write lock as it begins. A deferred one that reads and
        # then writes must upgrade its lock, and SQLite refuses that upgrade at once (without
        # the busy wait) when another process wrote meanwhile: under steady writes from
        # elsewhere, saves and rebuilds failed in 0.04 s. BEGIN IMMEDIATE waits its turn.
        db = ContactGroupsSqlite(str(path), pragmas=pragmas, check_same_thread=False,
                                 lock_type="IMMEDIATE")
    db.read_only = read_only
    db.dialect = SQLITE
    return db


def _is_read_only_file(path: Path) -> bool:
    """True when the file exists but its permission bits forbid writing.

    Checked on the mode bits rather than with ``os.access`` so that root, which may write
    anything, still honours a file an admin made read-only on purpose.
    """
    if not path.exists():
        return False
    return not (path.stat().st_mode & stat.S_IWUSR) or not os.access(path, os.W_OK)


def _create_private_file(path: Path, display: str) -> None:
    """Create the SQLite file readable by its owner only (SPEC §11)."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    except OSError as error:
        raise StoreError(f"cannot create {display}: {error.strerror}") from None
    os.close(fd)


def _open_postgres(url: DatabaseUrl) -> peewee.Database:
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        raise StoreError(
            "PostgreSQL needs the psycopg2 driver: pip install 'contact-groups[postgres]'"
        ) from None
    parameters = {"connect_timeout": "5", **dict(url.options)}
    _refuse_unknown_postgres_parameters(url, parameters)
    db = peewee.PostgresqlDatabase(
        url.name, user=url.user, password=url.password, host=url.host, port=url.port,
        **parameters,
    )
    db.read_only = False
    db.dialect = POSTGRESQL
    return db


def _refuse_unknown_postgres_parameters(url: DatabaseUrl, parameters: dict[str, str]) -> None:
    """Every ``?key=value`` goes to libpq (``sslmode=require`` is libpq's to enforce); a key
    libpq does not know is refused here rather than ignored."""
    from psycopg2.extensions import make_dsn

    for key, value in parameters.items():
        try:
            make_dsn(**{key: value})
        except Exception:  # psycopg2 says "invalid dsn" for any option libpq lacks
            raise StoreError(f"{url.display}: '{key}' is not a PostgreSQL connection "
                             "parameter") from None


_OPENERS = {"sqlite": _open_sqlite, "postgresql": _open_postgres}


def connect(url: str | None = None, *, migrate: bool = True,
            announce: Callable[[str], None] | None = None) -> peewee.Database:
    """Open the database at ``url`` (or the default), bind the models and check the schema;
    a schema upgrade is first told to ``announce``.

    Raises :class:`StoreError` with a one-line reason for anything a user can get wrong:
    a malformed URL, a missing directory, an unreachable server, a newer schema.
    """
    from store.db import schema

    parsed = parse_url(url or default_url())
    db = _OPENERS[parsed.engine](parsed)
    db.display_url = parsed.display
    database_proxy.initialize(db)
    with translate_errors(parsed.display):
        db.connect(reuse_if_open=True)
        if db.dialect.journal_sql and not db.read_only:
            schema.stored_version(db)  # refuses another program's file before any write
            db.execute_sql(db.dialect.journal_sql)
        if migrate:
            schema.ensure_current(db, announce=announce)
    return db


def close() -> None:
    """Close the connection of this thread, if any."""
    db = database_proxy.obj
    if db is not None and not db.is_closed():
        db.close()


@contextmanager
def translate_errors(where: str) -> Iterator[None]:
    """Turn driver errors a user can cause into :class:`StoreError` sentences."""
    try:
        yield
    except StoreError:
        raise
    except (peewee.DatabaseError, peewee.InterfaceError) as error:
        raise StoreError(explain_database_error(where, error)) from None


def describe_error(error: BaseException) -> str | None:
    """The sentence :func:`translate_errors` gives for a driver error, for code that reports
    errors itself (the terminal UI's background calls); None for any other error."""
    if not isinstance(error, peewee.DatabaseError):
        return None
    return explain_database_error(getattr(database_proxy.obj, "display_url", "the database"),
                                  error)


def explain_database_error(where: str, error: Exception) -> str:
    """One line for a driver error, in words a user can act on; never a password."""
    text = _first_line(error)
    lowered = text.lower()
    if _disk_full(error):
        return f"{where}: the disk is full; nothing was changed (free some space and retry)"
    if "readonly" in lowered or "read-only" in lowered:
        return f"{where} is read-only: nothing was changed"
    if "database is locked" in lowered:
        return (f"{where} is busy: another process held its write lock for over "
                f"{SQLITE_BUSY_TIMEOUT_MS // 1000} s; nothing was changed, try again")
    if "file is not a database" in lowered or "file is encrypted" in lowered:
        return f"{where} is not a contact-groups database (not an SQLite file)"
    if "unable to open" in lowered:
        return f"cannot open {where}: check the path and its permissions"
    if "could not connect" in lowered or "connection refused" in lowered or "timeout" in lowered:
        return f"cannot connect to {where}: {mask_password(text)}"
    if is_connection_lost(error):
        return f"lost the connection to {where}; nothing more was changed"
    return f"{where}: {mask_password(text)}"


def is_connection_lost(error: BaseException) -> bool:
    """Whether ``error`` says the server went away (terminated backend, stopped server,
    dropped network) rather than refusing a statement."""
    text = str(error).lower()
    return isinstance(error, peewee.InterfaceError) or any(sign in text for sign in (
        "connection already closed", "server closed the connection", "terminating connection",
        "ssl connection has been closed", "no connection to the server"))


def _disk_full(error: BaseException | None) -> bool:
    """Whether the disk filled up, even when the error reported is a later one: SQLite
    ends its transaction itself on a full disk, so the rollback that follows fails with
    "cannot rollback - no transaction is active" and only that error's context says why."""
    while error is not None:
        text = str(error).lower()
        if any(sign in text for sign in ("disk is full", "no space left", "could not extend")):
            return True
        error = error.__cause__ or error.__context__
    return False


def _first_line(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]

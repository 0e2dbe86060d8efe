"""Opening a database from a URL.

The store binds every model to :data:`database_proxy`, so one process can open an SQLite
file or a PostgreSQL server by URL and the same services run on both. Opening also creates
or upgrades the schema (see :mod:`store.schema`), so a caller never sees a half-made
database.
"""

from __future__ import annotations

import os
import re
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import peewee
import platformdirs

from conditions import register_sqlite_functions
from store.errors import StoreError

database_proxy = peewee.DatabaseProxy()


def placeholders(count: int) -> str:
    """``?, ?, ?`` (or ``%s, …``): the parameters of a hand-written ``IN (…)`` or ``VALUES``."""
    return ", ".join([database_proxy.param] * count)


def on_sqlite() -> bool:
    """Whether the open database is SQLite, for the few statements each engine needs its
    own way (SQLite only joins by nested loops; PostgreSQL plans each statement anew)."""
    return isinstance(database_proxy.obj, peewee.SqliteDatabase)


ENV_VAR = "CONTACT_GROUPS_DB"
SQLITE_BUSY_TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class DatabaseUrl:
    """A parsed database URL; ``display`` never contains the password."""

    engine: str  # "sqlite" or "postgresql"
    path: str | None = None
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = None
    name: str | None = None
    read_only: bool = False

    @property
    def display(self) -> str:
        if self.engine == "sqlite":
            return f"sqlite:///{self.path}"
        auth = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port else ""
        return f"postgresql://{auth}{self.host or 'localhost'}{port}/{self.name or ''}"


def default_url() -> str:
    """``$CONTACT_GROUPS_DB`` if set, else an SQLite file in the user's data directory."""
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        return configured if "://" in configured else f"sqlite:///{configured}"
    data_dir = Path(platformdirs.user_data_dir("contact-groups"))
    return f"sqlite:///{data_dir / 'contact-groups.db'}"


def mask_password(text: str) -> str:
    """Hide ``user:password@`` credentials wherever a URL appears in a message."""
    return re.sub(r"(://[^:/@\s]+):[^@\s]*@", r"\1:***@", text)


def parse_url(url: str) -> DatabaseUrl:
    """Parse ``sqlite:///path`` or ``postgresql://user:pw@host:port/name``."""
    url = url.strip()
    scheme, sep, _ = url.partition("://")
    if not sep:
        raise StoreError(
            f"'{mask_password(url)}' is not a database URL "
            "(use sqlite:///path/to/file.db or postgresql://user@host/dbname)"
        )
    scheme = scheme.lower()
    if scheme == "sqlite":
        return _parse_sqlite_url(url)
    if scheme in ("postgresql", "postgres"):
        return _parse_postgres_url(url)
    raise StoreError(
        f"unsupported database URL scheme '{scheme}' "
        "(use sqlite:///path/to/file.db or postgresql://user@host/dbname)"
    )


def _parse_sqlite_url(url: str) -> DatabaseUrl:
    rest = url.split("://", 1)[1]
    path_part, _, query = rest.partition("?")
    path = unquote(path_part[1:] if path_part.startswith("/") else path_part)
    if path_part.startswith("//"):
        path = unquote(path_part[1:])  # sqlite:////abs/path
    if not path:
        raise StoreError("the SQLite URL names no file (use sqlite:///path/to/file.db)")
    mode = parse_qs(query).get("mode", [""])[0]
    return DatabaseUrl(engine="sqlite", path=os.path.abspath(os.path.expanduser(path)),
                       read_only=mode == "ro")


def _parse_postgres_url(url: str) -> DatabaseUrl:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise StoreError(f"the port in '{mask_password(url)}' is not a number") from None
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise StoreError(f"'{mask_password(url)}' names no database (postgresql://host/dbname)")
    return DatabaseUrl(
        engine="postgresql",
        host=parts.hostname or None,
        port=port,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        name=name,
    )


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
        raise StoreError(f"cannot create {url.display}: the directory {path.parent} does not exist")
    read_only = url.read_only or _is_read_only_file(path)
    if not path.exists():
        _create_private_file(path)
    # Temporary tables (a rebuild's staging set) in memory: filling one in a temporary file
    # cost a quarter again of the query that fills it.
    pragmas = {"foreign_keys": 1, "busy_timeout": SQLITE_BUSY_TIMEOUT_MS, "temp_store": "memory"}
    if read_only:
        target = f"file:{path}?mode=ro"
        db = ContactGroupsSqlite(target, uri=True, pragmas=pragmas, check_same_thread=False)
    else:
        pragmas |= {"journal_mode": "wal", "synchronous": "normal"}
        # Every transaction takes the write lock as it begins. A deferred one that reads and
        # then writes must upgrade its lock, and SQLite refuses that upgrade at once (without
        # the busy wait) when another process wrote meanwhile: under steady writes from
        # elsewhere, saves and rebuilds failed in 0.04 s. BEGIN IMMEDIATE waits its turn.
        db = ContactGroupsSqlite(str(path), pragmas=pragmas, check_same_thread=False,
                                 lock_type="IMMEDIATE")
    db.read_only = read_only
    return db


def _is_read_only_file(path: Path) -> bool:
    """True when the file exists but its permission bits forbid writing.

    Checked on the mode bits rather than with ``os.access`` so that root, which may write
    anything, still honours a file an admin made read-only on purpose.
    """
    if not path.exists():
        return False
    return not (path.stat().st_mode & stat.S_IWUSR) or not os.access(path, os.W_OK)


def _create_private_file(path: Path) -> None:
    """Create the SQLite file readable by its owner only (SPEC §11)."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    except OSError as error:
        raise StoreError(f"cannot create sqlite:///{path}: {error.strerror}") from None
    os.close(fd)


def _open_postgres(url: DatabaseUrl) -> peewee.Database:
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        raise StoreError(
            "PostgreSQL needs the psycopg2 driver: pip install 'contact-groups[postgres]'"
        ) from None
    db = peewee.PostgresqlDatabase(
        url.name, user=url.user, password=url.password, host=url.host, port=url.port,
        connect_timeout=5,
    )
    db.read_only = False
    return db


def connect(url: str | None = None, *, migrate: bool = True) -> peewee.Database:
    """Open the database at ``url`` (or the default), bind the models and check the schema.

    Raises :class:`StoreError` with a one-line reason for anything a user can get wrong:
    a malformed URL, a missing directory, an unreachable server, a newer schema.
    """
    from store import schema  # the models import this module

    parsed = parse_url(url or default_url())
    db = _open_sqlite(parsed) if parsed.engine == "sqlite" else _open_postgres(parsed)
    db.display_url = parsed.display
    database_proxy.initialize(db)
    with translate_errors(parsed.display):
        db.connect(reuse_if_open=True)
        if migrate:
            schema.ensure_current(db)
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


def explain_database_error(where: str, error: Exception) -> str:
    """One line for a driver error, in words a user can act on; never a password."""
    text = _first_line(error)
    lowered = text.lower()
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


def _first_line(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]

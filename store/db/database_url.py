"""Database URLs: what ``--db`` names, and how to show one without its password.

A message about a URL must never print its password, whatever shape the URL has: a
password holding ``@``, ``/`` or a space, a URL missing ``//`` or its scheme. So a URL that
cannot be parsed is shown through :func:`redact`, which hides everything that could be a
password, and one that parsed is shown through :attr:`DatabaseUrl.display`, built from the
parts that are not secret.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from conditions import unstorable_character
from store.errors import StoreError

USAGE = "use sqlite:///path/to/file.db or postgresql://user@host/dbname"
# libpq parameters a URL names in its own parts; the query may set them only if it does not.
_URL_PARTS = ("host", "port", "user", "password", "dbname")
_SECRET_OPTIONS = ("password", "sslpassword")


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
    options: tuple[tuple[str, str], ...] = ()  # further libpq parameters, e.g. sslmode

    @property
    def display(self) -> str:
        if self.path is not None:  # an SQLite file
            return redact(f"sqlite:///{self.path}")  # a mistyped postgresql URL, maybe
        auth = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port else ""
        shown = [f"{key}={value}" for key, value in self.options if key not in _SECRET_OPTIONS]
        query = f"?{'&'.join(shown)}" if shown else ""
        return f"postgresql://{auth}{self.host or 'localhost'}{port}/{self.name or ''}{query}"


def redact(url: str) -> str:
    """``url`` with whatever may be a password replaced by ``***``, however malformed.

    Everything between the scheme (or the start, when there is no ``://``) and the *last*
    ``@`` is the user information; only the text before its first ``:`` is kept. Secret
    query parameters lose their values too.
    """
    scheme_end = url.find("://")
    start = scheme_end + 3 if scheme_end >= 0 else 0
    at = url.rfind("@")
    if at >= start:
        user, colon, _ = url[start:at].partition(":")
        url = f"{url[:start]}{user}{':***' if colon else ''}{url[at:]}"
    secrets = "|".join(_SECRET_OPTIONS)
    return re.sub(rf"(?i)\b({secrets})=[^&]*", r"\1=***", url)


def mask_password(text: str) -> str:
    """Hide ``user:password@`` credentials wherever a URL appears in a longer message."""
    return re.sub(r"(://[^:/@\s]+):[^@\s]*@", r"\1:***@", text)


def parse_url(url: str) -> DatabaseUrl:
    """Parse ``sqlite:///path`` or ``postgresql://user:pw@host:port/name?param=value``."""
    url = url.strip()
    scheme, sep, _ = url.partition("://")
    if not sep or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
        # Without "://" no part can be told apart, so none of it is repeated.
        raise StoreError(f"the --db value is not a database URL ({USAGE})")
    scheme = scheme.lower()
    if scheme == "sqlite":
        return _parse_sqlite_url(url)
    if scheme in ("postgresql", "postgres"):
        return _parse_postgres_url(url)
    raise StoreError(f"unsupported database URL scheme '{scheme}' ({USAGE})")


def _parse_sqlite_url(url: str) -> DatabaseUrl:
    rest = url.split("://", 1)[1]
    path_part, _, query = rest.partition("?")
    path = unquote(path_part[1:] if path_part.startswith("/") else path_part)
    if not path:
        raise StoreError(f"the SQLite URL names no file ({USAGE})")
    _refuse_unstorable(url, path)
    options = _query_options(url, query)
    unknown = sorted(set(options) - {"mode"})
    if unknown:
        raise StoreError(f"the SQLite URL parameter '{unknown[0]}' is not supported "
                         "(only mode=ro)")
    mode = options.get("mode", "")
    if mode not in ("", "ro"):
        raise StoreError(f"the SQLite URL parameter mode={mode} is not supported (only mode=ro)")
    return DatabaseUrl(engine="sqlite", path=os.path.abspath(os.path.expanduser(path)),
                       read_only=mode == "ro")


def _parse_postgres_url(url: str) -> DatabaseUrl:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        reason = "its port is not a number from 0 to 65535" if "ort" in str(error) else error
        raise StoreError(f"'{redact(url)}' is not a valid database URL: {reason}") from None
    if "@" in url[url.index("://") + 3 + len(parts.netloc):]:
        # A password holding "/", "?" or "#" ends the host part early: what follows would
        # be read as host, port, name or parameters and could be printed as such.
        raise StoreError(f"'{redact(url)}' is not a valid database URL: an '@' after the "
                         "host; percent-encode '/', '?', '#' and '@' in the user and "
                         "password (%2F, %3F, %23, %40)")
    options = _query_options(url, parts.query)
    given = {"host": parts.hostname, "port": port, "user": parts.username,
             "password": parts.password, "dbname": parts.path.lstrip("/")}
    for key in _URL_PARTS:
        if key in options and given[key]:
            raise StoreError(f"'{redact(url)}' gives the {key} twice (in the URL and as "
                             f"?{key}=)")
    name = unquote(given["dbname"]) or options.pop("dbname", "")
    if not name:
        raise StoreError(f"'{redact(url)}' names no database (postgresql://host/dbname)")
    parsed = DatabaseUrl(
        engine="postgresql",
        host=unquote(parts.hostname) if parts.hostname else options.pop("host", None),
        port=port if port is not None else _option_port(url, options.pop("port", None)),
        user=unquote(parts.username) if parts.username else options.pop("user", None),
        password=unquote(parts.password) if parts.password else options.pop("password", None),
        name=name,
        options=tuple(options.items()),
    )
    _refuse_unstorable(url, *(value for value in vars(parsed).values()
                              if isinstance(value, str)), *(v for _, v in parsed.options))
    return parsed


def _query_options(url: str, query: str) -> dict[str, str]:
    """The ``?key=value`` parameters; a key given twice is refused, not silently chosen."""
    options: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key in options:
            raise StoreError(f"'{redact(url)}' gives the parameter '{key}' twice")
        options[key] = value
    return options


def _option_port(url: str, text: str | None) -> int | None:
    if text is None:
        return None
    if not text.isdigit() or int(text) > 65535:
        raise StoreError(f"'{redact(url)}' is not a valid database URL: "
                         "its port is not a number from 0 to 65535")
    return int(text)


def _refuse_unstorable(url: str, *texts: str) -> None:
    """A NUL (``%00``) or a byte that is not UTF-8 would only fail inside the driver."""
    for text in texts:
        found = unstorable_character(text)
        if found is not None:
            raise StoreError(f"'{redact(url)}' contains {found[1]}")

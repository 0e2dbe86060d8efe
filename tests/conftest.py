"""Shared fixtures: a fresh database per test, on SQLite and on PostgreSQL.

PostgreSQL tests need a server: set ``CONTACT_GROUPS_TEST_PG`` to a URL of a database on it
whose user may create databases (``.ci/run`` starts a throwaway cluster and sets it). Without
it they skip with that reason — except under ``CI=true``, where a missing server fails the
run instead of silently testing half the product.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import peewee as pw
import pytest

from store.db import database
from store.db.models import ALL_MODELS
from store.db.schema import DEFAULT_SETTINGS

PG_ENV = "CONTACT_GROUPS_TEST_PG"


@dataclass
class TestDatabase:
    """A database a test may fill: its URL (for subprocesses) and its Peewee handle."""

    __test__ = False
    engine: str
    url: str
    handle: pw.Database


def _pg_admin_url() -> str | None:
    url = os.environ.get(PG_ENV, "").strip()
    if url:
        return url
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {PG_ENV} is not set: PostgreSQL tests cannot run", pytrace=False)
    return None


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture(scope="session")
def pg_session_url() -> Iterator[str]:
    """A fresh database on the test server for this test session, dropped afterwards."""
    admin_url = _pg_admin_url()
    if admin_url is None:
        pytest.skip(f"PostgreSQL tests skipped: set {PG_ENV} to a server URL to run them")
    import psycopg2

    name = f"cg_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg2.connect(admin_url, connect_timeout=5)
    except psycopg2.OperationalError as error:
        message = f"PostgreSQL at {database.mask_password(admin_url)} unreachable: {error}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(admin_url, name)
    finally:
        database.close()
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _reset_postgres(handle: pw.Database) -> None:
    """Empty every table between tests: much faster than a new database each time."""
    tables = ", ".join(f'"{model._meta.table_name}"' for model in ALL_MODELS)
    handle.execute_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    for key, value in DEFAULT_SETTINGS.items():
        handle.execute_sql("INSERT INTO setting (key, value) VALUES (%s, %s)", (key, value))


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path) -> Iterator[TestDatabase]:
    """A connected, empty, current-schema database on each engine."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
        handle = database.connect(url)
    else:
        url = request.getfixturevalue("pg_session_url")
        handle = database.connect(url)
        _reset_postgres(handle)
    try:
        yield TestDatabase(request.param, url, handle)
    finally:
        database.close()


@pytest.fixture
def sqlite_db(tmp_path) -> Iterator[TestDatabase]:
    """SQLite only, for behaviour that exists only there (file modes, read-only files)."""
    url = f"sqlite:///{tmp_path / 'test.db'}"
    handle = database.connect(url)
    try:
        yield TestDatabase("sqlite", url, handle)
    finally:
        database.close()

"""Temporary tables that hold a file's valid rows before they are merged set-based.

An import reads and checks rows in Python (that is where the line numbers are), stages the
good ones here with many-row inserts, and then merges them into the real tables with a few
statements. Names and column types come from our own code, never from the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import peewee as pw

from store.db.concurrency import begin_contact_change
from store.db.database import database_proxy, dialect, placeholders

BATCH_ROWS = 10_000


def sql_type(field: pw.Field) -> str:
    """The staging column type for a model field (same on both engines)."""
    if isinstance(field, pw.BooleanField):
        return "BOOLEAN"
    if isinstance(field, pw.IntegerField | pw.ForeignKeyField | pw.AutoField):
        return "INTEGER"
    if isinstance(field, pw.FloatField):
        return dialect().real
    if isinstance(field, pw.DateTimeField):
        return "TIMESTAMP"
    if isinstance(field, pw.DateField):
        return "DATE"
    return "TEXT"


def create(name: str, columns: Sequence[tuple[str, str]]) -> None:
    """A fresh temporary table ``name`` with ``line`` as its key and ``columns``."""
    drop(name)
    body = ", ".join(f"{column} {kind}" for column, kind in columns)
    database_proxy.execute_sql(
        f"CREATE TEMPORARY TABLE {name} (line INTEGER PRIMARY KEY, {body})")


@contextmanager
def import_transaction(dry_run: bool, *tables: str) -> Iterator[None]:
    """One transaction for a whole import: it waits its turn with contact edits and rebuilds
    (store.db.concurrency), the staging ``tables`` it creates are dropped on success (a failure
    rolls them back with everything else), and a dry run rolls everything back."""
    with database_proxy.atomic() as transaction:
        begin_contact_change()
        yield
        for table in tables:
            drop(table)
        if dry_run:
            transaction.rollback()


def drop(name: str) -> None:
    database_proxy.execute_sql(f"DROP TABLE IF EXISTS {dialect().temporary(name)}")


def insert(name: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Many rows in one ``executemany``: the driver's fastest way in."""
    batch = list(rows)
    if batch:
        sql = (f"INSERT INTO {name} ({', '.join(columns)}) "
               f"VALUES ({placeholders(len(columns))})")
        database_proxy.cursor().executemany(sql, batch)


def drop_duplicates(name: str, key: str) -> list[tuple[int, str, int]]:
    """Remove the rows whose ``key`` an earlier line already had; returns (line, key, first
    line) of each removed row, for the report."""
    database_proxy.execute_sql(f"CREATE INDEX {name}_key ON {name} ({key}, line)")
    rows = database_proxy.execute_sql(
        f"SELECT s.line, s.{key}, (SELECT MIN(t.line) FROM {name} t WHERE t.{key} = s.{key}) "
        f"FROM {name} s WHERE EXISTS (SELECT 1 FROM {name} t "
        f"WHERE t.{key} = s.{key} AND t.line < s.line)").fetchall()
    if rows:
        database_proxy.execute_sql(
            f"DELETE FROM {name} WHERE EXISTS (SELECT 1 FROM {name} t "
            f"WHERE t.{key} = {name}.{key} AND t.line < {name}.line)")
    return [(line, str(value), first) for line, value, first in rows]


def reset_sequence(table: str) -> None:
    """After rows were inserted with explicit ids, a sequence (PostgreSQL's) must pass them."""
    if dialect().id_sequences:
        database_proxy.execute_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT MAX(id) FROM {table})) WHERE EXISTS (SELECT 1 FROM {table})")


def lock_for_insert(table: str) -> None:
    """Hold off other writers of ``table`` until the transaction ends, so ids this import
    assigns from ``MAX(id)`` stay free. SQLite: any write statement takes the database's
    write lock; PostgreSQL: a lock that still lets readers read."""
    database_proxy.execute_sql(dialect().lock_table(table))

"""Bulk loading of plain tuples, one implementation per engine."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import peewee as pw

from store.db.models import AccountContact, Activity, Contact, FormFieldValue, FormSubmission


class BulkLoader:
    """Insert plain tuples into a table as fast as the engine allows, inside the caller's
    transaction. :meth:`load` is the one entry point; engines differ only in how rows
    travel and in what they do around the load."""

    # The big tables, each with the column its rows arrive sorted by: an index leading with
    # that column only ever grows at its end and is cheap to keep; any other index costs
    # a random b-tree insert per row and is dropped, then rebuilt by one sort at the end.
    BULK_TABLES = ((Contact, "merged_into_id"), (AccountContact, "contact_id"),
                   (Activity, "contact_id"), (FormSubmission, "contact_id"),
                   (FormFieldValue, "submission_id"))

    def __init__(self, db: pw.Database) -> None:
        self.db = db
        self.dropped: list[str] = []

    def load(self, model: type[pw.Model], columns: Sequence[str], rows: list[tuple]) -> None:
        if rows:
            self._write(model._meta.table_name, columns, rows)

    def _write(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        raise NotImplementedError

    @contextmanager
    def session(self) -> Iterator[None]:
        """Engine settings for the whole load (outside the transaction)."""
        yield

    def drop_indexes(self) -> None:
        """Drop the secondary indexes of the big tables (rebuilt by :meth:`restore`)."""
        for model, ordered_by in self.BULK_TABLES:
            for name, sql, first_column in self._indexes(model._meta.table_name):
                if first_column != ordered_by:
                    self.db.execute_sql(f'DROP INDEX "{name}"')
                    self.dropped.append(sql)

    def restore(self) -> None:
        for sql in self.dropped:
            self.db.execute_sql(sql)
        self.dropped.clear()

    def _indexes(self, table: str) -> list[tuple[str, str, str]]:
        """(name, CREATE statement, first column) of the table's secondary indexes."""
        raise NotImplementedError

    def analyze(self) -> None:
        """Fresh planner statistics for the loaded tables (after the commit)."""
        raise NotImplementedError

    def reset_sequences(self, models: Sequence[type[pw.Model]]) -> None:
        """Make the next generated ids follow the loaded ones (SQLite's rowid always does)."""


class SqliteLoader(BulkLoader):
    # Many rows per INSERT: binding one long VALUES list costs less than half of
    # executemany's per-row statement steps in Python's sqlite3.
    PARAMETERS_PER_STATEMENT = 3500

    def _write(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        names = ", ".join(f'"{c}"' for c in columns)
        row_marks = "(" + ", ".join("?" * len(columns)) + ")"
        per = max(1, self.PARAMETERS_PER_STATEMENT // len(columns))
        head = f'INSERT INTO "{table}" ({names}) VALUES '
        full = head + ", ".join([row_marks] * per)
        cursor = self.db.cursor()
        flat = itertools.chain.from_iterable
        whole = len(rows) - len(rows) % per
        for start in range(0, whole, per):
            cursor.execute(full, list(flat(rows[start:start + per])))
        if whole < len(rows):
            rest = rows[whole:]
            cursor.execute(head + ", ".join([row_marks] * len(rest)), list(flat(rest)))

    def _indexes(self, table: str) -> list[tuple[str, str, str]]:
        return list(self.db.execute_sql(
            "SELECT m.name, m.sql, (SELECT i.name FROM pragma_index_info(m.name) AS i "
            "WHERE i.seqno = 0) FROM sqlite_master AS m WHERE m.type = 'index' "
            "AND m.tbl_name = ? AND m.sql IS NOT NULL ORDER BY m.name", (table,)))

    def analyze(self) -> None:
        limit = self.db.execute_sql("PRAGMA analysis_limit").fetchone()[0]
        self.db.execute_sql("PRAGMA analysis_limit = 1000")  # sampled: a second, not ten
        self.db.execute_sql("ANALYZE")
        self.db.execute_sql(f"PRAGMA analysis_limit = {int(limit)}")

    @contextmanager
    def session(self) -> Iterator[None]:
        """No fsync, no foreign-key lookups (the generator links rows by construction; the
        tests run ``PRAGMA foreign_key_check``) and a bigger page cache while loading."""
        pragmas = ("synchronous", "cache_size", "foreign_keys")
        saved = {p: self.db.execute_sql(f"PRAGMA {p}").fetchone()[0] for p in pragmas}
        self.db.execute_sql("PRAGMA synchronous = OFF")
        self.db.execute_sql("PRAGMA foreign_keys = OFF")
        # 200 MB: enough to keep the appended pages, and the index sorter runs faster with
        # spilled sorted runs than with one huge in-memory sort.
        self.db.execute_sql("PRAGMA cache_size = -200000")
        try:
            yield
        finally:
            for pragma, value in saved.items():
                self.db.execute_sql(f"PRAGMA {pragma} = {int(value)}")
            if not self.db.in_transaction():
                self.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")


class PostgresLoader(BulkLoader):
    def _write(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)  # None → NULL
        buffer.seek(0)
        names = ", ".join(f'"{c}"' for c in columns)
        self.db.cursor().copy_expert(
            f'COPY "{table}" ({names}) FROM STDIN WITH (FORMAT csv)', buffer)

    def _indexes(self, table: str) -> list[tuple[str, str, str]]:
        return list(self.db.execute_sql(
            "SELECT i.relname, pg_get_indexdef(i.oid), a.attname FROM pg_index AS x "
            "JOIN pg_class AS i ON i.oid = x.indexrelid "
            "JOIN pg_class AS t ON t.oid = x.indrelid "
            "JOIN pg_attribute AS a ON a.attrelid = t.oid AND a.attnum = x.indkey[0] "
            "WHERE t.relname = %s AND t.relnamespace = to_regnamespace(current_schema()) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conindid = i.oid) "
            "ORDER BY i.relname", (table,)))

    def analyze(self) -> None:
        for model, _ in self.BULK_TABLES:
            self.db.execute_sql(f'ANALYZE "{model._meta.table_name}"')

    def reset_sequences(self, models: Sequence[type[pw.Model]]) -> None:
        for model in models:
            table = model._meta.table_name
            self.db.execute_sql(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM "{table}"')


LOADERS: dict[str, type[BulkLoader]] = {"sqlite": SqliteLoader, "postgresql": PostgresLoader}
"""The loader of each engine, by its dialect's name."""


def loader_for(db: pw.Database) -> BulkLoader:
    return LOADERS[db.dialect.name](db)


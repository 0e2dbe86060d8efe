"""Each engine's differences for the store: one object per engine, chosen when the database
is opened (``store.db.database.dialect()``), asked instead of testing which engine runs.

The classes extend the condition compiler's (``conditions.dialects``), so one object answers
for compiled conditions and for the store's own statements alike. They hold what the
engines spell differently (temporary tables, ``INSERT OR IGNORE``, id lists, locks), how each
stops a running statement and reports a lost race, and — as attributes named for the
engine's behaviour — the facts that make a service choose one of two equivalent plans.
Module code keeps the statements only one engine ever runs behind those facts.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

import peewee as pw

from conditions import dialects as sql
from store.db import page_column as pages

if TYPE_CHECKING:
    from conditions import Compiler, Fragment

WATCH_SECONDS = 0.1  # how often a PostgreSQL statement's watcher looks at the cancel token
FOREIGN_KEY_VIOLATION = "23503"
# serialization failure, deadlock, foreign key, unique key
RACE_CODES = {"40001", "40P01", FOREIGN_KEY_VIOLATION, "23505"}


def _like(expression: pw.Node, pattern: str) -> pw.Node:
    return pw.NodeList((expression, pw.SQL("LIKE"), pattern, pw.SQL("ESCAPE '\\'")))


class StoreDialect(sql.Dialect):
    """What the store needs to know of an engine, beyond what compiled conditions do."""

    id_key_type: str
    """The key type of a connection-private table of contact ids."""
    without_rowid: str
    """The table option that makes a composite primary key the table itself."""
    distinct_from: str
    """The null-safe inequality."""
    journal_sql: str
    """What a writer runs once on opening, after checking the file is ours (empty: none)."""
    serialised_writes: bool
    """Whether every write transaction takes the database's write lock as it begins, so
    writers never overlap (SQLite, ``BEGIN IMMEDIATE``): the advisory and row locks that
    keep PostgreSQL's concurrent writers apart are then needed nowhere."""
    failed_statement_aborts: bool
    """Whether a failed statement aborts its transaction (PostgreSQL): a statement that may
    fail runs inside a savepoint."""
    plans_by_statistics: bool
    """Whether the planner relies on table statistics that a bulk change makes stale
    (PostgreSQL never analyzes a temporary table by itself); SQLite plans without them."""
    except_merges: bool
    """Whether EXCEPT of two id-ordered lists runs as one merging pass (SQLite), cheaper
    than probing per id; PostgreSQL sorts for EXCEPT (on disk past ``work_mem``) but hashes
    for NOT EXISTS, whose anti joins cost several counts of the contacts."""
    evaluates_in_ranges: bool
    """Whether a rebuild evaluates its condition in steps over contact-id ranges (SQLite,
    which cannot report progress during a statement) rather than in one watched statement
    (PostgreSQL plans each range anew, and ranges took twice the one statement)."""
    id_sequences: bool
    """Whether ids come from a sequence that explicitly inserted ids do not advance."""
    writes_in_with: bool
    """Whether a write's ``RETURNING`` rows may feed another write through ``WITH``
    (PostgreSQL), so that dependent writes travel in one round trip."""
    folded_key_indexes: tuple[str, ...]
    """Statements creating the indexes that conditions' case-insensitive tests of key
    columns use (``lower(a.type) IN …`` on PostgreSQL, whose plain index the lowercasing
    hides; SQLite's NOCASE comparison finds its plain index)."""
    page_column: str
    """The definition of ``activity.page``, generated from the URL (see
    :mod:`store.db.page_column`)."""
    page_index: str
    """The index that holds a page's visits in one range, with what VisitedPage reads of
    them (time, contact, type)."""

    def temporary(self, name: str) -> str:
        """``name`` as a reference to the connection's temporary table only."""
        raise NotImplementedError

    def page_is(self, c: Compiler, alias: str, page: str) -> Fragment:
        """The activity ``alias`` is a visit of ``page`` (a ``url_path``), tested on the
        indexed ``page`` column."""
        raise NotImplementedError

    def after_rewrite(self, db: pw.Database, table: str) -> None:
        """Outside any transaction, after a migration wrote every row of ``table``; nothing
        by default (SQLite keeps no visibility map, and plans without statistics)."""

    def insert_ignoring(self, table: str, columns: str, select: str) -> str:
        """``INSERT INTO table (columns) select``, skipping rows whose key is there already."""
        raise NotImplementedError

    def id_list(self, param: str) -> str:
        """A subquery selecting the integers of the JSON array bound at ``param``."""
        raise NotImplementedError

    def lower(self, expression: pw.Node) -> pw.Node:
        """Unicode lower case (Python's, as conditions fold text)."""
        return pw.Function(self.lower_function, (expression,))

    def contains_folded(self, expression: pw.Node, pattern: str) -> pw.Node:
        """``expression``, lowercased and null as empty, is LIKE ``pattern`` (lowercase)."""
        return _like(self.lower(pw.fn.COALESCE(expression, "")), pattern)

    def lock_table(self, table: str) -> str:
        """A statement holding off other writers of ``table`` until the transaction ends,
        while readers still read."""
        raise NotImplementedError

    def exclusive_transaction(self, db: pw.Database, key: int) -> AbstractContextManager[None]:
        """A transaction that no other transaction passing ``key`` enters meanwhile."""
        raise NotImplementedError

    def interruptible(self, db: pw.Database, seconds: float | None, stop: Callable[[], bool],
                      tick: Callable[[], None] | None) -> AbstractContextManager[None]:
        """Around one statement: stop it after ``seconds`` (if given) or once ``stop()``;
        ``tick`` is called every WATCH_SECONDS meanwhile where the engine allows."""
        raise NotImplementedError

    def interrupted(self, error: Exception) -> bool:
        """Whether ``error`` is a statement stopped by :meth:`interruptible`."""
        raise NotImplementedError

    def lost_a_race(self, error: Exception) -> bool:
        """Whether ``error`` is the verdict that a concurrent transaction made this one's
        writes invalid (trying again then sees that transaction's result)."""
        raise NotImplementedError

    def reads_every_contact(self, db: pw.Database, statement: str, params: tuple) -> bool:
        """Whether the plan of ``statement`` (a compiled condition, contacts as ``c``)
        reads every live contact rather than the ids an index or subquery found. Such a
        statement costs the same over ranges of contact ids (SQLite's steps) and splits
        among parallel workers (PostgreSQL); one led by keys does neither."""
        raise NotImplementedError

    def refers_to_missing(self, error: Exception) -> bool:
        """Whether ``error`` is a foreign key refusing a row whose contact (or group) is
        gone: the statement changed nothing, its transaction can be tried again."""
        raise NotImplementedError


class SqliteDialect(StoreDialect, sql.SqliteDialect):
    """SQLite: one writer at a time, nested-loop joins, statements stopped by a progress
    handler."""

    # Exactly INTEGER PRIMARY KEY makes the id the row's own key: one B-tree to fill and
    # probe instead of a table and an index beside it.
    id_key_type = "INTEGER"
    without_rowid = " WITHOUT ROWID"
    distinct_from = "IS NOT"
    journal_sql = "PRAGMA journal_mode = wal"
    serialised_writes = True
    failed_statement_aborts = False
    plans_by_statistics = False
    except_merges = True
    evaluates_in_ranges = True
    id_sequences = False
    writes_in_with = False
    folded_key_indexes = ()
    page_column = (f"{pages.COLUMN} TEXT GENERATED ALWAYS AS "
                   f"({pages.sqlite_page('url')}) VIRTUAL")
    page_index = (f"CREATE INDEX IF NOT EXISTS {pages.INDEX} ON activity "
                  f"({pages.COLUMN}, at, contact_id, type) "
                  f"WHERE {pages.COLUMN} IS NOT NULL")

    def temporary(self, name: str) -> str:
        return f"temp.{name}"

    def page_is(self, c: Compiler, alias: str, page: str) -> Fragment:
        """A URL beyond ASCII has no page in the column: those few visits, one range of the
        index too, are compared through ``cg_url_path``."""
        column = f"{alias}.{pages.COLUMN}"
        others = c.fmt(f"({column} = {{}} AND cg_url_path({alias}.url) = {{}})",
                       c.param(pages.NOT_ASCII), c.param(page))
        if not page.isascii():
            return others
        return c.fmt(f"({column} = {{}} OR {{}})", c.param(page), others)

    def insert_ignoring(self, table: str, columns: str, select: str) -> str:
        return f"INSERT OR IGNORE INTO {table} ({columns}) {select}"

    def id_list(self, param: str) -> str:
        return f"(SELECT value FROM json_each({param}))"

    def contains_folded(self, expression: pw.Node, pattern: str) -> pw.Node:
        """LIKE itself ignores ASCII case, so ASCII values are decided without calling the
        Python lower-casing function; only values holding other characters (their UTF-8
        byte length differs from their length) take the exact, slower path. A filter over
        a million rows is several times faster for it."""
        non_ascii = pw.fn.LENGTH(expression) != pw.fn.LENGTH(pw.Cast(expression, "BLOB"))
        return _like(expression, pattern) | (non_ascii & _like(self.lower(expression), pattern))

    def lock_table(self, table: str) -> str:
        return f"UPDATE {table} SET id = id WHERE 1 = 0"  # any write takes the write lock

    def exclusive_transaction(self, db: pw.Database, key: int) -> AbstractContextManager[None]:
        return db.atomic("IMMEDIATE")

    @contextlib.contextmanager
    def interruptible(self, db: pw.Database, seconds: float | None, stop: Callable[[], bool],
                      tick: Callable[[], None] | None) -> Iterator[None]:
        """No ``tick``: SQLite could not write a heartbeat during its own statement anyway."""
        deadline = time.perf_counter() + seconds if seconds else float("inf")
        connection = db.connection()
        connection.set_progress_handler(lambda: stop() or time.perf_counter() > deadline,
                                        10_000)
        try:
            yield
        finally:
            connection.set_progress_handler(None, 0)

    def interrupted(self, error: Exception) -> bool:
        return "interrupted" in str(error)

    def lost_a_race(self, error: Exception) -> bool:
        return False  # writers take turns

    def reads_every_contact(self, db: pw.Database, statement: str, params: tuple) -> bool:
        plan = db.execute_sql(f"EXPLAIN QUERY PLAN {statement}", params).fetchall()
        outer = [detail for _id, parent, _unused, detail in plan
                 if parent == 0 and re.match(r"(SCAN|SEARCH) c\b", detail)]
        return bool(outer) and "rowid=" not in outer[0]

    def refers_to_missing(self, error: Exception) -> bool:
        return isinstance(error, pw.IntegrityError) and "FOREIGN KEY" in str(error)


class PostgresDialect(StoreDialect, sql.PostgresDialect):
    """PostgreSQL: concurrent writers kept apart by advisory locks, hash and semi joins
    planned on statistics, statements cancelled from a watching thread."""

    id_key_type = "BIGINT"
    without_rowid = ""
    distinct_from = "IS DISTINCT FROM"
    journal_sql = ""
    serialised_writes = False
    failed_statement_aborts = True
    plans_by_statistics = True
    except_merges = False
    evaluates_in_ranges = False
    id_sequences = True
    writes_in_with = True
    folded_key_indexes = (
        "CREATE INDEX IF NOT EXISTS activity_lower_type_at ON activity (lower(type), at)",
        "CREATE INDEX IF NOT EXISTS form_submission_lower_form_at "
        "ON form_submission (lower(form), at)",
    )
    page_column = (f"{pages.COLUMN} TEXT GENERATED ALWAYS AS "
                   f"({pages.postgresql_page('url')}) STORED")
    page_index = (f"CREATE INDEX IF NOT EXISTS {pages.INDEX} ON activity "
                  f"({pages.COLUMN}, at) INCLUDE (contact_id, type) "
                  f"WHERE {pages.COLUMN} IS NOT NULL")

    def page_is(self, c: Compiler, alias: str, page: str) -> Fragment:
        return c.fmt(f"{alias}.{pages.COLUMN} = {{}}", c.param(page))

    def after_rewrite(self, db: pw.Database, table: str) -> None:
        """The rewritten table has no visibility map, so no index-only scan skips its heap
        (VisitedPage read 60,000 heap pages for one page's visits), and no statistics
        for new columns; autovacuum, counting inserts only, may not come for days."""
        db.execute_sql(f"VACUUM (ANALYZE) {table}")

    def temporary(self, name: str) -> str:
        return name  # a temporary table hides a permanent one of the same name

    def insert_ignoring(self, table: str, columns: str, select: str) -> str:
        return f"INSERT INTO {table} ({columns}) {select} ON CONFLICT DO NOTHING"

    def id_list(self, param: str) -> str:
        return (f"(SELECT CAST(value AS BIGINT) "
                f"FROM json_array_elements_text(CAST({param} AS json)))")

    def lock_table(self, table: str) -> str:
        return f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"

    @contextlib.contextmanager
    def exclusive_transaction(self, db: pw.Database, key: int) -> Iterator[None]:
        with db.atomic():
            db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (key,))
            yield

    @contextlib.contextmanager
    def interruptible(self, db: pw.Database, seconds: float | None, stop: Callable[[], bool],
                      tick: Callable[[], None] | None) -> Iterator[None]:
        """``statement_timeout`` for the time; a thread that cancels the statement on
        ``stop()`` (libpq's cancel request, made for this) and calls ``tick``. The thread's
        heartbeat writes go through its own connection, closed when it ends."""
        if seconds:
            db.execute_sql(f"SET statement_timeout = {max(1, round(seconds * 1000))}")
        connection, finished = db.connection(), threading.Event()

        def watch() -> None:
            try:
                while not finished.wait(WATCH_SECONDS):
                    if stop():
                        connection.cancel()
                        return
                    if tick is not None:
                        tick()
            finally:
                db.close()

        watcher = threading.Thread(target=watch, name="rebuild-watch", daemon=True)
        watcher.start()
        try:
            yield
        finally:
            finished.set()
            watcher.join()
            if seconds:
                db.execute_sql("RESET statement_timeout")

    def interrupted(self, error: Exception) -> bool:
        return "canceling statement" in str(error)

    def lost_a_race(self, error: Exception) -> bool:
        return _pgcode(error) in RACE_CODES

    def refers_to_missing(self, error: Exception) -> bool:
        return _pgcode(error) == FOREIGN_KEY_VIOLATION

    def reads_every_contact(self, db: pw.Database, statement: str, params: tuple) -> bool:
        plan = db.execute_sql(f"EXPLAIN {statement}", params).fetchall()
        return plan_reads_every_contact([line for (line,) in plan])


def plan_reads_every_contact(plan: list[str]) -> bool:
    """Whether a PostgreSQL plan (EXPLAIN's lines) reads the contacts (``c``) whole: by a
    sequential scan, or by the index of live contacts — rather than by the ids another
    table's index found."""
    for at, line in enumerate(plan):
        if " on contact c " not in f"{line} ":
            continue
        if "Seq Scan" in line:
            return True
        keys = next((k for k in plan[at + 1:] if "Index Cond" in k or "Recheck" in k), "")
        if keys.strip().endswith("(merged_into_id IS NULL)"):
            return True
    return False


def _pgcode(error: Exception) -> str | None:
    """The SQLSTATE of the driver's error that peewee wrapped: peewee raises its own
    exception inside the ``except`` that caught the driver's, which is its context."""
    for original in (error, error.__cause__, error.__context__):
        code = getattr(original, "pgcode", None)
        if code is not None:
            return code
    return None


SQLITE = SqliteDialect()
POSTGRESQL = PostgresDialect()

"""Schema versions and migrations.

A new database gets the current tables and is stamped with :data:`LATEST`. An older one is
brought forward by the migrations after its version, all in one transaction, so a failed
upgrade leaves it as it was. A database stamped with a version this program does not know
was written by a newer release and is refused untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import peewee as pw
from playhouse.migrate import SchemaMigrator, migrate

from store.db import page_column
from store.db.models import (
    ALL_MODELS,
    AuditBatch,
    AuditContact,
    ContactGroup,
    ContactStatus,
    Country,
    RebuildLock,
    Setting,
    State,
)
from store.errors import StoreError

VERSION_TABLE = "schema_version"
OLD_AUDIT = "audit_event"  # one wide row per contact, until schema version 6
SCHEMA_CHANGES = 727274  # advisory lock key: one process at a time creates or upgrades


@dataclass(frozen=True)
class Migration:
    """Brings a database from ``version - 1`` to ``version``."""

    version: int
    description: str
    apply: Callable[[pw.Database], None]
    rewrites: tuple[str, ...] = ()
    """Tables whose every row it writes: tidied after the upgrade commits (see
    ``StoreDialect.after_rewrite``)."""


def _create_all_tables(db: pw.Database) -> None:
    db.create_tables([model for model in ALL_MODELS if model is not AuditContact])
    _create_audit_contact(db)
    _index_folded_keys(db)
    _add_page_column(db)


def _index_folded_keys(db: pw.Database) -> None:
    """The indexes by lowercased activity type and form name that conditions' tests use
    on PostgreSQL (see ``StoreDialect.folded_key_indexes``); a rebuild by page visit read
    all five million activities without them."""
    for statement in db.dialect.folded_key_indexes:
        db.execute_sql(statement)


def _add_page_column(db: pw.Database) -> None:
    """``activity.page``, generated from the URL, and its index: VisitedPage reads one range
    of it instead of every page visit (see ``store.db.page_column``). PostgreSQL writes the
    column into every row: some 25 s for five million activities."""
    # Read from a query: SQLite's table_info, which get_columns reads, leaves out
    # generated columns.
    present = db.execute_sql("SELECT * FROM activity WHERE 1 = 0").description
    if page_column.COLUMN not in {column[0] for column in present}:
        db.execute_sql(f"ALTER TABLE activity ADD COLUMN {db.dialect.page_column}")
    db.execute_sql(db.dialect.page_index)


def _create_audit_contact(db: pw.Database) -> None:
    """On SQLite WITHOUT ROWID: the (batch, contact) key is the table itself, one B-tree to
    append to instead of a rowid table and a key index beside it."""
    db.execute_sql("CREATE TABLE IF NOT EXISTS audit_contact (batch_id INTEGER NOT NULL, "
                   "contact_id INTEGER NOT NULL, PRIMARY KEY (batch_id, contact_id))"
                   + db.dialect.without_rowid)


def _add_rebuild_locks(db: pw.Database) -> None:
    db.create_tables([RebuildLock])


def _add_slow_reason(db: pw.Database) -> None:
    migrator = SchemaMigrator.from_database(db)
    migrate(migrator.add_column("contact_group", "slow_reason", ContactGroup.slow_reason))


def _index_audit_by_group_and_id(db: pw.Database) -> None:
    if not db.table_exists(OLD_AUDIT):
        return  # made by a later version's models: nothing to index
    db.execute_sql("DROP INDEX IF EXISTS audit_event_contact_id")
    db.execute_sql("DROP INDEX IF EXISTS audit_event_group_id_at")
    db.execute_sql(
        "CREATE INDEX IF NOT EXISTS audit_event_group_id_id ON audit_event (group_id, id)")


def _add_rebuild_lock_tokens(db: pw.Database) -> None:
    if "token" in {column.name for column in db.get_columns("rebuild_lock")}:
        return  # made by migration 2 from today's model
    migrator = SchemaMigrator.from_database(db)
    migrate(migrator.add_column("rebuild_lock", "token", RebuildLock.token))


def _compact_audit(db: pw.Database) -> None:
    """One wide audit row per contact becomes a batch per change and narrow contact rows.

    The old rows of one change share group, action, source, actor and time (a service wrote
    them in one statement), so grouping by those gives back the batches, oldest first.
    """
    db.create_tables([AuditBatch])
    _create_audit_contact(db)
    if not db.table_exists(OLD_AUDIT):
        return
    same = ("b.group_id = e.group_id AND b.action = e.action AND b.source = e.source "
            "AND b.actor = e.actor AND b.at = e.at")
    db.execute_sql(
        "INSERT INTO audit_batch (group_id, account_id, action, source, actor, at, contacts) "
        "SELECT group_id, account_id, action, source, actor, at, COUNT(contact_id) "
        f"FROM {OLD_AUDIT} GROUP BY group_id, account_id, action, source, actor, at "
        "ORDER BY MIN(id)")
    db.execute_sql(
        "INSERT INTO audit_contact (batch_id, contact_id) SELECT DISTINCT b.id, e.contact_id "
        f"FROM {OLD_AUDIT} e JOIN audit_batch b ON {same} AND b.account_id IS NULL "
        "WHERE e.contact_id IS NOT NULL AND e.account_id IS NULL")
    db.execute_sql(f"DROP TABLE {OLD_AUDIT}")


KENTICO_CONTACT_COLUMNS = (
    "middle_name VARCHAR(100)",
    "address VARCHAR(200)",
    "zip VARCHAR(100)",
    "business_phone VARCHAR(50)",
    "monitored BOOLEAN NOT NULL DEFAULT FALSE",
    "owner_user_id INTEGER",
    "country_id INTEGER REFERENCES country (id) ON DELETE SET NULL",
    "state_id INTEGER REFERENCES state (id) ON DELETE SET NULL",
    "status_id INTEGER REFERENCES contact_status (id) ON DELETE SET NULL",
)


def _add_kentico_contact_model(db: pw.Database) -> None:
    """Countries, states and statuses with ids, and the contact columns Kentico has.

    Columns are added by hand, as one ``ALTER TABLE`` each: peewee's migrator would rebuild
    the whole contact table on SQLite for the NOT NULL ``monitored`` column.
    """
    db.create_tables([Country, State, ContactStatus])
    present = {column.name for column in db.get_columns("contact")}
    for column in KENTICO_CONTACT_COLUMNS:
        if column.split()[0] not in present:
            db.execute_sql(f"ALTER TABLE contact ADD COLUMN {column}")


def _add_condition_reads(db: pw.Database) -> None:
    """Groups keep what their condition reads (``store.binding.condition_reads``), filled
    here from the conditions already stored; one that no longer checks gets none, as it
    reads nothing until it is fixed."""
    if "condition_reads" not in {column.name for column in db.get_columns("contact_group")}:
        migrator = SchemaMigrator.from_database(db)
        migrate(migrator.add_column("contact_group", "condition_reads",
                                    ContactGroup.condition_reads))
    stored = db.execute_sql("SELECT id, condition FROM contact_group "
                            "WHERE condition IS NOT NULL AND condition_reads IS NULL").fetchall()
    if not stored:
        return
    from conditions import dependencies
    from store.binding.condition_reads import encode
    from store.binding.condition_service import (
        InvalidCondition,
        check_condition,
        schema_version,
    )

    version = schema_version()  # the proxy is bound to ``db`` before migrations run
    for group_id, condition in stored:
        try:
            reads = dependencies(check_condition(condition, version))
        except InvalidCondition:
            continue
        db.execute_sql(f"UPDATE contact_group SET condition_reads = {db.param} "
                       f"WHERE id = {db.param}", (encode(reads), group_id))


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "contacts, accounts, activities, forms, groups, memberships, audit",
              _create_all_tables),
    Migration(2, "rebuild locks shared by every process", _add_rebuild_locks),
    Migration(3, "groups remember why their condition is slow", _add_slow_reason),
    Migration(4, "audit indexed for the History tab only, cheap to append to",
              _index_audit_by_group_and_id),
    Migration(5, "rebuild locks carry their holder's token (a paused holder cannot apply)",
              _add_rebuild_lock_tokens),
    Migration(6, "compact audit: a batch per change, two integers per contact",
              _compact_audit),
    Migration(7, "Kentico's contact model: countries, states, statuses with ids, more columns",
              _add_kentico_contact_model),
    Migration(8, "groups keep what their condition reads: no parse to know it",
              _add_condition_reads),
    Migration(9, "PostgreSQL: activities and forms indexed by lowercased type and name",
              _index_folded_keys),
    Migration(10, "activities keep the page of their URL, indexed for VisitedPage",
              _add_page_column, rewrites=("activity",)),
)
LATEST = MIGRATIONS[-1].version

DEFAULT_SETTINGS = {"edition": "ems"}


def ensure_current(db: pw.Database, migrations: Sequence[Migration] = MIGRATIONS,
                   announce: Callable[[str], None] | None = None) -> None:
    """Create, upgrade or refuse the schema of ``db``; see the module docstring. An upgrade
    is first told to ``announce``: on a large database one can take a minute (migration 10
    writes the page of five million activities), too long to wait in silence."""
    latest = migrations[-1].version
    if not _needs_write(db, latest):
        return
    if getattr(db, "read_only", False):
        raise StoreError(f"{db.display_url} is read-only and needs a schema upgrade first")
    applied: list[Migration] = []
    with _exclusive_transaction(db):
        version = stored_version(db)  # again: another process may have done it meanwhile
        if version is None:
            _create_fresh(db, latest)
        elif version < latest:
            applied = [migration for migration in migrations if migration.version > version]
            if announce is not None:
                announce(_upgrade_notice(version, applied))
            for migration in applied:
                migration.apply(db)
            _stamp(db, latest)
    for table in sorted({table for migration in applied for table in migration.rewrites}):
        db.dialect.after_rewrite(db, table)


def _upgrade_notice(version: int, pending: Sequence[Migration]) -> str:
    changes = "; ".join(migration.description for migration in pending)
    return (f"upgrading the database from schema version {version} to {pending[-1].version} "
            f"({changes}); on a large database this can take a minute")


def stored_version(db: pw.Database) -> int | None:
    """The schema version written in ``db``, or ``None`` for an empty database."""
    if not db.table_exists(VERSION_TABLE):
        if db.get_tables():
            raise StoreError(f"{db.display_url} is not a contact-groups database")
        return None
    row = db.execute_sql(f"SELECT version FROM {VERSION_TABLE}").fetchone()
    if row is None:
        return None
    try:
        return int(row[0])
    except (TypeError, ValueError):
        raise StoreError(f"{db.display_url} has a schema version that is not a number "
                         f"({str(row[0])[:40]!r}): not a database contact-groups wrote") from None


def _needs_write(db: pw.Database, latest: int) -> bool:
    version = stored_version(db)
    if version is not None and version > latest:
        raise StoreError(
            f"{db.display_url} was written by a newer contact-groups (schema version "
            f"{version}; this one knows up to {latest}); upgrade contact-groups to open it"
        )
    return version != latest


def _create_fresh(db: pw.Database, latest: int) -> None:
    _create_all_tables(db)
    db.execute_sql(f"CREATE TABLE {VERSION_TABLE} (version INTEGER NOT NULL)")
    db.execute_sql(f"INSERT INTO {VERSION_TABLE} (version) VALUES ({int(latest)})")
    Setting.insert_many(list(DEFAULT_SETTINGS.items()),
                        fields=[Setting.key, Setting.value]).execute()


def _stamp(db: pw.Database, version: int) -> None:
    db.execute_sql(f"UPDATE {VERSION_TABLE} SET version = {int(version)}")


@contextmanager
def _exclusive_transaction(db: pw.Database) -> Iterator[None]:
    """A transaction that two processes opening a new database at once cannot both enter."""
    with db.dialect.exclusive_transaction(db, SCHEMA_CHANGES):
        yield

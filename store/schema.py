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

from store.errors import StoreError
from store.models import ALL_MODELS, ContactGroup, RebuildLock, Setting

VERSION_TABLE = "schema_version"


@dataclass(frozen=True)
class Migration:
    """Brings a database from ``version - 1`` to ``version``."""

    version: int
    description: str
    apply: Callable[[pw.Database], None]


def _create_all_tables(db: pw.Database) -> None:
    db.create_tables(ALL_MODELS)


def _add_rebuild_locks(db: pw.Database) -> None:
    db.create_tables([RebuildLock])


def _add_slow_reason(db: pw.Database) -> None:
    migrator = SchemaMigrator.from_database(db)
    migrate(migrator.add_column("contact_group", "slow_reason", ContactGroup.slow_reason))


def _index_audit_by_group_and_id(db: pw.Database) -> None:
    db.execute_sql("DROP INDEX IF EXISTS audit_event_contact_id")
    db.execute_sql("DROP INDEX IF EXISTS audit_event_group_id_at")
    db.execute_sql(
        "CREATE INDEX IF NOT EXISTS audit_event_group_id_id ON audit_event (group_id, id)")


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "contacts, accounts, activities, forms, groups, memberships, audit",
              _create_all_tables),
    Migration(2, "rebuild locks shared by every process", _add_rebuild_locks),
    Migration(3, "groups remember why their condition is slow", _add_slow_reason),
    Migration(4, "audit indexed for the History tab only, cheap to append to",
              _index_audit_by_group_and_id),
)
LATEST = MIGRATIONS[-1].version

DEFAULT_SETTINGS = {"edition": "ems"}


def ensure_current(db: pw.Database, migrations: Sequence[Migration] = MIGRATIONS) -> None:
    """Create, upgrade or refuse the schema of ``db``; see the module docstring."""
    latest = migrations[-1].version
    if not _needs_write(db, latest):
        return
    if getattr(db, "read_only", False):
        raise StoreError(f"{db.display_url} is read-only and needs a schema upgrade first")
    with _exclusive_transaction(db):
        version = stored_version(db)  # again: another process may have done it meanwhile
        if version is None:
            _create_fresh(db, latest)
        elif version < latest:
            for migration in migrations:
                if migration.version > version:
                    migration.apply(db)
            _stamp(db, latest)


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
    if isinstance(db, pw.SqliteDatabase):
        with db.atomic("IMMEDIATE"):
            yield
        return
    with db.atomic():
        db.execute_sql("SELECT pg_advisory_xact_lock(727274)")
        yield

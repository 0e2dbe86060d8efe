"""Opening databases: creation, file mode, engine settings, schema versions, read-only files."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import peewee as pw
import pytest

from store import contacts, groups
from store.binding.condition_service import check_condition, compile_condition, count_matching
from store.clock import utcnow
from store.db import page_column, schema
from store.db.database import close, connect, database_proxy, dialect, parse_url
from store.db.models import Activity, AuditBatch, ContactGroup, FormSubmission, Membership
from store.errors import StoreError
from store.reads import history
from tests.cli.run import assert_clean_failure, cli


def test_new_sqlite_file_is_private_with_wal_and_foreign_keys(tmp_path):
    path = tmp_path / "new.db"
    db = connect(f"sqlite:///{path}")
    try:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 5000
        assert schema.stored_version(db) == schema.LATEST
    finally:
        close()


def _refusal(**row) -> pw.IntegrityError:
    with pytest.raises(pw.IntegrityError) as refused, database_proxy.atomic():
        Membership.insert(**row).execute()
    return refused.value


def test_a_membership_of_a_deleted_contact_is_told_apart_from_other_refusals(db):
    """A rebuild unstages departed contacts and tries again only on the foreign key's
    refusal; on PostgreSQL a duplicate row is a race worth another try as well."""
    group = groups.create_group("Static")
    contact = contacts.create_contact(first_name="Ann").id
    Membership.insert(group=group.id, contact=contact, manual=True).execute()
    gone = _refusal(group=group.id, contact=contact + 1000, manual=True)
    duplicate = _refusal(group=group.id, contact=contact, manual=True)
    assert dialect().refers_to_missing(gone)
    assert not dialect().refers_to_missing(duplicate)
    if db.engine == "postgresql":  # the driver's error is found behind peewee's
        assert dialect().lost_a_race(gone) and dialect().lost_a_race(duplicate)


def test_default_location_honours_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CONTACT_GROUPS_DB", str(tmp_path / "env.db"))
    connect()
    close()
    assert (tmp_path / "env.db").exists()


def test_urls_are_parsed_and_passwords_hidden():
    url = parse_url("postgresql://ann:pa%40ss@db.example:6543/crm")
    assert (url.user, url.password, url.host, url.port, url.name) == (
        "ann", "pa@ss", "db.example", 6543, "crm")
    assert "pa@ss" not in url.display and "pa%40ss" not in url.display
    with pytest.raises(StoreError, match="not a number"):
        parse_url("postgresql://h:port/x")
    with pytest.raises(StoreError, match="names no database"):
        parse_url("postgresql://localhost")


def test_database_from_a_newer_version_is_refused_untouched(db):
    db.handle.execute_sql("UPDATE schema_version SET version = 999")
    close()
    with pytest.raises(StoreError, match="newer contact-groups"):
        connect(db.url)
    assert_clean_failure(cli(db.url, "groups", "create", "--name", "X"), "schema version 999")
    handle = connect(db.url, migrate=False)
    assert handle.execute_sql("SELECT version FROM schema_version").fetchone()[0] == 999
    assert not handle.table_exists("contact_group") or ContactGroup.select().count() == 0
    handle.execute_sql(f"UPDATE schema_version SET version = {schema.LATEST}")


def test_older_database_is_upgraded_in_order(db):
    applied: list[int] = []

    def step(version: int) -> schema.Migration:
        def apply(handle) -> None:
            applied.append(version)
            handle.execute_sql(f"CREATE TABLE upgrade_probe_{version} (id INTEGER)")
        return schema.Migration(version, f"probe {version}", apply)

    migrations = (*schema.MIGRATIONS, step(schema.LATEST + 1), step(schema.LATEST + 2))
    schema.ensure_current(db.handle, migrations)
    assert applied == [schema.LATEST + 1, schema.LATEST + 2]
    assert schema.stored_version(db.handle) == schema.LATEST + 2
    schema.ensure_current(db.handle, migrations)
    assert applied == [schema.LATEST + 1, schema.LATEST + 2], "nothing runs twice"
    for version in (1, 2):
        db.handle.execute_sql(f"DROP TABLE upgrade_probe_{schema.LATEST + version}")
    db.handle.execute_sql(f"UPDATE schema_version SET version = {schema.LATEST}")


def test_failed_upgrade_leaves_the_database_as_it_was(db):
    def broken(handle) -> None:
        handle.execute_sql("CREATE TABLE half_done (id INTEGER)")
        raise RuntimeError("migration bug")

    migrations = (*schema.MIGRATIONS, schema.Migration(schema.LATEST + 1, "broken", broken))
    with pytest.raises(RuntimeError):
        schema.ensure_current(db.handle, migrations)
    assert schema.stored_version(db.handle) == schema.LATEST
    assert not db.handle.table_exists("half_done")


def test_read_only_file_can_be_read_but_not_changed(tmp_path):
    path = tmp_path / "ro.db"
    connect(f"sqlite:///{path}")
    groups.create_group("Readers")
    close()
    for suffix in ("", "-wal", "-shm"):
        target = tmp_path / f"ro.db{suffix}"
        if target.exists():
            os.chmod(target, 0o444)
    listed = cli(f"sqlite:///{path}", "groups", "list")
    assert listed.code == 0 and "Readers" in listed.out
    assert_clean_failure(cli(f"sqlite:///{path}", "groups", "create", "--name", "Writers"),
                         "read-only")
    assert "Writers" not in cli(f"sqlite:///{path}", "groups", "list").out


@contextmanager
def _reopened_as_version(path: Path, version: int, *downgrade: str) -> Iterator[pw.Database]:
    """Turn the open database at ``path`` back into a ``version`` one with the ``downgrade``
    statements, then open it again as a user would, which upgrades it."""
    for statement in (*downgrade, f"UPDATE schema_version SET version = {version}"):
        database_proxy.execute_sql(statement)
    close()
    handle = connect(f"sqlite:///{path}")
    try:
        assert schema.stored_version(handle) == schema.LATEST
        yield handle
    finally:
        close()


def test_a_version_1_database_gains_rebuild_locks(tmp_path):
    path = tmp_path / "v1.db"
    connect(f"sqlite:///{path}")
    groups.create_group("Kept")
    with _reopened_as_version(path, 1, "DROP TABLE rebuild_lock",
                              "ALTER TABLE contact_group DROP COLUMN slow_reason") as handle:
        assert handle.table_exists("rebuild_lock")
        assert [g.code_name for g in groups.list_groups()] == ["Kept"]


def test_a_version_2_database_gains_the_slow_reason_column(tmp_path):
    path = tmp_path / "v2.db"
    connect(f"sqlite:///{path}")
    groups.create_group("Kept")
    with _reopened_as_version(path, 2, "ALTER TABLE contact_group DROP COLUMN slow_reason"):
        assert groups.get_group("Kept").slow_reason is None


OLD_AUDIT_TABLE = (
    "CREATE TABLE audit_event (id INTEGER NOT NULL PRIMARY KEY, group_id INTEGER NOT NULL, "
    "contact_id INTEGER, account_id INTEGER, action VARCHAR(20) NOT NULL, source VARCHAR(20) "
    "NOT NULL, actor VARCHAR(100) NOT NULL, at DATETIME NOT NULL)")


def _sql_row(values: tuple) -> str:
    return ", ".join("NULL" if value is None else repr(value) for value in values)


def test_a_version_3_database_keeps_its_history_in_the_compact_audit(tmp_path):
    """Wide per-contact events (with the indexes version 3 had) become batches: one per
    change, found again by their shared group, action, source, actor and time."""
    path = tmp_path / "v3.db"
    connect(f"sqlite:///{path}")
    group = groups.create_group("Kept")
    ada = contacts.create_contact(first_name="Ada", last_name="Kept")
    bob = contacts.create_contact(first_name="Bob", last_name="Kept")
    old_events = [
        (1, group.id, ada.id, None, "added", "manual", "tester", "2026-01-01 10:00:00"),
        (2, group.id, bob.id, None, "added", "manual", "tester", "2026-01-01 10:00:00"),
        (3, group.id, None, 7, "added", "account", "tester", "2026-01-02 09:00:00"),
        (4, group.id, bob.id, None, "removed", "manual", "eve", "2026-01-03 08:00:00"),
    ]
    with _reopened_as_version(
            path, 3, "DROP TABLE audit_batch", "DROP TABLE audit_contact", OLD_AUDIT_TABLE,
            "CREATE INDEX audit_event_group_id_at ON audit_event (group_id, at)",
            "CREATE INDEX audit_event_contact_id ON audit_event (contact_id)",
            *(f"INSERT INTO audit_event VALUES ({_sql_row(row)})" for row in old_events)
    ) as handle:
        assert not handle.table_exists("audit_event")
        kept = groups.get_group("Kept")
        assert history.count_events(kept) == 4
        page = history.event_page(kept, 0, 10)
        assert [(e.actor, e.action, e.subject) for e in page] == [
            ("eve", "removed", f"Bob Kept (#{bob.id})"),
            ("tester", "added", "account #7"),
            ("tester", "added", f"Ada Kept (#{ada.id})"),
            ("tester", "added", f"Bob Kept (#{bob.id})"),
        ]
        assert AuditBatch.select().count() == 3, "the two rows of one change are one batch"


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_a_version_6_database_gains_kentico_contact_columns(db):
    """On PostgreSQL: SQLite cannot drop a column that references another table, so a
    version 6 database is only reproducible there."""
    contact = contacts.create_contact(first_name="Ada", last_name="Kept")
    for statement in (*(f"ALTER TABLE contact DROP COLUMN {column.split()[0]}"
                        for column in schema.KENTICO_CONTACT_COLUMNS),
                      "DROP TABLE state", "DROP TABLE country", "DROP TABLE contact_status",
                      "UPDATE schema_version SET version = 6"):
        database_proxy.execute_sql(statement)
    close()
    handle = connect(db.url)
    assert schema.stored_version(handle) == schema.LATEST
    kept = contacts.get_contact(contact.id)
    assert (kept.last_name, kept.monitored, kept.country_id) == ("Kept", False, None)
    assert handle.table_exists("country") and handle.table_exists("contact_status")


def _plan(statement: str, params: tuple) -> str:
    """The plan's text on either engine; PostgreSQL's when it may not read whole tables (tiny
    test tables would otherwise be scanned whatever their indexes)."""
    postgresql = dialect().plans_by_statistics
    with database_proxy.atomic() as transaction:
        if postgresql:
            database_proxy.execute_sql("SET LOCAL enable_seqscan = off")
        plan = database_proxy.execute_sql(
            f"EXPLAIN {'' if postgresql else 'QUERY PLAN '}{statement}", params).fetchall()
        transaction.rollback()
    return "\n".join(str(row[0] if postgresql else row[-1]) for row in plan)


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_activity_and_form_tests_find_their_indexes_on_postgresql(db):
    """Conditions compare types and form names lowercased; the index of the plain column
    was no use for that, and a rebuild by page visit read every activity."""
    database_proxy.execute_sql("DROP INDEX activity_lower_type_at")
    database_proxy.execute_sql("DROP INDEX form_submission_lower_form_at")
    database_proxy.execute_sql("UPDATE schema_version SET version = 8")
    close()
    connect(db.url)
    # Enough other rows that reading them all costs more than the index (the planner's
    # choice between indexes of tiny tables follows whatever statistics are left over).
    buyers = [contacts.create_contact(first_name=f"Buyer {n}").id for n in range(20)]
    now = utcnow()
    Activity.insert_many([(buyers[n % 20], "purchase", now) for n in range(3_000)],
                         fields=[Activity.contact, Activity.type, Activity.at]).execute()
    FormSubmission.insert_many([(buyers[n % 20], "Survey", now) for n in range(3_000)],
                               fields=[FormSubmission.contact, FormSubmission.form,
                                       FormSubmission.at]).execute()
    database_proxy.execute_sql("ANALYZE activity")
    database_proxy.execute_sql("ANALYZE form_submission")
    for condition, index in (
            ('Contact.DidActivity("pagevisit", null, ToInt(30))', "activity_lower_type_at"),
            ('Contact.SubmittedForm("ContactUs", ToInt(30))', "form_submission_lower_form_at")):
        compiled = compile_condition(check_condition(condition), utcnow())
        assert index in _plan(compiled.select(compiled.id_column), compiled.params), condition


def test_a_version_9_database_gains_the_page_of_its_visits_and_visited_page_uses_it(db):
    """The upgrade fills the column for the visits already there and indexes it (and on
    PostgreSQL, which rewrote the table, vacuums it); the compiled condition then reads
    that index."""
    contact, other = (contacts.create_contact(first_name=name) for name in ("Before", "Other"))
    now = utcnow()
    Activity.insert_many(
        [(contact.id, "pagevisit", now, "https://Example.com/Coffee/"),
         *((other.id, "pagevisit", now, f"/page/{n % 300}") for n in range(3_000))],
        fields=[Activity.contact, Activity.type, Activity.at, Activity.url]).execute()
    database_proxy.execute_sql(f"DROP INDEX {page_column.INDEX}")
    database_proxy.execute_sql(f"ALTER TABLE activity DROP COLUMN {page_column.COLUMN}")
    database_proxy.execute_sql("UPDATE schema_version SET version = 9")
    close()
    upgraded, again = cli(db.url, "groups", "list"), cli(db.url, "groups", "list")
    assert upgraded.code == 0 and again.code == 0 and again.err == ""
    assert upgraded.err.startswith(  # said before a wait that can last a minute
        "contact-groups: upgrading the database from schema version 9 to 10 (activities keep")
    handle = connect(db.url)
    assert schema.stored_version(handle) == schema.LATEST
    assert database_proxy.execute_sql(
        f"SELECT page FROM activity WHERE contact_id = {contact.id}").fetchall() == [("/coffee",)]
    if db.engine == "postgresql":  # vacuumed after the rewrite: index-only scans work
        assert database_proxy.execute_sql(
            "SELECT relallvisible > 0 AND relallvisible = relpages FROM pg_class "
            "WHERE relname = 'activity'").fetchone() == (True,)
    checked = check_condition('Contact.VisitedPage("/coffee", ToInt(30))')
    compiled = compile_condition(checked, utcnow())
    assert page_column.INDEX in _plan(compiled.select(compiled.id_column), compiled.params)
    assert count_matching(checked) == 1

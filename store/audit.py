"""Writing the audit trail and the group-size history, set-based.

Services call these inside their own transaction with the same subquery they are about to
act on, so the trail and the change commit together or not at all. Each call writes one
batch (group, action, source, actor, time, count) and a narrow row per contact; see
:class:`store.db.models.AuditBatch`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import peewee as pw

from store.clock import utcnow
from store.db.database import database_proxy, dialect, insert_values, placeholders, rows_of
from store.db.models import AuditBatch, AuditContact, ContactGroup, GroupSizeSample, Membership

BATCH_COLUMNS = "(group_id, action, source, actor, at, contacts)"
ADDED, REMOVED, EXCLUDED, INCLUDED = "added", "removed", "excluded", "included"

SOURCE_CONDITION = "condition"
SOURCE_ACCOUNT = "account"
SOURCE_MANUAL = "manual"
SOURCE_MERGE = "merge"
SOURCE_IMPORT = "import"
SOURCE_DELETE = "contact deleted"


def record_selected(group_id: int, contacts: pw.SelectQuery, action: str, source: str,
                    actor: str) -> int:
    """Record that ``action`` happened in the group to the contacts ``contacts`` selects (a
    ``contact_id`` column): one batch, a row per contact. Returns how many contacts, i.e.
    how many the change touched; a change that touched none leaves no batch.
    """
    batch = AuditBatch.insert(group_id=group_id, action=action, source=source, actor=actor,
                              at=utcnow()).execute()
    chosen = contacts.alias("chosen")
    rows = pw.Select([chosen], [pw.Value(batch), chosen.c.contact_id])
    count = database_proxy.execute(AuditContact.insert_from(
        rows, [AuditContact.batch_id, AuditContact.contact_id])).rowcount
    if count:
        AuditBatch.update(contacts=count).where(AuditBatch.id == batch).execute()
    else:
        AuditBatch.delete().where(AuditBatch.id == batch).execute()
    return count


def record_account(group_id: int, account_id: int, action: str, actor: str) -> None:
    AuditBatch.create(group_id=group_id, account_id=account_id, action=action,
                      source=SOURCE_ACCOUNT, actor=actor)


def record_one_contact(contact_id: int, changes: Sequence[tuple[int, str]], source: str,
                       actor: str) -> None:
    """One contact's (group id, action) changes, a batch each, in two statements however
    many groups (re-evaluation after a contact edit)."""
    if not changes:
        return
    at = AuditBatch.at.db_value(utcnow())
    batches = [(group, action, source, actor, at, 1) for group, action in changes]
    if dialect().writes_in_with:  # one round trip: a contact edit pays it on every change
        database_proxy.execute_sql(
            f"WITH batch AS (INSERT INTO audit_batch {BATCH_COLUMNS} VALUES "
            f"{rows_of(batches)} RETURNING id) INSERT INTO audit_contact (batch_id, contact_id)"
            f" SELECT id, {database_proxy.param} FROM batch",
            [*(value for row in batches for value in row), contact_id])
        return
    cursor = insert_values(f"audit_batch {BATCH_COLUMNS}", batches, returning="id")
    insert_values("audit_contact (batch_id, contact_id)",
                  [(batch, contact_id) for (batch,) in cursor.fetchall()])


def refresh_member_count(group_id: int) -> int:
    """Store the exact member count and, when it changed, a size-history sample."""
    count = Membership.select().where(Membership.group == group_id).count()
    previous = (ContactGroup.select(ContactGroup.member_count)
                .where(ContactGroup.id == group_id).scalar())
    if previous != count:
        now = utcnow()
        ContactGroup.update(member_count=count, modified=now).where(
            ContactGroup.id == group_id).execute()
        GroupSizeSample.create(group=group_id, at=now, members=count)
    return count


def adjust_member_counts(deltas: Mapping[int, int]) -> None:
    """Move each group's count by its delta (one contact's changes: no need to count the
    rows) and sample the new sizes, in three statements however many groups moved."""
    moved = {group: delta for group, delta in deltas.items() if delta}
    if not moved:
        return
    now, param = ContactGroup.modified.db_value(utcnow()), database_proxy.param
    if dialect().writes_in_with:  # one round trip, as in record_one_contact
        database_proxy.execute_sql(
            f"WITH moved AS (UPDATE contact_group AS g SET member_count = g.member_count "
            f"+ d.delta, modified = {param} FROM (VALUES {rows_of(list(moved.items()))}) "
            f"AS d (id, delta) WHERE g.id = d.id RETURNING g.id, g.member_count) "
            f"INSERT INTO group_size_sample (group_id, at, members) "
            f"SELECT id, {param}, member_count FROM moved",
            (now, *(value for row in moved.items() for value in row), now))
        return
    for delta in set(moved.values()):
        ids = [group for group, d in moved.items() if d == delta]
        database_proxy.execute_sql(
            f"UPDATE contact_group SET member_count = member_count + {param}, modified = {param}"
            f" WHERE id IN ({placeholders(len(ids))})", (delta, now, *ids))
    database_proxy.execute_sql(
        f"INSERT INTO group_size_sample (group_id, at, members) SELECT id, {param}, member_count"
        f" FROM contact_group WHERE id IN ({placeholders(len(moved))})", (now, *moved))

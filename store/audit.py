"""Writing the audit trail and the group-size history, set-based.

Services call these inside their own transaction with the same subquery they are about to
act on, so the trail and the change commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping

import peewee as pw

from store.database import database_proxy, placeholders
from store.models import AuditEvent, ContactGroup, GroupSizeSample, Membership, utcnow

ADDED, REMOVED, EXCLUDED, INCLUDED = "added", "removed", "excluded", "included"

SOURCE_CONDITION = "condition"
SOURCE_ACCOUNT = "account"
SOURCE_MANUAL = "manual"
SOURCE_MERGE = "merge"
SOURCE_IMPORT = "import"
SOURCE_DELETE = "contact deleted"


def record_selected(select: pw.SelectQuery, action: str, source: str, actor: str) -> int:
    """Insert the events of ``select``, whose columns are (group id, contact id).

    Returns the number of events written, i.e. of contacts the change touched.
    """
    at = utcnow()
    rows = select.select_extend(pw.Value(action), pw.Value(source), pw.Value(actor),
                                pw.Value(at))
    fields = [AuditEvent.group_id, AuditEvent.contact_id, AuditEvent.action,
              AuditEvent.source, AuditEvent.actor, AuditEvent.at]
    return database_proxy.execute(AuditEvent.insert_from(rows, fields)).rowcount


def record_account(group_id: int, account_id: int, action: str, actor: str) -> None:
    AuditEvent.create(group_id=group_id, account_id=account_id, action=action,
                      source=SOURCE_ACCOUNT, actor=actor)


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
    for delta in set(moved.values()):
        ids = [group for group, d in moved.items() if d == delta]
        database_proxy.execute_sql(
            f"UPDATE contact_group SET member_count = member_count + {param}, modified = {param}"
            f" WHERE id IN ({placeholders(len(ids))})", (delta, now, *ids))
    database_proxy.execute_sql(
        f"INSERT INTO group_size_sample (group_id, at, members) SELECT id, {param}, member_count"
        f" FROM contact_group WHERE id IN ({placeholders(len(moved))})", (now, *moved))

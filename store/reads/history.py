"""A group's history for the History tab: the audit trail and the size over time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import peewee as pw

from store.db.models import (
    Account,
    AuditBatch,
    AuditContact,
    Contact,
    GroupLike,
    GroupSizeSample,
)


@dataclass(frozen=True)
class HistoryRow:
    """One audit event as people read it: when, who, what happened to whom, and why."""

    at: dt.datetime
    actor: str
    action: str
    subject: str
    source: str


def count_events(group: GroupLike) -> int:
    """Rows the History tab lists: a contact's change each, an account's change each."""
    counted = pw.fn.SUM(pw.Case(None, [(AuditBatch.account_id.is_null(False), 1)],
                                AuditBatch.contacts))
    return (AuditBatch.select(counted).where(AuditBatch.group_id == group.id).scalar()) or 0


def event_page(group: GroupLike, offset: int, limit: int) -> list[HistoryRow]:
    """Newest first, one window at a time: each batch's contacts (in id order), or the
    account a batch added or removed."""
    contact_name = pw.fn.TRIM(pw.fn.COALESCE(Contact.first_name, "").concat(" ")
                              .concat(pw.fn.COALESCE(Contact.last_name, "")))
    query = (AuditBatch
             .select(AuditBatch.at, AuditBatch.actor, AuditBatch.action, AuditBatch.source,
                     AuditContact.contact_id, AuditBatch.account_id,
                     contact_name.alias("who"), Contact.email,
                     Account.name.alias("account_name"))
             .join(AuditContact, pw.JOIN.LEFT_OUTER,
                   on=(AuditContact.batch_id == AuditBatch.id))
             .join(Contact, pw.JOIN.LEFT_OUTER, on=(AuditContact.contact_id == Contact.id))
             .join(Account, pw.JOIN.LEFT_OUTER, on=(AuditBatch.account_id == Account.id))
             .where((AuditBatch.group_id == group.id)
                    & (AuditContact.contact_id.is_null(False)
                       | AuditBatch.account_id.is_null(False)))
             .order_by(AuditBatch.id.desc(), AuditContact.contact_id)
             .offset(max(offset, 0)).limit(max(limit, 0)))
    rows = []
    for event in query.objects():
        if event.account_id is not None:
            subject = f"account {event.account_name or f'#{event.account_id}'}"
        else:
            who = (event.who or "").strip() or event.email or ""
            subject = f"{who} (#{event.contact_id})" if who else f"contact #{event.contact_id}"
        rows.append(HistoryRow(event.at, event.actor, event.action, subject, event.source))
    return rows


def size_history(group: GroupLike, points: int = 400) -> list[tuple[dt.datetime, int]]:
    """(time, members) samples, thinned to about ``points`` for a plot."""
    total = GroupSizeSample.select().where(GroupSizeSample.group == group.id).count()
    step = max(1, total // points)
    query = (GroupSizeSample.select(GroupSizeSample.at, GroupSizeSample.members)
             .where(GroupSizeSample.group == group.id).order_by(GroupSizeSample.id))
    samples = list(query.tuples())
    thinned = samples[::step]
    if samples and thinned[-1] != samples[-1]:
        thinned.append(samples[-1])
    return thinned

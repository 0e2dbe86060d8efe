"""Small builders and readers shared by the store tests."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

import conditions.grammar
from store import accounts, audit, contacts, groups, membership
from store.contact_sets import id_list
from store.db.database import database_proxy
from store.db.models import AuditBatch, AuditContact, Contact, ContactGroup, Membership

ACTOR = "tester"


def make_contacts(count: int, **fields) -> list[int]:
    return [contacts.create_contact(first_name=f"First{i}", last_name=f"Last{i}",
                                    email=f"c{i}@example.com", **fields).id
            for i in range(count)]


def make_account(name: str, contact_ids: list[int]) -> int:
    from store.db.models import Account

    account = Account.create(name=name)
    for contact_id in contact_ids:
        accounts.link_contact(account, contact_id, actor=ACTOR)
    return account.id


def by_condition(group: ContactGroup, contact_ids: list[int]) -> int:
    """Set *from condition* as a rebuild will (through the same primitive)."""
    added = membership.grant(group.id, id_list(contact_ids), Membership.from_condition,
                             audit.SOURCE_CONDITION, ACTOR)
    audit.refresh_member_count(group.id)
    return added


def flags(group: ContactGroup) -> dict[int, tuple[bool, bool, bool]]:
    """contact id → (from condition, from account, manual)."""
    rows = Membership.select().where(Membership.group == group.id)
    return {row.contact_id: (bool(row.from_condition), bool(row.from_account), bool(row.manual))
            for row in rows}


def audit_trail(group: ContactGroup | None = None) -> list[tuple[int, str, str, str]]:
    """(contact id, action, source, actor) of the contact events of ``group`` (or of every
    group), oldest first, as the audit batches and their contact rows hold them."""
    rows = (AuditBatch.select(AuditContact.contact_id, AuditBatch.action, AuditBatch.source,
                              AuditBatch.actor)
            .join(AuditContact, on=(AuditContact.batch_id == AuditBatch.id))
            .order_by(AuditBatch.id, AuditContact.contact_id))
    if group is not None:
        rows = rows.where(AuditBatch.group_id == group.id)
    return list(rows.tuples())


def events(group: ContactGroup) -> list[tuple[int | None, str, str]]:
    """(contact id, action, source) of the group's contact events, oldest first."""
    return [(contact, action, source) for contact, action, source, _ in audit_trail(group)]


def fresh(group: ContactGroup) -> ContactGroup:
    """Re-read the group and check its stored count equals its rows."""
    group = groups.get_group(group.code_name)
    rows = Membership.select().where(Membership.group == group.id).count()
    assert group.member_count == rows, "member count out of step with membership rows"
    return group


def live(contact_id: int) -> bool:
    return Contact.get_by_id(contact_id).merged_into_id is None


@dataclass
class Counts:
    """Parses of condition text, and statements that read the ``custom_field`` table."""

    parses: int = 0
    custom_field_queries: int = 0


@contextmanager
def counting(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counts]:
    """Count every call of the parser's entry point, wherever it was imported, and every
    statement on the open connection that names ``custom_field``."""
    counts = Counts()
    parse = conditions.grammar.parse_condition

    def counted_parse(text: str):
        counts.parses += 1
        return parse(text)

    for module in list(sys.modules.values()):
        if module is not None and getattr(module, "parse_condition", None) is parse:
            monkeypatch.setattr(module, "parse_condition", counted_parse)
    handle = database_proxy.obj
    execute_sql = handle.execute_sql

    def counted_sql(sql: str, params=None, *args, **kwargs):
        if "custom_field" in sql:
            counts.custom_field_queries += 1
        return execute_sql(sql, params, *args, **kwargs)

    monkeypatch.setattr(handle, "execute_sql", counted_sql)
    try:
        yield counts
    finally:
        monkeypatch.undo()

"""A condition is parsed and checked once: at its save, not at every step after it.

What a condition reads is stored with the group, so the group graph and re-evaluation know
it without parsing; a check is memoised by the condition's text and the custom fields.
"""

from __future__ import annotations

import uuid

import pytest

from store import groups, membership
from store.binding.condition_reads import decode
from store.binding.condition_service import InvalidCondition, check_condition
from store.contact_sets import Selection
from store.db import schema
from store.db.database import close, connect, database_proxy
from store.db.models import ContactGroup
from store.rows import STATUS_READY, STATUS_REBUILD_REQUIRED

from .helpers import ACTOR, Counts, counting, make_contacts

CONDITION_GROUPS = 20


def _twenty_condition_groups() -> ContactGroup:
    """A static group, and 20 Ready condition groups: every other one reads it."""
    base = groups.create_group("Base")
    for index in range(CONDITION_GROUPS):
        condition = (f'Contact.IsInContactGroup("Base") || Contact.ContactAge > {index}'
                     if index % 2 else f'Contact.ContactCity == "City {index}"')
        groups.create_group(f"Condition {index}", condition=condition)
    ContactGroup.update(status=STATUS_READY).where(ContactGroup.condition.is_null(False)).execute()
    return base


def test_saving_a_condition_parses_it_once(db, monkeypatch):
    _twenty_condition_groups()
    group = groups.get_group("Condition0")
    condition = f'Contact.ContactCity == "Brno {uuid.uuid4()}"'  # new to this process
    with counting(monkeypatch) as counts:
        groups.save_group(group.id, display_name="Condition 0", condition=condition)
    assert counts == Counts(parses=1, custom_field_queries=1)
    assert groups.get_group("Condition0").status == STATUS_REBUILD_REQUIRED

    with counting(monkeypatch) as counts:
        groups.save_group(group.id, display_name="Brno people", condition=condition)
    assert counts == Counts(parses=0, custom_field_queries=0), "the condition did not change"
    assert groups.get_group("Condition0").display_name == "Brno people"


def test_removing_a_contact_from_a_static_group_parses_nothing(db, monkeypatch):
    (contact,) = make_contacts(1)
    base = _twenty_condition_groups()
    membership.add_contacts(base, Selection.of_ids([contact]), actor=ACTOR)
    ContactGroup.update(status=STATUS_READY).where(ContactGroup.condition.is_null(False)).execute()
    with counting(monkeypatch) as counts:
        membership.remove_contacts(base, Selection.of_ids([contact]), actor=ACTOR)
    assert counts == Counts(parses=0, custom_field_queries=0)
    stale = {g.code_name for g in ContactGroup.select().where(
        ContactGroup.status == STATUS_REBUILD_REQUIRED)}
    assert stale == {f"Condition{index}" for index in range(1, CONDITION_GROUPS, 2)}


def test_a_custom_field_added_or_removed_by_anyone_is_seen_by_the_next_check(db):
    condition = 'Contact.Region == "North"'
    with pytest.raises(InvalidCondition, match="Region"):
        check_condition(condition)
    # Plain SQL, as another process or another program would write it.
    database_proxy.execute_sql(
        "INSERT INTO custom_field (name, caption) VALUES ('Region', 'Region')")
    check_condition(condition)
    database_proxy.execute_sql("DELETE FROM custom_field")
    with pytest.raises(InvalidCondition, match="Region"):
        check_condition(condition)


def test_a_version_7_database_gains_what_its_conditions_read(db):
    groups.create_group("Base")
    groups.create_group("Reader", condition='Contact.IsInContactGroup("Base;Other", true)')
    groups.create_group("Active", condition='Contact.DidActivity("pagevisit")')
    broken = groups.create_group("Broken", condition="Contact.ContactAge > 1")
    ContactGroup.update(condition="Contact.NoSuchField == 1").where(
        ContactGroup.id == broken.id).execute()
    for statement in ("ALTER TABLE contact_group DROP COLUMN condition_reads",
                      "UPDATE schema_version SET version = 7"):
        database_proxy.execute_sql(statement)
    close()
    handle = connect(db.url)
    assert schema.stored_version(handle) == schema.LATEST
    reads = {g.code_name: g.condition_reads for g in ContactGroup.select()}
    assert reads["Base"] is None and reads["Broken"] is None
    assert decode(reads["Reader"]).groups == {"base", "other"}
    assert decode(reads["Active"]).activity_types == {"pagevisit"}

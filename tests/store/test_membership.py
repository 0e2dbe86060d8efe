"""Membership rules of SPEC §4 on both engines."""

from __future__ import annotations

import pytest

from store import accounts, audit, contacts, groups, membership, settings
from store.contact_sets import Selection
from store.db.models import Account, Exclusion, GroupSizeSample, Membership
from store.errors import EditionError, NotFound, StoreError

from .helpers import (
    ACTOR,
    audit_trail,
    by_condition,
    events,
    flags,
    fresh,
    make_account,
    make_contacts,
)


@pytest.fixture
def group(db):
    return groups.create_group("Test group")


def test_manual_add_inserts_rows_and_audits_once(group):
    a, b = make_contacts(2)
    assert membership.add_contacts(group, Selection.of_ids([a, b]), actor=ACTOR) == 2
    assert membership.add_contacts(group, Selection.of_ids([a]), actor=ACTOR) == 0
    assert flags(group) == {a: (False, False, True), b: (False, False, True)}
    assert events(group) == [(a, "added", "manual"), (b, "added", "manual")]
    assert fresh(group).member_count == 2


def test_manual_add_sets_flag_on_existing_condition_row(group):
    (a,) = make_contacts(1)
    by_condition(group, [a])
    membership.add_contacts(group, Selection.of_ids([a]), actor=ACTOR)
    assert flags(group) == {a: (True, False, True)}
    assert events(group) == [(a, "added", "condition"), (a, "added", "manual")]
    assert fresh(group).member_count == 1


def test_one_contact_held_by_all_three_sources_is_one_row(group):
    (a,) = make_contacts(1)
    account = make_account("Acme", [a])
    by_condition(group, [a])
    membership.add_contacts(group, Selection.of_ids([a]), actor=ACTOR)
    accounts.add_accounts(group, [account], actor=ACTOR)
    assert flags(group) == {a: (True, True, True)}
    assert fresh(group).member_count == 1


def test_adding_an_account_adds_its_live_contacts_from_account(group):
    a, b, c = make_contacts(3)
    account = make_account("Acme", [a, b])
    contacts.merge_contacts(a, [b], actor=ACTOR)  # b is now a merged child
    assert accounts.add_accounts(group, [account], actor=ACTOR) == 1
    assert flags(group) == {a: (False, True, False)}
    assert (a, "added", "account") in events(group)
    assert c not in flags(group)


def test_removing_an_account_keeps_contacts_another_account_holds(group):
    a, b, c = make_contacts(3)
    first = make_account("First", [a, b])
    second = make_account("Second", [b, c])
    accounts.add_accounts(group, [first, second], actor=ACTOR)
    assert fresh(group).member_count == 3
    accounts.remove_accounts(group, [first], actor=ACTOR)
    assert flags(group) == {b: (False, True, False), c: (False, True, False)}
    assert events(group)[-1] == (a, "removed", "account")
    accounts.remove_accounts(group, [second], actor=ACTOR)
    assert flags(group) == {}
    assert fresh(group).member_count == 0


def test_removing_an_account_keeps_manual_and_condition_members(group):
    a, b = make_contacts(2)
    account = make_account("Acme", [a, b])
    accounts.add_accounts(group, [account], actor=ACTOR)
    membership.add_contacts(group, Selection.of_ids([a]), actor=ACTOR)
    by_condition(group, [b])
    accounts.remove_accounts(group, actor=ACTOR)
    assert flags(group) == {a: (False, False, True), b: (True, False, False)}
    assert fresh(group).member_count == 2


def test_contact_joining_and_leaving_an_account_in_a_group(group):
    a, b = make_contacts(2)
    account_id = make_account("Acme", [a])
    other_id = make_account("Other", [])
    accounts.add_accounts(group, [account_id, other_id], actor=ACTOR)
    account, other = Account.get_by_id(account_id), Account.get_by_id(other_id)
    accounts.link_contact(account, b, actor=ACTOR)
    assert flags(group) == {a: (False, True, False), b: (False, True, False)}
    accounts.link_contact(other, b, actor=ACTOR)
    accounts.unlink_contact(account, b, actor=ACTOR)
    assert b in flags(group), "b is still held by the other account of the group"
    accounts.unlink_contact(other, b, actor=ACTOR)
    assert flags(group) == {a: (False, True, False)}
    assert fresh(group).member_count == 1


def test_remove_deletes_the_row_whatever_its_flags(group):
    (a,) = make_contacts(1)
    account = make_account("Acme", [a])
    accounts.add_accounts(group, [account], actor=ACTOR)
    by_condition(group, [a])
    membership.add_contacts(group, Selection.of_ids([a]), actor=ACTOR)
    assert membership.remove_contacts(group, Selection.of_ids([a]), actor=ACTOR) == 1
    assert flags(group) == {}
    assert events(group)[-1] == (a, "removed", "manual")
    assert fresh(group).member_count == 0


def test_excluded_contacts_stay_out_until_re_included(group):
    a, b = make_contacts(2)
    account = make_account("Acme", [a])
    by_condition(group, [a, b])
    accounts.add_accounts(group, [account], actor=ACTOR)
    membership.remove_contacts(group, Selection.of_ids([a]), exclude=True, actor=ACTOR)
    assert (a, "excluded", "manual") in events(group)
    by_condition(group, [a, b])
    accounts.link_contact(Account.get_by_id(account), a, role="again", actor=ACTOR)
    assert set(flags(group)) == {b}, "neither the condition nor the account brings a back"
    assert membership.include_contacts(group, Selection.of_ids([a]), actor=ACTOR) == 1
    assert flags(group)[a] == (False, True, False), "its account holds it again at once"
    assert Exclusion.select().count() == 0
    assert fresh(group).member_count == 2


def test_manual_add_re_includes_an_excluded_contact(group):
    (a,) = make_contacts(1)
    membership.add_contacts(group, Selection.of_ids([a]), actor=ACTOR)
    membership.remove_contacts(group, Selection.of_ids([a]), exclude=True, actor=ACTOR)
    membership.add_contacts(group, Selection.of_ids([a]), actor=ACTOR)
    assert flags(group) == {a: (False, False, True)}
    assert (a, "included", "manual") in events(group)


def test_remove_all_and_remove_matching_filter_minus_unmarked(group):
    ids = make_contacts(6)
    contacts.update_contact(ids[0], last_name="Smith")
    contacts.update_contact(ids[1], last_name="SMITHSON")
    contacts.update_contact(ids[2], email="smith@example.org")
    membership.add_contacts(group, Selection.matching(), actor=ACTOR)
    assert fresh(group).member_count == 6
    removed = membership.remove_contacts(
        group, Selection.matching("smith", except_ids=[ids[1]]), actor=ACTOR)
    assert removed == 2
    assert set(flags(group)) == set(ids) - {ids[0], ids[2]}
    assert membership.remove_all_contacts(group, actor=ACTOR) == 4
    assert fresh(group).member_count == 0
    removed_events = [e for e in events(group) if e[1] == "removed"]
    assert len(removed_events) == 6


def test_filter_wildcards_are_literal(group):
    a, b, c = make_contacts(3)
    contacts.update_contact(a, last_name="100% sure")
    contacts.update_contact(b, last_name="100 sure")
    contacts.update_contact(c, last_name="a_b")
    membership.add_contacts(group, Selection.matching("100%"), actor=ACTOR)
    membership.add_contacts(group, Selection.matching("_"), actor=ACTOR)
    assert set(flags(group)) == {a, c}


def test_filter_is_case_insensitive_beyond_ascii(group):
    a, _ = make_contacts(2)
    contacts.update_contact(a, last_name="Šťastný")
    membership.add_contacts(group, Selection.matching("ŠŤASTNÝ"), actor=ACTOR)
    assert set(flags(group)) == {a}


def test_merge_ors_flags_and_drops_child_rows(db):
    first, second = groups.create_group("First"), groups.create_group("Second")
    parent, child1, child2 = make_contacts(3)
    membership.add_contacts(first, Selection.of_ids([parent]), actor=ACTOR)
    by_condition(first, [child1])
    account = make_account("Acme", [child2])
    accounts.add_accounts(first, [account], actor=ACTOR)
    membership.add_contacts(second, Selection.of_ids([child1]), actor=ACTOR)
    contacts.merge_contacts(parent, [child1, child2], actor=ACTOR)
    assert flags(first) == {parent: (True, True, True)}
    assert flags(second) == {parent: (False, False, True)}
    assert fresh(first).member_count == 1 and fresh(second).member_count == 1
    assert (child1, "removed", "merge") in events(first)
    assert (parent, "added", "merge") in events(second)
    # The parent inherits the account link, so removing the account clears its flag.
    accounts.remove_accounts(first, actor=ACTOR)
    assert flags(first) == {parent: (True, False, True)}


def test_merged_children_cannot_be_added_and_nothing_changes(group):
    parent, child = make_contacts(2)
    contacts.merge_contacts(parent, [child], actor=ACTOR)
    with pytest.raises(StoreError, match=f"merged into contact {parent}"):
        membership.add_contacts(group, Selection.of_ids([parent, child]), actor=ACTOR)
    assert flags(group) == {}


def test_merge_moves_history_to_the_parent(db):
    from store.clock import utcnow
    from store.db.models import Activity

    parent, child, grandchild = make_contacts(3)
    Activity.create(contact=grandchild, type="pagevisit", at=utcnow())
    contacts.merge_contacts(child, [grandchild], actor=ACTOR)
    contacts.merge_contacts(parent, [child], actor=ACTOR)
    assert Activity.get().contact_id == parent
    from store.db.models import Contact
    assert {c.merged_into_id for c in Contact.select().where(Contact.id != parent)} == {parent}


def test_deleting_a_contact_deletes_its_memberships(group):
    a, b = make_contacts(2)
    membership.add_contacts(group, Selection.of_ids([a, b]), actor=ACTOR)
    contacts.delete_contact(a, actor=ACTOR)
    assert set(flags(group)) == {b}
    assert (a, "removed", "contact deleted") in events(group)
    assert fresh(group).member_count == 1


def test_unknown_contact_ids_are_refused_and_nothing_changes(group):
    (a,) = make_contacts(1)
    with pytest.raises(NotFound, match="no contact with id 999"):
        membership.add_contacts(group, Selection.of_ids([a, 999]), actor=ACTOR)
    assert flags(group) == {}
    assert audit_trail() == []


def test_size_history_follows_the_count(group):
    a, b = make_contacts(2)
    membership.add_contacts(group, Selection.of_ids([a, b]), actor=ACTOR)
    membership.remove_contacts(group, Selection.of_ids([a]), actor=ACTOR)
    samples = [s.members for s in GroupSizeSample.select().where(
        GroupSizeSample.group == group.id).order_by(GroupSizeSample.id)]
    assert samples == [2, 1]


def test_cms_edition_refuses_accounts_and_conditions(group):
    (a,) = make_contacts(1)
    account = make_account("Acme", [a])
    settings.set_edition("cms")
    with pytest.raises(EditionError, match="EMS edition"):
        accounts.add_accounts(group, [account], actor=ACTOR)
    with pytest.raises(EditionError, match="EMS edition"):
        groups.create_group("Dynamic", condition="Contact.ContactAge > 30")
    assert membership.add_contacts(group, Selection.of_ids([a]), actor=ACTOR) == 1
    assert flags(group) == {a: (False, False, True)}
    assert Membership.select().count() == 1
    assert [g.code_name for g in groups.list_groups()] == ["TestGroup"]


def test_audit_records_actor_and_source(group):
    (a,) = make_contacts(1)
    membership.add_contacts(group, Selection.of_ids([a]), actor="alice")
    assert audit_trail() == [(a, "added", audit.SOURCE_MANUAL, "alice")]


@pytest.mark.parametrize(("city", "message"), [("Pra\x00gue", "NUL character"),
                                              ("Pra\udcffgue", "not valid UTF-8")])
def test_a_character_no_database_stores_is_refused_in_a_contact_field(db, city, message):
    (a,) = make_contacts(1)
    with pytest.raises(StoreError, match=message):
        contacts.update_contact(a, city=city, actor=ACTOR)
    assert contacts.get_contact(a).city is None


def test_removing_marks_with_an_unknown_id_is_refused_and_removes_nothing(group):
    """Marks are removed without looking each contact up first; an id of no contact is
    still refused, by name, and the members it came with stay."""
    a, b, outsider = make_contacts(3)
    membership.add_contacts(group, Selection.of_ids([a, b]), actor=ACTOR)
    with pytest.raises(NotFound, match="no contact with id 999"):
        membership.remove_contacts(group, Selection.of_ids([a, 999]), actor=ACTOR)
    assert set(flags(group)) == {a, b} and fresh(group).member_count == 2
    assert membership.remove_contacts(group, Selection.of_ids([a, outsider]), actor=ACTOR) == 1
    assert set(flags(group)) == {b} and fresh(group).member_count == 1
    assert (a, "removed", "manual") in events(group)

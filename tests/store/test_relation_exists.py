"""Issue 12: ``Contact.Accounts.Exists(...)`` and ``Contact.ContactGroups.Exists(...)`` give
Kentico's answer — some one item of the contact satisfies the whole predicate — on both
engines, through the compiled query and the in-memory evaluator alike.

The data separates right from wrong: a contact in two accounts where each account meets only
half of a predicate, names that differ only in case or extend another, a city that is null
and one that is empty, a contact without accounts, memberships with only the manual flag, and
a merged contact linked to the matching account.
"""

from __future__ import annotations

import datetime as dt

import pytest

from conditions import ANY, dependencies
from conditions.vocabulary import RELATIONS
from store.binding.condition_binding import ITEM_COLUMNS
from store.binding.condition_service import (
    check_condition,
    compile_condition,
    count_matching,
    explain_contact,
    report,
)
from store.db.models import Account, ContactGroup, Membership
from tests.store.condition_support import ContactSpec, World, build, memory_ids, reset
from tests.store.test_kentico_fidelity import NOW, SIGNATURE, ago, assert_selects

ACCOUNTS = {  # name: (city, created, contact indexes)
    "Acme": ("Praha", ago(400), [0, 4]),
    "ACME Labs": ("", ago(40), [2]),
    "Beta": (None, ago(3), [0, 1]),
}
NAMES = ("both", "beta", "labs", "none", "merged")


@pytest.fixture
def contacts(db) -> dict[str, int]:
    reset()
    specs = [ContactSpec(fields={"city": "PRAHA"}), ContactSpec(),
             ContactSpec(fields={"city": "Brno"}), ContactSpec(), ContactSpec(merged_into=0)]
    ids = build(World(specs, {name: members for name, (_, _, members) in ACCOUNTS.items()},
                      {"g1": [0, 2, 4], "vip": [1]}))
    for name, (city, created, _) in ACCOUNTS.items():
        Account.update(city=city, created=created).where(Account.name == name).execute()
    ContactGroup.update(display_name="Very Important", description="Top accounts").where(
        ContactGroup.code_name == "vip").execute()
    return dict(zip(NAMES, ids, strict=True))


def test_every_column_the_language_offers_is_bound_to_a_column() -> None:
    for relation in RELATIONS:
        assert set(ITEM_COLUMNS[relation.name]) == {relation.member(c) for c in relation.columns}


@pytest.mark.parametrize(("condition", "names"), [
    ('Contact.Accounts.Exists(AccountName == "Acme")', {"both"}),
    ('Contact.Accounts.Exists(AccountName == "ACME")', {"both"}),
    ('Exists(Contact.Accounts, AccountName == "acme")', {"both"}),
    ('Contact.Accounts.Exists(AccountName.StartsWith("acme"))', {"both", "labs"}),
    ('Contact.Accounts.Exists(AccountName.Contains("ME L") || AccountName == "beta")',
     {"both", "beta", "labs"}),
    # One account must meet the whole predicate: Acme has the name, Beta the null city.
    ('Contact.Accounts.Exists(AccountName == "Acme" && AccountCity == null)', set()),
    ('Contact.Accounts.Exists(AccountName == "Acme") && Contact.Accounts.Exists(AccountCity '
     "== null)", {"both"}),
    ('!Contact.Accounts.Exists(AccountName == "acme")', {"beta", "labs", "none"}),
    ("Contact.Accounts.Exists()", {"both", "beta", "labs"}),
    ("!Contact.Accounts.Exists()", {"none"}),
    # A null and an empty city are both empty; ordering a null is false; NotContains on
    # null holds, as for contact fields.
    ("Contact.Accounts.Exists(AccountCity == null)", {"both", "beta", "labs"}),
    ('Contact.Accounts.Exists(AccountCity != "")', {"both"}),
    ('Contact.Accounts.Exists(AccountCity < "Z")', {"both"}),
    ('Contact.Accounts.Exists(AccountCity.NotContains("a"))', {"both", "beta", "labs"}),
    ("Contact.Accounts.Exists(AccountID == 2)", {"labs"}),
    ("Contact.Accounts.Exists(AccountCreated >= CurrentDateTime.AddDays(-30))",
     {"both", "beta"}),
    # The contact's own members and methods inside the predicate (Kentico resolves them).
    ("Contact.Accounts.Exists(AccountCity == Contact.ContactCity)", {"both", "beta"}),
    ('Contact.Accounts.Exists(AccountName == "Beta" && Contact.IsInContactGroup("g1"))',
     {"both"}),
])
def test_accounts_exists(contacts, condition: str, names: set[str]) -> None:
    assert_selects(condition, contacts, names)


@pytest.mark.parametrize(("condition", "names"), [
    # Memberships added by hand only (no condition flag) count.
    ('Contact.ContactGroups.Exists(ContactGroupName == "G1")', {"both", "labs"}),
    ('Contact.ContactGroups.Exists(ContactGroupDisplayName.Contains("important"))', {"beta"}),
    ('Contact.ContactGroups.Exists(ContactGroupDescription == "top ACCOUNTS")', {"beta"}),
    ("Contact.ContactGroups.Exists(ContactGroupDescription == null)", {"both", "labs"}),
    ('Contact.ContactGroups.Exists(ContactGroupName != "g1")', {"beta"}),
    ('!Contact.ContactGroups.Exists(ContactGroupName == "vip")', {"both", "labs", "none"}),
    ("Contact.ContactGroups.Exists()", {"both", "beta", "labs"}),
    ("Contact.ContactGroups.Exists(ContactGroupID == 2)", {"beta"}),
])
def test_contact_groups_exists(contacts, condition: str, names: set[str]) -> None:
    assert_selects(condition, contacts, names)


@pytest.mark.parametrize(("condition", "names"), [
    ('Contact.Accounts.Exists(AccountName == "ACME")', set()),
    ('Contact.Accounts.Exists(AccountName == "Acme")', {"both"}),
    ('Contact.Accounts.Exists(AccountName.StartsWith("ACME"))', {"labs"}),
    ('Contact.ContactGroups.Exists(ContactGroupName == "G1")', set()),
])
def test_casesensitive_true_applies_inside_exists(contacts, condition: str,
                                                  names: set[str]) -> None:
    assert_selects(f"{{%{condition}|(casesensitive)true{SIGNATURE}%}}", contacts, names)


@pytest.mark.parametrize(("condition", "names"), [
    ('Contact.ContactGroups.Exists(ContactGroupName == "g1")', {"both", "labs"}),
    ('!Contact.Accounts.Exists(AccountName.Contains("acme"))', {"beta", "none"}),
])
def test_exists_as_kentico_stores_it(contacts, condition: str, names: set[str]) -> None:
    assert_selects(f"{{%{condition}{SIGNATURE}%}}", contacts, names)


def test_exists_reads_what_count_reads_and_the_contacts_own_fields(db) -> None:
    groups = dependencies(check_condition(
        'Contact.ContactGroups.Exists(ContactGroupName == "g1" && Contact.ContactCity != "")'))
    assert groups.groups == {ANY} and not groups.accounts and groups.fields == {"ContactCity"}
    accounts = dependencies(check_condition("!Contact.Accounts.Exists()"))
    assert accounts.accounts and not accounts.groups and not accounts.fields


def test_explain_shows_the_value_of_exists(contacts) -> None:
    text = 'Contact.Accounts.Exists(AccountName == "Acme") && Contact.ContactGroups.Exists()'
    explanation = explain_contact(text, contacts["both"], NOW)
    assert explanation.member
    assert 'true             Contact.Accounts.Exists(AccountName == "Acme")' in explanation.tree()
    assert not explain_contact(text, contacts["none"], NOW).member


def test_a_new_account_link_re_evaluates_a_group_testing_account_names(contacts) -> None:
    from store import accounts, groups
    from store.engine.rebuild import rebuild_group

    group = groups.create_group("Acme people",
                                condition='Contact.Accounts.Exists(AccountName == "acme")')
    rebuild_group(group, now=NOW)

    def members() -> set[int]:
        return {m.contact_id for m in Membership.select().where(Membership.group == group.id)}

    assert members() == {contacts["both"]}
    accounts.link_contact(Account.get(Account.name == "Acme"), contacts["none"], actor="tester")
    assert members() == {contacts["both"], contacts["none"]}
    accounts.unlink_contact(Account.get(Account.name == "Acme"), contacts["both"],
                            actor="tester")
    assert members() == {contacts["none"]}


def test_a_group_testing_memberships_needs_a_rebuild_when_a_member_is_added(contacts) -> None:
    from store import groups, membership
    from store.contact_sets import Selection
    from store.engine.rebuild import rebuild_group
    from store.rows import STATUS_REBUILD_REQUIRED

    reader = groups.create_group("In VIP", condition='Contact.ContactGroups.Exists('
                                                     'ContactGroupName == "vip")')
    rebuild_group(reader, now=NOW)
    membership.add_contacts(groups.get_group("vip"), Selection.of_ids([contacts["none"]]),
                            actor="tester")
    assert ContactGroup.get_by_id(reader.id).status == STATUS_REBUILD_REQUIRED


def test_the_time_of_created_is_compared_as_stored(contacts) -> None:
    exact = ACCOUNTS["Beta"][1]
    assert_selects(f'Contact.Accounts.Exists(AccountCreated == ToDateTime("{exact}"))', contacts,
                   {"both", "beta"})
    later = exact + dt.timedelta(microseconds=1)
    assert_selects(f'Contact.Accounts.Exists(AccountCreated >= ToDateTime("{later}"))', contacts,
                   set())


def test_condition_check_counts_exists_with_its_query(contacts) -> None:
    shown = report('Contact.Accounts.Exists(AccountName == "Acme")', count=True, now=NOW)
    assert shown.translatable and shown.count == 1


def test_exists_without_a_query_is_evaluated_contact_by_contact(contacts) -> None:
    # ToInt of a text column has no SQL form: the rebuild's slow path asks each contact.
    checked = check_condition("Contact.Accounts.Exists(ToInt(AccountCity, 5) == 5)")
    assert not compile_condition(checked, NOW).translatable
    want = {contacts[name] for name in ("both", "beta", "labs")}
    assert memory_ids(checked, NOW) == want
    assert count_matching(checked, NOW) == len(want)

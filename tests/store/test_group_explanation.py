"""Explain's verdict is the group's membership as it stands, with the reason that decides it,
not the condition's value alone (issue 13.11)."""

from __future__ import annotations

import pytest

from store import contacts, groups, membership
from store.contact_sets import Selection
from store.errors import NotFound
from store.reads.group_explanation import explain_in_group

from .helpers import ACTOR, by_condition, make_account, make_contacts


@pytest.fixture
def brno(db):
    ids = make_contacts(6, city="Brno")
    group = groups.create_group("Brnoers", condition='Contact.ContactCity == "Brno"')
    by_condition(group, ids[:4])
    return group, ids


def _said(group, contact_id) -> tuple[bool, str]:
    explained = explain_in_group(groups.get_group_by_id(group.id), contact_id)
    return explained.member, explained.render().splitlines()[0]


def test_each_reason_decides_the_verdict(brno):
    group, ids = brno
    membership.remove_contacts(group, Selection.of_ids([ids[0]]), exclude=True, actor=ACTOR)
    membership.add_contacts(group, Selection.of_ids([ids[1]]), actor=ACTOR)
    # A new condition that First2 fails: it stays in until the group is rebuilt.
    groups.update_group(group, condition='Contact.ContactCity == "Brno" '
                                         '&& Contact.ContactFirstName != "First2"')
    make_account("Acme", [ids[3]])
    contacts.merge_contacts(ids[3], [ids[5]])

    member, line = _said(group, ids[0])
    assert not member and line.startswith(f"not a member: excluded by {ACTOR} on ")
    assert _said(group, ids[1]) == (True, "member: in by condition, manual")
    member, line = _said(group, ids[2])
    assert member and line == ("member: in by condition; the condition is no longer true, "
                               "so the next rebuild removes it")
    assert _said(group, ids[4]) == (False, "not a member: the condition is true, but the "
                                           "group has not been rebuilt since (R rebuilds it)")
    assert _said(group, ids[5]) == (False, f"not a member: merged into contact #{ids[3]}, "
                                           "which holds its memberships now")


def test_a_contact_that_does_not_match_and_an_unknown_one(brno):
    group, _ = brno
    [stranger] = make_contacts(1, city="Praha")
    explained = explain_in_group(group, stranger)
    assert not explained.member
    assert explained.render().splitlines()[:2] == [
        "not a member: the condition is not true and nobody added it by hand or through an "
        "account", "The condition is false for this contact:"]
    with pytest.raises(NotFound):
        explain_in_group(group, 999_999)

"""Read models for lists, on both engines."""

from __future__ import annotations

import pytest

from store import accounts, contacts, groups, membership
from store.contact_sets import ContactFilter, Selection
from store.reads import listing
from store.reads.listing import AccountFilter

from .helpers import ACTOR, by_condition, events, flags, fresh, make_account, make_contacts


@pytest.fixture
def group(db):
    return groups.create_group("Listed")


def test_count_members_reads_the_stored_count_afresh(group):
    ids = make_contacts(5)
    membership.add_contacts(group, Selection.of_ids(ids), actor=ACTOR)
    stale = groups.get_group(group.code_name)
    membership.remove_contacts(group, Selection.of_ids(ids[:2]), actor=ACTOR)
    assert listing.count_members(stale) == 3
    assert listing.count_members(stale, ContactFilter("last4")) == 1


def test_members_matching_keeps_members_that_match_the_filter(group):
    ids = make_contacts(12)
    membership.add_contacts(group, Selection.of_ids(ids[:11]), actor=ACTOR)
    # First1 and First10 match "first1"; ids[11] (First11) matches but is no member.
    assert listing.members_matching(group, ids, ContactFilter("first1")) == {ids[1], ids[10]}
    assert listing.members_matching(group, ids[:3], ContactFilter("")) == set(ids[:3])
    assert listing.members_matching(group, [], ContactFilter("first1")) == set()


def test_every_list_reads_filter_words_in_the_same_columns(group):
    """A word the Contacts screen finds (a city, a company) finds the same contacts in a
    group's lists, so all-matching marks mean the same rows everywhere."""
    [brno, acme, other] = [contacts.create_contact(first_name="A", city="Brno").id,
                           contacts.create_contact(first_name="B", company="Acme").id,
                           contacts.create_contact(first_name="C").id]
    membership.add_contacts(group, Selection.of_ids([brno, acme]), actor=ACTOR)
    for text, found in (("brno", brno), ("acme", acme)):
        assert [row.contact_id for row in listing.contact_page(0, 10, text)] == [found]
        assert listing.members_matching(group, [brno, acme], ContactFilter(text)) == {found}
    assert [row.contact_id for row in listing.candidate_page(group, 0, 10)] == [other]
    assert listing.count_candidates(group, ContactFilter("brno")) == 0


def test_member_page_windows_are_slices_of_the_whole_list(group):
    ids = make_contacts(25)
    membership.add_contacts(group, Selection.of_ids(ids[::2]), actor=ACTOR)  # 13 members
    everyone = [row.contact_id for row in listing.iter_members(group)]
    assert everyone == sorted(ids[::2])
    for text in ("", "first1"):
        matching = [row.contact_id
                    for row in listing.iter_members(group, ContactFilter(text))]
        for offset in (0, 1, 5, 12, 13, 40):
            page = listing.member_page(group, offset, 4, ContactFilter(text))
            assert [row.contact_id for row in page] == matching[offset:offset + 4]
    assert listing.member_page(group, 0, 0) == []


def _ids(rows) -> list[int]:
    return [row.contact_id for row in rows]


def test_excluded_contacts_are_listed_filtered_and_paged(group):
    ids = make_contacts(6)
    membership.add_contacts(group, Selection.of_ids(ids), actor=ACTOR)
    membership.remove_contacts(group, Selection.of_ids(ids[1:4]), exclude=True, actor=ACTOR)
    membership.remove_contacts(group, Selection.of_ids(ids[4:5]), actor=ACTOR)  # not excluded
    assert listing.count_excluded(group) == 3
    assert _ids(listing.excluded_page(group, 0, 10)) == ids[1:4]
    assert _ids(listing.excluded_page(group, 1, 1)) == [ids[2]]
    assert listing.count_excluded(group, ContactFilter("last2")) == 1
    assert listing.excluded_matching(group, ids, ContactFilter("")) == set(ids[1:4])
    row = listing.excluded_page(group, 0, 1)[0]
    assert (row.first_name, row.last_name, row.email) == ("First1", "Last1", "c1@example.com")


def test_candidates_are_live_non_members(group):
    ids = make_contacts(6)
    membership.add_contacts(group, Selection.of_ids(ids[:2]), actor=ACTOR)
    contacts.merge_contacts(ids[2], [ids[3]], actor=ACTOR)  # ids[3] is merged away
    expected = [ids[2], ids[4], ids[5]]
    assert listing.count_candidates(group) == 3
    assert _ids(listing.candidate_page(group, 0, 10)) == expected
    assert _ids(listing.candidate_page(group, 2, 10)) == [ids[5]]
    assert listing.count_candidates(group, ContactFilter("last5")) == 1
    assert listing.candidates_matching(group, ids, ContactFilter("")) == set(expected)


def test_adding_non_members_leaves_members_flags_alone(group):
    ids = make_contacts(4)
    by_condition(group, ids[:1])
    membership.add_contacts(group, Selection.of_ids(ids[3:]), actor=ACTOR)
    membership.remove_contacts(group, Selection.of_ids(ids[3:]), exclude=True, actor=ACTOR)
    # "All matching" in the picker: everything except ids[2], unmarked.
    added = membership.add_non_members(group, Selection.matching("", [ids[2]]),
                                       actor=ACTOR)
    assert added == 2
    assert flags(group) == {ids[0]: (True, False, False), ids[1]: (False, False, True),
                            ids[3]: (False, False, True)}
    assert listing.count_excluded(group) == 0  # adding re-includes
    assert sorted(events(group)[-3:]) == [(ids[1], "added", "manual"),
                                          (ids[3], "added", "manual"),
                                          (ids[3], "included", "manual")]
    assert fresh(group).member_count == 3
    assert membership.add_non_members(group, Selection.of_ids(ids[:2]), actor=ACTOR) == 0


def test_group_accounts_and_candidate_accounts(group):
    ids = make_contacts(5)
    acme = make_account("Acme", ids[:3])
    make_account("Beta", ids[3:4])
    gamma = make_account("Gamma", [])
    contacts.merge_contacts(ids[0], [ids[1]], actor=ACTOR)  # Acme keeps 2 live contacts
    accounts.add_accounts(group, [acme], actor=ACTOR)
    rows = listing.account_page(group, 0, 10)
    assert [(r.name, r.contacts) for r in rows] == [("Acme", 2)]
    assert listing.count_accounts(group) == 1
    offered = listing.account_page(group, 0, 10, in_group=False)
    assert [(r.name, r.contacts) for r in offered] == [("Beta", 1), ("Gamma", 0)]
    assert listing.count_accounts(group, AccountFilter("gam"), in_group=False) == 1
    assert listing.accounts_matching(group, [acme, gamma], AccountFilter(""),
                                     in_group=False) == {gamma}
    assert listing.account_page(group, 1, 5, in_group=False)[0].account_id == gamma
    beta = offered[0].account_id
    assert listing.account_ids(group, Selection.matching("", except_ids=[gamma]),
                               in_group=False) == [beta]
    assert listing.account_ids(group, Selection.matching("a"), in_group=True) == [acme]
    assert listing.account_ids(group, Selection.of_ids([gamma, beta]), in_group=False) \
        == sorted([gamma, beta])

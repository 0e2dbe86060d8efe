"""Read models for lists, on both engines."""

from __future__ import annotations

import pytest

from store import groups, listing, membership
from store.contact_sets import ContactFilter, Selection

from .helpers import ACTOR, make_contacts


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

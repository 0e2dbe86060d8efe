"""Read models of the Contacts screen, on both engines."""

from __future__ import annotations

import pytest

from store import contacts, groups, membership
from store.contact_sets import Selection
from store.errors import StoreError
from store.reads import listing

from .helpers import ACTOR, make_contacts


@pytest.fixture
def people(db):
    ids = make_contacts(12)
    contacts.update_contact(ids[3], city="Praha", company="Acme 100%")
    contacts.merge_contacts(ids[0], [ids[1]], actor=ACTOR)
    return ids


def test_pages_are_slices_of_the_live_contacts_in_id_order(people):
    live = [i for i in people if i != people[1]]
    assert listing.count_contacts() == 11
    for offset in (0, 1, 5, 10, 11, 30):
        page = listing.contact_page(offset, 4)
        assert [row.contact_id for row in page] == live[offset:offset + 4]
    assert listing.contact_page(0, 0) == []


def test_merged_children_show_only_when_asked(people):
    assert listing.count_contacts(include_merged=True) == 12
    shown = listing.contact_page(0, 3, include_merged=True)
    assert [(row.contact_id, row.merged_into) for row in shown] == [
        (people[0], None), (people[1], people[0]), (people[2], None)]
    assert listing.contacts_matching(people[:2], "") == {people[0]}
    assert listing.contacts_matching(people[:2], "", include_merged=True) \
        == set(people[:2])


def test_the_filter_searches_the_shown_columns_with_literal_wildcards(people):
    assert [r.contact_id for r in listing.contact_page(0, 10, "praha")] == [people[3]]
    assert listing.count_contacts("PRAHA last3") == 1
    assert listing.count_contacts("100%") == 1
    assert listing.count_contacts("1_0") == 0
    assert listing.count_contacts("first1") == 2  # First10, First11; First1 merged
    assert listing.contacts_matching(people, "first1") == {people[10], people[11]}
    assert listing.contacts_matching([], "first1") == set()


def test_selected_contacts_resolves_marks_and_refuses_too_many(people):
    marked = listing.selected_contacts(Selection.of_ids([people[5], people[4]]), limit=5)
    assert [row.contact_id for row in marked] == [people[4], people[5]]
    assert marked[0].label() == f"First4 Last4 <c4@example.com> (#{people[4]})"
    matching = Selection.matching("first1", [people[10]])
    assert [r.contact_id for r in listing.selected_contacts(matching, limit=5)] \
        == [people[11]]
    with pytest.raises(StoreError, match="more than 3 contacts"):
        listing.selected_contacts(Selection.matching(), limit=3)


def test_contact_groups_and_what_changed(people):
    praguers = groups.create_group("Praguers", condition='Contact.ContactCity == "Prague"')
    friends = groups.create_group("Friends")
    membership.add_contacts(friends, Selection.of_ids([people[2]]), actor=ACTOR)
    before = listing.contact_groups(people[2])
    assert [(g.display_name, g.reasons()) for g in before] == [("Friends", "manual")]
    contacts.update_contact(people[2], city="Prague")
    membership.remove_contacts(friends, Selection.of_ids([people[2]]), actor=ACTOR)
    after = listing.contact_groups(people[2])
    assert [(g.group_id, g.reasons()) for g in after] == [(praguers.id, "condition")]
    change = listing.GroupChange.between(before, after)
    assert change.describe() == "joined: Praguers; left: Friends"
    assert listing.GroupChange.between(after, after).describe() \
        == "its groups did not change"


def test_field_lengths_cover_the_text_fields(db):
    lengths = contacts.field_lengths()
    assert lengths["country_code"] == 2 and lengths["email"] == 254
    assert "score" not in lengths and "birthday" not in lengths

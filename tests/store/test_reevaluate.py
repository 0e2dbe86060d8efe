"""Incremental re-evaluation: one changed contact, only the groups that read the change."""

from __future__ import annotations

import datetime as dt

import pytest

from store import activities, contacts, groups, membership
from store.clock import utcnow
from store.contact_sets import Selection
from store.db.models import GroupSizeSample
from store.engine.rebuild import rebuild_group
from store.engine.reevaluate import Change, reevaluate_contact

from .helpers import ACTOR, events, flags, make_contacts


@pytest.fixture
def setup(db):
    by_city = groups.create_group("Praguers", condition='Contact.ContactCity == "Prague"')
    active = groups.create_group("Active", condition="Contact.DidActivity(null, null, 30)")
    visitors = groups.create_group("Visitors", condition='Contact.VisitedPage("/pricing", 0)')
    formers = groups.create_group("Contact us", condition='Contact.SubmittedForm("ContactUs")')
    derived = groups.create_group("Active praguers",
                                  condition='Contact.IsInContactGroup("Praguers;Active", true)')
    return {g.code_name: g for g in (by_city, active, visitors, formers, derived)}


def test_a_field_change_evaluates_only_groups_reading_that_field(setup):
    (a,) = make_contacts(1)
    result = reevaluate_contact(a, Change.of_columns({"city"}), ACTOR)
    assert result.evaluated == ["Praguers"]
    result = reevaluate_contact(a, Change.of_columns({"job_title"}), ACTOR)
    assert result.evaluated == []


def test_updating_a_contact_moves_it_and_cascades_to_groups_of_groups(setup):
    (a,) = make_contacts(1)
    activities.log_activity(a, "pagevisit", url="/pricing", actor=ACTOR)
    assert set(flags(setup["Active"])) == {a} and set(flags(setup["Visitors"])) == {a}
    assert flags(setup["ActivePraguers"]) == {}
    contacts.update_contact(a, city="Prague", actor=ACTOR)
    assert set(flags(setup["Praguers"])) == {a}
    assert flags(setup["ActivePraguers"]) == {a: (True, False, False)}
    assert events(setup["ActivePraguers"]) == [(a, "added", "condition")]
    contacts.update_contact(a, city="Brno", actor=ACTOR)
    assert flags(setup["Praguers"]) == {} and flags(setup["ActivePraguers"]) == {}
    assert groups.get_group("ActivePraguers").member_count == 0


def test_an_activity_evaluates_groups_reading_that_activity_type(setup):
    (a,) = make_contacts(1)
    result = reevaluate_contact(a, Change(activity_types=frozenset({"userlogin"})), ACTOR)
    assert result.evaluated == ["Active"], "DidActivity(null…) reads every activity type"
    result = reevaluate_contact(a, Change(activity_types=frozenset({"pagevisit"})), ACTOR)
    assert sorted(result.evaluated) == ["Active", "Visitors"]


def test_a_form_submission_puts_the_contact_in_form_groups(setup):
    (a,) = make_contacts(1)
    activities.record_form_submission(a, "ContactUs", {"Email": "a@example.com"}, actor=ACTOR)
    assert set(flags(setup["ContactUs"])) == {a} and set(flags(setup["Active"])) == {a}
    assert set(flags(setup["Visitors"])) == set()


def test_a_new_contact_joins_every_group_it_matches(setup):
    contact = contacts.create_contact(first_name="New", city="Prague", actor=ACTOR)
    assert set(flags(setup["Praguers"])) == {contact.id}
    assert flags(setup["Active"]) == {}


def test_exclusions_hold_against_re_evaluation(setup):
    (a,) = make_contacts(1)
    contacts.update_contact(a, city="Prague", actor=ACTOR)
    membership.remove_contacts(setup["Praguers"], Selection.of_ids([a]), exclude=True,
                               actor=ACTOR)
    contacts.update_contact(a, first_name="Renamed", city="PRAGUE", actor=ACTOR)
    assert flags(setup["Praguers"]) == {}


def test_a_merge_re_evaluates_the_parent_with_the_childs_history(setup):
    parent, child = make_contacts(2)
    activities.log_activity(child, "userlogin", at=utcnow() - dt.timedelta(days=2), actor=ACTOR)
    assert set(flags(setup["Active"])) == {child}
    contacts.merge_contacts(parent, [child], actor=ACTOR)
    assert set(flags(setup["Active"])) == {parent}


def test_re_evaluation_agrees_with_a_full_rebuild(setup):
    ids = make_contacts(5)
    for i, contact_id in enumerate(ids):
        contacts.update_contact(contact_id, city="Prague" if i % 2 else "Brno", actor=ACTOR)
    before = flags(setup["Praguers"])
    result = rebuild_group(groups.get_group("Praguers"), actor=ACTOR)
    assert (result.added, result.removed) == (0, 0)
    assert flags(setup["Praguers"]) == before


def sizes(group) -> list[int]:
    """The group's size history, oldest first."""
    rows = GroupSizeSample.select().where(GroupSizeSample.group == group.id).order_by(
        GroupSizeSample.id)
    return [row.members for row in rows]


def test_a_manual_member_keeps_its_row_as_the_condition_comes_and_goes(setup):
    (a,) = make_contacts(1)
    membership.add_contacts(setup["Praguers"], Selection.of_ids([a]), actor=ACTOR)
    history = sizes(setup["Praguers"])
    contacts.update_contact(a, city="Prague", actor=ACTOR)
    assert flags(setup["Praguers"]) == {a: (True, False, True)}
    contacts.update_contact(a, city="Brno", actor=ACTOR)
    assert flags(setup["Praguers"]) == {a: (False, False, True)}
    assert groups.get_group("Praguers").member_count == 1
    assert sizes(setup["Praguers"]) == history, "the count never moved: no new size sample"
    assert events(setup["Praguers"])[-2:] == [(a, "added", "condition"),
                                              (a, "removed", "condition")]


def test_one_change_moves_every_affected_group_with_its_count_and_history(setup):
    (a,) = make_contacts(1)
    activities.record_form_submission(a, "ContactUs", {}, actor=ACTOR)
    for code in ("ContactUs", "Active"):
        assert groups.get_group(code).member_count == 1 and sizes(setup[code])[-1] == 1
    contacts.merge_contacts(make_contacts(1)[0], [a], actor=ACTOR)  # a is now a child
    for code in ("ContactUs", "Active"):
        assert flags(setup[code]) != {} and a not in flags(setup[code])
        assert groups.get_group(code).member_count == 1

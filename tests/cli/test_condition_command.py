"""``contact-groups condition check`` and the refusal of invalid conditions at save."""

from __future__ import annotations

import datetime as dt

import pytest

from store import groups
from store.clock import utcnow
from store.db.database import close, connect
from store.db.models import Activity, ContactGroup
from tests.store.helpers import make_contacts

from .run import cli

INACTIVE = (
    '{%Rule("!Contact.DidActivity(null, null, ToInt(365))", "<rules><r pos=\\"0\\" par=\\"\\" '
    'op=\\"and\\" n=\\"CMSContactHasDoneAnyActivityInTheLastXDays\\" ><p n=\\"_perfectum\\">'
    '<t>has not</t><v>!</v><r>0</r><d>select operation</d><vt>text</vt><tv>0</tv></p>'
    '<p n=\\"days\\"><t>365</t><v>365</v><r>1</r><d>enter days</d><vt>integer</vt><tv>0</tv>'
    '</p></r></rules>")%}'
)


@pytest.fixture
def people(db):
    active, dormant, merged = make_contacts(3)
    Activity.create(contact=active, type="pagevisit", at=utcnow() - dt.timedelta(days=3))
    Activity.create(contact=dormant, type="pagevisit", at=utcnow() - dt.timedelta(days=400))
    from store.contacts import merge_contacts
    merge_contacts(dormant, [merged], actor="tester")
    close()
    yield db, (active, dormant, merged)
    connect(db.url)


def test_a_designer_condition_prints_its_sentence_and_counts(people):
    db, _ = people
    result = cli(db.url, "condition", "check", INACTIVE, "--count")
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == (
        "Contact has not done any activity in the last 365 day(s)")
    assert "1 contact match" in result.out  # the dormant parent; merged children never match


def test_sql_and_explain(people):
    db, (active, dormant, _) = people
    shown = cli(db.url, "condition", "check", "Contact.DidActivity(null, null, 30)", "--sql",
                "--explain", str(active), "--json").json()
    assert shown["translatable"] is True
    assert shown["sql"].startswith("SELECT c.id FROM contact AS c")
    assert shown["explain"]["member"] is True
    out = cli(db.url, "condition", "check", "Contact.DidActivity(null, null, 30)",
              "--explain", str(dormant)).out
    assert "not a member" in out


def test_an_invalid_condition_exits_2_with_line_column_and_caret(people):
    db, _ = people
    result = cli(db.url, "condition", "check", 'Contact.ContactEmial.EndsWith("x")')
    assert result.code == 2
    first, source, caret = result.err.splitlines()
    assert first == ("contact-groups: invalid condition: line 1, column 9: unknown member "
                     "'ContactEmial' (did you mean ContactEmail?)")
    assert caret.index("^") == source.index("ContactEmial")


def test_members_we_do_not_have_are_unknown_members_not_parse_errors(people):
    db, _ = people
    result = cli(db.url, "condition", "check", "Contact.Orders.Count >= ToInt(2)")
    assert result.code == 2 and "unknown member" in result.err


def test_saving_a_group_with_an_invalid_condition_is_refused_with_the_same_message(people):
    db, _ = people
    condition = "Contact.ContactAge >"
    checked = cli(db.url, "condition", "check", condition)
    created = cli(db.url, "groups", "create", "--name", "Broken", "--condition", condition)
    assert created.code == 2 and created.err == checked.err
    connect(db.url)
    try:
        assert ContactGroup.select().count() == 0
    finally:
        close()


def test_a_valid_condition_is_saved_as_rebuild_required(people):
    db, _ = people
    created = cli(db.url, "groups", "create", "--name", "Inactive contacts", "--condition",
                  INACTIVE, "--json")
    assert created.code == 0
    assert created.json()["status"] == "Rebuild required"
    connect(db.url)
    try:
        assert groups.get_group("InactiveContacts").condition == INACTIVE
    finally:
        close()


CUSTOM_RULE = (
    '{%Rule("Contact.DidActivity(null, null, ToInt(365))", "<rules><r pos=\\"0\\" par=\\"\\" '
    'op=\\"and\\" n=\\"AcmeContactIsEngaged\\" ></r></rules>")|(identity)GlobalAdministrator'
    '|(hash)7d1f0c9e3b2a4f5d6e7c8b9a0f1e2d3c4b5a6978%}'
)


def test_a_custom_kentico_rule_is_checked_as_its_k_sharp_with_a_warning(people):
    db, _ = people
    result = cli(db.url, "condition", "check", CUSTOM_RULE, "--count")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "Contact.DidActivity(null, null, ToInt(365))"
    assert lines[1].startswith("Warning: ") and "Unknown rule 'AcmeContactIsEngaged'" in lines[1]
    assert "1 contact match" in result.out  # the active parent
    created = cli(db.url, "groups", "create", "--name", "Engaged", "--condition", CUSTOM_RULE)
    assert created.code == 0, created.err

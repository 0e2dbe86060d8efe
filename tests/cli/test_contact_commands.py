"""``contacts``, ``activities`` and ``forms`` through a real process, on both engines: each
change reaches exactly the groups that read it, and bad input changes nothing."""

from __future__ import annotations

import pytest

from store import groups
from store.db.database import close, connect
from store.db.models import Activity, Contact, ContactFieldValue, CustomField, Membership

from .run import assert_clean_failure, cli


@pytest.fixture
def url(db):
    """Groups reading a field, an activity, a form and a custom field; closed for the CLI."""
    groups.create_group("Brno", condition='Contact.ContactCity == "Brno" '
                        '&& Contact.ContactZIP.StartsWith("602")')
    groups.create_group("Buyers", condition='Contact.DidActivity("purchase")')
    groups.create_group("Askers", condition='Contact.SubmittedForm("contactus")')
    CustomField.create(name="Region", caption="Region")
    groups.create_group("South", condition='Contact.Region == "South"')
    close()
    yield db.url
    connect(db.url)


def _members(url: str, code: str) -> list[int]:
    return sorted(m["contact_id"] for m in cli(url, "members", "list", code, "--json").json())


def test_add_update_show_delete_move_only_the_affected_groups(url):
    added = cli(url, "contacts", "add", "email=jana@example.com", "first_name=Jana",
                "City=Brno", "ContactZIP=60200", "region=South", "--json")
    assert added.code == 0, added.err
    contact = added.json()["contact"]
    assert added.json()["joined"] == ["Brno", "South"]
    moved = cli(url, "contacts", "update", str(contact), "city=Prague")
    assert moved.code == 0 and moved.out.strip() == (
        f"Contact #{contact} updated; left: Brno.")
    assert _members(url, "Brno") == [] and _members(url, "South") == [contact]
    shown = cli(url, "contacts", "show", str(contact), "--json").json()
    assert (shown["city"], shown["zip"], shown["custom"]) == ("Prague", "60200",
                                                            {"Region": "South"})
    assert [g["code"] for g in shown["groups"]] == ["South"]
    listed = cli(url, "contacts", "list", "--filter", "jana")
    assert "jana@example.com" in listed.out and "1 of 1 contact" in listed.out
    assert cli(url, "contacts", "delete", str(contact)).code == 0
    assert _members(url, "South") == []
    assert groups_count(url, "South") == 0


def groups_count(url: str, code: str) -> int:
    return cli(url, "groups", "show", code, "--json").json()["members"]


def test_activities_and_forms_reach_the_groups_that_read_them(url):
    contact = cli(url, "contacts", "add", "email=a@example.com", "--json").json()["contact"]
    bought = cli(url, "activities", "log", str(contact), "purchase", "--value", "25",
                 "--at", "2026-01-01T10:00:00+01:00")
    assert bought.code == 0 and "joined: Buyers" in bought.out
    asked = cli(url, "forms", "submit", str(contact), "contactus", "message=Hello", "--json")
    assert asked.json()["joined"] == ["Askers"]
    assert _members(url, "Buyers") == _members(url, "Askers") == [contact]
    connect(url)
    try:
        times = sorted(str(a.at) for a in Activity.select().where(Activity.type == "purchase"))
        assert times == ["2026-01-01 09:00:00"]  # stored in UTC
    finally:
        close()


def test_merge_moves_the_children_s_activities_to_the_parent(url):
    parent = cli(url, "contacts", "add", "email=p@example.com", "--json").json()["contact"]
    child = cli(url, "contacts", "add", "email=c@example.com", "--json").json()["contact"]
    assert cli(url, "activities", "log", str(child), "purchase").code == 0
    merged = cli(url, "contacts", "merge", str(parent), str(child), "--json")
    assert merged.code == 0 and merged.json()["joined"] == ["Buyers"]
    assert _members(url, "Buyers") == [parent]


@pytest.mark.parametrize("args, message", [
    (["contacts", "add", "email=not-an-address"], "bad email 'not-an-address'"),
    (["contacts", "add", "birthday=1990-13-01"], "bad date '1990-13-01'"),
    (["contacts", "add", "shoe_size=44"], "unknown contact field 'shoe_size'"),
    (["contacts", "add", "first_name"], "'first_name' is not FIELD=VALUE"),
    (["contacts", "add", "ContactID=7"], "the id of a contact is kept by the store"),
    (["contacts", "add", "country_id=326"], "no country with id 326"),
    (["contacts", "update", "999", "city=Brno"], "no contact with id 999"),
    (["contacts", "delete", "999"], "no contact with id 999"),
    (["activities", "log", "999", "purchase"], "no contact with id 999"),
    (["activities", "log", "1", "nosuchtype"], "unknown activity type 'nosuchtype'"),
    (["activities", "log", "1", "purchase", "--at", "yesterday"], "bad date 'yesterday'"),
    (["forms", "submit", "1", "contactus", "message"], "'message' is not FIELD=VALUE"),
])
def test_bad_input_is_one_line_and_changes_nothing(url, args, message):
    assert cli(url, "contacts", "add", "email=kept@example.com").code == 0
    assert_clean_failure(cli(url, *args), message)
    connect(url)
    try:
        assert [c.email for c in Contact.select()] == ["kept@example.com"]
        assert Activity.select().count() == ContactFieldValue.select().count() == 0
        assert Membership.select().count() == 0
    finally:
        close()

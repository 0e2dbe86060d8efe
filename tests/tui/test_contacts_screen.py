"""The Contacts screen on a real store: edit (groups follow), refusal, merge, explain."""

from __future__ import annotations

import pytest
from textual.widgets import Input, OptionList, Static

from store import contacts, groups, membership
from store.contact_sets import Selection
from store.db.models import Contact, Membership
from store.reads import listing
from tests.store.helpers import ACTOR, make_contacts
from tui.app import ContactGroupsApp
from tui.contact_edit import ContactEditModal, ExplainModal, GroupPickerModal
from tui.modals import ConfirmModal
from tui.screens.contacts import ContactsScreen
from tui.screens.groups import GroupsScreen
from tui.widgets.virtual_table import VirtualTable

from .harness import SIZE, until, wait_for_screen


@pytest.fixture
def town(db):
    ids = make_contacts(6)
    groups.create_group("Praguers", condition='Contact.ContactCity == "Prague"')
    groups.create_group("Brnoers", condition='Contact.ContactCity == "Brno"')
    groups.create_group("Friends")
    contacts.update_contact(ids[1], city="Brno")  # joins Brnoers at once
    return ids


async def _contacts_screen(app: ContactGroupsApp, pilot) -> ContactsScreen:
    await wait_for_screen(app, pilot, GroupsScreen)
    app.push_screen(ContactsScreen())
    screen = await wait_for_screen(app, pilot, ContactsScreen)
    await until(pilot, lambda: screen.table.cursor_row is not None, "the first rows")
    return screen


def _text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def _open_editor(app, pilot, row: int) -> ContactEditModal:
    table = app.screen.query_one(VirtualTable)
    for _ in range(row):
        await pilot.press("down")
    assert table.cursor_index == row
    await pilot.press("enter")
    modal = await wait_for_screen(app, pilot, ContactEditModal)
    await until(pilot, lambda: not modal.query_one("#city", Input).disabled, "the contact")
    return modal


async def _saved(modal: ContactEditModal, pilot) -> str:
    """Press ctrl+s and return what the modal says about the save."""
    await pilot.press("ctrl+s")
    await until(pilot, lambda: _text(modal, "#contact-error") != "Saving…", "the save")
    return _text(modal, "#contact-error")


async def test_bad_values_are_refused_then_a_save_shows_the_groups_joined_and_left(town):
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        await _contacts_screen(app, pilot)
        modal = await _open_editor(app, pilot, 1)
        assert _text(modal, "#contact-groups") == "Groups: Brnoers (condition)"
        city = modal.query_one("#city", Input)
        assert city.value == "Brno"
        city.value = "Prague"
        modal.query_one("#birthday", Input).value = "1990-13-45"
        assert await _saved(modal, pilot) == \
            "Not saved: birthday '1990-13-45' is not a date (YYYY-MM-DD)"
        assert contacts.get_contact(town[1]).city == "Brno"  # nothing saved
        modal.query_one("#birthday", Input).value = "1990-12-24"
        modal.query_one("#score", Input).value = "lots"
        assert await _saved(modal, pilot) == "Not saved: score 'lots' is not a whole number"
        assert groups.get_group("Praguers").member_count == 0
        modal.query_one("#score", Input).value = "7"
        city.focus()
        await pilot.press("enter")  # enter in any field saves
        await until(pilot, lambda: _text(modal, "#contact-error").startswith("Saved"), "save")
        assert _text(modal, "#contact-error") == "Saved: joined: Praguers; left: Brnoers."
        assert _text(modal, "#contact-groups") == (
            "Groups before: Brnoers (condition)\nGroups after:  Praguers (condition)")
        await pilot.press("escape")
        await wait_for_screen(app, pilot, ContactsScreen)
    contact = contacts.get_contact(town[1])
    assert (contact.city, contact.birthday.isoformat(), contact.score) == \
        ("Prague", "1990-12-24", 7)
    praguers = groups.get_group("Praguers")
    row = Membership.get(Membership.group == praguers.id, Membership.contact == town[1])
    assert row.from_condition and not row.manual and praguers.member_count == 1
    assert groups.get_group("Brnoers").member_count == 0


async def test_merging_marked_contacts_into_the_highlighted_one(town):
    friends = groups.get_group("Friends")
    membership.add_contacts(friends, Selection.of_ids([town[2]]), actor=ACTOR)
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _contacts_screen(app, pilot)
        await pilot.press("down", "space", "space", "up", "up", "up")  # mark rows 1 and 2
        assert screen.table.cursor_index == 0 and screen.table.marked_count == 2
        await pilot.press("m")
        confirm = await wait_for_screen(app, pilot, ConfirmModal)
        assert "Merge 2 contacts into First0 Last0 <c0@example.com>" in confirm.question
        assert f"First1 Last1 <c1@example.com> (#{town[1]})" in confirm.question
        assert f"First2 Last2 <c2@example.com> (#{town[2]})" in confirm.question
        await pilot.press("y")
        await until(pilot, lambda: screen.table.total == 4, "the merged list")
        assert screen.table.marked_count == 0
        await pilot.press("M")  # merged children show again, pointing at their parent
        await until(pilot, lambda: screen.table.total == 6, "merged contacts shown")
        await until(pilot, lambda: screen.table.row_at(1) is not None, "rows")
        assert screen.table.row_at(1).merged_into == town[0]
    children = Contact.select().where(Contact.id.in_(town[1:3]))
    assert {child.merged_into_id for child in children} == {town[0]}
    # The manual row moved; the condition row did not, as the parent (no city) was
    # re-evaluated against every condition group.
    assert [(g.display_name, g.reasons()) for g in listing.contact_groups(town[0])] \
        == [("Friends", "manual")]
    assert listing.contact_groups(town[2]) == []
    assert groups.get_group("Brnoers").member_count == 0


async def _explain(app, pilot, verdict: str) -> list[str]:
    """Press x, choose Brnoers, check the verdict, return the explanation's lines (the
    membership with its reason, the condition's value, its tree), close."""
    await pilot.press("x")
    picker = await wait_for_screen(app, pilot, GroupPickerModal)
    options = picker.query_one(OptionList)
    assert options.option_count == 2  # the condition-based groups only
    options.highlighted = 0  # Brnoers, by display name
    await pilot.press("enter")
    explained = await wait_for_screen(app, pilot, ExplainModal)
    assert explained.title_text.endswith(f"— {verdict} of 'Brnoers'")
    lines = explained.explanation.splitlines()
    assert lines[0].startswith(f"{verdict}: ")
    assert lines[1].startswith("The condition is ")
    await pilot.press("escape")
    await wait_for_screen(app, pilot, ContactsScreen)
    return lines


async def test_filter_as_you_type_and_explain_member_or_not(town):
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _contacts_screen(app, pilot)
        assert screen.table.total == 6
        await pilot.press("slash", *"BRNO", "enter")  # searched in SQL, any case
        await until(pilot, lambda: screen.table.total == 1 and screen.table.cursor_row,
                    "the filtered list")
        assert screen.table.cursor_row.contact_id == town[1]
        lines = await _explain(app, pilot, "member")
        assert lines[:2] == ["member: in by condition", "The condition is true for this contact:"]
        assert lines[2].split() == ["true", "Contact.ContactCity", "==", '"Brno"']
        assert lines[3].split() == ['"Brno"', "Contact.ContactCity"]
        await pilot.press("escape")  # clears the filter
        await until(pilot, lambda: screen.table.total == 6 and screen.table.cursor_row,
                    "the whole list")
        assert screen.table.cursor_row.contact_id == town[0]
        lines = await _explain(app, pilot, "not a member")
        assert lines[3].split() == ["null", "Contact.ContactCity"]


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_explain_states_the_final_membership_and_its_reason(town, size):
    """The condition alone does not decide: an excluded contact matches but is out, a
    contact added by hand is in without matching, a merged one is out for good."""
    brnoers = groups.get_group("Brnoers")
    membership.remove_contacts(brnoers, Selection.of_ids([town[1]]), exclude=True,
                               actor="tester")
    membership.add_contacts(brnoers, Selection.of_ids([town[2]]), actor="tester")
    contacts.merge_contacts(town[4], [town[5]])
    app = ContactGroupsApp()
    async with app.run_test(size=size) as pilot:
        screen = await _contacts_screen(app, pilot)
        await pilot.press("down")
        lines = await _explain(app, pilot, "not a member")
        assert lines[0].startswith("not a member: excluded by tester on ")
        assert "re-included" in lines[0]
        assert lines[1] == "The condition is true for this contact:"
        await pilot.press("down")
        lines = await _explain(app, pilot, "member")
        assert lines[:2] == ["member: in by manual", "The condition is false for this contact:"]
        await pilot.press("M")  # merged contacts shown too
        await until(pilot, lambda: screen.table.total == 6, "the merged contact")
        await pilot.press("end")
        await until(pilot, lambda: screen.table.cursor_row.contact_id == town[5], "the last")
        await pilot.press("x")
        picker = await wait_for_screen(app, pilot, GroupPickerModal)
        picker.query_one(OptionList).highlighted = 0
        await pilot.press("enter")
        explained = await wait_for_screen(app, pilot, ExplainModal)
        assert explained.title_text.endswith("— not a member of 'Brnoers'")
        assert explained.explanation == (f"not a member: merged into contact #{town[4]}, "
                                         "which holds its memberships now")

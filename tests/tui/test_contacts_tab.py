"""The group editor's Contacts tab over a real store (SQLite and PostgreSQL), at 80x24.

Each flow is driven by keys (or the bulk bar) and checked in the database afterwards:
membership rows and their flags, exclusions, and the audit trail's sources.
"""

from __future__ import annotations

import pytest
from textual.widgets import OptionList, Select

from store import contacts, groups, membership
from store.contact_sets import Selection
from store.db.models import Exclusion
from store.reads import listing
from tests.store.helpers import ACTOR, by_condition, events, flags, fresh, make_contacts
from tests.tui.editor_harness import RecordingApp, open_tab, type_into, wait_for_rows
from tests.tui.harness import SIZE, until, wait_for_screen, wait_for_workers
from tui.commands import screen_actions
from tui.contact_edit import ContactEditModal
from tui.modals import ChoiceModal, ConfirmModal, TypedConfirmModal
from tui.screens.editor import GroupEditorScreen
from tui.widgets.picker import PickerModal

IN_PRAGUE = 'Contact.ContactCity == "Prague"'


@pytest.fixture
def static_group(db):
    group = groups.create_group("Newsletter")
    ids = make_contacts(5)
    membership.add_contacts(group, Selection.of_ids(ids), actor=ACTOR)
    return fresh(group), ids


@pytest.fixture
def condition_group(db):
    group = groups.create_group("Praguers", condition=IN_PRAGUE)
    ids = make_contacts(3, city="Prague")
    by_condition(group, ids)
    return fresh(group), ids


def _excluded(group) -> set[int]:
    return {row.contact_id for row in Exclusion.select().where(Exclusion.group == group.id)}


async def test_remove_marked_contacts_of_a_static_group(static_group):
    group, ids = static_group
    app = RecordingApp()
    async with app.run_test(size=SIZE) as pilot:
        tab = await open_tab(app, pilot, group.id, "contacts")
        assert tab.members.total == 5 and app.focused is tab.members
        await pilot.press("enter")  # the contact dialog opens on the highlighted member
        await wait_for_screen(app, pilot, ContactEditModal)
        assert app.screen.contact_id == ids[0]
        await pilot.press("escape")
        await until(pilot, lambda: app.focused is tab.members)
        await pilot.press("space", "space")  # the first two, cursor on the third
        assert "2 marked" in tab.status_text()
        await pilot.press("d")
        await wait_for_screen(app, pilot, ConfirmModal)
        await pilot.press("y")
        await wait_for_workers(app, pilot)
        await until(pilot, lambda: tab.members.total == 3)
        assert tab.members.marks.is_empty and tab.members.cursor_index == 2
        assert "Removed 2 contacts." in app.notes
        # Nothing marked: d acts on the highlighted row; n answers no.
        await wait_for_rows(pilot, tab.members)
        await pilot.press("d")
        await wait_for_screen(app, pilot, ConfirmModal)
        await pilot.press("n")
        await wait_for_workers(app, pilot)
    assert set(flags(group)) == set(ids[2:])
    assert events(group)[-2:] == [(ids[0], "removed", "manual"), (ids[1], "removed", "manual")]
    assert fresh(group).member_count == 3 and not _excluded(group)


async def test_remove_all_needs_the_code_name_typed(static_group):
    group, _ids = static_group
    app = RecordingApp()
    async with app.run_test(size=SIZE) as pilot:
        tab = await open_tab(app, pilot, group.id, "contacts")
        titles = {action.title for action in screen_actions(app.screen)}  # help and palette
        assert {"Filter", "Add", "Remove", "Remove all", "Excluded", "Mark", "Mark all",
                "Invert", "Unmark"} <= titles and "Re-include" not in titles
        await pilot.press("slash", "3")  # First3 / Last3 / c3@example.com
        assert app.focused is tab.filter_box
        await until(pilot, lambda: tab.members.applied_filter == "3")
        await wait_for_workers(app, pilot)
        await until(pilot, lambda: tab.members.total == 1)
        assert tab.status_text() == "1 of 5 members match · filter '3'"
        await pilot.press("escape")
        assert app.focused is tab.members and tab.filter_box.value == ""
        await until(pilot, lambda: tab.members.applied_filter == "")
        await wait_for_workers(app, pilot)
        await until(pilot, lambda: tab.members.total == 5)
        await pilot.press("D")
        modal = await wait_for_screen(app, pilot, TypedConfirmModal)
        await type_into(pilot, modal.query_one("#typed"), "newsletter")  # wrong case
        assert app.screen is modal and len(flags(group)) == 5
        await type_into(pilot, modal.query_one("#typed"), group.code_name)
        await wait_for_workers(app, pilot)
        await until(pilot, lambda: tab.members.total == 0)
        assert "Removed 5 contacts." in app.notes
    assert flags(group) == {} and fresh(group).member_count == 0
    assert {action for _, action, _ in events(group)[-5:]} == {"removed"}


async def test_bulk_bar_removes_selected_or_all_like_the_keys(static_group):
    group, ids = static_group
    app = RecordingApp()
    async with app.run_test(size=SIZE) as pilot:
        tab = await open_tab(app, pilot, group.id, "contacts")
        scope = tab.query_one("#bulk-scope", Select)
        offered = tab.query_one("#bulk-action", Select).query_one(OptionList)
        assert [str(option.prompt) for option in offered.options] \
            == ["Remove"]  # a static group has nothing to exclude from
        await pilot.click("#bulk-ok")  # Selected contacts with nothing marked
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmModal)
        assert any("No contacts are marked" in text for text in app.notes)
        tab.members.focus()
        await pilot.press("j", "space")
        await pilot.click("#bulk-ok")
        await wait_for_screen(app, pilot, ConfirmModal)
        await pilot.press("y")
        await wait_for_workers(app, pilot)
        await until(pilot, lambda: tab.members.total == 4)
        assert set(flags(group)) == set(ids) - {ids[1]}
        scope.value = "all"
        await pilot.click("#bulk-ok")
        modal = await wait_for_screen(app, pilot, TypedConfirmModal)
        await type_into(pilot, modal.query_one("#typed"), group.code_name)
        await wait_for_workers(app, pilot)
        await until(pilot, lambda: tab.members.total == 0)
    assert flags(group) == {} and fresh(group).member_count == 0


async def test_remove_or_remove_and_exclude_then_re_include(condition_group):
    group, ids = condition_group
    ids += make_contacts(1, city="Prague")
    by_condition(group, ids[3:])
    app = RecordingApp()
    async with app.run_test(size=SIZE) as pilot:
        tab = await open_tab(app, pilot, group.id, "contacts")
        await pilot.press("d")  # nothing marked: the highlighted ids[0]
        choice = await wait_for_screen(app, pilot, ChoiceModal)
        assert "next rebuild" in choice.question
        await pilot.press("r")  # plain Remove: nobody is excluded
        await wait_for_workers(app, pilot)
        await until(pilot, lambda: tab.members.total == 3)
        assert "Removed 1 contact." in app.notes
        assert ids[0] not in flags(group) and not _excluded(group)
        await wait_for_rows(pilot, tab.members)
        await pilot.press("j", "space", "space")  # ids[2] and ids[3]
        await pilot.press("d")
        await wait_for_screen(app, pilot, ChoiceModal)
        await pilot.press("e")
        await wait_for_workers(app, pilot)
        await until(pilot, lambda: tab.members.total == 1)
        assert "Removed 2 contacts and excluded them." in app.notes
        assert _excluded(group) == {ids[2], ids[3]}
        await pilot.press("x")
        await wait_for_workers(app, pilot)
        await until(pilot, lambda: tab.excluded.total == 2)
        assert tab.showing_excluded and app.focused is tab.excluded
        assert tab.status_text().startswith("2 excluded contacts")
        await wait_for_rows(pilot, tab.excluded)
        await pilot.press("i")  # the highlighted one: ids[2]
        await wait_for_workers(app, pilot)
        await until(pilot, lambda: tab.excluded.total == 1)
        assert _excluded(group) == {ids[3]}
        await pilot.press("escape")  # back to the members
        assert not tab.showing_excluded and app.focused is tab.members
        await pilot.press("escape")  # nothing left to clear: the editor goes back
        await until(pilot, lambda: not isinstance(app.screen, GroupEditorScreen))
    assert set(flags(group)) == {ids[1]}  # re-included contacts return at the rebuild
    trail = events(group)
    assert (ids[0], "removed", "manual") in trail and (ids[0], "excluded", "manual") not in trail
    assert (ids[2], "excluded", "manual") in trail and (ids[2], "included", "manual") in trail
    assert (ids[3], "removed", "manual") in trail and (ids[3], "included", "manual") not in trail


async def test_add_contacts_offers_only_live_non_members(static_group):
    group, ids = static_group
    extra = make_contacts(4, company="Extra")  # named First0..3 like the members
    contacts.merge_contacts(extra[0], [extra[1]], actor=ACTOR)  # extra[1] is merged away
    app = RecordingApp()
    async with app.run_test(size=SIZE) as pilot:
        tab = await open_tab(app, pilot, group.id, "contacts")
        await pilot.press("plus")
        picker = await wait_for_screen(app, pilot, PickerModal)
        await wait_for_workers(app, pilot)
        await until(pilot, lambda: picker.table.total == 3)
        assert {picker.table.row_at(i).contact_id for i in range(3)} == \
            {extra[0], extra[2], extra[3]}
        picker.query_one("#picker-search").value = "first3"  # the search runs in SQL
        await until(pilot, lambda: picker.table.applied_filter == "first3")
        await wait_for_workers(app, pilot)
        await until(pilot, lambda: picker.table.total == 1)
        await pilot.press("down", "enter")  # nothing marked: the highlighted row
        await wait_for_workers(app, pilot)
        await until(pilot, lambda: tab.members.total == 6)
        assert "Added 1 contact." in app.notes
        # All matching: the remaining candidates, never the members matching too.
        await pilot.press("plus")
        picker = await wait_for_screen(app, pilot, PickerModal)
        await wait_for_workers(app, pilot)
        await until(pilot, lambda: picker.table.total == 2)
        await pilot.press("down", "a", "enter")
        await wait_for_workers(app, pilot)
        await until(pilot, lambda: tab.members.total == 8)
        await pilot.press("plus")
        picker = await wait_for_screen(app, pilot, PickerModal)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, PickerModal))
    assert set(flags(group)) == set(ids) | {extra[0], extra[2], extra[3]}
    assert all(flag == (False, False, True) for flag in flags(group).values())
    assert sorted(event for event in events(group) if event[0] in extra) == \
        sorted((contact, "added", "manual") for contact in (extra[0], extra[2], extra[3]))
    assert listing.count_candidates(group) == 0

"""The group editor's Accounts tab over a real store (SQLite and PostgreSQL), at 80x24:
adding accounts through the picker, removing them, and the CMS edition's refusal."""

from __future__ import annotations

import pytest
from textual.widgets import TabbedContent

from store import accounts, groups, settings
from store.db.models import AuditBatch, GroupAccount
from tests.store.helpers import ACTOR, events, flags, fresh, make_account, make_contacts
from tests.tui.editor_harness import RecordingApp, open_tab, type_into
from tests.tui.harness import SIZE, until, wait_for_screen, wait_for_workers
from tui.modals import ConfirmModal, TypedConfirmModal
from tui.widgets.picker import PickerModal


@pytest.fixture
def setup(db):
    """A static group with one manual member, and two accounts not in it yet."""
    group = groups.create_group("Partners")
    ids = make_contacts(4)
    acme = make_account("Acme", ids[:2])
    beta = make_account("Beta", ids[2:3])
    return group, ids, acme, beta


def _accounts_of(group) -> set[int]:
    return {row.account_id for row in GroupAccount.select().where(GroupAccount.group == group.id)}


def _account_events(group) -> list[tuple[int, str]]:
    rows = AuditBatch.select().where((AuditBatch.group_id == group.id)
                                     & AuditBatch.account_id.is_null(False))
    return [(row.account_id, row.action) for row in rows.order_by(AuditBatch.id)]


async def test_add_an_account_and_see_its_contacts_from_account(setup):
    group, ids, acme, _beta = setup
    app = RecordingApp()
    async with app.run_test(size=SIZE) as pilot:
        tab = await open_tab(app, pilot, group.id, "accounts")
        assert tab.table.total == 0
        await pilot.press("plus")
        picker = await wait_for_screen(app, pilot, PickerModal)
        await wait_for_workers(app, pilot)
        await until(pilot, lambda: picker.table.total == 2)
        await type_into(pilot, picker.query_one("#picker-search"), "acm")  # enter: to the list
        await until(pilot, lambda: picker.table.applied_filter == "acm")
        await wait_for_workers(app, pilot)
        await until(pilot, lambda: picker.table.total == 1)
        assert app.focused is picker.table
        await pilot.press("space", "enter")
        await wait_for_workers(app, pilot)
        await until(pilot, lambda: tab.table.total == 1)
        assert "Added 1 account (with their contacts)." in app.notes
        row = tab.table.row_at(0)
        assert (row.name, row.contacts) == ("Acme", 2)
        # The Contacts tab follows on its next reload (the editor re-reads the group).
        contacts_tab = app.screen.query_one("#contacts-tab")
        app.screen.query_one(TabbedContent).active = "contacts"
        await until(pilot, lambda: contacts_tab.members.total == 2)
        await wait_for_workers(app, pilot)
        assert all(contacts_tab.members.row_at(i).from_account for i in range(2))
    assert _accounts_of(group) == {acme}
    assert flags(group) == {ids[0]: (False, True, False), ids[1]: (False, True, False)}
    assert sorted(events(group)) == [(ids[0], "added", "account"), (ids[1], "added", "account")]
    assert _account_events(group) == [(acme, "added")]
    assert fresh(group).member_count == 2


async def test_remove_one_account_then_all_of_them(setup):
    group, ids, acme, beta = setup
    accounts.add_accounts(group, [acme, beta], actor=ACTOR)
    app = RecordingApp()
    async with app.run_test(size=SIZE) as pilot:
        tab = await open_tab(app, pilot, group.id, "accounts")
        assert tab.table.total == 2 and tab.table.row_at(0).name == "Acme"
        await pilot.press("d")  # the highlighted Acme
        modal = await wait_for_screen(app, pilot, ConfirmModal)
        assert "'Acme'" in modal.question
        await pilot.press("y")
        await wait_for_workers(app, pilot)
        await until(pilot, lambda: tab.table.total == 1)
        assert "Removed 1 account." in app.notes
        assert _accounts_of(group) == {beta} and set(flags(group)) == {ids[2]}
        await pilot.press("D")
        modal = await wait_for_screen(app, pilot, TypedConfirmModal)
        await type_into(pilot, modal.query_one("#typed"), "wrong")
        assert app.screen is modal and _accounts_of(group) == {beta}
        await type_into(pilot, modal.query_one("#typed"), group.code_name)
        await wait_for_workers(app, pilot)
        await until(pilot, lambda: tab.table.total == 0)
    assert _accounts_of(group) == set() and flags(group) == {}
    assert [action for _, action in _account_events(group)] == \
        ["added", "added", "removed", "removed"]
    assert (ids[0], "removed", "account") in events(group)
    assert fresh(group).member_count == 0


async def test_cms_edition_refuses_accounts_and_changes_nothing(setup):
    group, _ids, _acme, _beta = setup
    settings.set_edition("cms")
    app = RecordingApp()
    async with app.run_test(size=SIZE) as pilot:
        await open_tab(app, pilot, group.id, "accounts")
        await pilot.press("plus")  # refused before the picker opens
        await wait_for_workers(app, pilot)
        await until(pilot, lambda: any("EMS edition" in text for text in app.notes))
        assert not isinstance(app.screen, PickerModal)
        # The edition changes while the picker is open: the add is refused all the same.
        settings.set_edition("ems")
        await pilot.press("plus")
        picker = await wait_for_screen(app, pilot, PickerModal)
        await wait_for_workers(app, pilot)
        await until(pilot, lambda: picker.table.total == 2)
        settings.set_edition("cms")
        await pilot.press("down", "enter")
        await wait_for_workers(app, pilot)
        await until(pilot, lambda: sum("EMS edition" in text for text in app.notes) == 2)
    assert _accounts_of(group) == set() and flags(group) == {}
    assert _account_events(group) == []

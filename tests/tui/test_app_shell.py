"""The application shell: the groups list, the editor, rebuilds with progress and cancel,
help and palette, confirmations."""

from __future__ import annotations

import pytest
from textual.command import CommandList, CommandPalette
from textual.widgets import DataTable, Static

from store import contacts, groups
from store.db.models import ContactGroup
from tests.store.helpers import make_contacts
from tui.app import ContactGroupsApp
from tui.commands import screen_actions
from tui.modals import ConfirmModal, HelpModal, TypedConfirmModal
from tui.screens.editor import GroupEditorScreen
from tui.screens.groups import GroupsScreen
from tui.widgets.rebuild_bar import RebuildBar

from .harness import SIZE, record_notifications, until, wait_for_screen, wait_for_workers


@pytest.fixture
def town(db):
    ids = make_contacts(30)
    for contact_id in ids[:12]:
        contacts.update_contact(contact_id, city="Prague")
    groups.create_group("Praguers", condition='Contact.ContactCity == "Prague"')
    groups.create_group("Static friends")
    return ids


def _rows(app: ContactGroupsApp) -> list[list[str]]:
    table = app.screen.query_one("#groups", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_the_list_shows_every_group_with_its_figures(town):
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        rows = _rows(app)
        assert [row[0] for row in rows] == ["Praguers", "Static friends"]
        assert rows[0][1:4] == ["Rebuild required", "0", "Yes"]
        assert rows[1][1:5] == ["Ready", "0", "No", "StaticFriends"]


async def test_rebuild_from_the_list_reports_and_updates(town):
    app = ContactGroupsApp()
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        await pilot.press("R")
        await wait_for_workers(app, pilot)
        assert _rows(app)[0][1:3] == ["Ready", "12"]
        assert groups.get_group("Praguers").member_count == 12
        assert any("Rebuilt 'Praguers'" in n.title for n in notes)


async def test_a_cancelled_rebuild_changes_nothing(town, monkeypatch):
    from store.engine import rebuild

    app = ContactGroupsApp()
    notes = record_notifications(app)
    original = rebuild.rebuild_group

    def slow_start(group, **options):
        progress = options["progress"]

        def cancel_on_first_step(fraction):
            progress(fraction)
            app.rebuilds.cancel(group.id)

        return original(group, **{**options, "progress": cancel_on_first_step})

    monkeypatch.setattr("store.engine.rebuild.rebuild_group", slow_start)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        await pilot.press("R")
        await wait_for_workers(app, pilot)
        assert groups.get_group("Praguers").member_count == 0
        assert groups.get_group("Praguers").status == "Rebuild required"
        assert any("cancelled" in n.title for n in notes)
        assert not app.rebuilds.any_running()


async def test_escape_cancels_a_running_rebuild(town, monkeypatch):
    import threading

    started, release = threading.Event(), threading.Event()
    from store.engine import rebuild

    original = rebuild.rebuild_group

    def paused(group, **options):
        def progress(fraction):
            options["progress"](fraction)
            started.set()
            release.wait(5)
        return original(group, **{**options, "progress": progress})

    monkeypatch.setattr("store.engine.rebuild.rebuild_group", paused)
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        await pilot.press("R")
        assert started.wait(5)
        bar = app.screen.query_one(RebuildBar)
        await until(pilot, lambda: bar.has_class("-running"), "the running rebuild's bar")
        await pilot.press("escape")
        release.set()
        await wait_for_workers(app, pilot)
        assert not bar.has_class("-running")
        assert groups.get_group("Praguers").member_count == 0


async def test_open_the_editor_switch_tabs_and_go_back(town):
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        await pilot.press("enter")
        editor = await wait_for_screen(app, pilot, GroupEditorScreen)
        await wait_for_workers(app, pilot)
        title = str(editor.query_one("#editor-title", Static).render())
        assert "Praguers (Praguers)" in title and "condition-based" in title
        await pilot.press("right_square_bracket")
        assert editor.query_one("#tabs").active == "contacts"
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert editor.query_one("#tabs").active == "history"
        await pilot.press("q")
        await wait_for_screen(app, pilot, GroupsScreen)


async def test_delete_asks_first_and_n_keeps_the_group(town):
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        await pilot.press("down", "d")
        await wait_for_screen(app, pilot, ConfirmModal)
        await pilot.press("n")
        await wait_for_workers(app, pilot)
        assert ContactGroup.select().count() == 2
        await pilot.press("d")
        await wait_for_screen(app, pilot, ConfirmModal)
        await pilot.press("y")
        await wait_for_workers(app, pilot)
        assert [g.code_name for g in ContactGroup.select()] == ["Praguers"]
        assert [row[0] for row in _rows(app)] == ["Praguers"]


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_deleting_a_group_with_members_asks_for_its_code_name(town, size):
    app = ContactGroupsApp()
    async with app.run_test(size=size) as pilot:
        await wait_for_workers(app, pilot)
        await pilot.press("R")  # Praguers gains its 12 members
        await wait_for_workers(app, pilot)
        assert _rows(app)[0][2] == "12"
        await pilot.press("d")
        modal = await wait_for_screen(app, pilot, TypedConfirmModal)
        await pilot.press("y", "enter")  # a y is no answer here
        await wait_for_workers(app, pilot)
        assert "That is not 'Praguers'" in str(modal.query_one("#typed-error", Static).content)
        assert ContactGroup.select().count() == 2
        await pilot.press("escape")
        await wait_for_screen(app, pilot, GroupsScreen)
        assert ContactGroup.select().count() == 2
        await pilot.press("d")
        await wait_for_screen(app, pilot, TypedConfirmModal)
        await pilot.press(*"Praguers", "enter")
        await wait_for_workers(app, pilot)
        assert [g.code_name for g in ContactGroup.select()] == ["StaticFriends"]


async def test_help_and_palette_list_the_screens_actions(town):
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        titles = {action.title for action in screen_actions(app.screen)}
        assert {"New", "Open", "Delete", "Rebuild", "Filter", "Contacts", "Tasks",
                "Quit", "Help"} <= titles
        await pilot.press("question_mark")
        help_screen = await wait_for_screen(app, pilot, HelpModal)
        assert ("R", "Rebuild") in help_screen.keys
        await pilot.pause()
        assert "ctrl+p" in str(help_screen.query_one("#help-hint", Static).content)
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await wait_for_screen(app, pilot, CommandPalette)
        await pilot.press(*"rebuild")
        options = app.screen.query_one(CommandList)
        await until(pilot, lambda: options.option_count, "the palette's matches")
        prompts = [str(options.get_option_at_index(i).prompt)
                   for i in range(options.option_count)]
        assert any("Rebuild" in prompt for prompt in prompts)


async def test_filter_narrows_the_list(town):
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        await pilot.press("slash", *"static")
        await pilot.pause()
        assert [row[0] for row in _rows(app)] == ["Static friends"]
        await pilot.press("escape")
        await pilot.pause()
        assert len(_rows(app)) == 2


async def test_a_failure_in_the_background_shows_a_modal_and_the_app_goes_on(town):
    from tui.background import in_background
    from tui.modals import ErrorModal

    def broken() -> None:
        raise RuntimeError("disk on fire")

    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        in_background(app.screen, broken, description="Saving the group")
        modal = await wait_for_screen(app, pilot, ErrorModal)
        assert "Saving the group: RuntimeError: disk on fire" in modal.message
        await pilot.press("escape")
        await wait_for_screen(app, pilot, GroupsScreen)
        in_background(app.screen, lambda: 7, lambda _: 1 / 0, description="Showing it")
        modal = await wait_for_screen(app, pilot, ErrorModal)
        assert "ZeroDivisionError" in modal.message


async def test_no_color_is_honoured(town, monkeypatch):
    from textual.filter import Monochrome

    monkeypatch.setenv("NO_COLOR", "1")
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        assert app.no_color
        assert any(isinstance(f, Monochrome) for f in app.get_line_filters())


async def test_help_over_a_modal_does_not_promise_the_palette(town):
    """ctrl+p does not reach a modal screen, so its help must not offer it."""
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        app.push_screen(ConfirmModal("Really?"))
        await pilot.pause()
        app.action_help()
        help_screen = await wait_for_screen(app, pilot, HelpModal)
        await pilot.pause()
        assert str(help_screen.query_one("#help-hint", Static).content) == "escape closes."

"""Every screen usable at 80x24 and at 60x20 (issue 13.16): footers keep whole keys and
the help key, the status shows whole, fields and buttons stay on screen, and a condition's
caret stays under its character."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input, Label, OptionList, TextArea

from store import groups, membership
from store.contact_sets import Selection
from store.db.models import ContactGroup
from store.engine.rebuild import rebuild_group
from store.rows import STATUS_REBUILDING
from tests.store.helpers import ACTOR, make_contacts
from tests.tui.general_support import open_editor
from tests.tui.harness import footer_keys, until, wait_for_screen, wait_for_workers
from tui.app import ContactGroupsApp
from tui.modals import ChoiceModal
from tui.screens.contacts import ContactsScreen
from tui.screens.groups import GroupsScreen
from tui.screens.tasks import TasksScreen
from tui.widgets.condition_editor import ConditionEditorModal, ConditionNote
from tui.widgets.rule_designer import RuleDesignerModal, RulePickerModal

from .editor_harness import open_tab

SIZES = [(80, 24), (60, 20)]
LONG = ('Contact.ContactEmail.EndsWith("@example.com") && Contact.ContactFirstName != "x" '
        '&& Contact.Foo == 1')


def on_screen(app: App, widget: Widget) -> bool:
    """Whether the widget is shown whole inside the terminal, not clipped away by the
    dialog around it (then what is drawn at its corner is something else)."""
    region = widget.region
    return (region.width > 0 and region.height > 0 and region.right <= app.size.width
            and region.bottom <= app.size.height
            and app.screen.get_widget_at(*region.offset)[0] is widget)


async def assert_footer_fits(app: App, pilot) -> None:
    """The footer's keys, once it has them (it recomposes after the screen's bindings
    change), all whole and with Help among them."""
    await until(pilot, lambda: footer_keys(app.screen), "the footer's keys")
    keys = footer_keys(app.screen)
    palette = [key for key in keys if key.command_palette]
    shown = [key for key in keys if not key.command_palette]
    edge = palette[0].region.x if palette else app.size.width
    assert "Help" in [key.description for key in shown], "the help key is always shown"
    for key in shown:
        assert key.region.right <= edge, f"{key.key} {key.description} is cut"


@pytest.mark.parametrize("size", SIZES)
async def test_footers_show_whole_keys_and_always_help(db, size):
    group = groups.create_group("Friends")
    membership.add_contacts(group, Selection.of_ids(make_contacts(3)), actor=ACTOR)
    app = ContactGroupsApp()
    async with app.run_test(size=size) as pilot:
        await wait_for_screen(app, pilot, GroupsScreen)
        await wait_for_workers(app, pilot)
        await assert_footer_fits(app, pilot)
        await open_tab(app, pilot, group.id, "contacts")
        await pilot.pause()  # the footer laid out for the tab's keys, the longest (marks, add, …)
        await assert_footer_fits(app, pilot)
        await pilot.press("left_square_bracket")
        await assert_footer_fits(app, pilot)
        app.push_screen(ContactsScreen())
        await wait_for_screen(app, pilot, ContactsScreen)
        await wait_for_workers(app, pilot)
        await assert_footer_fits(app, pilot)
        app.push_screen(TasksScreen())
        await wait_for_screen(app, pilot, TasksScreen)
        await wait_for_workers(app, pilot)
        await assert_footer_fits(app, pilot)


def _status_cell(app: App, name: str) -> str:
    """The groups list's line for ``name`` as drawn ("" while the list has not loaded)."""
    table = app.screen.query_one("#groups", DataTable)
    lines = [table.render_line(y).text for y in range(table.size.height)]
    return next((line for line in lines if name in line), "")


@pytest.mark.parametrize("size", SIZES)
async def test_the_groups_list_shows_each_status_whole(db, size):
    make_contacts(3, city="Brno")
    group = groups.create_group("Brnoers", condition='Contact.ContactCity == "Brno"')
    rebuild_group(group)  # Ready: the column starts narrow
    app = ContactGroupsApp()
    async with app.run_test(size=size) as pilot:
        await wait_for_screen(app, pilot, GroupsScreen)
        await until(pilot, lambda: "Ready" in _status_cell(app, "Brnoers"), "the list")
        groups.update_group(groups.get_group("Brnoers"), condition='Contact.ContactCity == "x"')
        await until(pilot, lambda: "Rebuild required" in _status_cell(app, "Brnoers"),
                    "the new status, whole")
        ContactGroup.update(status=STATUS_REBUILDING, progress=0.4).where(
            ContactGroup.id == group.id).execute()
        await until(pilot, lambda: "Rebuilding 40%" in _status_cell(app, "Brnoers"),
                    "the rebuild, whole")


@pytest.mark.parametrize("size", SIZES)
async def test_the_condition_switch_says_what_it_does_whole(db, size):
    app = ContactGroupsApp()
    async with app.run_test(size=size) as pilot:
        await open_editor(app, pilot, None)
        hint = app.screen.query_one("#condition-based").parent.query_one(".hint", Label)
        assert hint.region.width >= len("members follow a condition")
        assert on_screen(app, hint)


@pytest.mark.parametrize("size", SIZES)
async def test_the_kentico_error_keeps_its_caret_and_its_buttons_on_screen(db, size):
    group = groups.create_group("Adults", condition="Contact.ContactAge >= 18")
    app = ContactGroupsApp()
    async with app.run_test(size=size) as pilot:
        await open_editor(app, pilot, group.id)
        await pilot.press("k")
        modal = await wait_for_screen(app, pilot, ConditionEditorModal)
        modal.query_one(TextArea).text = LONG
        note = modal.query_one("#k-status", ConditionNote)
        await until(pilot, lambda: "unknown member 'Foo'" in str(note.content), "the error")
        await pilot.pause()  # the note laid out for its new text
        excerpt, caret = str(note.content).splitlines()[-2:]
        assert len(excerpt) <= note.content_size.width  # one screen line: no wrap
        assert excerpt[caret.index("^"):].startswith("Foo")
        assert on_screen(app, note)
        for button in modal.query(Button):
            assert on_screen(app, button)


@pytest.mark.parametrize("size", SIZES)
async def test_the_rule_designer_keeps_the_parameters_on_screen(db, size):
    app = ContactGroupsApp()
    async with app.run_test(size=size) as pilot:
        await open_editor(app, pilot, None)
        await pilot.press(*"Idle")
        app.screen.query_one("#condition-based").focus()
        await pilot.press("space", "e")
        await wait_for_screen(app, pilot, RulePickerModal)
        await pilot.press(*"any activity", "enter")
        designer = await wait_for_screen(app, pilot, RuleDesignerModal)
        await until(pilot, lambda: designer.query("#params Input"), "the parameters")
        await pilot.pause()  # the parameters laid out
        days = designer.query_one("#params Input", Input)
        assert on_screen(app, days)
        await pilot.press("tab", *"365")  # past has / has not, into the days
        assert days.value == "365"
        assert designer.query_one("#lines", OptionList).option_count == 1  # no designer key


@pytest.mark.parametrize("size", SIZES)
async def test_the_bulk_bar_and_a_choice_keep_their_buttons_on_screen(db, size):
    group = groups.create_group("Friends")
    membership.add_contacts(group, Selection.of_ids(make_contacts(3)), actor=ACTOR)
    app = ContactGroupsApp()
    async with app.run_test(size=size) as pilot:
        tab = await open_tab(app, pilot, group.id, "contacts")
        assert on_screen(app, tab.query_one("#bulk-ok", Button))
        app.push_screen(ChoiceModal("Edit the K#, or build a new condition in the designer?",
                                    []))
        choice = await wait_for_screen(app, pilot, ChoiceModal)
        await pilot.pause()  # the modal laid out
        for button in choice.query(Button):
            assert on_screen(app, button)
            assert button.region.right <= button.parent.region.right

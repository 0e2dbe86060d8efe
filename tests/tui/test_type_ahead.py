"""Keys typed ahead of the screen wait for it instead of being lost (issue 13.14): a name
typed right after n, a tab key right after enter, a mark or a removal on a row whose page
is still loading. The keys go in as one burst, as a terminal delivers fast typing."""

from __future__ import annotations

import threading

import pytest
from textual.widgets import Input, TabbedContent

from store import groups, membership
from store.contact_sets import Selection
from store.db.models import Membership
from tests.store.helpers import ACTOR, make_contacts
from tui import sources
from tui.app import ContactGroupsApp
from tui.modals import ConfirmModal
from tui.screens.editor import GroupEditorScreen
from tui.screens.groups import GroupsScreen

from .editor_harness import open_tab
from .harness import type_ahead, until, wait_for_screen, wait_for_workers

SIZES = [(80, 24), (60, 20)]


@pytest.mark.parametrize("size", SIZES)
async def test_a_name_typed_right_after_n_lands_in_the_display_name(db, size):
    app = ContactGroupsApp()
    async with app.run_test(size=size) as pilot:
        await wait_for_screen(app, pilot, GroupsScreen)
        await wait_for_workers(app, pilot)
        type_ahead(app, "n", *"Quick group")
        editor = await wait_for_screen(app, pilot, GroupEditorScreen)
        await until(pilot, lambda: editor.query_one("#display-name", Input).value
                    == "Quick group", "the whole name in Display name")
        await until(pilot, lambda: editor.query_one("#code-name", Input).value
                    == "QuickGroup", "the code name derived from it")


@pytest.mark.parametrize("size", SIZES)
async def test_a_tab_key_typed_right_after_enter_switches_the_opened_editor(db, size):
    groups.create_group("Friends")
    app = ContactGroupsApp()
    async with app.run_test(size=size) as pilot:
        await wait_for_screen(app, pilot, GroupsScreen)
        await wait_for_workers(app, pilot)
        type_ahead(app, "enter", "right_square_bracket")
        editor = await wait_for_screen(app, pilot, GroupEditorScreen)
        await until(pilot, lambda: editor.query_one(TabbedContent).active == "contacts",
                    "the Contacts tab")


@pytest.mark.parametrize("size", SIZES)
async def test_space_and_d_on_a_row_still_loading_wait_for_it(db, size, monkeypatch):
    group = groups.create_group("Many")
    ids = make_contacts(120)
    membership.add_contacts(group, Selection.of_ids(ids), actor=ACTOR)
    gate = threading.Event()
    gate.set()
    page = sources.GroupContactSource.page

    def held_back(self, offset, limit, filter_text):
        if offset:
            gate.wait(10)  # the page at the end of the list loads when the test says
        return page(self, offset, limit, filter_text)

    monkeypatch.setattr(sources.GroupContactSource, "page", held_back)
    app = ContactGroupsApp()
    async with app.run_test(size=size) as pilot:
        tab = await open_tab(app, pilot, group.id, "contacts")
        table = tab.active_table
        gate.clear()
        type_ahead(app, "end", "space", "d")  # the last row's page is held back
        await until(pilot, lambda: table.cursor_index == 119, "the cursor on the last row")
        await pilot.pause()  # the keys handled as far as they go
        assert table.cursor_row is None and table.marks.is_empty  # space is waiting
        gate.set()
        question = await wait_for_screen(app, pilot, ConfirmModal)
        assert "1 marked contact" in question.question
        assert table.marks.ids == frozenset({ids[-1]})
        await pilot.press("y")
        await until(pilot, lambda: groups.get_group("Many").member_count == 119,
                    "the removal")
    assert not Membership.select().where((Membership.group == group.id)
                                         & (Membership.contact == ids[-1])).exists()

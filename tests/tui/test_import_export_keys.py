"""``i`` on the Contacts screen imports a CSV file with the report in a modal; ``E`` on a
group's Contacts tab exports its members (matching the filter) to a file. Real store, both
engines, 80x24."""

from __future__ import annotations

import csv

from textual.widgets import Input, Static

from store import groups, membership
from store.contact_sets import Selection
from store.db.models import Contact
from tests.store.helpers import ACTOR, make_contacts
from tests.tui.editor_harness import open_tab
from tests.tui.harness import SIZE, until, wait_for_screen, wait_for_workers
from tui.app import ContactGroupsApp
from tui.modals import ErrorModal, PromptModal
from tui.screens.contacts import ContactsScreen
from tui.screens.groups import GroupsScreen


async def _answer(app, pilot, text: str) -> None:
    prompt = await wait_for_screen(app, pilot, PromptModal)
    box = prompt.query_one("#prompt", Input)
    box.value = text
    await pilot.press("enter")


async def test_i_imports_a_file_and_shows_the_report(db, tmp_path):
    make_contacts(1)
    groups.create_group("Brno", condition='Contact.ContactCity == "Brno"')
    path = tmp_path / "people.csv"
    path.write_text("ContactEmail;ContactCity\nc0@example.com;Brno\nnew@example.com;Brno\n"
                    "broken;Brno\n", encoding="utf-8")
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(app, pilot, GroupsScreen)
        app.push_screen(ContactsScreen())
        screen = await wait_for_screen(app, pilot, ContactsScreen)
        await until(pilot, lambda: screen.table.cursor_row is not None, "the first rows")
        await pilot.press("i")
        await _answer(app, pilot, str(path))
        await wait_for_workers(app, pilot)
        modal = await wait_for_screen(app, pilot, ErrorModal)
        report = "\n".join(str(s.render()) for s in modal.query(Static))
        assert "1 new, 1 updated" in report
        assert "Group Brno: +2 -0" in report
        assert "Rejected line 4: ContactEmail: bad email 'broken'" in report
        await pilot.press("enter")
        await until(pilot, lambda: screen.table.total == 2, "the list re-read")
    assert Contact.select().count() == 2


async def test_E_exports_the_filtered_members_of_a_group(db, tmp_path):
    ids = make_contacts(3)
    group = groups.create_group("Readers")
    membership.add_contacts(group, Selection.of_ids(ids), actor=ACTOR)
    target = tmp_path / "readers.csv"
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        tab = await open_tab(app, pilot, group.id, "contacts")
        tab.members.filter_text = "First1"
        await until(pilot, lambda: tab.members.total == 1, "the filter")
        await pilot.press("E")
        await _answer(app, pilot, str(target))
        await wait_for_workers(app, pilot)
        await until(pilot, target.exists, "the file")
    with target.open(encoding="utf-8", newline="") as exported:
        rows = list(csv.DictReader(exported))
    assert [(r["email"], r["manual"]) for r in rows] == [("c1@example.com", "Yes")]

"""SVG snapshots of the main screens at 80x24: a change to what admins see shows up in
review. Regenerate after checking the pictures: pytest tests/tui/test_snapshots.py
--snapshot-update."""

from __future__ import annotations

import datetime as dt

import pytest

from store import contacts, groups, membership
from store.contact_sets import Selection
from tui.app import ContactGroupsApp
from tui.screens.editor import GroupEditorScreen

from .harness import wait_for_workers

PEOPLE = [("Anna", "Nováková", "anna@example.cz", "CZ", "Czech Republic"),
          ("Ben", "Smith", "ben@example.com", "US", "United States"),
          ("Chloé", "Martin", "chloe@example.fr", "FR", "France"),
          ("David", "Brown", "david@example.co.uk", "GB", "United Kingdom")]


@pytest.fixture
def shop(sqlite_db):
    ids = [contacts.create_contact(first_name=first, last_name=last, email=email,
                                   country_code=code, country_name=country,
                                   birthday=dt.date(1980, 1, 1)).id
           for first, last, email, code, country in PEOPLE]
    vip = groups.create_group("VIP customers", description="Picked by hand.")
    membership.add_contacts(vip, Selection.of_ids(ids[:3]), actor="tester")
    groups.create_group("Czech contacts", condition='Contact.IsFromCountry("CZ")')
    return sqlite_db


def _app() -> ContactGroupsApp:
    app = ContactGroupsApp()
    app.set_interval = lambda *args, **kwargs: None  # no polling: a still picture
    return app


async def _settle(pilot) -> None:
    await wait_for_workers(pilot.app, pilot)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def test_groups_list(shop, snap_compare):
    assert snap_compare(_app(), terminal_size=(80, 24), run_before=_settle)


def test_help(shop, snap_compare):
    async def open_help(pilot):
        await _settle(pilot)
        await pilot.press("question_mark")
        await _settle(pilot)

    assert snap_compare(_app(), terminal_size=(80, 24), run_before=open_help)


def _editor_on(tab_keys: tuple[str, ...]):
    async def run_before(pilot):
        await _settle(pilot)
        group = groups.get_group("VIPCustomers")
        await pilot.app.push_screen(GroupEditorScreen(group.id))
        await _settle(pilot)
        await pilot.press(*tab_keys)
        await _settle(pilot)
    return run_before


def test_editor_general_tab(shop, snap_compare):
    assert snap_compare(_app(), terminal_size=(80, 24), run_before=_editor_on(()))


def test_editor_contacts_tab(shop, snap_compare):
    assert snap_compare(_app(), terminal_size=(80, 24),
                        run_before=_editor_on(("right_square_bracket",)))

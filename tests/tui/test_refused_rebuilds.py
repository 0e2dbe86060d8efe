"""Rebuilds from the groups list that cannot happen say why (issue 13): the CMS edition
(item 17) refuses a condition-based group saved under EMS, as saving one does; a full disk
(item 5) is named as such."""

from __future__ import annotations

from store import groups, settings
from tests.store.helpers import make_contacts
from tui.app import ContactGroupsApp

from .harness import SIZE, record_notifications, wait_for_workers


async def _notifications_after_r() -> list[str]:
    """What the groups list says when R is pressed on its first group."""
    app = ContactGroupsApp()
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        await pilot.press("R")
        await wait_for_workers(app, pilot)
    return [note.message for note in notes]


async def test_r_refuses_with_the_reason_and_changes_nothing(db):
    make_contacts(5)
    groups.create_group("Everyone", condition='Contact.ContactLastName.StartsWith("L")')
    settings.set_edition("cms")
    messages = await _notifications_after_r()
    assert any("need the EMS edition" in text for text in messages), messages
    group = groups.get_group("Everyone")
    assert (group.member_count, group.status) == (0, "Rebuild required")


async def test_a_full_disk_during_r_says_so(sqlite_db):
    make_contacts(2000)
    groups.create_group("Everyone", condition='Contact.ContactLastName.StartsWith("L")')
    pages = sqlite_db.handle.execute_sql("PRAGMA page_count").fetchone()[0]
    sqlite_db.handle.pragma("max_page_count", pages, permanent=True)  # every connection
    messages = await _notifications_after_r()
    assert any("the disk is full; nothing was changed" in text for text in messages), messages
    assert groups.get_group("Everyone").member_count == 0

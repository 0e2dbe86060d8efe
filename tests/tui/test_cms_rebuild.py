"""Edition CMS (issue 13 item 17): a condition-based group saved under EMS is not rebuilt
any more — `R` on the groups list says why and changes nothing, as saving one does."""

from __future__ import annotations

from store import groups, settings
from tests.store.helpers import make_contacts
from tui.app import ContactGroupsApp

from .app_support import SIZE, idle


async def test_r_refuses_with_the_reason_and_changes_nothing(db):
    make_contacts(5)
    groups.create_group("Everyone", condition='Contact.ContactLastName.StartsWith("L")')
    settings.set_edition("cms")
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        await idle(app, pilot)
        await pilot.press("R")
        await idle(app, pilot)
        messages = [str(n.message) for n in app._notifications]
        assert any("need the EMS edition" in text for text in messages), messages
    group = groups.get_group("Everyone")
    assert (group.member_count, group.status) == (0, "Rebuild required")

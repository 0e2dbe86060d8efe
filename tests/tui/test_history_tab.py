"""The History tab on a real store: the audit trail of manual changes and the size plot."""

from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import Sparkline, Static, TabbedContent

from store import groups, membership
from store.contact_sets import Selection
from tests.store.helpers import ACTOR, make_contacts
from tests.tui.harness import SIZE, until, wait_for_screen
from tests.tui.table_app import lines
from tui.app import ContactGroupsApp
from tui.commands import screen_actions
from tui.screens.editor import GroupEditorScreen
from tui.screens.groups import GroupsScreen
from tui.tabs.history import HistoryTab, resample


@pytest.fixture
def friends(db):
    group = groups.create_group("Friends")
    ids = make_contacts(3)
    membership.add_contacts(group, Selection.of_ids(ids), actor=ACTOR)
    membership.remove_contacts(group, Selection.of_ids(ids[:1]), actor=ACTOR)
    return groups.get_group("Friends")


def _text(tab: HistoryTab, selector: str) -> str:
    return str(tab.query_one(selector, Static).render())


async def test_the_tab_lists_manual_changes_newest_first_with_the_size(friends):
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(app, pilot, GroupsScreen)
        app.push_screen(GroupEditorScreen(friends.id))
        editor = await wait_for_screen(app, pilot, GroupEditorScreen)
        await until(pilot, lambda: editor.group is not None and editor.query_one(HistoryTab),
                    "the editor")
        tabs = editor.query_one(TabbedContent)
        tab = editor.query_one(HistoryTab)
        table = tab.query_one("#history-events")

        # As an admin gets there: ] three times from the General tab (keys typed while the
        # editor still loads wait for it). Focusing the table directly raced the General
        # tab, which takes the focus when it shows (a focused pane becomes the active tab).
        await pilot.press("]", "]", "]")
        await until(pilot, lambda: tabs.active == "history" and table.size.height > 0,
                    "the History tab")
        if app.focused is not table:
            table.focus()
        await until(pilot, lambda: table.total == 4 and table.row_at(3) is not None, "events")
        await until(pilot, lambda: _text(tab, "#history-figures").startswith("Members now"),
                    "the figures")
        shown = lines(table)
        assert shown[0].split() == ["When", "Who", "Action", "Contact", "/", "account",
                                    "Source"]
        # "2026-05-01 10:00  tester  removed  First0 Last0 (#1)  manual": no mark column
        assert shown[0].startswith("When") and shown[1][:10].replace("-", "").isdigit()
        assert shown[1].split()[2:5] == ["tester", "removed", "First0"]
        assert shown[1].split()[-1] == "manual"
        assert [line.split()[3] for line in shown[2:5]] == ["added"] * 3
        assert {line.split()[4] for line in shown[2:5]} == {"First0", "First1", "First2"}
        await pilot.press("space", "a")  # mark keys do nothing here: nothing acts on events
        assert table.marks.is_empty and "Mark" not in {
            action.title for action in screen_actions(editor)}
        assert _text(tab, "#history-figures") == "Members now 2 · lowest 2 · highest 3"
        assert _text(tab, "#history-span").endswith("2 changes plotted")
        assert tab.query_one(Sparkline).data[-1] == 2.0

        membership.add_contacts(friends, Selection.of_ids(make_contacts(1)), actor=ACTOR)
        await until(pilot, lambda: table.total == 5, "the new event")  # reloads on change
        await until(pilot, lambda: "Members now 3" in _text(tab, "#history-figures"), "size")


def test_resample_spreads_uneven_samples_evenly_over_time():
    start = dt.datetime(2026, 1, 1)
    samples = [(start, 1), (start + dt.timedelta(hours=1), 5), (start + dt.timedelta(days=3), 2)]
    values = resample(samples, start + dt.timedelta(days=4), points=5)
    assert values == [1.0, 5.0, 5.0, 2.0, 2.0]
    assert resample([], start) == []

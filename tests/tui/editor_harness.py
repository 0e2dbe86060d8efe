"""Driving the group editor's tabs with Pilot over a real store, for the tab tests."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.widgets import Input, TabbedContent

import tui.app
from tests.tui.harness import record_notifications, until, wait_for_screen, wait_for_workers
from tui.app import ContactGroupsApp
from tui.screens.editor import GroupEditorScreen


async def wait_for_rows(pilot, table) -> None:
    """Pause until the highlighted row is loaded: a list's total arrives before its page,
    and keys that act on the highlighted row do nothing until the page is there."""
    await until(pilot, lambda: table.cursor_row is not None)


async def open_tab(app: App, pilot, group_id: int, tab: str):
    """Open the editor on a group, switch to ``tab`` and wait for its list to load."""
    await pilot.pause()
    await app.push_screen(GroupEditorScreen(group_id))
    editor = await wait_for_screen(app, pilot, GroupEditorScreen)
    await until(pilot, lambda: editor.group is not None)
    widget = editor.query_one(f"#{tab}-tab")
    tabs = editor.query_one(TabbedContent)
    tabs.active = tab
    await until(pilot, lambda: widget.active_table is not None)
    await wait_for_workers(app, pilot)
    if app.focused is not widget.active_table:
        # The General tab focuses its first field when it mounts, which re-activates its
        # pane if that lands after the switch: switch again.
        tabs.active = tab
        await until(pilot, lambda: app.focused is widget.active_table)
    table = widget.active_table
    await until(pilot, lambda: table.total == 0 or (table.total and table.row_at(0)))
    return widget


class RecordingApp(ContactGroupsApp):
    """The app, keeping every notification: shown ones expire after a few seconds, which a
    slow test run can outlast."""

    CSS_PATH = Path(tui.app.__file__).with_name("app.tcss")  # relative paths follow the module

    def __init__(self) -> None:
        super().__init__()
        self.notices = record_notifications(self)

    @property
    def notes(self) -> list[str]:
        return [notice.message for notice in self.notices]


async def type_into(pilot, box: Input, text: str) -> None:
    """Put ``text`` in ``box`` and press enter. Setting the value beats pressing each key:
    Pilot waits for an idle CPU after every key, seconds per word on a busy machine."""
    box.value = text
    box.focus()
    await pilot.press("enter")

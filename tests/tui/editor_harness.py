"""Driving the group editor's tabs with Pilot over a real store, for the tab tests."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.app import App
from textual.screen import Screen
from textual.widgets import Input, TabbedContent
from textual.worker import WorkerCancelled, WorkerFailed

import tui.app
from tui.app import ContactGroupsApp
from tui.screens.editor import GroupEditorScreen

SIZE = (80, 24)


async def wait_for(pilot, predicate: Callable[[], object], timeout: float = 5.0) -> None:
    """Pause until ``predicate()`` holds: modals pushed from callbacks and results of
    background store calls arrive a few ticks later."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the screen")
        await pilot.pause(0.02)


async def wait_for_rows(pilot, table) -> None:
    """Pause until the highlighted row is loaded: a list's total arrives before its page,
    and keys that act on the highlighted row do nothing until the page is there."""
    await wait_for(pilot, lambda: table.cursor_row is not None)


async def wait_for_screen(app: App, pilot, kind: type[Screen]) -> Screen:
    await wait_for(pilot, lambda: isinstance(app.screen, kind))
    return app.screen


async def open_tab(app: App, pilot, group_id: int, tab: str):
    """Open the editor on a group, switch to ``tab`` and wait for its list to load."""
    await pilot.pause()
    await app.push_screen(GroupEditorScreen(group_id))
    editor = await wait_for_screen(app, pilot, GroupEditorScreen)
    await wait_for(pilot, lambda: editor.group is not None)
    widget = editor.query_one(f"#{tab}-tab")
    tabs = editor.query_one(TabbedContent)
    tabs.active = tab
    await wait_for(pilot, lambda: widget.active_table is not None)
    await done(app, pilot)
    if app.focused is not widget.active_table:
        # The General tab focuses its first field when it mounts, which re-activates its
        # pane if that lands after the switch: switch again.
        tabs.active = tab
        await wait_for(pilot, lambda: app.focused is widget.active_table)
    table = widget.active_table
    await wait_for(pilot, lambda: table.total == 0 or (table.total and table.row_at(0)))
    return widget


async def done(app: App, pilot) -> None:
    """Let background store calls, and the reloads they start, finish: wait on
    ``app.workers`` until none runs. Short sleeps rather than ``pilot.pause()``, whose wait
    for an idle CPU takes up to a second per call on a busy machine."""
    while True:
        await pilot.pause(0.02)
        running = [worker for worker in app.workers if not worker.is_finished]
        if not running:
            await pilot.pause(0.02)  # the messages the last results posted
            return
        for worker in running:
            with contextlib.suppress(WorkerCancelled, WorkerFailed):
                await app.workers.wait_for_complete([worker])


class RecordingApp(ContactGroupsApp):
    """The app, keeping every notification: shown ones expire after a few seconds, which a
    slow test run can outlast."""

    CSS_PATH = Path(tui.app.__file__).with_name("app.tcss")  # relative paths follow the module

    def __init__(self) -> None:
        super().__init__()
        self.notes: list[str] = []

    def notify(self, message: str, **options: Any) -> None:
        self.notes.append(message)
        super().notify(message, **options)


async def type_into(pilot, box: Input, text: str) -> None:
    """Put ``text`` in ``box`` and press enter. Setting the value beats pressing each key:
    Pilot waits for an idle CPU after every key, seconds per word on a busy machine."""
    box.value = text
    box.focus()
    await pilot.press("enter")

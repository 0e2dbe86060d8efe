"""Driving the real app's group editor in Pilot tests of the General tab."""

from __future__ import annotations

from textual.app import App
from textual.widgets import Input, Static

from tests.tui.harness import wait_for_workers
from tui.app import ContactGroupsApp
from tui.screens.editor import GroupEditorScreen
from tui.tabs.general import GeneralTab


async def open_editor(app: ContactGroupsApp, pilot, group_id: int | None) -> GroupEditorScreen:
    editor = GroupEditorScreen(group_id)
    await app.push_screen(editor)
    await wait_for_workers(app, pilot)
    return editor


def general(app: App) -> GeneralTab:
    return app.screen.query_one(GeneralTab)


def text_of(app: App, selector: str) -> str:
    """What a Static shows now, as plain text."""
    return str(app.screen.query_one(selector, Static).content)


def value_of(app: App, selector: str) -> str:
    return app.screen.query_one(selector, Input).value

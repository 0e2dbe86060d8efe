"""Driving the real app's group editor in Pilot tests of the General tab."""

from __future__ import annotations

import contextlib

from textual.app import App
from textual.screen import Screen
from textual.widgets import Input, Static
from textual.worker import WorkerCancelled, WorkerFailed

from tui.app import ContactGroupsApp
from tui.screens.editor import GroupEditorScreen
from tui.tabs.general import GeneralTab

SIZE = (80, 24)


async def settle(app: App, pilot, rounds: int = 2) -> None:
    """Let pending messages and the workers they start finish (the editor keeps polling,
    so this waits for what runs now, a few rounds deep, not for silence)."""
    for _ in range(rounds):
        await pilot.pause()
        running = [worker for worker in app.workers if not worker.is_finished]
        for worker in running:
            with contextlib.suppress(WorkerCancelled, WorkerFailed):
                await app.workers.wait_for_complete([worker])
    await pilot.pause()


async def wait_for_screen(app: App, pilot, kind: type[Screen], tries: int = 50) -> Screen:
    """Modals pushed from callbacks appear a few ticks later: poll for them."""
    for _ in range(tries):
        if isinstance(app.screen, kind):
            return app.screen
        await pilot.pause(0.02)
    raise AssertionError(f"{kind.__name__} never appeared; the screen is {app.screen!r}")


async def open_editor(app: ContactGroupsApp, pilot, group_id: int | None) -> GroupEditorScreen:
    editor = GroupEditorScreen(group_id)
    await app.push_screen(editor)
    await settle(app, pilot)
    return editor


def general(app: App) -> GeneralTab:
    return app.screen.query_one(GeneralTab)


def text_of(app: App, selector: str) -> str:
    """What a Static shows now, as plain text."""
    return str(app.screen.query_one(selector, Static).content)


def value_of(app: App, selector: str) -> str:
    return app.screen.query_one(selector, Input).value

"""Driving the whole application in Pilot tests."""

from __future__ import annotations

import contextlib

from textual import events
from textual.pilot import Pilot
from textual.screen import Screen
from textual.worker import WorkerCancelled, WorkerFailed

from tui.app import ContactGroupsApp

SIZE = (80, 24)


async def idle(app: ContactGroupsApp, pilot: Pilot, rounds: int = 3) -> None:
    """Let background workers finish and their results reach the screen."""
    for _ in range(rounds):
        with contextlib.suppress(WorkerCancelled, WorkerFailed):
            await app.workers.wait_for_complete()
        await pilot.pause()


async def wait_for_screen(app: ContactGroupsApp, pilot: Pilot, kind: type[Screen],
                          tries: int = 50) -> Screen:
    """Screens pushed from callbacks appear a few ticks later."""
    for _ in range(tries):
        if isinstance(app.screen, kind):
            return app.screen
        await pilot.pause(0.02)
    raise AssertionError(f"{kind.__name__} never appeared (on {type(app.screen).__name__})")


def type_ahead(app: ContactGroupsApp, *keys: str) -> None:
    """Send ``keys`` as one burst, as a terminal delivers keys typed faster than the screen
    follows (``pilot.press`` waits for the app to go idle after every key)."""
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)

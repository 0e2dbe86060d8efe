"""The one harness for Pilot tests: terminal size, waits, notifications and the footer, all
through Textual's public API.

Waits poll the condition a test is about instead of sleeping a fixed time: ``pilot.pause()``
without a delay waits until the process looks idle, which on a loaded machine (or a screen
with polling workers) means up to a second per call, and a fixed sleep is either too short
on a slow run or wasted on a fast one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from time import monotonic
from typing import Any

from textual import events
from textual.app import App
from textual.css.query import NoMatches
from textual.geometry import Region
from textual.pilot import Pilot
from textual.screen import Screen
from textual.worker import WorkerCancelled, WorkerFailed

SIZE = (80, 24)
TIMEOUT = 10.0
TICK = 0.02  # between two looks at the condition: short, so a wait ends soon after it holds


async def until(pilot: Pilot, check: Callable[[], object], what: str = "the screen",
                timeout: float = TIMEOUT) -> None:
    """Pause until ``check()`` is true; a widget not mounted yet counts as false."""
    deadline = monotonic() + timeout
    while not _holds(check):
        if monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(TICK)


def _holds(check: Callable[[], object]) -> bool:
    try:
        return bool(check())
    except NoMatches:
        return False


async def wait_for_workers(app: App, pilot: Pilot) -> None:
    """Let background workers, the workers their results start and the messages they post
    finish: wait on ``app.workers`` until none runs. A worker superseded by a newer one ends
    cancelled and a failing one ends failed: both are finished for this purpose."""
    while True:
        await pilot.pause(TICK)
        running = [worker for worker in app.workers if not worker.is_finished]
        if not running:
            await pilot.pause(TICK)  # the messages the last results posted
            return
        for worker in running:
            with contextlib.suppress(WorkerCancelled, WorkerFailed):
                await app.workers.wait_for_complete([worker])


async def wait_for_screen(app: App, pilot: Pilot, kind: type[Screen]) -> Screen:
    """Screens pushed from callbacks appear a few ticks later."""
    await until(pilot, lambda: isinstance(app.screen, kind),
                f"{kind.__name__} (the screen is {type(app.screen).__name__})")
    return app.screen


@dataclass(frozen=True)
class Note:
    """One notification as the user read it."""

    message: str
    title: str
    severity: str


def record_notifications(app: App) -> list[Note]:
    """Every notification ``app`` shows from now on. Shown ones expire after a few seconds,
    which a slow test run can outlast; every widget's ``notify`` goes through the app's
    public ``App.notify``, which this wraps on the instance."""
    notes: list[Note] = []
    notify = app.notify

    def recording(message: str, *, title: str = "", severity: Any = "information",
                  **options: Any) -> None:
        notes.append(Note(str(message), title or "", str(severity)))
        notify(message, title=title, severity=severity, **options)

    app.notify = recording  # type: ignore[method-assign]
    return notes


@dataclass(frozen=True)
class FooterEntry:
    """One key the footer shows: as displayed, what it does, where it is drawn."""

    key: str
    description: str
    region: Region
    command_palette: bool


def footer_keys(screen: Screen) -> list[FooterEntry]:
    """The keys the footer shows now. Textual exports no class for them (it lives in the
    private ``textual.widgets._footer``): they are found by their CSS type name, which
    stylesheets use publicly."""
    return [FooterEntry(key.key_display, key.description, key.region,  # type: ignore[attr-defined]
                        key.has_class("-command-palette"))
            for key in screen.query("FooterKey")]


def type_ahead(app: App, *keys: str) -> None:
    """Send ``keys`` as one burst, as a terminal delivers keys typed faster than the screen
    follows (``pilot.press`` waits for the app to go idle after every key)."""
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        app.post_message(event)

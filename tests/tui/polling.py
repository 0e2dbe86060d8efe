"""Waiting in Pilot tests for what the test expects, not for the CPU to go quiet.

``pilot.pause()`` waits until the process looks idle, which under a loaded machine (or
a screen with polling workers) means up to a second per call. Polling the condition the
test is about returns as soon as it holds, and fails with a message when it never does.
"""

from __future__ import annotations

from collections.abc import Callable
from time import monotonic

from textual.css.query import NoMatches
from textual.pilot import Pilot

TIMEOUT = 10.0


async def until(pilot: Pilot, check: Callable[[], object], what: str,
                timeout: float = TIMEOUT) -> None:
    """Pause until ``check()`` is true; a widget not mounted yet counts as false."""
    deadline = monotonic() + timeout
    while not _holds(check):
        if monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


def _holds(check: Callable[[], object]) -> bool:
    try:
        return bool(check())
    except NoMatches:
        return False

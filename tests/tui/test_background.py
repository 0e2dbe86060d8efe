"""Background calls made ``exclusive``: the newest one of a group wins; an older one still
running hands on neither its result nor its failure, and can stop before its costly part."""

from __future__ import annotations

import threading
from functools import partial

from textual.app import App

from store.errors import StoreError
from tests.tui.harness import SIZE, record_notifications, until, wait_for_workers
from tui.background import in_background, stop_if_superseded


class Slow:
    """A call held back until ``release``, then (if ``stops``) stopping if superseded;
    ``went_on`` lists the calls that got past that point; ``started`` and ``ended`` count."""

    def __init__(self, *, stops: bool) -> None:
        self.stops = stops
        self.release = threading.Event()
        self.went_on: list[str] = []
        self.started = self.ended = 0

    def __call__(self, outcome: str | Exception) -> str:
        self.started += 1
        try:
            self.release.wait(5)
            if self.stops:
                stop_if_superseded()
            self.went_on.append(str(outcome))
            if isinstance(outcome, Exception):
                raise outcome
            return outcome
        finally:
            self.ended += 1


async def _supersede(slow: Slow, seen: list[object]) -> list[object]:
    """Start a slow read, then a newer one of the same group; likewise a slow failing read;
    then let the slow ones end. What reached ``done`` or ``failed``, and the notifications."""
    app = App[None]()
    async with app.run_test(size=SIZE) as pilot:
        notes = record_notifications(app)
        for newer, old in enumerate(["old", StoreError("the old read failed")], start=1):
            in_background(app, partial(slow, old), seen.append, description="Old read",
                          group="reads", exclusive=True, failed=seen.append)
            await until(pilot, lambda count=newer: slow.started == count, "the old read")
            in_background(app, lambda: "new", seen.append, description="New read",
                          group="reads", exclusive=True, failed=seen.append)
            await until(pilot, lambda count=newer: seen.count("new") == count, "the newer read")
        slow.release.set()
        await until(pilot, lambda: slow.ended == 2, "the old reads' end")
        await wait_for_workers(app, pilot)
    return notes


async def test_a_superseded_call_hands_on_neither_result_nor_failure():
    slow, seen = Slow(stops=False), []
    notes = await _supersede(slow, seen)
    assert sorted(slow.went_on) == ["old", "the old read failed"]
    assert seen == ["new", "new"] and not notes


async def test_a_superseded_call_can_stop_before_its_costly_part():
    slow, seen = Slow(stops=True), []
    notes = await _supersede(slow, seen)
    assert slow.went_on == []
    assert seen == ["new", "new"] and not notes


async def test_a_call_nobody_superseded_goes_on():
    slow, seen = Slow(stops=True), []
    slow.release.set()
    app = App[None]()
    async with app.run_test(size=SIZE) as pilot:
        in_background(app, partial(slow, "only"), seen.append, description="Only read",
                      group="reads", exclusive=True)
        await wait_for_workers(app, pilot)
    assert seen == ["only"] and slow.went_on == ["only"]

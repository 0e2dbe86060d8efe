"""Screens that re-read the store every few seconds report a failing read like any other
background call — once, not once per poll — and keep running and polling until it works."""

from __future__ import annotations

import peewee as pw
import pytest
from textual.widgets import DataTable

from store import groups
from store.engine import scheduler
from store.errors import StoreError
from tests.tui.editor_harness import RecordingApp
from tests.tui.harness import SIZE, until, wait_for_screen
from tui.modals import ErrorModal
from tui.screens.editor import GroupEditorScreen
from tui.screens.groups import GroupsScreen
from tui.screens.tasks import TasksScreen

POLLS = 5
"""Polls to let fail before looking: enough to stack several reports if each one made one."""


class Flaky:
    """A store read that raises ``failure`` while it is set, and counts its calls."""

    def __init__(self, read) -> None:
        self.read, self.calls = read, 0
        self.failure: Exception | None = None

    def __call__(self, *args):
        self.calls += 1
        if self.failure is not None:
            raise self.failure
        return self.read(*args)


@pytest.fixture
def fast_polls(monkeypatch):
    for screen in ("groups", "editor", "tasks"):
        monkeypatch.setattr(f"tui.screens.{screen}.POLL_SECONDS", 0.02)


def _error_modals(app) -> list[ErrorModal]:
    return [screen for screen in app.screen_stack if isinstance(screen, ErrorModal)]


async def _fail_for_a_while(pilot, flaky: Flaky, failure: Exception) -> None:
    flaky.failure = failure
    calls = flaky.calls
    await until(pilot, lambda: flaky.calls >= calls + POLLS, "the failing polls")


async def test_the_groups_list_reports_a_failing_poll_once_and_recovers(sqlite_db, fast_polls,
                                                                         monkeypatch):
    groups.create_group("First")
    flaky = Flaky(groups.list_groups)
    monkeypatch.setattr("store.groups.list_groups", flaky)
    app = RecordingApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_for_screen(app, pilot, GroupsScreen)
        table = screen.query_one("#groups", DataTable)
        await until(pilot, lambda: table.row_count == 1, "the list")

        # A database error is put in words, as the command line puts it (issue 13).
        await _fail_for_a_while(pilot, flaky, pw.OperationalError("disk I/O error"))
        assert [note for note in app.notes if "disk I/O error" in note] == [
            f"{sqlite_db.handle.display_url}: disk I/O error"]
        assert not _error_modals(app)

        flaky.failure = None
        groups.create_group("Second")
        await until(pilot, lambda: table.row_count == 2, "the list read again")

        await _fail_for_a_while(pilot, flaky, StoreError("the database is locked"))
        assert app.notes.count("the database is locked") == 1  # a new outage: told again
        assert not _error_modals(app) and app.screen is screen and table.row_count == 2


async def test_the_editor_reports_a_failing_poll_once(sqlite_db, fast_polls, monkeypatch):
    group = groups.create_group("Adults")
    flaky = Flaky(groups.get_group_by_id)
    monkeypatch.setattr("store.groups.get_group_by_id", flaky)
    app = RecordingApp()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(app, pilot, GroupsScreen)
        editor = GroupEditorScreen(group.id)
        await app.push_screen(editor)
        await until(pilot, lambda: editor.group is not None, "the group")
        await _fail_for_a_while(pilot, flaky, RuntimeError("connection reset"))
        [modal] = _error_modals(app)
        assert modal.message.startswith("Read the group: RuntimeError: connection reset")
        flaky.failure = None
        groups.update_group(groups.get_group("Adults"), description="renamed")
        await until(pilot, lambda: editor.group.description == "renamed", "the group again")
        assert app.screen_stack[-2] is editor


async def test_the_tasks_screen_reports_a_failing_poll_once(sqlite_db, fast_polls, monkeypatch):
    scheduler.schedule_group(groups.create_group("Nightly"), True, "03:00")
    flaky = Flaky(scheduler.list_tasks)
    monkeypatch.setattr("store.engine.scheduler.list_tasks", flaky)
    app = RecordingApp()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(app, pilot, GroupsScreen)
        await pilot.press("t")
        screen = await wait_for_screen(app, pilot, TasksScreen)
        await until(pilot, lambda: screen.tasks, "the tasks")
        await _fail_for_a_while(pilot, flaky, StoreError("no connection to the database"))
        assert app.notes.count("no connection to the database") == 1
        assert app.screen is screen and len(screen.tasks) == 1

"""The Scheduled tasks screen on a real store: time, enable/disable, run now."""

from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import DataTable, Input, Static

from store import contacts, groups
from store.clock import utcnow
from store.db.models import ScheduledTask
from store.engine import scheduler
from tests.store.helpers import make_contacts
from tui.app import ContactGroupsApp
from tui.screens.groups import GroupsScreen
from tui.screens.tasks import TasksScreen, TimeModal

from .harness import SIZE, record_notifications, until, wait_for_screen


@pytest.fixture
def scheduled(db):
    ids = make_contacts(8)
    for contact_id in ids[:3]:
        contacts.update_contact(contact_id, city="Prague")
    praguers = groups.create_group("Praguers", condition='Contact.ContactCity == "Prague"')
    scheduler.schedule_group(praguers, True, "02:30")
    return groups.get_group("Praguers")


def _task() -> ScheduledTask:
    return ScheduledTask.get()


def _row(screen: TasksScreen) -> list[str]:
    return [str(cell) for cell in screen.query_one("#tasks", DataTable).get_row_at(0)]


async def _tasks_screen(app: ContactGroupsApp, pilot) -> TasksScreen:
    await wait_for_screen(app, pilot, GroupsScreen)
    app.push_screen(TasksScreen())
    screen = await wait_for_screen(app, pilot, TasksScreen)
    await until(pilot, lambda: screen.query_one("#tasks", DataTable).row_count, "the tasks")
    return screen


async def test_the_list_and_changing_the_time(scheduled):
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _tasks_screen(app, pilot)
        zone = screen.zone
        assert _row(screen)[:3] == ["Contact group 'Praguers' rebuild", "02:30", "Yes"]
        await pilot.press("e")
        modal = await wait_for_screen(app, pilot, TimeModal)
        box = modal.query_one("#time", Input)
        assert box.value == "02:30"
        box.value = "25:00"
        await pilot.press("enter")
        error = modal.query_one("#time-error", Static)
        await until(pilot, lambda: str(error.render()), "the refusal")
        assert "'25:00' is not a time of day" in str(error.render())
        assert isinstance(app.screen, TimeModal) and _task().time_of_day == "02:30"
        box.value = "3:15"
        before = utcnow()
        await pilot.press("enter")
        await wait_for_screen(app, pilot, TasksScreen)
        await until(pilot, lambda: _row(screen)[1] == "03:15", "the new time")
        shown_next = _row(screen)[3]
    task = _task()
    assert task.time_of_day == "03:15" and groups.get_group("Praguers").schedule_time == "03:15"
    next_local = task.next_run_at.replace(tzinfo=dt.UTC).astimezone(zone)
    assert next_local.strftime("%H:%M") == "03:15"
    assert before < task.next_run_at <= before + dt.timedelta(days=1, hours=1)
    assert shown_next == next_local.strftime("%m-%d %H:%M")


async def test_space_disables_and_enables_and_r_runs_now(scheduled):
    app = ContactGroupsApp()
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _tasks_screen(app, pilot)
        await pilot.press("space")
        await until(pilot, lambda: _row(screen)[2] == "No", "disabled")
        assert not _task().enabled and not groups.get_group("Praguers").schedule_enabled
        await pilot.press("space")
        await until(pilot, lambda: _row(screen)[2] == "Yes", "enabled")
        assert _task().enabled and _task().next_run_at is not None
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await until(pilot, lambda: not app.rebuilds.running(scheduled.id), "the rebuild")
        assert any("Rebuilt 'Praguers'" in n.title for n in notes)
        await until(pilot, lambda: _row(screen)[5].startswith("+3 -0, 3 members"),
                    "the run shown as the task's last run")
        summary = screen.query_one("#summary", Static)
        assert "+3 -0, 3 members in" in str(summary.render())
    group = groups.get_group("Praguers")
    assert group.member_count == 3 and group.status == "Ready"

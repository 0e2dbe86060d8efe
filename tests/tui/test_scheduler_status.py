"""The groups list and the Scheduled tasks screen say whether a scheduler is alive (issue 13
item 19): from its heartbeat, which a scheduler killed hard simply stops writing."""

from __future__ import annotations

import datetime as dt

from textual.widgets import Static

from store import groups, settings
from store.clock import utcnow
from store.engine import heartbeat, scheduler
from tests.store.helpers import make_contacts
from tui.app import ContactGroupsApp
from tui.screens.groups import GroupsScreen
from tui.screens.tasks import TasksScreen

from .harness import SIZE, until, wait_for_screen


def _line(app: ContactGroupsApp) -> str:
    return str(app.screen.query_one("#scheduler", Static).render())


async def test_both_screens_follow_the_heartbeat(db):
    make_contacts(2)
    group = groups.create_group("Everyone", condition='Contact.ContactFirstName != ""')
    scheduler.schedule_group(group, True, "03:00")
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(app, pilot, GroupsScreen)
        await until(pilot, lambda: "No scheduler running" in _line(app), "no scheduler")
        heartbeat.beat(heartbeat.LOOP)
        await until(pilot, lambda: _line(app).startswith("Scheduler running (pid "), "alive")
        app.push_screen(TasksScreen())
        await wait_for_screen(app, pilot, TasksScreen)
        await until(pilot, lambda: _line(app).startswith("Scheduler running (pid "), "tasks")
        heartbeat.beat(heartbeat.STOPPED)
        await until(pilot, lambda: "No scheduler running (stopped" in _line(app), "stopped")


def test_a_scheduler_that_stopped_beating_is_dead(db):
    settings.set_setting(heartbeat.KEY, "")
    assert not heartbeat.state().alive
    heartbeat.beat(heartbeat.LOOP)
    later = utcnow() + dt.timedelta(seconds=3 * heartbeat.BEAT_SECONDS + 5)
    assert heartbeat.state().alive and not heartbeat.state(later).alive
    assert "No scheduler running (last seen" in heartbeat.state(later).describe(dt.UTC)
    heartbeat.beat(heartbeat.ONCE)  # cron: every 5 minutes, so alive for twice that
    assert heartbeat.state(utcnow() + dt.timedelta(minutes=10)).alive
    assert not heartbeat.state(utcnow() + dt.timedelta(minutes=12)).alive

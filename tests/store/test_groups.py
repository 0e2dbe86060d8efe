"""Saving a group with its schedule: one transaction, so a refusal saves nothing."""

from __future__ import annotations

import pytest

from store import groups
from store.db.models import ContactGroup, ScheduledTask
from store.engine import scheduler
from store.errors import StoreError
from store.rows import STATUS_REBUILD_REQUIRED

ADULTS = "Contact.ContactAge >= 18"


def test_a_new_group_is_saved_with_its_schedule(db):
    group = groups.save_group(None, display_name="Adults", condition=ADULTS,
                              schedule=True, schedule_time="3:15")
    assert (group.code_name, group.status) == ("Adults", STATUS_REBUILD_REQUIRED)
    assert (group.schedule_enabled, group.schedule_time) == (True, "03:15")
    [task] = scheduler.list_tasks()
    assert (task.group_id, task.time_of_day, task.enabled) == (group.id, "03:15", True)


def test_a_refused_schedule_creates_no_group(db):
    with pytest.raises(StoreError, match="not a time of day"):
        groups.save_group(None, display_name="Adults", condition=ADULTS,
                          schedule=True, schedule_time="25:00")
    assert groups.list_groups() == [] and scheduler.list_tasks() == []


def test_a_failure_in_the_schedule_leaves_the_group_as_it_was(db, monkeypatch):
    group = groups.create_group("Adults", description="grown-ups", condition=ADULTS)
    scheduler.schedule_group(group, True, "02:30")
    before = ContactGroup.get_by_id(group.id)

    def broken(*_args):
        raise StoreError("the clock is broken")  # after the group is written, before the task

    monkeypatch.setattr(scheduler, "next_run_after", broken)
    with pytest.raises(StoreError, match="clock is broken"):
        groups.save_group(group.id, display_name="Grown-ups", code_name="GrownUps",
                          description="18 and over", condition="Contact.ContactAge >= 21",
                          schedule=True, schedule_time="04:00")
    after = ContactGroup.get_by_id(group.id)
    assert after.__data__ == before.__data__
    assert ScheduledTask.get().time_of_day == "02:30"


def test_a_change_and_a_schedule_turned_off_are_saved_together(db):
    group = groups.create_group("Adults", condition=ADULTS)
    scheduler.schedule_group(group, True, "02:30")
    saved = groups.save_group(group.id, display_name="Grown-ups", description="18+",
                              condition=ADULTS, schedule=False)
    assert (saved.display_name, saved.description, saved.schedule_enabled) == (
        "Grown-ups", "18+", False)
    assert not ScheduledTask.get().enabled
    untouched = groups.save_group(group.id, display_name="Adults", condition=ADULTS)
    assert (untouched.schedule_time, untouched.schedule_enabled) == ("02:30", False)

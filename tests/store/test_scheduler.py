"""Daily scheduled rebuilds: default times, next runs across midnight and DST, due runs."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest

from store import groups
from store.db.models import ScheduledTask
from store.engine import scheduler
from store.errors import StoreError

PRAGUE = ZoneInfo("Europe/Prague")


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args)


def test_default_times_are_between_two_and_six_in_five_minute_steps():
    rng = random.Random(7)
    times = {scheduler.random_night_time(rng) for _ in range(500)}
    assert min(times) == "02:00" and max(times) == "05:55"
    assert all(int(t[3:]) % 5 == 0 for t in times)


def test_next_run_later_today_or_across_midnight():
    zone = dt.UTC
    assert scheduler.next_run_after("03:15", utc(2026, 5, 1, 1, 0), zone) == utc(2026, 5, 1, 3, 15)
    assert scheduler.next_run_after("03:15", utc(2026, 5, 1, 3, 15), zone) == utc(2026, 5, 2, 3, 15)
    assert scheduler.next_run_after("00:05", utc(2026, 12, 31, 23, 59), zone) == utc(
        2027, 1, 1, 0, 5)


def test_next_run_in_a_zone_with_daylight_saving():
    # Prague is UTC+1 in winter, UTC+2 in summer; the clocks move on 2026-03-29 and 2026-10-25.
    assert scheduler.next_run_after("03:00", utc(2026, 3, 28, 12, 0), PRAGUE) == utc(
        2026, 3, 29, 1, 0)  # 03:00 CEST, the first summer morning
    assert scheduler.next_run_after("03:00", utc(2026, 3, 29, 1, 0), PRAGUE) == utc(
        2026, 3, 30, 1, 0)
    skipped = scheduler.next_run_after("02:30", utc(2026, 3, 28, 12, 0), PRAGUE)
    assert skipped == utc(2026, 3, 29, 1, 30)  # 02:30 does not exist: runs at 03:30 CEST, once
    twice = scheduler.next_run_after("02:30", utc(2026, 10, 24, 12, 0), PRAGUE)
    assert twice == utc(2026, 10, 25, 0, 30)  # the first 02:30 (CEST)
    assert scheduler.next_run_after("02:30", twice, PRAGUE) == utc(2026, 10, 26, 1, 30)


@pytest.mark.parametrize("bad", ["24:00", "3pm", "", "12:60", "1:2"])
def test_bad_times_are_refused(bad):
    with pytest.raises(StoreError, match="not a time of day"):
        scheduler.parse_time(bad)


def test_scheduling_a_group_creates_its_named_task(db):
    group = groups.create_group("Inactive contacts")
    task = scheduler.schedule_group(group, True)
    assert task.name == "Contact group 'Inactive contacts' rebuild"
    assert "02:00" <= task.time_of_day <= "05:55"
    assert groups.get_group("InactiveContacts").schedule_enabled
    scheduler.schedule_group(group, False)
    kept = ScheduledTask.get()
    assert not kept.enabled and kept.time_of_day == task.time_of_day


def test_due_tasks_run_once_disabled_skip_and_failures_are_recorded(db, monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    start = utc(2026, 5, 1, 0, 0)
    ok = groups.create_group("Fine")
    bad = groups.create_group("Broken")
    off = groups.create_group("Switched off")
    scheduler.schedule_group(ok, True, "02:00", now=start)
    scheduler.schedule_group(bad, True, "02:05", now=start)
    scheduler.schedule_group(off, False, "02:00", now=start)
    ran = []

    def run(group):
        ran.append(group.code_name)
        if group.code_name == "Broken":
            raise StoreError("the condition is invalid")
        return "added 3, removed 1"

    assert scheduler.run_due(run, now=utc(2026, 5, 1, 1, 59)) == []
    outcomes = scheduler.run_due(run, now=utc(2026, 5, 1, 2, 10))
    assert ran == ["Fine", "Broken"]
    assert [(o.group, o.ok) for o in outcomes] == [("Fine", True), ("Broken", False)]
    assert scheduler.run_due(run, now=utc(2026, 5, 1, 2, 11)) == [], "each task runs once"
    broken = ScheduledTask.get(ScheduledTask.group == bad.id)
    assert broken.last_result == "failed: the condition is invalid"
    assert broken.next_run_at == utc(2026, 5, 2, 2, 5)
    assert [o.group for o in scheduler.run_due(run, now=utc(2026, 5, 2, 3, 0))] == [
        "Fine", "Broken"]


def test_last_run_is_the_later_of_the_schedulers_and_a_rebuild_by_hand(db):
    from store.db.models import ContactGroup

    group = groups.create_group("Nightly", condition='Contact.ContactCity == "Prague"')
    scheduler.schedule_group(group, True, "03:00")
    [task] = scheduler.list_tasks()
    assert task.name == "Contact group 'Nightly' rebuild"
    assert (task.last_run_at, task.last_result) == (None, "")
    ScheduledTask.update(last_run_at=utc(2026, 5, 1, 3, 0), last_result="ran at night").execute()
    ContactGroup.update(last_rebuild_at=utc(2026, 5, 1, 2, 59), last_added=4, last_removed=1,
                        member_count=12, last_rebuild_seconds=0.5).execute()
    [task] = scheduler.list_tasks()
    assert (task.last_run_at, task.last_result) == (utc(2026, 5, 1, 3, 0), "ran at night")
    ContactGroup.update(last_rebuild_at=utc(2026, 5, 1, 9, 30)).execute()  # "run now"
    [task] = scheduler.list_tasks()
    assert (task.last_run_at, task.last_result) == (utc(2026, 5, 1, 9, 30),
                                                    "+4 -1, 12 members in 0.50 s")

"""Daily scheduled rebuilds (SPEC §6): one task per group, at a local wall-clock time.

Times are kept as ``HH:MM`` in the installation's time zone, because admins think "every
night at 03:15"; the next run is computed in that zone and stored in UTC, so a day with a
daylight-saving change still runs once, at the wall-clock time (or, when that time does not
exist that day, as far after the change as it was into the skipped hour). Tasks are claimed
with a compare-and-set on their next run time, so two schedulers never run a task twice.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from store.clock import utcnow
from store.db.database import database_proxy
from store.db.models import ContactGroup, GroupLike, ScheduledTask
from store.errors import StoreError
from store.rows import GroupRow, TaskRow
from store.settings import get_setting

TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def task_name(group: GroupLike) -> str:
    return f"Contact group '{group.display_name}' rebuild"


def random_night_time(rng: random.Random | None = None) -> str:
    """A time between 02:00 and 06:00 in 5-minute steps, so nightly rebuilds spread out."""
    minutes = (rng or random.Random()).randrange(2 * 60, 6 * 60, 5)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_time(text: str) -> dt.time:
    match = TIME_RE.match(text.strip())
    if not match:
        raise StoreError(f"'{text}' is not a time of day (use HH:MM, 00:00 to 23:59)")
    return dt.time(int(match.group(1)), int(match.group(2)))


def local_zone() -> dt.tzinfo:
    """The zone task times are in: the ``timezone`` setting, else ``$TZ``, else the system's."""
    for name in (get_setting("timezone", ""), os.environ.get("TZ", "").lstrip(":"),
                 _system_zone_name()):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return dt.UTC


def _system_zone_name() -> str:
    link = Path("/etc/localtime")
    try:
        target = str(link.resolve())
    except OSError:
        return ""
    return target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else ""


def next_run_after(time_of_day: str, after_utc: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """The first moment strictly after ``after_utc`` (naive UTC) when the local wall clock
    shows ``time_of_day``; returned as naive UTC."""
    wanted = parse_time(time_of_day)
    after = after_utc.replace(tzinfo=dt.UTC)
    local_day = after.astimezone(zone).date()
    for offset in range(0, 3):
        day = local_day + dt.timedelta(days=offset)
        candidate = _wall_clock_to_utc(day, wanted, zone)
        if candidate > after:
            return candidate.replace(tzinfo=None)
    raise AssertionError("a daily time always recurs within three days")


def _wall_clock_to_utc(day: dt.date, wanted: dt.time, zone: dt.tzinfo) -> dt.datetime:
    """UTC of ``day`` at ``wanted`` local time. A time that occurs twice (autumn) is taken
    the first time; a time skipped by the spring change runs as far after the change as it
    was into the gap (02:30 → 03:30), which is what ``fold=0`` means for zoneinfo."""
    return dt.datetime.combine(day, wanted, tzinfo=zone).astimezone(dt.UTC)


def schedule_group(group: GroupLike, enabled: bool, time_of_day: str | None = None,
                   now: dt.datetime | None = None) -> ScheduledTask | None:
    """Turn a group's daily rebuild on or off; keeps its task (and time) for later."""
    with database_proxy.atomic():
        task = ScheduledTask.get_or_none(ScheduledTask.group == group.id)
        if task is None and not enabled:
            ContactGroup.update(schedule_enabled=False).where(
                ContactGroup.id == group.id).execute()
            return None
        time_text = _normalise(time_of_day) if time_of_day else (
            task.time_of_day if task else random_night_time())
        if task is None:
            task = ScheduledTask(group=group.id, name=task_name(group))
        task.time_of_day = time_text
        task.enabled = enabled
        task.name = task_name(group)
        task.next_run_at = next_run_after(time_text, now or utcnow(), local_zone())
        task.save()
        ContactGroup.update(schedule_enabled=enabled, schedule_time=time_text).where(
            ContactGroup.id == group.id).execute()
        return task


def _normalise(time_of_day: str) -> str:
    return parse_time(time_of_day).strftime("%H:%M")


def set_task_time(task: TaskRow, time_of_day: str, now: dt.datetime | None = None) -> None:
    group = ContactGroup.get_by_id(task.group_id)
    schedule_group(group, task.enabled, time_of_day, now)


def set_task_enabled(task: TaskRow, enabled: bool, now: dt.datetime | None = None) -> None:
    group = ContactGroup.get_by_id(task.group_id)
    schedule_group(group, enabled, task.time_of_day, now)


def list_tasks() -> list[TaskRow]:
    """Every task with its last run resolved (see :func:`_last_run`), in one query."""
    query = (ScheduledTask.select(ScheduledTask, ContactGroup).join(ContactGroup)
             .order_by(ScheduledTask.time_of_day, ScheduledTask.name))
    return [TaskRow(task.id, task.group_id, task.name, task.time_of_day, task.enabled,
                    task.next_run_at, *_last_run(task, task.group)) for task in query]


def _last_run(task: ScheduledTask, group: ContactGroup) -> tuple[dt.datetime | None, str]:
    """When the task's group was last rebuilt, and the result, whoever ran it.

    The scheduler records its runs on the task; a rebuild started by hand ("run now", the
    editor, the command line) is recorded on the group only. An admin who pressed "run now"
    expects the task to show that run, so the later of the two wins.
    """
    rebuilt = group.last_rebuild_at
    if rebuilt is None or (task.last_run_at is not None and task.last_run_at >= rebuilt):
        return task.last_run_at, task.last_result or ""
    return rebuilt, (f"+{group.last_added or 0:,} -{group.last_removed or 0:,}, "
                     f"{group.member_count:,} members in {group.last_rebuild_seconds or 0:.2f} s")


@dataclass(frozen=True)
class TaskOutcome:
    task: str
    group: str
    ok: bool
    message: str


def run_due(run: Callable[[GroupRow], str], now: dt.datetime | None = None
            ) -> list[TaskOutcome]:
    """Run every enabled task whose time has come, each once; one failure stops nothing.

    ``run`` rebuilds a group and returns a one-line summary; a StoreError it raises is
    recorded on the task as its result.
    """
    now = now or utcnow()
    zone = local_zone()
    outcomes = []
    due = (ScheduledTask.select().where(ScheduledTask.enabled & (ScheduledTask.next_run_at <= now))
           .order_by(ScheduledTask.next_run_at))
    for task in list(due):
        if not _claim(task, next_run_after(task.time_of_day, now, zone)):
            continue  # another scheduler took it
        group = GroupRow.of(ContactGroup.get_by_id(task.group_id))
        try:
            summary, ok = run(group), True
        except StoreError as error:
            summary, ok = f"failed: {error}", False
        ScheduledTask.update(last_run_at=utcnow(), last_result=summary).where(
            ScheduledTask.id == task.id).execute()
        outcomes.append(TaskOutcome(task.name, group.code_name, ok, summary))
    return outcomes


def _claim(task: ScheduledTask, next_run: dt.datetime) -> bool:
    claimed = ScheduledTask.update(next_run_at=next_run).where(
        (ScheduledTask.id == task.id) & (ScheduledTask.next_run_at == task.next_run_at)
    ).execute()
    return claimed == 1

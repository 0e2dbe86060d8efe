"""Whether a scheduler is alive: the scheduler's heartbeat, kept in the settings table.

Scheduled rebuilds happen only while ``contact-groups scheduler`` runs (or cron starts
``scheduler --once``), and nothing else would tell an admin that none does. The foreground
scheduler writes a beat every :data:`BEAT_SECONDS` and a last one when it stops; ``--once``
writes one per run. Readers judge the age of the last beat: a scheduler killed hard simply
stops beating.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
from dataclasses import dataclass

from store.clock import utcnow
from store.settings import get_setting, set_setting

KEY = "scheduler_heartbeat"
BEAT_SECONDS = 30.0
LOOP, ONCE, STOPPED = "running", "once", "stopped"
# A running scheduler that missed three beats is gone; cron is told to run every 5 minutes
# (README), so a run missed twice over means cron no longer runs it.
STALE_AFTER = {LOOP: dt.timedelta(seconds=3 * BEAT_SECONDS), ONCE: dt.timedelta(minutes=11)}


@dataclass(frozen=True)
class SchedulerState:
    """The last beat (``mode`` None: never), and the time it was read at."""

    mode: str | None
    at: dt.datetime | None
    host: str = ""
    pid: int = 0
    now: dt.datetime | None = None

    @property
    def alive(self) -> bool:
        limit = STALE_AFTER.get(self.mode or "")
        if limit is None or self.at is None:
            return False
        return (self.now or utcnow()) - self.at <= limit

    def describe(self, zone: dt.tzinfo) -> str:
        """One line for the groups list and the tasks screen."""
        if self.alive and self.mode == LOOP:
            return f"Scheduler running (pid {self.pid} on {self.host})"
        if self.alive:
            return f"Scheduler run by cron, last at {_local(self.at, zone)}"
        if self.mode is None:
            return "No scheduler running: daily rebuilds wait (see README: scheduler)"
        seen = "stopped" if self.mode == STOPPED else "last seen"
        return f"No scheduler running ({seen} {_local(self.at, zone)}): daily rebuilds wait"


def _local(moment: dt.datetime | None, zone: dt.tzinfo) -> str:
    if moment is None:
        return ""
    return moment.replace(tzinfo=dt.UTC).astimezone(zone).strftime("%m-%d %H:%M")


def beat(mode: str) -> None:
    """Record that a scheduler of ``mode`` (LOOP, ONCE or STOPPED) is at work now."""
    record = {"mode": mode, "at": utcnow().isoformat(), "host": socket.gethostname(),
              "pid": os.getpid()}
    set_setting(KEY, json.dumps(record))


def state(now: dt.datetime | None = None) -> SchedulerState:
    """The last beat, judged at ``now``."""
    now = now or utcnow()
    try:
        record = json.loads(get_setting(KEY, ""))
        return SchedulerState(record["mode"], dt.datetime.fromisoformat(record["at"]),
                              record.get("host", ""), int(record.get("pid", 0)), now)
    except (ValueError, KeyError, TypeError):  # never written (or not by us)
        return SchedulerState(None, None, now=now)

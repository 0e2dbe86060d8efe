"""``contact-groups scheduler``: run due rebuilds in the foreground until told to stop, and
every few seconds re-evaluate the contacts other systems wrote
(:mod:`store.engine.external_changes`).

SIGTERM and ctrl-c end the loop cleanly between tasks (a rebuild in progress finishes or is
left to the lock's takeover if the process is killed harder). Progress goes to the log.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType

from store.db.database import close, translate_errors
from store.engine import external_changes, heartbeat, scheduler
from store.errors import StoreError
from store.rows import GroupRow
from tui.formatting import plural

POLL_SECONDS = 30.0
WATCH_SECONDS = 5.0

log = logging.getLogger("contact-groups.scheduler")


def run_forever(run: Callable[[GroupRow], str], poll: float = POLL_SECONDS,
                watch: float = WATCH_SECONDS) -> None:
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s: stopping after the current task", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    log.info("scheduler started; checking for due rebuilds every %.0f s and for other "
             "systems' changes every %.0f s", poll, watch)
    heartbeat.beat(heartbeat.LOOP)
    beating = threading.Thread(target=_beat_until, args=(stop,), name="heartbeat", daemon=True)
    beating.start()
    next_due = 0.0
    try:
        while not stop.is_set():
            if time.monotonic() >= next_due:
                next_due = time.monotonic() + poll
                for outcome in scheduler.run_due(run):
                    level = logging.INFO if outcome.ok else logging.ERROR
                    log.log(level, "%s: %s", outcome.task, outcome.message)
            catch_up()
            stop.wait(watch)
    finally:
        stop.set()
        beating.join()
        heartbeat.beat(heartbeat.STOPPED)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        log.info("scheduler stopped")


def catch_up() -> None:
    """Re-evaluate other systems' changes; a failure is logged and retried next time."""
    try:
        with translate_errors("the database"):
            found = external_changes.catch_up()
    except StoreError as error:
        log.error("re-evaluating other systems' changes failed: %s", error)
        return
    if found.contacts:
        moved = ", ".join(f"{code} +{added:,} -{removed:,}"
                          for code, (added, removed) in found.result.changed.items())
        log.info("other systems changed %s: %s", plural(found.contacts, "contact"),
                 moved or "no group changed")


def _beat_until(stop: threading.Event) -> None:
    """Beat on a thread of its own, so that a long rebuild does not look like a death."""
    try:
        while not stop.wait(heartbeat.BEAT_SECONDS):
            try:
                heartbeat.beat(heartbeat.LOOP)
            except Exception as error:  # a busy or lost database: the next beat retries
                log.warning("could not record the scheduler's heartbeat: %s", error)
    finally:
        close()  # this thread's own connection

"""``contact-groups scheduler``: run due rebuilds in the foreground until told to stop.

SIGTERM and ctrl-c end the loop cleanly between tasks (a rebuild in progress finishes or is
left to the lock's takeover if the process is killed harder). Progress goes to the log.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType

from store import heartbeat, scheduler
from store.database import close
from store.models import ContactGroup

POLL_SECONDS = 30.0

log = logging.getLogger("contact-groups.scheduler")


def run_forever(run: Callable[[ContactGroup], str], poll: float = POLL_SECONDS) -> None:
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s: stopping after the current task", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    log.info("scheduler started; checking for due rebuilds every %.0f s", poll)
    heartbeat.beat(heartbeat.LOOP)
    beating = threading.Thread(target=_beat_until, args=(stop,), name="heartbeat", daemon=True)
    beating.start()
    try:
        while not stop.is_set():
            for outcome in scheduler.run_due(run):
                level = logging.INFO if outcome.ok else logging.ERROR
                log.log(level, "%s: %s", outcome.task, outcome.message)
            stop.wait(poll)
    finally:
        stop.set()
        beating.join()
        heartbeat.beat(heartbeat.STOPPED)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        log.info("scheduler stopped")


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

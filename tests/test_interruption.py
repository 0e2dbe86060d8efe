"""A rebuild interrupted in a real process (issue 10): signals, a lost connection, a pause.

Whatever stops a rebuild — ctrl+c, SIGTERM, a dropped SSH connection (SIGHUP), the server
closing the connection, or another process taking over from a holder that was paused —
the group keeps its members, its status goes back to what it was, and the user reads one
line, never a traceback.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from store import groups
from store.db import database
from store.db.models import Contact, Membership, RebuildLock
from store.engine import locks, rebuild
from store.rows import STATUS_READY, STATUS_REBUILD_REQUIRED, STATUS_REBUILDING

from .e2e_support import Terminal, installed_command

pytestmark = pytest.mark.slow

# Not translatable to SQL: evaluated contact by contact in Python, a few seconds for these.
SLOW = '"brno".EqualsAny(Contact.ContactCity.Split(","))'
SLOW_CONTACTS = 40_000


def _add_contacts(count: int, city: str = "Brno") -> None:
    rows = [{"first_name": f"F{i}", "last_name": f"L{i}", "email": f"c{i}@example.com",
             "city": city} for i in range(count)]
    with database.database_proxy.atomic():
        for start in range(0, count, 5_000):
            Contact.insert_many(rows[start:start + 5_000]).execute()


def _slow_group():
    _add_contacts(SLOW_CONTACTS)
    return groups.create_group("Slow", condition=SLOW)


def _status(group) -> str:
    return groups.get_group_by_id(group.id).status


def _wait_for_status(group, status: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while _status(group) != status:
        assert time.monotonic() < deadline, f"the group never became {status}"
        time.sleep(0.05)


def _assert_untouched(group) -> None:
    """As before the rebuild: no members, its old status, no lock left behind."""
    assert _status(group) == STATUS_REBUILD_REQUIRED
    assert Membership.select().where(Membership.group == group.id).count() == 0
    assert RebuildLock.select().count() == 0


def _start_rebuild(url: str, code: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tui.cli", "--db", url, "rebuild", code],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _one_line(stderr: str, *fragments: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP],
                         ids=["ctrl+c", "SIGTERM", "SIGHUP"])
def test_a_signal_cancels_a_command_line_rebuild(db, signum):
    group = _slow_group()
    process = _start_rebuild(db.url, group.code_name)
    _wait_for_status(group, STATUS_REBUILDING)
    time.sleep(0.3)  # into the evaluation
    process.send_signal(signum)
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 2, err
    _one_line(err, "cancelled", "members are unchanged")
    _assert_untouched(group)


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_a_connection_lost_mid_rebuild_is_one_line_and_the_status_comes_back(db):
    group = _slow_group()
    process = _start_rebuild(db.url, group.code_name)
    _wait_for_status(group, STATUS_REBUILDING)
    time.sleep(0.3)
    db.handle.execute_sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 2, err
    _one_line(err, "lost the connection", "members are unchanged")
    _assert_untouched(group)


PAUSING_REBUILD = """
import os, signal, sys
from store import groups
from store.db import database
from store.engine import rebuild
from store.errors import StoreError

database.connect(sys.argv[1])
paused = []

def pause_once_evaluated(fraction):
    if fraction >= 1.0 and not paused:
        paused.append(True)
        print("paused", flush=True)
        os.kill(os.getpid(), signal.SIGSTOP)  # a suspended VM, a ctrl+z

try:
    rebuild.rebuild_group(groups.get_group(sys.argv[2]), progress=pause_once_evaluated)
except StoreError as error:
    print(f"refused: {error}", flush=True)
    sys.exit(3)
print("applied", flush=True)
"""


def test_a_paused_holder_that_lost_its_lock_applies_nothing(db):
    """Paused after its evaluation, the holder is taken for dead; another process takes
    the group over with a new condition. Woken up, the first must drop its result. While
    it is paused, nobody else's writes wait for it."""
    _add_contacts(30, city="Brno")
    _add_contacts(20, city="Praha")
    group = groups.create_group("Town", condition='Contact.ContactCity == "Brno"')
    paused = subprocess.Popen([sys.executable, "-c", PAUSING_REBUILD, db.url, group.code_name],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert paused.stdout.readline().strip() == "paused"
        deadline = time.monotonic() + 10
        while _state(paused.pid) != "T":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        _add_contacts(5, city="Praha")  # writers go on meanwhile (SQLite held no lock)
        stale = RebuildLock.get().heartbeat_at - locks.STALE_AFTER * 2
        RebuildLock.update(heartbeat_at=stale).execute()
        assert locks.recover_interrupted() == [group.code_name]
        group = groups.update_group(groups.get_group_by_id(group.id),
                                    condition='Contact.ContactCity == "Praha"')
        result = rebuild.rebuild_group(group)
        assert result.members == 25
    finally:
        paused.send_signal(signal.SIGCONT)
    out, _err = paused.communicate(timeout=30)
    assert paused.returncode == 3, out
    assert "another process took over" in out
    praha = {c.id for c in Contact.select().where(Contact.city == "Praha")}
    members = {m.contact_id for m in Membership.select().where(Membership.group == group.id)}
    assert members == praha, "the woken holder wrote its stale result"
    assert _status(group) == STATUS_READY
    assert RebuildLock.select().count() == 0


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
@pytest.mark.parametrize("stop", ["ctrl+c", "hang-up"])
def test_quitting_the_tui_mid_rebuild_cancels_it_and_exits(db, stop):
    """ctrl+c in the app, or the terminal going away (what a dropped SSH connection does):
    the process ends within seconds, not when the rebuild would have finished."""
    group = _slow_group()
    terminal = Terminal(f"{installed_command()} --db {db.url}", width=100, height=30)
    try:
        terminal.wait_for("1 contact group")
        terminal.keys("R")
        _wait_for_status(group, STATUS_REBUILDING)
        time.sleep(0.3)
        if stop == "ctrl+c":
            terminal.keys("C-c")
            terminal.wait_until_closed(timeout=10)
        else:
            holder = RebuildLock.get().pid  # the app's own process
            terminal.close()  # tmux hangs up on the program
            _wait_for_exit(holder, timeout=10)
    finally:
        terminal.close()
    _assert_untouched(group)


def _wait_for_exit(pid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while Path(f"/proc/{pid}").exists() and _state(pid) != "Z":
        assert time.monotonic() < deadline, "the program outlived its terminal"
        time.sleep(0.05)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0]
    except FileNotFoundError:
        return "gone"

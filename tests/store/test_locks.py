"""Rebuild locks shared across processes, and recovery after a killed rebuild."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys

import pytest

from store import groups
from store.db.models import RebuildLock
from store.engine import locks
from store.rows import STATUS_READY, STATUS_REBUILD_REQUIRED, STATUS_REBUILDING


@pytest.fixture
def group(db):
    return groups.create_group("Locked group")


def _dead_pid() -> int:
    """The pid of a process that has just exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_second_request_is_told_who_holds_the_lock(group):
    locks.acquire(group, locks.Holder("alice", socket.gethostname(), 1))  # pid 1 is alive
    held = r"already being rebuilt by alice@.* since \d\d:\d\d"
    with pytest.raises(locks.AlreadyRebuilding, match=held):
        locks.acquire(group, locks.Holder("bob", socket.gethostname(), 1))
    assert groups.get_group(group.code_name).status == STATUS_REBUILDING


def test_a_dead_holders_lock_is_taken_over(group):
    locks.acquire(group, locks.Holder("alice", socket.gethostname(), _dead_pid()))
    taken = locks.acquire(group, locks.Holder("bob", socket.gethostname(), 1))
    assert RebuildLock.get().user == "bob"
    assert taken.previous_status == STATUS_READY, "the status before the dead rebuild survives"


def test_a_silent_holder_on_another_host_is_taken_over(group):
    lock = locks.acquire(group, locks.Holder("alice", "elsewhere.example", 4242))
    with pytest.raises(locks.AlreadyRebuilding):
        locks.acquire(group)
    old = lock.heartbeat_at - locks.STALE_AFTER - dt.timedelta(seconds=1)
    RebuildLock.update(heartbeat_at=old).execute()
    locks.acquire(group)
    assert RebuildLock.get().host == socket.gethostname()


def test_release_lets_the_next_request_in(group):
    lock = locks.acquire(group)
    locks.release(lock)
    locks.release(locks.acquire(group))
    assert RebuildLock.select().count() == 0


def test_recovery_restores_the_status_a_killed_rebuild_left(db):
    changed = groups.create_group("Changed", condition="Contact.ContactAge > 30")
    ready = groups.create_group("Ready one")
    alive = groups.create_group("Still running")
    locks.acquire(changed, locks.Holder("alice", socket.gethostname(), _dead_pid()))
    locks.acquire(ready, locks.Holder("alice", socket.gethostname(), _dead_pid()))
    locks.acquire(alive, locks.Holder("carol", socket.gethostname(), 1))
    assert sorted(locks.recover_interrupted()) == ["Changed", "ReadyOne"]
    assert groups.get_group("Changed").status == STATUS_REBUILD_REQUIRED
    recovered = groups.get_group("ReadyOne")
    assert recovered.status == STATUS_READY and "interrupted" in recovered.status_message
    assert groups.get_group("StillRunning").status == STATUS_REBUILDING

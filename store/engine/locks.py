"""One rebuild per group across every process: a lock row with its holder and a heartbeat.

A TUI session, the scheduler and a ``rebuild`` command may all ask for the same group. The
first takes the lock; the others are told who holds it. A holder that died — its process is
gone from this host, or its heartbeat is older than :data:`STALE_AFTER` — loses the lock to
the next request, and :func:`recover_interrupted` puts back the status a killed rebuild left
as ``Rebuilding``.

A holder that was only paused (SIGSTOP, a suspended VM) looks dead too, and may wake up
after another process took its group over. Each lock therefore carries a token of its own:
the heartbeat moves only its own token's row, and the rebuild checks its token inside the
transaction that applies its result (:func:`confirm_held`), so a holder that lost its lock
finds out and drops its result instead of writing over the new holder's.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import peewee as pw

from store.actor import current_actor
from store.clock import utcnow
from store.db.database import database_proxy, dialect
from store.db.models import ContactGroup, RebuildLock
from store.errors import StoreError
from store.rows import STATUS_REBUILD_REQUIRED, STATUS_REBUILDING

STALE_AFTER = dt.timedelta(seconds=30)
LOCK_DECISIONS = 727275  # advisory lock key: one process at a time decides who holds a lock


class AlreadyRebuilding(StoreError):
    """Another live process is rebuilding the group."""


class LockLost(StoreError):
    """The holder was taken for dead while it was paused; another process owns the group's
    rebuild now, so this one must change nothing, not even the group's status."""

    def __init__(self, group_id: int) -> None:
        super().__init__(
            "another process took over this rebuild while it was paused (no heartbeat for "
            f"{int(STALE_AFTER.total_seconds())} s); its result was dropped, members unchanged")
        self.group_id = group_id


@dataclass(frozen=True)
class Holder:
    user: str
    host: str
    pid: int

    @classmethod
    def current(cls) -> Holder:
        return cls(current_actor(), socket.gethostname(), os.getpid())


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by someone else
    return True


def holder_is_alive(lock: RebuildLock, now: dt.datetime | None = None) -> bool:
    """False when the holder's process is gone (same host) or its heartbeat went quiet."""
    now = now or utcnow()
    if lock.host == socket.gethostname() and not _process_exists(lock.pid):
        return False
    return now - lock.heartbeat_at < STALE_AFTER


@contextmanager
def _locked_transaction() -> Iterator[None]:
    """A write transaction that serialises lock decisions on both engines (SQLite's
    transactions all begin IMMEDIATE)."""
    with dialect().exclusive_transaction(database_proxy, LOCK_DECISIONS):
        yield


def acquire(group: ContactGroup, holder: Holder | None = None) -> RebuildLock:
    """Take the group's rebuild lock and mark it ``Rebuilding``, or raise AlreadyRebuilding."""
    holder = holder or Holder.current()
    with _locked_transaction():
        current = ContactGroup.get_by_id(group.id)
        existing = RebuildLock.get_or_none(RebuildLock.group == group.id)
        previous_status = current.status
        if existing is not None:
            if holder_is_alive(existing):
                raise AlreadyRebuilding(
                    f"'{current.display_name}' is already being rebuilt by "
                    f"{existing.user}@{existing.host} since "
                    f"{_local_clock(existing.started_at)}"
                )
            previous_status = existing.previous_status
            existing.delete_instance()
        now = utcnow()
        lock = RebuildLock.create(group=group.id, user=holder.user, host=holder.host,
                                  pid=holder.pid, started_at=now, heartbeat_at=now,
                                  previous_status=previous_status,
                                  token=secrets.token_hex(16))
        ContactGroup.update(status=STATUS_REBUILDING, progress=0.0, status_message=None).where(
            ContactGroup.id == group.id).execute()
    return lock


def _own(lock: RebuildLock) -> pw.Expression:
    return (RebuildLock.group == lock.group_id) & (RebuildLock.token == lock.token)


def heartbeat(lock: RebuildLock, progress: float) -> None:
    """Tell other processes the holder is alive, and how far it got (0..1); raises
    :class:`LockLost` if another process has taken the lock over meanwhile."""
    with database_proxy.atomic():
        if not RebuildLock.update(heartbeat_at=utcnow()).where(_own(lock)).execute():
            raise LockLost(lock.group_id)
        ContactGroup.update(progress=progress).where(ContactGroup.id == lock.group_id).execute()


def confirm_held(lock: RebuildLock) -> None:
    """Inside the transaction that applies a rebuild: raise :class:`LockLost` unless this
    holder still owns the lock, and keep a takeover out until the transaction ends (a row
    lock on PostgreSQL; SQLite's write lock already does)."""
    held = RebuildLock.select(RebuildLock.group).where(_own(lock))
    if not dialect().serialised_writes:
        held = held.for_update()
    if held.first() is None:
        raise LockLost(lock.group_id)


def release(lock: RebuildLock) -> None:
    """Drop this holder's lock (not a successor's); the caller has written the status."""
    RebuildLock.delete().where(_own(lock)).execute()


def recover_interrupted() -> list[str]:
    """Clear ``Rebuilding`` left by killed processes; returns the groups' code names.

    Their membership is untouched (a rebuild applies its changes in one transaction at the
    end), so the status goes back to what it was before the rebuild started.
    """
    recovered = []
    with _locked_transaction():
        stuck = ContactGroup.select().where(ContactGroup.status == STATUS_REBUILDING)
        for group in stuck:
            lock = RebuildLock.get_or_none(RebuildLock.group == group.id)
            if lock is not None and holder_is_alive(lock):
                continue
            previous = lock.previous_status if lock is not None else None
            if lock is not None:
                lock.delete_instance()
            ContactGroup.update(
                status=previous if previous and previous != STATUS_REBUILDING else
                STATUS_REBUILD_REQUIRED,
                progress=None,
                status_message="The last rebuild was interrupted; members are as before it.",
            ).where(ContactGroup.id == group.id).execute()
            recovered.append(group.code_name)
    return recovered


def _local_clock(moment: dt.datetime) -> str:
    """``14:02`` in the admin's local time for a naive-UTC timestamp."""
    return moment.replace(tzinfo=dt.UTC).astimezone().strftime("%H:%M")

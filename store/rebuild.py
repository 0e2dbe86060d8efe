"""Rebuilding a condition-based group (SPEC §6): evaluate first, then apply the difference.

The condition is evaluated into a connection-private staging table. SQLite evaluates it in
one statement when that finishes within AT_ONCE_SECONDS, otherwise in steps over contact-id
ranges, so progress is reported; a cancel stops the running statement at once. PostgreSQL
evaluates it in one statement watched by a thread that cancels it on request and reports
progress against the last rebuild's time (see ``_Steps.watched``). Nothing visible changes
meanwhile. The difference is then applied in one short transaction: contacts that now match
gain *from condition*, contacts that no longer match lose it (rows left with no source go),
manual and account memberships and exclusions are respected, every change is audited and
the group's figures are stored. Killed at any moment before that transaction commits, the
group keeps its old members; the lock's takeover and
:func:`store.locks.recover_interrupted` clean up after it.

Contacts changed while the evaluation ran (their ``modified`` is after the rebuild started)
are evaluated again inside the applying transaction, so a concurrent edit is never lost;
contacts deleted meanwhile are dropped from the staged set.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

import peewee as pw

from conditions import CheckedCondition, CompiledQuery
from store import audit, condition_service, locks, settings
from store.actor import current_actor
from store.condition_service import check_condition, compile_condition, contact_matches
from store.contact_sets import live_contacts
from store.database import database_proxy, on_sqlite
from store.errors import StoreError
from store.membership import finish_change, grant, members_not_in, not_members, revoke
from store.models import (
    STATUS_FAILED,
    STATUS_READY,
    STATUS_REBUILD_REQUIRED,
    Contact,
    ContactGroup,
    Membership,
    utcnow,
)

STAGE = "rebuild_stage"
STEP_SECONDS = 0.5  # each evaluation step aims at this, so a cancel lands within a second
AT_ONCE_SECONDS = 0.1  # how long the one-statement evaluation may try before steps take over
FIRST_STEP_IDS = 50_000
HEARTBEAT_EVERY = 1.0
WATCH_SECONDS = 0.1  # how often a PostgreSQL statement's watcher looks at the cancel token

Progress = Callable[[float], None]


class CancelToken:
    """Set from another thread (the TUI's escape key) to stop a rebuild between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


class RebuildCancelled(StoreError):
    """The rebuild was cancelled; the group's members are as they were."""


@dataclass(frozen=True)
class RebuildResult:
    group: str
    added: int
    removed: int
    members: int
    seconds: float

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def rebuild_group(group: ContactGroup, *, progress: Progress | None = None,
                  cancel: CancelToken | None = None, actor: str | None = None,
                  now: dt.datetime | None = None) -> RebuildResult:
    """Rebuild one condition-based group; raises AlreadyRebuilding, RebuildCancelled or a
    StoreError saying why it failed (the group is then marked *Failed* with that message)."""
    if not group.is_condition_based:
        raise StoreError(f"'{group.display_name}' has no condition: there is nothing to rebuild")
    settings.require_ems(settings.CONDITION_FEATURE)  # saved under EMS, the licence changed
    actor = actor or current_actor()
    lock = locks.acquire(group)
    started, clock = utcnow(), time.perf_counter()
    try:
        checked = check_condition(group.condition)
        now = now or started
        compiled = compile_condition(checked, now)
        _create_stage()
        # Counting contacts costs SQLite more than looking for departed ones straight away
        # (two merging passes); PostgreSQL's anti joins for that cost several counts.
        census = None if on_sqlite() else _Census.take()
        runner = _Steps(lock, progress, cancel)
        if compiled.translatable:
            _stage_by_sql(compiled, runner, _last_seconds(group, lock.previous_status))
        else:
            _stage_in_memory(checked, now, runner)
        _analyze_stage()
        with database_proxy.atomic():
            _restage_changed_since(started, checked, compiled, now)
            added, removed = _apply(group.id, actor, census)
            members = finish_change(group, added + removed)
            seconds = time.perf_counter() - clock
            ContactGroup.update(
                status=STATUS_READY, status_message=None, progress=None,
                slow_reason=compiled.reason, last_rebuild_at=utcnow(),
                last_rebuild_seconds=seconds, last_added=added, last_removed=removed,
            ).where(ContactGroup.id == group.id).execute()
            locks.release(lock)
        return RebuildResult(group.code_name, added, removed, members, round(seconds, 3))
    except RebuildCancelled:
        _finish_without_change(lock, lock.previous_status, None)
        raise
    except StoreError as error:
        _finish_without_change(lock, STATUS_FAILED, str(error))
        raise
    except Exception as error:
        _finish_without_change(lock, STATUS_FAILED, f"internal error: {error}")
        raise
    finally:
        _drop_stage()


def _finish_without_change(lock, status: str, message: str | None) -> None:
    with database_proxy.atomic():
        ContactGroup.update(status=status, status_message=message, progress=None).where(
            ContactGroup.id == lock.group_id).execute()
        locks.release(lock)


# --- staging ----------------------------------------------------------------------------


def _create_stage() -> None:
    # On SQLite exactly INTEGER PRIMARY KEY makes the id the row's own key: one B-tree to
    # fill and probe instead of a table and an index beside it.
    key = "INTEGER" if on_sqlite() else "BIGINT"
    database_proxy.execute_sql(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE} (contact_id {key} PRIMARY KEY)")
    database_proxy.execute_sql(f"DELETE FROM {STAGE}")


def _drop_stage() -> None:
    with contextlib.suppress(pw.DatabaseError):  # a lost connection took the table with it
        database_proxy.execute_sql(f"DROP TABLE IF EXISTS {STAGE}")


def _analyze_stage() -> None:
    """PostgreSQL never analyzes a temporary table by itself, and planned the differences
    for a few thousand staged ids where there were 350,000."""
    if not on_sqlite():
        database_proxy.execute_sql(f"ANALYZE {STAGE}")


_STAGE_TABLE = pw.Table(STAGE, ("contact_id",))


def _staged() -> pw.SelectQuery:
    return _STAGE_TABLE.select(_STAGE_TABLE.contact_id)


class _Steps:
    """Paces the evaluation: id ranges sized to ~STEP_SECONDS, progress, heartbeat, cancel."""

    def __init__(self, lock, progress: Progress | None, cancel: CancelToken | None) -> None:
        self.lock, self.progress, self.cancel = lock, progress, cancel
        self._last_beat = 0.0

    def at_once(self, statement: str, params: tuple) -> bool:
        """Evaluate everything in one statement when that takes at most AT_ONCE_SECONDS (SQLite).

        A selective condition (a form, an account) pays a fixed price per statement — its
        subquery runs again for every range — and SQLite plans a narrow id range as a scan
        of that range, so steps make it several times slower than one statement. A try that
        outlasts AT_ONCE_SECONDS is stopped, changing nothing, and the ranges follow: a
        large condition loses that much time, a tenth of what it takes on a million contacts.
        """
        self._check_cancel()
        finished = _run_within(statement, params, AT_ONCE_SECONDS, self._cancelled)
        if finished:
            self._report(1.0)
        self._check_cancel()
        return finished

    def run(self, statement: str, params: tuple) -> None:
        """Run one step's statement; on SQLite a cancel stops it at once, changing nothing."""
        _run_within(statement, params, None, self._cancelled)
        self._check_cancel()

    def watched(self, statement: str, params: tuple, expected_seconds: float | None) -> None:
        """Evaluate everything in one statement, however long it takes (PostgreSQL).

        PostgreSQL plans each id range anew — a hash of every recent activity, or an index
        walk — so ranges took twice the one statement, whose plan is the one a DBA's query
        gets. A cancel still stops it within WATCH_SECONDS and the lock keeps its heartbeat;
        the progress is the time spent against ``expected_seconds`` (the last rebuild's).
        """
        self._check_cancel()
        started = time.perf_counter()

        def tick() -> None:
            if expected_seconds:
                self._report(min(0.95, (time.perf_counter() - started) / expected_seconds))
            else:
                self._beat(0.0)

        _run_within(statement, params, None, self._cancelled, tick)
        self._check_cancel()
        self._report(1.0)
        self._check_cancel()

    def ranges(self):
        """Yield (low, high) id ranges covering every contact, adapting their width."""
        # Two subqueries: each is one index probe, where MIN and MAX in one SELECT make
        # SQLite read every row.
        low, high = database_proxy.execute_sql(
            "SELECT (SELECT MIN(id) FROM contact), (SELECT MAX(id) FROM contact)").fetchone()
        if low is None:
            return
        width, start = FIRST_STEP_IDS, low
        while start <= high:
            self._check_cancel()
            began = time.perf_counter()
            yield start, start + width
            elapsed = time.perf_counter() - began
            start += width
            self._report(min(1.0, (start - low) / (high - low + 1)))
            scale = STEP_SECONDS / max(elapsed, 1e-3)
            width = max(1_000, int(width * min(4.0, max(0.25, scale))))
        self._check_cancel()

    def _cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.cancelled

    def _check_cancel(self) -> None:
        if self._cancelled():
            raise RebuildCancelled("the rebuild was cancelled; members are unchanged")

    def _report(self, fraction: float) -> None:
        if self.progress is not None:
            self.progress(fraction)
        self._beat(fraction)

    def _beat(self, fraction: float) -> None:
        now = time.perf_counter()
        if now - self._last_beat >= HEARTBEAT_EVERY:
            locks.heartbeat(self.lock, fraction)
            self._last_beat = now


def _last_seconds(group: ContactGroup, previous_status: str) -> float | None:
    """How long the last rebuild of the same condition took; None if it changed since."""
    return None if previous_status == STATUS_REBUILD_REQUIRED else group.last_rebuild_seconds


def _stage_by_sql(compiled: CompiledQuery, steps: _Steps, last_seconds: float | None) -> None:
    """Stage the matching ids. On SQLite the one-statement try is skipped when the last
    rebuild took several times its AT_ONCE_SECONDS: it would be stopped again (a nightly
    rebuild of a large group would lose a tenth of its time), while a rebuild that stayed
    short kept evaluating in one statement, so the choice does not flip between nights."""
    param = database_proxy.param
    ids = compiled.id_column
    everything = f"INSERT INTO {STAGE} (contact_id) " + compiled.select(ids)
    if not on_sqlite():
        steps.watched(everything, compiled.params, last_seconds)
        return
    worth_trying = last_seconds is None or last_seconds < 4 * AT_ONCE_SECONDS
    if worth_trying and steps.at_once(everything, compiled.params):
        return
    statement = f"INSERT INTO {STAGE} (contact_id) " + compiled.select(
        ids, f"{ids} >= {param} AND {ids} < {param}")
    for low, high in steps.ranges():
        steps.run(statement, (*compiled.params, low, high))


def _run_within(statement: str, params: tuple, seconds: float | None,
                stop: Callable[[], bool], tick: Callable[[], None] | None = None) -> bool:
    """Run ``statement``, or stop it — changing nothing — after ``seconds`` (if given) or once
    ``stop()``. Returns whether it finished. On PostgreSQL ``tick`` is called every
    WATCH_SECONDS meanwhile, from another thread (SQLite could not write a heartbeat
    during its own statement anyway)."""
    db = database_proxy.obj
    sqlite = on_sqlite()
    if sqlite:
        limit = _sqlite_deadline(db, seconds, stop)
    else:
        limit = _postgres_watch(db, seconds, stop, tick)
    with limit:
        try:
            db.execute_sql(statement, params)
        except pw.OperationalError as error:
            if ("interrupted" if sqlite else "canceling statement") not in str(error):
                raise
            return False
    return True


@contextlib.contextmanager
def _sqlite_deadline(db: pw.SqliteDatabase, seconds: float | None, stop: Callable[[], bool]
                     ) -> Iterator[None]:
    deadline = time.perf_counter() + seconds if seconds else float("inf")
    connection = db.connection()
    connection.set_progress_handler(lambda: stop() or time.perf_counter() > deadline, 10_000)
    try:
        yield
    finally:
        connection.set_progress_handler(None, 0)


@contextlib.contextmanager
def _postgres_watch(db: pw.Database, seconds: float | None, stop: Callable[[], bool],
                    tick: Callable[[], None] | None) -> Iterator[None]:
    """``statement_timeout`` for the time; a thread that cancels the statement on ``stop()``
    (libpq's cancel request, made for this) and calls ``tick``. The thread's heartbeat
    writes go through its own connection, closed when it ends."""
    if seconds:
        db.execute_sql(f"SET statement_timeout = {max(1, round(seconds * 1000))}")
    connection, finished = db.connection(), threading.Event()

    def watch() -> None:
        try:
            while not finished.wait(WATCH_SECONDS):
                if stop():
                    connection.cancel()
                    return
                if tick is not None:
                    tick()
        finally:
            db.close()

    watcher = threading.Thread(target=watch, name="rebuild-watch", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        finished.set()
        watcher.join()
        if seconds:
            db.execute_sql("RESET statement_timeout")


def _stage_in_memory(checked: CheckedCondition, now: dt.datetime, steps: _Steps) -> None:
    """The slow path: evaluate each live contact of each range in Python."""
    current = condition_service.schema()
    for low, high in steps.ranges():
        contacts = Contact.select().where(Contact.merged_into.is_null() & (Contact.id >= low)
                                          & (Contact.id < high))
        _stage_ids([c.id for c in contacts if contact_matches(checked, c, now, current)])


def _stage_ids(ids: list[int]) -> None:
    if ids:
        param = database_proxy.param
        database_proxy.cursor().executemany(
            f"INSERT INTO {STAGE} (contact_id) VALUES ({param})", [(i,) for i in ids])


def _restage_changed_since(started: dt.datetime, checked: CheckedCondition,
                           compiled: CompiledQuery, now: dt.datetime) -> None:
    """Evaluate again the contacts modified while the rebuild was evaluating."""
    param = database_proxy.param
    changed = f"(SELECT id FROM contact WHERE modified >= {param})"
    # Usually nobody changed: one index probe then spares running the condition once more.
    if database_proxy.execute_sql(f"SELECT 1 FROM contact WHERE modified >= {param} LIMIT 1",
                                  (started,)).fetchone() is None:
        return
    database_proxy.execute_sql(f"DELETE FROM {STAGE} WHERE contact_id IN {changed}",
                               (started,))
    if compiled.translatable:
        ids = compiled.id_column
        database_proxy.execute_sql(
            f"INSERT INTO {STAGE} (contact_id) " + compiled.select(ids, f"{ids} IN {changed}"),
            (*compiled.params, started))
        return
    current = condition_service.schema()
    contacts = Contact.select().where(Contact.merged_into.is_null()
                                      & (Contact.modified >= started))
    _stage_ids([c.id for c in contacts if contact_matches(checked, c, now, current)])


# --- applying ---------------------------------------------------------------------------


def _apply(group_id: int, actor: str, census: _Census | None) -> tuple[int, int]:
    """Set *from condition* on the staged contacts and clear it on the others."""
    database_proxy.execute_sql(
        f"DELETE FROM {STAGE} WHERE contact_id IN (SELECT contact_id FROM exclusion "
        f"WHERE group_id = {database_proxy.param})", (group_id,))
    if census is None or census.anyone_departed():
        _drop_departed(group_id)
    added = grant(group_id, _staged(), Membership.from_condition, audit.SOURCE_CONDITION, actor,
                  eligible_already=True)
    not_staged = members_not_in(group_id, _staged(),
                                Membership.from_condition == True)  # noqa: E712
    removed = revoke(group_id, not_staged, Membership.from_condition, audit.SOURCE_CONDITION,
                     actor)
    return added, removed


@dataclass(frozen=True)
class _Census:
    """How many contacts there were, and the highest id, as the evaluation began."""

    count: int
    highest: int

    @classmethod
    def take(cls) -> _Census:
        count, highest = database_proxy.execute_sql(
            "SELECT COUNT(*), (SELECT MAX(id) FROM contact) FROM contact").fetchone()
        return cls(count, highest or 0)

    def anyone_departed(self) -> bool:
        """Whether a contact counted then is gone now (deleted: a merged one was modified,
        so it was staged again). Contacts created since have higher ids; one given the id
        of a deleted last contact (SQLite reuses it) was modified since as well."""
        count, born = database_proxy.execute_sql(
            "SELECT COUNT(*), (SELECT COUNT(*) FROM contact WHERE id > "
            f"{database_proxy.param}) FROM contact", (self.highest,)).fetchone()
        return count - born < self.count


def _drop_departed(group_id: int) -> None:
    """Unstage the contacts deleted since they were staged (if a census, saw some go).

    Deleting a contact removes its memberships, so only staged contacts that are no members
    can be such, and only those are looked up. (Comparing with every live id as well would
    read all of them even for a small new group.)
    """
    still_live = Contact.select(pw.SQL("1")).where(
        (Contact.id == _STAGE_TABLE.contact_id) & live_contacts())
    database_proxy.execute(_STAGE_TABLE.delete().where(
        _STAGE_TABLE.contact_id.in_(not_members(group_id, _staged()))
        & ~pw.fn.EXISTS(still_live)))

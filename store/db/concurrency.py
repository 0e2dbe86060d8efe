"""Keeping concurrent writers of one group's membership in line (SPEC §6, §11).

On SQLite every write transaction begins with the database's write lock (``BEGIN
IMMEDIATE``, see :mod:`store.db.database`), so writers already run one after another and each
sees everything committed before it: the locks here are no-ops there, and waiting for the
contact edits under way is taking that write lock for a moment.

PostgreSQL runs writers side by side at READ COMMITTED. A rebuild applying its difference
while an admin excludes a contact, or while a contact edit re-evaluates the same group, could
each decide from rows the other was changing: the exclusion undone, a duplicate row refused,
a row left with no source. So each transaction that changes a group's membership first takes
that group's transaction-scoped advisory lock, always in ascending id order and all at once
(an advisory lock does not conflict with the row locks that status and count updates take,
so taking them first cannot deadlock with those). After the lock, every statement of the
transaction sees what the previous holder committed.

A rebuild also has to see contact edits that were under way when its evaluation began:
their ``modified`` time is older than the rebuild's start, yet they commit after the
evaluation read the contacts. Contact edits hold a shared lock until they commit, and a
rebuild waits (briefly, and cancellably) for the exclusive lock before it evaluates.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import peewee as pw

from store.db.database import database_proxy, dialect

GROUP_LOCKS = 727276  # advisory lock class: one lock per contact group id
CONTACT_EDITS = 727277  # advisory lock key: the barrier between contact edits and rebuilds
EDIT_WAIT_SECONDS = 30.0  # a rebuild waits this long at most for open contact edits
EDIT_TRY_SECONDS = 0.1  # each wait for them, between looks at the cancel token


def lock_groups(group_ids: Iterable[int]) -> None:
    """Take the membership locks of ``group_ids`` until the transaction ends.

    Re-taking a lock the transaction holds does not wait, so a service that locked its
    groups may call another that locks some of them again.
    """
    ids = sorted(set(group_ids))
    if ids and not dialect().serialised_writes:
        database_proxy.execute_sql(
            "SELECT pg_advisory_xact_lock(%s, g) FROM unnest(%s::integer[]) AS g",
            (GROUP_LOCKS, ids))


def begin_contact_change(group_ids: Iterable[int] = ()) -> None:
    """Called first in a transaction that changes a contact's data or memberships.

    Locks every condition-based group (re-evaluation may write any of them, and locks
    taken later one by one could deadlock) and ``group_ids``, and joins the contact edits
    that a starting rebuild waits for. Static groups found afterwards may still be locked
    with :func:`lock_groups`: their other writers hold one group each and wait for none.
    """
    if dialect().serialised_writes:
        return
    transaction = database_proxy.top_transaction()
    if getattr(transaction, "contact_change_begun", False) and not group_ids:
        return  # re-evaluation calls this again inside the service's transaction
    # One round trip (psycopg2 sends both statements at once): a contact edit pays it on
    # every change. The shared lock comes first; then the groups' locks in id order.
    database_proxy.execute_sql(
        "SELECT pg_advisory_xact_lock_shared(%s); "
        "SELECT pg_advisory_xact_lock(%s, g) FROM ("
        "SELECT id AS g FROM contact_group WHERE condition IS NOT NULL "
        "UNION SELECT unnest(%s::integer[]) ORDER BY 1) AS locked",
        (CONTACT_EDITS, GROUP_LOCKS, sorted(set(group_ids))))
    if transaction is not None:
        transaction.contact_change_begun = True


def wait_for_contact_edits(cancelled: Callable[[], bool]) -> bool:
    """Wait until the contact edits open now have committed (PostgreSQL); False if they
    are still open after EDIT_WAIT_SECONDS (a session left idle in a transaction) — the
    rebuild then goes on, and re-checks recently modified contacts at the end.

    Queues for the exclusive lock in short tries (new edits queue behind it, so a steady
    stream of edits cannot starve it) and looks at ``cancelled`` between tries; the lock is
    let go at once, so edits wait at most for the ones before them.
    """
    if dialect().serialised_writes:
        with database_proxy.atomic():  # BEGIN IMMEDIATE: waits for the writer under way
            return True
    deadline = time.monotonic() + EDIT_WAIT_SECONDS
    database_proxy.execute_sql(f"SET lock_timeout = {int(EDIT_TRY_SECONDS * 1000)}")
    try:
        while not cancelled() and time.monotonic() < deadline:
            try:
                database_proxy.execute_sql("SELECT pg_advisory_lock(%s)", (CONTACT_EDITS,))
            except pw.OperationalError as error:
                if "lock timeout" not in str(error):
                    raise
                continue
            database_proxy.execute_sql("SELECT pg_advisory_unlock(%s)", (CONTACT_EDITS,))
            return True
        return False
    finally:
        database_proxy.execute_sql("RESET lock_timeout")

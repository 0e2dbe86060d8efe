"""Other systems writing the tables directly: the scheduler's look at the watermarks brings
their contacts' groups up to date, batched, on both engines."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time

from store import contacts, groups
from store.clock import utcnow
from store.db.database import close, connect, database_proxy
from store.db.models import Contact, Membership
from store.engine import external_changes

from .helpers import fresh


def _external_sql(sql: str, *params) -> None:
    """What a CRM does: plain SQL, no re-evaluation."""
    database_proxy.execute_sql(sql.replace("?", database_proxy.param), params)


def _members(code: str) -> set[int]:
    group = groups.get_group(code)
    return {m.contact_id for m in Membership.select().where(Membership.group == group.id)}


def test_an_external_update_and_activity_reach_their_groups(db):
    brno = groups.create_group("Brno", condition='Contact.ContactCity == "Brno"')
    groups.create_group("Buyers", condition='Contact.DidActivity("purchase")')
    jana = contacts.create_contact(email="jana@example.com", city="Praha")
    petr = contacts.create_contact(email="petr@example.com", city="Praha")
    assert external_changes.catch_up().contacts == 0  # the first look sets the watermarks
    later = utcnow() + dt.timedelta(seconds=1)
    _external_sql("UPDATE contact SET city = ?, modified = ? WHERE id = ?", "Brno",
                  Contact.modified.db_value(later), jana.id)
    _external_sql("INSERT INTO activity (contact_id, type, at) VALUES (?, ?, ?)", petr.id,
                  "purchase", Contact.modified.db_value(later))
    assert _members("Brno") == set() and _members("Buyers") == set()
    found = external_changes.catch_up()
    assert found.contacts == 2
    assert _members("Brno") == {jana.id} and _members("Buyers") == {petr.id}
    assert fresh(brno).member_count == 1
    assert external_changes.catch_up().contacts == 0  # nothing new: nothing re-evaluated


def test_the_running_scheduler_notices_an_external_writer(db):
    groups.create_group("Brno", condition='Contact.ContactCity == "Brno"')
    jana = contacts.create_contact(email="jana@example.com", city="Praha")
    close()
    scheduler = subprocess.Popen([sys.executable, "-m", "tui.cli", "--db", db.url,
                                  "scheduler"], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        connect(db.url)
        _wait_for(lambda: external_changes.Watermarks.stored() is not None)
        _external_sql("UPDATE contact SET city = ?, modified = ? WHERE id = ?", "Brno",
                      Contact.modified.db_value(utcnow() + dt.timedelta(seconds=1)), jana.id)
        _wait_for(lambda: _members("Brno") == {jana.id})
    finally:
        scheduler.send_signal(signal.SIGTERM)
        _, err = scheduler.communicate(timeout=60)
    assert "other systems changed 1 contact: Brno +1 -0" in err


def _wait_for(condition, limit: float = 60.0) -> None:
    """Poll until ``condition`` holds (the limit is a hang guard, not a timing claim)."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "the scheduler never caught up"
        time.sleep(0.2)

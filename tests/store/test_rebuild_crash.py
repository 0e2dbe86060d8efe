"""A rebuild killed with SIGKILL at random moments leaves the old or the new members, exactly,
and the next start clears the stale *Rebuilding* status."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from store import groups
from store.db.database import close, connect, database_proxy
from store.db.models import ContactGroup, Membership
from store.engine import locks
from store.engine.rebuild import rebuild_group
from store.rows import STATUS_REBUILDING

CONTACTS = 150_000
CITY = {"Prague": 'Contact.ContactCity == "Prague"', "Brno": 'Contact.ContactCity == "Brno"'}


def _fill(contacts: int) -> None:
    """Contacts in Prague (every third) and Brno, written by the database itself."""
    database_proxy.execute_sql(
        "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < "
        f"{int(contacts)}) INSERT INTO contact (first_name, last_name, email, city, gender, "
        "score, created, modified) SELECT 'F', 'L', 'c' || CAST(n AS TEXT) || '@example.com', "
        "CASE WHEN n - (n / 3) * 3 = 0 THEN 'Prague' ELSE 'Brno' END, 0, 0, "
        "'2026-01-01 00:00:00', '2026-01-01 00:00:00' FROM seq")


def _member_cities(group_id: int) -> set[str]:
    rows = database_proxy.execute_sql(
        "SELECT DISTINCT c.city FROM membership m JOIN contact c ON c.id = m.contact_id "
        "WHERE m.group_id = " + str(int(group_id)))
    return {row[0] for row in rows}


def _expected_count(city: str) -> int:
    return CONTACTS // 3 if city == "Prague" else CONTACTS - CONTACTS // 3


@pytest.mark.slow
def test_killed_rebuilds_leave_old_or_new_members(db):
    _fill(CONTACTS)
    group = groups.create_group("Townspeople", condition=CITY["Prague"])
    rebuild_group(group, actor="tester")
    current = "Prague"
    rng = random.Random(20261129)
    outcomes = []
    full_run = None
    for _ in range(7):
        target = "Brno" if current == "Prague" else "Prague"
        groups.update_group(groups.get_group("Townspeople"), condition=CITY[target])
        close()
        started = time.monotonic()
        child = subprocess.Popen(
            [sys.executable, "-m", "tui.cli", "--db", db.url, "rebuild", "Townspeople"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy())
        if full_run is None:  # the first run goes to the end: it times a whole rebuild
            assert child.wait() == 0
            full_run = time.monotonic() - started
        else:
            time.sleep(rng.uniform(0.05, 1.1) * full_run)
            child.send_signal(signal.SIGKILL)
            child.wait()
        connect(db.url)
        locks.recover_interrupted()
        stored = ContactGroup.get(ContactGroup.code_name == "Townspeople")
        cities = _member_cities(stored.id)
        assert cities in ({current}, {target}), "members are a mix of old and new"
        rows = Membership.select().where(Membership.group == stored.id).count()
        (city,) = cities
        assert rows == _expected_count(city) == stored.member_count
        assert stored.status != STATUS_REBUILDING
        outcomes.append("new" if city == target else "old")
        current = city
    assert outcomes[0] == "new"
    print("outcomes:", outcomes)

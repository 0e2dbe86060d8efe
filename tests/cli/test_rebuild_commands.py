"""``rebuild``, ``schedule`` and ``scheduler --once`` from the command line."""

from __future__ import annotations

import datetime as dt

import pytest

from store import contacts, groups
from store.db.database import close, connect
from store.db.models import ContactGroup, ScheduledTask
from store.engine import locks
from store.rows import STATUS_REBUILDING
from tests.store.helpers import make_contacts

from .run import assert_clean_failure, cli


@pytest.fixture
def city(db):
    ids = make_contacts(4)
    for contact_id in ids[:3]:
        contacts.update_contact(contact_id, city="Prague")
    groups.create_group("Base", condition='Contact.ContactCity == "Prague"')
    groups.create_group("Derived", condition='Contact.IsInContactGroup("Base")')
    groups.create_group("Static")
    close()
    yield db
    connect(db.url)


def test_rebuild_all_in_dependency_order_as_json(city):
    result = cli(city.url, "rebuild", "--all", "--json")
    assert result.code == 0, result.err
    assert result.json() == [
        {"group": "Base", "added": 3, "removed": 0, "members": 3,
         "seconds": result.json()[0]["seconds"]},
        {"group": "Derived", "added": 3, "removed": 0, "members": 3,
         "seconds": result.json()[1]["seconds"]},
    ]


def test_rebuild_named_groups_in_text(city):
    result = cli(city.url, "rebuild", "base")
    assert result.code == 0
    assert result.out.startswith("Base: +3 -0, 3 members in ")


def test_rebuild_refusals(city):
    assert_clean_failure(cli(city.url, "rebuild", "Static"), "has no condition")
    assert_clean_failure(cli(city.url, "rebuild", "Nope"), "no contact group")
    connect(city.url)
    locks.acquire(groups.get_group("Base"), locks.Holder("alice", "elsewhere", 7))
    close()
    assert_clean_failure(cli(city.url, "rebuild", "Base"), "already being rebuilt by alice@")


def test_a_killed_rebuild_is_recovered_at_the_next_start(city):
    connect(city.url)
    base = groups.get_group("Base")
    lock = locks.acquire(base, locks.Holder("alice", "elsewhere", 7))
    stale = lock.heartbeat_at - dt.timedelta(minutes=5)
    from store.db.models import RebuildLock
    RebuildLock.update(heartbeat_at=stale).execute()
    assert groups.get_group("Base").status == STATUS_REBUILDING
    close()
    assert cli(city.url, "groups", "list").code == 0
    connect(city.url)
    try:
        assert ContactGroup.get(ContactGroup.code_name == "Base").status == "Rebuild required"
    finally:
        close()


def test_schedule_and_run_due_tasks_once(city):
    turned_on = cli(city.url, "schedule", "Base", "--on", "--time", "03:30", "--json")
    assert turned_on.json() == {"group": "Base", "enabled": True, "time": "03:30",
                                "task": "Contact group 'Base' rebuild"}
    assert_clean_failure(cli(city.url, "schedule", "Static", "--on"), "has no condition")
    assert_clean_failure(cli(city.url, "schedule", "Base", "--on", "--time", "3pm"),
                         "not a time of day")
    connect(city.url)
    ScheduledTask.update(next_run_at=dt.datetime(2000, 1, 1)).execute()
    close()
    ran = cli(city.url, "scheduler", "--once")
    assert ran.code == 0, ran.err
    assert ran.out.startswith("Contact group 'Base' rebuild: Base: +3 -0")
    assert cli(city.url, "scheduler", "--once").out == "", "a task runs once per day"
    off = cli(city.url, "schedule", "Base", "--off")
    assert off.out.strip() == "Scheduled rebuild of Base is off."

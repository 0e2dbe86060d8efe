"""Demo data: deterministic, realistic in shape, made through the store services, and only
ever poured into an empty database."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections import Counter

import peewee as pw
import pytest

from store import contacts, demo, groups
from store.db import database
from store.db.models import (
    ALL_MODELS,
    Account,
    AccountContact,
    Activity,
    Contact,
    FormFieldValue,
    FormSubmission,
    GroupAccount,
    Membership,
)
from store.demo import stream as demo_stream
from store.errors import StoreError
from store.rows import STATUS_REBUILD_REQUIRED

from .helpers import audit_trail

NOW = dt.datetime(2026, 6, 15)
SIZE = 2_000

INACTIVE_CONDITION = r"""{%Rule("!Contact.DidActivity(null, null, ToInt(365))", "<rules><r pos=\"0\" par=\"\" op=\"and\" n=\"CMSContactHasDoneAnyActivityInTheLastXDays\" ><p n=\"_perfectum\"><t>has not</t><v>!</v><r>0</r><d>select operation</d><vt>text</vt><tv>0</tv></p><p n=\"days\"><t>365</t><v>365</v><r>1</r><d>enter days</d><vt>integer</vt><tv>0</tv></p></r></rules>")%}"""  # noqa: E501


def contact_rows() -> list[tuple]:
    return list(Contact.select().order_by(Contact.id).tuples())


def activity_rows() -> list[tuple]:
    return list(Activity.select(Activity.contact, Activity.type, Activity.site, Activity.at,
                                Activity.item, Activity.url, Activity.value)
                .order_by(Activity.id).tuples())


def generate_elsewhere(tmp_path, name: str, seed: int) -> tuple[list[tuple], list[tuple]]:
    """Generate into a fresh SQLite file and read its contacts and activities back."""
    database.connect(f"sqlite:///{tmp_path / name}")
    try:
        demo.generate_demo(SIZE, seed, now=NOW)
        return contact_rows(), activity_rows()
    finally:
        database.close()


def index_names(handle: pw.Database) -> set[tuple[str, str]]:
    return {(model._meta.table_name, index.name) for model in ALL_MODELS
            for index in handle.get_indexes(model._meta.table_name)}


def test_same_seed_gives_the_same_data_on_every_engine(db, tmp_path):
    summary = demo.generate_demo(SIZE, 7, now=NOW)
    here = contact_rows(), activity_rows()
    assert summary.contacts == SIZE == len(here[0])
    assert summary.activities == len(here[1])

    assert generate_elsewhere(tmp_path, "again.db", 7) == here
    other = generate_elsewhere(tmp_path, "other.db", 8)
    assert other[0] != here[0]
    assert other[1] != here[1]
    database.connect(db.url)


def test_a_second_process_generates_the_same_rows(sqlite_db, tmp_path, monkeypatch):
    demo.generate_demo(SIZE, 3, now=NOW)
    here = contact_rows(), activity_rows()
    monkeypatch.setattr(demo_stream, "PROCESS_THRESHOLD", 1)
    monkeypatch.setattr(demo_stream, "spare_core", lambda: True)
    started = []
    popen = subprocess.Popen

    def spy(*args, **kwargs):
        started.append(args[0])
        return popen(*args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", spy)
    assert generate_elsewhere(tmp_path, "process.db", 3) == here
    assert len(started) == 1


def test_the_data_has_a_realistic_shape(db):
    summary = demo.generate_demo(SIZE, 1, now=NOW)
    live = Contact.select().where(Contact.merged_into.is_null())
    live_count = live.count()

    # Activities: every type, about five per contact, within the last two years.
    types = Counter(t for (t,) in Activity.select(Activity.type).tuples())
    assert set(types) == set(demo.ACTIVITY_TYPES)
    assert types["pagevisit"] == max(types.values())
    assert 3.5 <= summary.activities / SIZE <= 6.5
    first, last = Activity.select(pw.fn.MIN(Activity.at), pw.fn.MAX(Activity.at)).scalar(
        as_tuple=True)
    assert NOW - dt.timedelta(days=demo.HISTORY_DAYS) <= first and last < NOW
    assert Activity.select().where(Activity.type == "purchase",
                                   Activity.value.is_null()).count() == 0
    assert Activity.select().where(Activity.type == "pagevisit",
                                   Activity.url.is_null()).count() == 0

    # Many contacts are dormant: nothing in the last 365 days.
    recent = Activity.select(Activity.contact).where(
        Activity.at >= NOW - dt.timedelta(days=365))
    dormant = live.where(Contact.id.not_in(recent)).count()
    assert 0.2 <= dormant / live_count <= 0.6

    # Contacts: international, partly incomplete, created over two years.
    rows = contact_rows()
    countries = Counter(row[8] for row in rows)
    assert {"US", "GB", "DE", "CZ", "FR"} <= set(countries)
    assert countries["US"] == max(n for code, n in countries.items() if code)
    assert any(not (row[1] + row[2]).isascii() for row in rows)
    assert {row[10] for row in rows} == {0, 1, 2}
    assert any(row[11] is None for row in rows) and any(row[11] is not None for row in rows)
    domains = Counter(row[3].split("@")[1] for row in rows if row[3])
    assert {"gmail.com", "outlook.com", "yahoo.com"} <= set(domains)
    assert all(row[15] >= row[14] for row in rows)  # modified after created
    assert min(row[14] for row in rows) >= NOW - dt.timedelta(days=demo.HISTORY_DAYS)

    # Accounts: about one per 25 contacts, each with several contacts.
    assert summary.accounts == Account.select().count() == SIZE // 25
    per_account = Counter(a for (a,) in AccountContact.select(AccountContact.account).tuples())
    assert len(per_account) == summary.accounts
    assert min(per_account.values()) >= 2
    assert sum(per_account.values()) / len(per_account) >= 3

    # Merged duplicates point to live parents and belong to no group.
    merged = list(Contact.select().where(Contact.merged_into.is_null(False)))
    assert 1 <= len(merged) <= SIZE * 0.02
    assert all(Contact.get_by_id(m.merged_into_id).merged_into_id is None for m in merged)
    assert Membership.select().where(
        Membership.contact.in_([m.id for m in merged])).count() == 0

    # Form submissions: field values and a matching bizformsubmit activity each.
    submissions = list(FormSubmission.select())
    assert len(submissions) == summary.form_submissions > 0
    assert {s.form for s in submissions} <= {"ContactUs", "Newsletter", "DownloadWhitepaper",
                                             "EventRegistration"}
    submitted = Counter((a.contact_id, a.at, a.item) for a in Activity.select().where(
        Activity.type == "bizformsubmit"))
    assert submitted == Counter((s.contact_id, s.at, s.form) for s in submissions)
    with_values = {s for (s,) in FormFieldValue.select(FormFieldValue.submission).tuples()}
    assert with_values == {s.id for s in submissions}


def test_sample_groups_are_made_through_the_services(db):
    summary = demo.generate_demo(SIZE, 5, now=NOW)
    assert summary.groups == 3

    def added_events(group) -> int:
        return sum(action == "added" for _, action, _, _ in audit_trail(group))

    vip = groups.get_group("VIPCustomers")
    members = Membership.select().where(Membership.group == vip.id)
    assert 50 <= vip.member_count == members.count() == added_events(vip)
    assert all(m.manual and not m.from_account and not m.from_condition for m in members)

    key = groups.get_group("KeyAccounts")
    accounts = [a for (a,) in GroupAccount.select(GroupAccount.account)
                .where(GroupAccount.group == key.id).tuples()]
    assert len(accounts) == 20
    held = {c for (c,) in AccountContact.select(AccountContact.contact)
            .join(Contact).where(AccountContact.account.in_(accounts)
                                 & Contact.merged_into.is_null()).tuples()}
    members = Membership.select().where(Membership.group == key.id)
    assert {m.contact_id for m in members} == held
    assert key.member_count == len(held) == added_events(key)
    assert all(m.from_account and not m.manual for m in members)

    inactive = groups.get_group("InactiveContacts")
    assert inactive.display_name == "Inactive contacts"
    assert inactive.condition == INACTIVE_CONDITION
    assert inactive.status == STATUS_REBUILD_REQUIRED
    assert inactive.member_count == 0 == added_events(inactive)


def test_the_load_leaves_the_schema_and_settings_as_they_were(db):
    before = index_names(db.handle)
    demo.generate_demo(SIZE, 2, now=NOW)
    assert index_names(db.handle) == before
    if db.engine == "sqlite":
        assert db.handle.execute_sql("PRAGMA foreign_key_check").fetchall() == []
        assert db.handle.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.handle.execute_sql("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    else:  # the sequences continue after the loaded ids
        contact = contacts.create_contact(first_name="New")
        assert contact.id == SIZE + 1
    assert Contact.select().count() == SIZE + (db.engine != "sqlite")


def test_a_database_with_contacts_is_refused_untouched(db):
    contacts.create_contact(first_name="Existing", last_name="Contact")
    counts = {model: model.select().count() for model in ALL_MODELS}
    with pytest.raises(StoreError) as error:
        demo.generate_demo(SIZE, 1, now=NOW)
    assert str(error.value) == ("the database already has contacts; "
                                "demo data goes into an empty database")
    assert {model: model.select().count() for model in ALL_MODELS} == counts


@pytest.mark.parametrize("count", [0, -5, True])
def test_the_contact_count_must_be_positive(sqlite_db, count):
    with pytest.raises(StoreError, match="at least 1"):
        demo.generate_demo(count, 1)
    assert Contact.select().count() == 0


def test_progress_is_reported_and_now_defaults_to_today(sqlite_db):
    reports: list[tuple[str, float]] = []
    summary = demo.generate_demo(300, 9, lambda phase, done: reports.append((phase, done)))
    assert reports[0] == ("Preparing", 0.0) and reports[-1] == ("Done", 1.0)
    assert ("Generating contacts and activities", 1.0) in reports
    assert all(0.0 <= done <= 1.0 for _, done in reports)
    assert summary.seconds > 0
    today = dt.datetime.now(dt.UTC).replace(tzinfo=None, hour=0, minute=0, second=0,
                                            microsecond=0)
    latest = Activity.select(pw.fn.MAX(Activity.at)).scalar()
    assert today - dt.timedelta(days=30) < latest < today

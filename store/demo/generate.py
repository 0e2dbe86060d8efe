"""The entry point: check the database is empty, then load the stream in one transaction."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

import peewee as pw

from store.db.database import database_proxy
from store.db.models import (
    Account,
    AccountContact,
    Activity,
    Contact,
    ContactGroup,
    FormFieldValue,
    FormSubmission,
    Site,
)
from store.demo.groups import create_sample_groups
from store.demo.loaders import loader_for
from store.demo.shape import MAX_CONTACTS
from store.demo.stream import row_messages
from store.demo.website import SITES
from store.errors import StoreError

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class DemoSummary:
    contacts: int
    accounts: int
    activities: int
    form_submissions: int
    groups: int
    seconds: float



CONTACT_COLUMNS = ("id", "first_name", "last_name", "email", "company", "job_title", "phone",
                   "city", "country_code", "country_name", "gender", "birthday", "status",
                   "score", "created", "modified", "merged_into_id")
ACTIVITY_COLUMNS = ("contact_id", "at", "type", "site_id", "item", "url", "value")
SUBMISSION_COLUMNS = ("id", "form", "contact_id", "site_id", "at")
FIELD_COLUMNS = ("submission_id", "field", "value")
LINK_COLUMNS = ("account_id", "contact_id", "role")
ACCOUNT_COLUMNS = ("id", "name", "city", "country_code", "created")


def generate_demo(contacts: int, seed: int, progress: Progress | None = None, *,
                  now: dt.datetime | None = None) -> DemoSummary:
    """Fill an empty database with ``contacts`` demo contacts and everything around them.

    ``now`` anchors every timestamp (default: today at 00:00 UTC); all else follows from
    ``seed``. Raises :class:`StoreError` when the database is not empty. ``progress`` is
    called with a phase name and the fraction of that phase done.
    """
    started = time.perf_counter()
    report = progress or (lambda phase, fraction: None)
    if isinstance(contacts, bool) or not isinstance(contacts, int) or contacts < 1:
        raise StoreError("the number of demo contacts must be a whole number of at least 1")
    if contacts > MAX_CONTACTS:
        raise StoreError(f"at most {MAX_CONTACTS:,} demo contacts can be generated")
    if now is None:
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    now = now.replace(hour=0, minute=0, second=0, microsecond=0)
    db = database_proxy.obj
    if db is None:
        raise StoreError("no database is open")
    _refuse_non_empty()
    report("Preparing", 0.0)
    loader = loader_for(db)
    phase = "Generating contacts and activities"
    counts = {"accounts": 0, "activities": 0, "submissions": 0}
    vip_ids: list[int] = []
    key_account_ids: list[int] = []
    with row_messages(contacts, seed, now) as messages, loader.session(), db.atomic():
        db.execute_sql(db.dialect.lock_table(Contact._meta.table_name))
        _refuse_non_empty()  # again, now that no one else can write
        loader.drop_indexes()
        loader.load(Site, ("id", "code_name", "display_name"),
                    [(i, code, name) for i, (code, name) in enumerate(SITES, 1)])
        for message in messages:
            if message[0] == "accounts":
                loader.load(Account, ACCOUNT_COLUMNS, message[1])
                counts["accounts"] = len(message[1])
            elif message[0] == "batch":
                _, (people, links, activities, submissions, fields), done = message
                loader.load(Contact, CONTACT_COLUMNS, people)
                loader.load(AccountContact, LINK_COLUMNS, links)
                loader.load(Activity, ACTIVITY_COLUMNS, activities)
                loader.load(FormSubmission, SUBMISSION_COLUMNS, submissions)
                loader.load(FormFieldValue, FIELD_COLUMNS, fields)
                counts["activities"] += len(activities)
                counts["submissions"] += len(submissions)
                report(phase, done)
            else:  # "groups": the last message
                _, vip_ids, key_account_ids = message
        report("Building indexes", 0.0)
        loader.restore()
        loader.reset_sequences((Site, Account, Contact, Activity, FormSubmission,
                               FormFieldValue, AccountContact))
        report("Creating sample groups", 0.0)
        groups = create_sample_groups(vip_ids, key_account_ids)
        report("Saving", 0.0)
    report("Updating statistics", 0.0)
    loader.analyze()
    report("Done", 1.0)
    return DemoSummary(contacts=contacts, accounts=counts["accounts"],
                       activities=counts["activities"], form_submissions=counts["submissions"],
                       groups=groups, seconds=time.perf_counter() - started)


def _refuse_non_empty() -> None:
    for model, what in ((Contact, "contacts"), (Account, "accounts"), (Activity, "activities"),
                        (Site, "sites"), (ContactGroup, "contact groups")):
        if model.select(pw.SQL("1")).exists():
            raise StoreError(f"the database already has {what}; "
                             "demo data goes into an empty database")



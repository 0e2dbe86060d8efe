"""Small contact databases built through the store, and both verdicts of a condition on them.

A :class:`World` describes contacts (with their activities, form submissions, custom field,
accounts and group memberships) as plain data; :func:`build` writes it through the store's
models and services, and :func:`reset` empties the tables again without a new database, so a
hypothesis test can build hundreds of worlds on one connection.

:func:`sql_ids` runs the compiled query exactly as a rebuild does (``compile_condition`` +
``database_proxy.execute_sql``); :func:`memory_ids` asks ``contact_matches`` about every live
contact. The two must be equal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import peewee as pw

from store import accounts, contacts
from store.binding.condition_service import (
    check_condition,
    compile_condition,
    contact_matches,
    schema,
)
from store.db.database import database_proxy
from store.db.models import (
    Account,
    AccountContact,
    Activity,
    AuditBatch,
    AuditContact,
    Contact,
    ContactFieldValue,
    ContactGroup,
    CustomField,
    Exclusion,
    FormFieldValue,
    FormSubmission,
    GroupAccount,
    GroupSizeSample,
    Membership,
    RebuildLock,
    ScheduledTask,
    Site,
)

ACTOR = "tester"
CUSTOM_FIELD = "Industry"

# Tables a world writes, children first (so DELETE works with foreign keys on).
WORLD_TABLES: tuple[type[pw.Model], ...] = (
    FormFieldValue, FormSubmission, Activity, RebuildLock, ScheduledTask, GroupSizeSample,
    AuditContact, AuditBatch, Exclusion, GroupAccount, Membership, ContactGroup,
    AccountContact, Account, ContactFieldValue, CustomField, Contact, Site,
)


def k_string(value: str | None) -> str:
    """A K# string literal for ``value`` (``null`` for None), with ``\\`` and ``"`` escaped."""
    if value is None:
        return "null"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class ActivitySpec:
    type: str
    at: dt.datetime
    item: str | None = None
    url: str | None = None


@dataclass
class SubmissionSpec:
    form: str
    at: dt.datetime
    fields: list[tuple[str, str | None]] = field(default_factory=list)
    site: str | None = "DancingGoat"  # the site's code name; None: no site


@dataclass
class ContactSpec:
    fields: dict[str, object] = field(default_factory=dict)
    created: dt.datetime | None = None
    custom: str | None = None  # None: no value row at all; "" an empty one
    has_custom_row: bool = False
    activities: list[ActivitySpec] = field(default_factory=list)
    submissions: list[SubmissionSpec] = field(default_factory=list)
    merged_into: int | None = None  # index of an earlier contact


@dataclass
class World:
    contacts: list[ContactSpec]
    accounts: dict[str, list[int]] = field(default_factory=dict)  # name → contact indexes
    groups: dict[str, list[int]] = field(default_factory=dict)  # code name → contact indexes
    custom_field: bool = True
    account_fields: dict[str, dict[str, object]] = field(default_factory=dict)  # by name
    group_fields: dict[str, dict[str, object]] = field(default_factory=dict)  # by code name


def reset() -> None:
    """Empty every table a world writes; ids start at 1 again on both engines."""
    db = database_proxy.obj
    with db.atomic():
        for model in WORLD_TABLES:
            model.delete().execute()
        if isinstance(db, pw.PostgresqlDatabase):  # TRUNCATE is ten times slower here
            for model in (Contact, Account, ContactGroup):
                db.execute_sql(f"ALTER SEQUENCE {model._meta.table_name}_id_seq RESTART")


def build(world: World) -> list[int]:
    """Write ``world``; returns the contact ids in the order of ``world.contacts``."""
    with database_proxy.atomic():
        field_row = (CustomField.create(name=CUSTOM_FIELD, caption="Industry")
                     if world.custom_field else None)
        ids: list[int] = []
        sites: dict[str, int] = {}
        for spec in world.contacts:
            contact = contacts.create_contact(**spec.fields)
            if spec.created is not None:
                Contact.update(created=spec.created).where(Contact.id == contact.id).execute()
            ids.append(contact.id)
            if field_row is not None and (spec.has_custom_row or spec.custom is not None):
                ContactFieldValue.create(contact=contact.id, field=field_row.id,
                                         value=spec.custom)
            if spec.activities:
                Activity.insert_many([
                    {"contact": contact.id, "type": a.type, "at": a.at, "item": a.item,
                     "url": a.url} for a in spec.activities]).execute()
            for submission in spec.submissions:
                site = None
                if submission.site is not None:
                    if submission.site not in sites:
                        sites[submission.site] = Site.create(
                            code_name=submission.site, display_name=submission.site).id
                    site = sites[submission.site]
                row = FormSubmission.create(form=submission.form, contact=contact.id,
                                            at=submission.at, site=site)
                if submission.fields:
                    FormFieldValue.insert_many([
                        {"submission": row.id, "field": name, "value": value}
                        for name, value in submission.fields]).execute()
        for name, members in world.accounts.items():
            account = Account.create(name=name, **world.account_fields.get(name, {}))
            for index in sorted(set(members)):
                accounts.link_contact(account, ids[index], actor=ACTOR)
        for code, members in world.groups.items():
            group = ContactGroup.create(code_name=code, **{"display_name": code,
                                                           **world.group_fields.get(code, {})})
            if members:
                Membership.insert_many([{"group": group.id, "contact": ids[index], "manual": True}
                                        for index in sorted(set(members))]).execute()
        # Merge last, straight through the model: the children keep their activities,
        # accounts and memberships, so only the live predicate can keep them out.
        for spec, contact_id in zip(world.contacts, ids, strict=True):
            if spec.merged_into is not None:
                Contact.update(merged_into=ids[spec.merged_into]).where(
                    Contact.id == contact_id).execute()
    return ids


def sql_ids(checked, now: dt.datetime) -> set[int]:
    """The ids the compiled query selects, run as the rebuild runs it."""
    compiled = compile_condition(checked, now)
    assert compiled.translatable, compiled.reason
    return {row[0] for row in database_proxy.execute_sql(compiled.sql, compiled.params)}


def memory_ids(checked, now: dt.datetime) -> set[int]:
    """Live contacts the in-memory evaluator accepts (merged ones are asked too: never)."""
    current = schema()
    matched = set()
    for contact in Contact.select().order_by(Contact.id):
        verdict = contact_matches(checked, contact, now, current)
        if contact.merged_into_id is not None:
            assert verdict is False, f"merged contact {contact.id} matched in memory"
        elif verdict:
            matched.add(contact.id)
    return matched


def both(text: str, now: dt.datetime) -> tuple[set[int], set[int]]:
    checked = check_condition(text)
    return sql_ids(checked, now), memory_ids(checked, now)


def live_ids() -> set[int]:
    return {c.id for c in Contact.select(Contact.id).where(Contact.merged_into.is_null())}

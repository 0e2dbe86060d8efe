"""Contacts: creation, change, deletion and merging (SPEC §3, §4)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

import peewee as pw

from conditions import unstorable_character
from store import audit, custom_fields
from store.actor import current_actor
from store.clock import utcnow
from store.contact_sets import id_list
from store.db.concurrency import begin_contact_change, lock_groups
from store.db.database import database_proxy
from store.db.models import (
    AccountContact,
    Activity,
    Contact,
    ContactStatus,
    Country,
    Exclusion,
    FormSubmission,
    Membership,
    State,
)
from store.engine.reevaluate import Change, reevaluate_contact
from store.errors import NotFound, StoreError
from store.membership import FLAGS, check_contact_ids, delete_rows, grant
from store.rows import GENDER_FEMALE, GENDER_MALE, GENDER_UNKNOWN, ContactDetails

EDITABLE_FIELDS = ("first_name", "last_name", "email", "company", "job_title", "phone", "city",
                   "country_code", "country_name", "gender", "birthday", "status", "score",
                   "middle_name", "address", "zip", "business_phone", "monitored",
                   "owner_user_id", "country_id", "state_id", "status_id")
REFERENCES = {"country_id": (Country, "country"), "state_id": (State, "state"),
              "status_id": (ContactStatus, "contact status")}


def get_contact(contact_id: int) -> Contact:
    contact = Contact.get_or_none(Contact.id == contact_id)
    if contact is None:
        raise NotFound(f"no contact with id {contact_id}")
    return contact


def read_contact(contact_id: int) -> ContactDetails:
    """The contact as the contact editor shows it, or NotFound."""
    return ContactDetails.of(get_contact(contact_id))


def field_lengths() -> dict[str, int]:
    """The longest text each editable field holds, so a form refuses longer input
    instead of the database failing (PostgreSQL enforces the limits, SQLite does not)."""
    lengths = {}
    for name in EDITABLE_FIELDS:
        field = getattr(Contact, name)
        if isinstance(field, pw.CharField):
            lengths[name] = field.max_length
    return lengths


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    """Validate editable fields; unknown names and impossible values are refused."""
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise StoreError(f"unknown contact field '{unknown[0]}'")
    cleaned = dict(fields)
    for name, value in cleaned.items():
        unstorable = unstorable_character(value) if isinstance(value, str) else None
        if unstorable is not None:
            raise StoreError(f"the {name.replace('_', ' ')} contains {unstorable[1]}")
    if "gender" in cleaned and cleaned["gender"] not in (GENDER_UNKNOWN, GENDER_MALE,
                                                         GENDER_FEMALE):
        raise StoreError("gender must be 0 (unknown), 1 (male) or 2 (female)")
    birthday = cleaned.get("birthday")
    if isinstance(birthday, str):
        try:
            cleaned["birthday"] = dt.date.fromisoformat(birthday) if birthday else None
        except ValueError:
            raise StoreError(f"birthday '{birthday}' is not a date (YYYY-MM-DD)") from None
    if isinstance(cleaned.get("birthday"), dt.date) and cleaned["birthday"] > dt.date.today():
        raise StoreError("the birthday is in the future")
    if cleaned.get("country_code"):
        cleaned["country_code"] = str(cleaned["country_code"]).upper()
    _check_references(cleaned)
    return cleaned


def _check_references(fields: dict[str, Any]) -> None:
    """Ids of countries, states and statuses must exist; a country id also sets the
    country's code and name, which conditions such as ``IsFromCountry`` read."""
    for column, (model, noun) in REFERENCES.items():
        value = fields.get(column)
        if value is not None and not model.select().where(model.id == value).exists():
            raise StoreError(f"no {noun} with id {value}")
    if fields.get("country_id") is not None:
        country = Country.get_by_id(fields["country_id"])
        fields.setdefault("country_code", country.code)
        fields.setdefault("country_name", country.display_name)


def create_contact(actor: str | None = None, custom: Mapping[str, str | None] | None = None,
                   **fields: Any) -> Contact:
    """A new contact, placed at once in the condition-based groups it matches."""
    cleaned = _clean(fields)
    with database_proxy.atomic():
        begin_contact_change()
        contact = Contact.create(**cleaned)
        custom_fields.set_values(contact.id, custom or {})
        reevaluate_contact(contact.id, Change(everything=True), actor or current_actor())
    return contact


def update_contact(contact_id: int, actor: str | None = None,
                   custom: Mapping[str, str | None] | None = None, **fields: Any) -> Contact:
    """Change a contact; the groups that read the changed fields follow in the same
    transaction."""
    contact = get_contact(contact_id)
    cleaned = _clean(fields)
    changed = {name for name, value in cleaned.items() if getattr(contact, name) != value}
    with database_proxy.atomic():
        begin_contact_change()
        for name in changed:
            setattr(contact, name, cleaned[name])
        contact.modified = utcnow()
        contact.save()
        changed_custom = custom_fields.set_values(contact_id, custom or {})
        if (changed or changed_custom) and contact.merged_into_id is None:
            change = Change.of_columns(changed)
            reevaluate_contact(contact_id, replace(change, fields=change.fields | changed_custom),
                               actor or current_actor())
    return contact


def touch_contact(contact_id: int) -> None:
    """Mark the contact changed now: a rebuild evaluating meanwhile evaluates it again."""
    Contact.update(modified=utcnow()).where(Contact.id == contact_id).execute()


def _groups_of(contact_ids: pw.Node) -> list[int]:
    return [row.group_id for row in Membership.select(Membership.group).distinct()
            .where(Membership.contact.in_(contact_ids))]


def delete_contact(contact_id: int, actor: str | None = None) -> None:
    """Delete a contact, the contacts merged into it, and their memberships."""
    actor = actor or current_actor()
    get_contact(contact_id)
    with database_proxy.atomic():
        begin_contact_change()
        doomed = Contact.select(Contact.id).where(
            (Contact.id == contact_id) | (Contact.merged_into == contact_id))
        groups = _groups_of(doomed)
        lock_groups(groups)
        for group_id in groups:
            delete_rows(group_id, doomed, audit.SOURCE_DELETE, actor)
        Contact.delete().where(Contact.merged_into == contact_id).execute()
        Contact.delete().where(Contact.id == contact_id).execute()
        for group_id in groups:
            audit.refresh_member_count(group_id)


def merge_contacts(parent_id: int, child_ids: Iterable[int], actor: str | None = None) -> None:
    """Merge children into a parent: memberships move to the parent with flags OR-ed.

    The children's rows go, their activities, form submissions and account links move to
    the parent, and they stay as records pointing at the parent (``merged_into``).
    """
    actor = actor or current_actor()
    children = frozenset(child_ids) - {parent_id}
    if not children:
        raise StoreError("choose at least one contact other than the parent to merge")
    check_contact_ids(children | {parent_id})
    children_q = id_list(children)
    with database_proxy.atomic():
        begin_contact_change()
        child_rows = list(Membership.select(Membership.group, *FLAGS)
                          .where(Membership.contact.in_(children_q)))
        groups = sorted({row.group_id for row in child_rows})
        lock_groups(groups)
        for group_id in groups:
            rows = [row for row in child_rows if row.group_id == group_id]
            for flag in FLAGS:
                if any(getattr(row, flag.name) for row in rows):
                    grant(group_id, id_list([parent_id]), flag, audit.SOURCE_MERGE, actor)
            delete_rows(group_id, children_q, audit.SOURCE_MERGE, actor)
        _move_child_records(parent_id, children_q)
        now = utcnow()
        Contact.update(merged_into=parent_id, modified=now).where(
            Contact.id.in_(children_q) | Contact.merged_into.in_(children_q)).execute()
        Contact.update(modified=now).where(Contact.id == parent_id).execute()
        for group_id in groups:
            audit.refresh_member_count(group_id)
        reevaluate_contact(parent_id, Change(everything=True), actor)


def _move_child_records(parent_id: int, children: pw.Node) -> None:
    """Give the parent the children's history and account links."""
    Activity.update(contact=parent_id).where(Activity.contact.in_(children)).execute()
    FormSubmission.update(contact=parent_id).where(
        FormSubmission.contact.in_(children)).execute()
    parent_links = AccountContact.select(AccountContact.account).where(
        AccountContact.contact == parent_id)
    moved_links = (AccountContact
                   .select(AccountContact.account, pw.Value(parent_id),
                           pw.fn.MAX(AccountContact.role))
                   .where(AccountContact.contact.in_(children)
                          & AccountContact.account.not_in(parent_links))
                   .group_by(AccountContact.account))
    AccountContact.insert_from(
        moved_links, [AccountContact.account, AccountContact.contact, AccountContact.role]
    ).execute()
    AccountContact.delete().where(AccountContact.contact.in_(children)).execute()
    Exclusion.delete().where(Exclusion.contact.in_(children)).execute()


def find_contact_ids_by_email(emails: Iterable[str]) -> list[int]:
    """Live contacts with these addresses (case-insensitive); unknown ones are refused."""
    wanted = {email.strip().lower() for email in emails if email.strip()}
    rows = (Contact.select(Contact.id, pw.fn.LOWER(Contact.email).alias("address"))
            .where(Contact.merged_into.is_null()
                   & pw.fn.LOWER(Contact.email).in_(sorted(wanted))))
    found: dict[str, int] = {}
    for row in rows:
        found.setdefault(row.address, row.id)
    missing = sorted(wanted - found.keys())
    if missing:
        raise NotFound(f"no contact with email '{missing[0]}'")
    return sorted(found.values())

"""One contact, in memory, for the condition evaluator (save-time checks, explain, and the
slow path of rebuilds whose condition has no SQL translation).

Rows are loaded lazily and once: a condition that never asks about activities never reads
them. Values come back the way the SQL side sees them (empty text as None, the birthday as a
midnight datetime, the age in whole years at ``now``).
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any, NamedTuple

import peewee as pw

from conditions import Schema
from store.binding.condition_binding import ITEM_COLUMNS, MEMBER_COLUMNS
from store.clock import utc_naive
from store.db.database import database_proxy
from store.db.models import (
    Account,
    AccountContact,
    Activity,
    Contact,
    ContactFieldValue,
    ContactGroup,
    CustomField,
    FormFieldValue,
    FormSubmission,
    Membership,
    Site,
)


class ActivityRow(NamedTuple):
    type: str
    at: dt.datetime
    item: str | None
    url: str | None


class SubmissionRow(NamedTuple):
    site: str | None  # the site's code name
    form: str
    at: dt.datetime
    fields: tuple[tuple[str, str | None], ...]


RELATION_MODELS: dict[str, tuple[type[pw.Model], type[pw.Model]]] = {
    "Contact.ContactGroups": (ContactGroup, Membership),
    "Contact.Accounts": (Account, AccountContact),
}
"""A collection's item model and the link model whose ``contact`` is the contact."""


def age_at(birthday: dt.date | None, now: dt.datetime) -> int | None:
    if birthday is None:
        return None
    return now.year - birthday.year - ((now.month, now.day) < (birthday.month, birthday.day))


class ContactContext:
    """The evaluation context of ``conditions`` for one stored contact at instant ``now``."""

    def __init__(self, contact: Contact, now: dt.datetime, schema: Schema) -> None:
        self.contact = contact
        self._now = utc_naive(now)  # stored times are naive UTC: an aware now is converted
        self.schema = schema

    @property
    def now(self) -> dt.datetime:
        return self._now

    def schema_member(self, field: str) -> str:
        return self.schema.canonical(f"Contact.{field}") or f"Contact.{field}"

    def member(self, name: str) -> Any:
        value: Any
        if name in MEMBER_COLUMNS:
            value = getattr(self.contact, MEMBER_COLUMNS[name])
        elif name == "Contact.ContactBirthday":
            birthday = self.contact.birthday
            value = dt.datetime.combine(birthday, dt.time()) if birthday else None
        elif name == "Contact.ContactAge":
            value = age_at(self.contact.birthday, self._now) or 0
        elif name == "Contact.ContactGroups.Count":
            value = len(self.group_codes())
        elif name == "Contact.Accounts.Count":
            value = len(self.accounts())
        elif name == "Contact.ContactAgeOfBirthday":
            value = age_at(self.contact.birthday, self._now)
        else:
            value = self._custom_fields().get(name.split(".", 1)[1].lower())
        return None if value == "" else value

    @cache  # noqa: B019 - one context lives for one evaluation
    def _custom_fields(self) -> dict[str, str | None]:
        rows = (ContactFieldValue.select(CustomField.name, ContactFieldValue.value)
                .join(CustomField).where(ContactFieldValue.contact == self.contact.id).tuples())
        return {name.lower(): value for name, value in rows}

    @cache  # noqa: B019
    def activities(self) -> tuple[ActivityRow, ...]:
        # Plain SQL, as the most read rows of a changed contact's re-evaluation.
        rows = database_proxy.execute_sql(
            "SELECT type, at, item, url FROM activity WHERE contact_id = "
            f"{database_proxy.param}", (self.contact.id,))
        at = Activity.at.python_value
        return tuple(ActivityRow(kind, at(when), item, url) for kind, when, item, url in rows)

    @cache  # noqa: B019
    def submissions(self) -> tuple[SubmissionRow, ...]:
        rows = (FormSubmission.select(FormSubmission.id, Site.code_name, FormSubmission.form,
                                      FormSubmission.at)
                .join(Site, pw.JOIN.LEFT_OUTER)
                .where(FormSubmission.contact == self.contact.id).tuples())
        result = []
        for submission_id, site, form, at in rows:
            fields = tuple(FormFieldValue.select(FormFieldValue.field, FormFieldValue.value)
                           .where(FormFieldValue.submission == submission_id).tuples())
            result.append(SubmissionRow(site, form, at, fields))
        return tuple(result)

    @cache  # noqa: B019
    def accounts(self) -> tuple[tuple[int, str], ...]:
        return tuple(Account.select(Account.id, Account.name).join(AccountContact)
                     .where(AccountContact.contact == self.contact.id).tuples())

    @cache  # noqa: B019
    def items(self, relation: str) -> tuple[dict[str, Any], ...]:
        """The contact's items of ``relation`` (``Contact.Accounts``) for ``Exists(...)``,
        values as stored (the compiled query reads the same columns)."""
        item, link = RELATION_MODELS[relation]
        columns = ITEM_COLUMNS[relation]
        fields = [item._meta.columns[column] for column in columns.values()]
        rows = item.select(*fields).join(link).where(link.contact == self.contact.id).tuples()
        return tuple(dict(zip(columns, row, strict=True)) for row in rows)

    @cache  # noqa: B019
    def group_codes(self) -> tuple[str, ...]:
        return tuple(code for (code,) in ContactGroup.select(ContactGroup.code_name)
                     .join(Membership).where(Membership.contact == self.contact.id).tuples())

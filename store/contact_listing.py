"""Read models for the Contacts screen: contacts page by page, and a contact's groups.

The screen browses every contact of a database that may hold millions, so it asks for a
window (offset and limit, in id order) and a count, with the search done in SQL. Merged
contacts (children pointing at a parent) are hidden unless asked for: only parents are
"live", and only they can be edited into groups or merged again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import peewee as pw

from store.contact_sets import Selection, contains_ci, id_list, live_contacts
from store.contacts import EDITABLE_FIELDS
from store.errors import StoreError
from store.models import Contact, ContactGroup, Membership

SEARCHED = (Contact.first_name, Contact.last_name, Contact.email, Contact.company,
            Contact.city, Contact.country_name)
"""The columns a word typed into the filter may appear in: what the screen shows."""


@dataclass(frozen=True)
class ContactRow:
    """One line of the Contacts screen."""

    contact_id: int
    first_name: str
    last_name: str
    email: str
    company: str
    city: str
    country: str
    merged_into: int | None = None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def label(self) -> str:
        """How confirmations name the contact: "Jana Nová <jana@example.com> (#12)"."""
        name = self.name or "(no name)"
        email = f" <{self.email}>" if self.email else ""
        return f"{name}{email} (#{self.contact_id})"


@dataclass(frozen=True)
class GroupOfContact:
    """A group the contact is in, with the flags that say why."""

    group_id: int
    display_name: str
    code_name: str
    from_condition: bool
    from_account: bool
    manual: bool

    def reasons(self) -> str:
        """"condition, manual": why the contact is in, in words."""
        flags = (("condition", self.from_condition), ("account", self.from_account),
                 ("manual", self.manual))
        return ", ".join(name for name, on in flags if on)


@dataclass(frozen=True)
class GroupChange:
    """Which groups a contact joined and left between two readings of its groups."""

    joined: tuple[str, ...]
    left: tuple[str, ...]

    @classmethod
    def between(cls, before: Iterable[GroupOfContact],
                after: Iterable[GroupOfContact]) -> GroupChange:
        old = {group.group_id: group.display_name for group in before}
        new = {group.group_id: group.display_name for group in after}
        return cls(tuple(sorted(new[i] for i in new.keys() - old.keys())),
                   tuple(sorted(old[i] for i in old.keys() - new.keys())))

    def describe(self) -> str:
        """"joined: Praguers; left: Inactive contacts", or that nothing changed."""
        parts = []
        if self.joined:
            parts.append("joined: " + ", ".join(self.joined))
        if self.left:
            parts.append("left: " + ", ".join(self.left))
        return "; ".join(parts) or "its groups did not change"


def _search(text: str) -> pw.Node:
    """Every word of ``text`` appears in one of the shown columns, case-insensitively."""
    condition: pw.Node = pw.SQL("1 = 1")
    for word in text.split():
        any_column = contains_ci(SEARCHED[0], word)
        for column in SEARCHED[1:]:
            any_column = any_column | contains_ci(column, word)
        condition = condition & any_column
    return condition


def _where(text: str, include_merged: bool) -> pw.Node:
    condition = _search(text)
    return condition if include_merged else condition & live_contacts()


def _rows_query() -> pw.SelectQuery:
    return Contact.select(Contact.id, Contact.first_name, Contact.last_name, Contact.email,
                          Contact.company, Contact.city, Contact.country_name,
                          Contact.merged_into)


def _row(values: tuple) -> ContactRow:
    contact_id, first, last, email, company, city, country, merged_into = values
    return ContactRow(contact_id, first or "", last or "", email or "", company or "",
                      city or "", country or "", merged_into)


def count_contacts(text: str = "", *, include_merged: bool = False) -> int:
    """How many contacts match the filter text."""
    return Contact.select().where(_where(text, include_merged)).count()


def contact_page(offset: int, limit: int, text: str = "", *,
                 include_merged: bool = False) -> list[ContactRow]:
    """Matching contacts ``offset`` … ``offset + limit`` in id order."""
    query = (_rows_query().where(_where(text, include_merged)).order_by(Contact.id)
             .offset(max(offset, 0)).limit(max(limit, 0)))
    return [_row(values) for values in query.tuples()]


def contacts_matching(contact_ids: Iterable[int], text: str, *,
                      include_merged: bool = False) -> set[int]:
    """Which of ``contact_ids`` match the filter text (for marks made under another)."""
    ids = list(contact_ids)
    if not ids:
        return set()
    query = (Contact.select(Contact.id)
             .where(Contact.id.in_(id_list(ids)) & _where(text, include_merged)))
    return {contact_id for (contact_id,) in query.tuples()}


def selected_contacts(selection: Selection, *, limit: int) -> list[ContactRow]:
    """The live contacts a selection of the screen's marks means, in id order.

    Marks may mean "all matching the filter"; a merge names every contact it touches, so
    more than ``limit`` of them is refused rather than listed.
    """
    if selection.ids is not None:
        where = Contact.id.in_(id_list(selection.ids))
    else:
        where = _search(selection.filter.text if selection.filter else "")
        if selection.except_ids:
            where = where & Contact.id.not_in(id_list(selection.except_ids))
    rows = [_row(values) for values in _rows_query().where(where & live_contacts())
            .order_by(Contact.id).limit(limit + 1).tuples()]
    if len(rows) > limit:
        raise StoreError(f"more than {limit} contacts are marked; mark at most {limit} "
                         "to merge them at once")
    return rows


def contact_groups(contact_id: int) -> list[GroupOfContact]:
    """The groups the contact is a member of, by display name."""
    query = (Membership
             .select(ContactGroup.id, ContactGroup.display_name, ContactGroup.code_name,
                     Membership.from_condition, Membership.from_account, Membership.manual)
             .join(ContactGroup, on=(Membership.group == ContactGroup.id))
             .where(Membership.contact == contact_id)
             .order_by(pw.fn.LOWER(ContactGroup.display_name), ContactGroup.id))
    return [GroupOfContact(group_id, name, code, bool(cond), bool(account), bool(manual))
            for group_id, name, code, cond, account, manual in query.tuples()]


def field_lengths() -> dict[str, int]:
    """The longest text each editable field holds, so a form refuses longer input
    instead of the database failing (PostgreSQL enforces the limits, SQLite does not)."""
    lengths = {}
    for name in EDITABLE_FIELDS:
        field = getattr(Contact, name)
        if isinstance(field, pw.CharField):
            lengths[name] = field.max_length
    return lengths

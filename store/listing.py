"""Read models for lists: members of a group, page by page.

Lists never load a whole group: callers ask for a window (offset and limit, in a stable
order) or stream it in keyset pages, and the filter runs in SQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass

import peewee as pw

from store.contact_sets import NO_FILTER, ContactFilter
from store.models import Contact, ContactGroup, Membership

STREAM_PAGE = 5_000


@dataclass(frozen=True)
class MemberRow:
    """One line of a group's Contacts tab."""

    contact_id: int
    first_name: str
    last_name: str
    email: str
    country: str
    from_condition: bool
    from_account: bool
    manual: bool

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _members_query(group: ContactGroup, contact_filter: ContactFilter) -> pw.SelectQuery:
    return (Membership
            .select(Contact.id, Contact.first_name, Contact.last_name, Contact.email,
                    Contact.country_name, Membership.from_condition, Membership.from_account,
                    Membership.manual)
            .join(Contact, on=(Membership.contact == Contact.id))
            .where((Membership.group == group.id) & contact_filter.expression()))


def _row(values: tuple) -> MemberRow:
    contact_id, first, last, email, country, cond, acct, manual = values
    return MemberRow(contact_id, first or "", last or "", email or "", country or "",
                     bool(cond), bool(acct), bool(manual))


def count_members(group: ContactGroup, contact_filter: ContactFilter = NO_FILTER) -> int:
    if not contact_filter.text.strip():
        return group.member_count
    return _members_query(group, contact_filter).count()


def member_page(group: ContactGroup, offset: int, limit: int,
                contact_filter: ContactFilter = NO_FILTER) -> list[MemberRow]:
    """Members ``offset`` … ``offset + limit`` in contact-id order."""
    query = (_members_query(group, contact_filter).order_by(Contact.id)
             .offset(max(offset, 0)).limit(max(limit, 0)))
    return [_row(values) for values in query.tuples()]


def iter_members(group: ContactGroup,
                 contact_filter: ContactFilter = NO_FILTER) -> Iterator[MemberRow]:
    """Every member, fetched in keyset pages so memory stays flat for any group size."""
    after = 0
    while True:
        query = (_members_query(group, contact_filter).where(Contact.id > after)
                 .order_by(Contact.id).limit(STREAM_PAGE))
        page = [_row(values) for values in query.tuples()]
        yield from page
        if len(page) < STREAM_PAGE:
            return
        after = page[-1].contact_id

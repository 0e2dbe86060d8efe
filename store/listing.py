"""Read models for lists: members of a group, page by page.

Lists never load a whole group: callers ask for a window (offset and limit, in a stable
order) or stream it in keyset pages, and the filter runs in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass

import peewee as pw

from store.contact_sets import NO_FILTER, ContactFilter, id_list
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
    """How many members match; without a filter, the group's stored count.

    The stored count is read afresh: a list that asks again after a bulk removal must not
    get the figure the caller's ``group`` object was loaded with.
    """
    if not contact_filter.text.strip():
        stored = (ContactGroup.select(ContactGroup.member_count)
                  .where(ContactGroup.id == group.id).scalar())
        return stored or 0
    return _members_query(group, contact_filter).count()


def members_matching(group: ContactGroup, contact_ids: Iterable[int],
                     contact_filter: ContactFilter) -> set[int]:
    """Which of ``contact_ids`` are members of ``group`` matching ``contact_filter``.

    Lists use it to show marks that mean "all matching another filter", and to tell how
    many marked rows the current filter hides — one indexed query for a handful of ids.
    """
    ids = list(contact_ids)
    if not ids:
        return set()
    query = (_members_query(group, contact_filter)
             .where(Contact.id.in_(id_list(ids))).select(Contact.id))
    return {contact_id for (contact_id,) in query.tuples()}


def member_page(group: ContactGroup, offset: int, limit: int,
                contact_filter: ContactFilter = NO_FILTER) -> list[MemberRow]:
    """Members ``offset`` … ``offset + limit`` in contact-id order.

    Ordered by the membership's contact id (equal to the contact's by the join) so the
    (group, contact) index yields the order: sorting by ``Contact.id`` made SQLite sort
    the whole group for every page.
    """
    query = _members_query(group, contact_filter).order_by(Membership.contact)
    if contact_filter.text.strip():
        query = query.offset(max(offset, 0))
    else:
        # Skip to the page on the (group, contact) index alone, then join only the page's
        # rows: a plain OFFSET joined every skipped membership to its contact, which made
        # the end of a million-member group take about a second.
        first = (Membership.select(Membership.contact).where(Membership.group == group.id)
                 .order_by(Membership.contact).offset(max(offset, 0)).limit(1))
        query = query.where(Membership.contact >= first)
    return [_row(values) for values in query.limit(max(limit, 0)).tuples()]


def iter_members(group: ContactGroup,
                 contact_filter: ContactFilter = NO_FILTER) -> Iterator[MemberRow]:
    """Every member, fetched in keyset pages so memory stays flat for any group size."""
    after = 0
    while True:
        query = (_members_query(group, contact_filter).where(Membership.contact > after)
                 .order_by(Membership.contact).limit(STREAM_PAGE))
        page = [_row(values) for values in query.tuples()]
        yield from page
        if len(page) < STREAM_PAGE:
            return
        after = page[-1].contact_id

"""Read models for lists: members of a group, the contacts it excludes, the contacts and
accounts a picker offers, and the group's accounts, page by page.

Lists never load a whole group: callers ask for a window (offset and limit, in a stable
order) or stream it in keyset pages, and the filter runs in SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import TypeVar

import peewee as pw

from store.contact_sets import NO_FILTER, ContactFilter, contains_ci, id_list, live_contacts
from store.models import (
    Account,
    AccountContact,
    Contact,
    ContactGroup,
    Exclusion,
    GroupAccount,
    GroupLike,
    Membership,
)

T = TypeVar("T")
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


def _members_query(group: GroupLike, contact_filter: ContactFilter) -> pw.SelectQuery:
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


def count_members(group: GroupLike, contact_filter: ContactFilter = NO_FILTER) -> int:
    """How many members match; without a filter, the group's stored count.

    The stored count is read afresh: a list that asks again after a bulk removal must not
    get the figure the caller's ``group`` object was loaded with.
    """
    if not contact_filter.text.strip():
        stored = (ContactGroup.select(ContactGroup.member_count)
                  .where(ContactGroup.id == group.id).scalar())
        return stored or 0
    return _members_query(group, contact_filter).count()


def members_matching(group: GroupLike, contact_ids: Iterable[int],
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


def member_page(group: GroupLike, offset: int, limit: int,
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


def iter_keyset(fetch_after: Callable[[int], list[T]], key: Callable[[T], int],
                page_size: int = STREAM_PAGE) -> Iterator[T]:
    """Every row of a query read in keyset pages (``fetch_after(last_key)`` returns the next
    ``page_size`` rows in key order), so memory stays flat however many rows there are."""
    after = 0
    while True:
        page = fetch_after(after)
        yield from page
        if len(page) < page_size:
            return
        after = key(page[-1])


def iter_members(group: GroupLike,
                 contact_filter: ContactFilter = NO_FILTER) -> Iterator[MemberRow]:
    """Every member, for exports and the command line."""
    def fetch_after(after: int) -> list[MemberRow]:
        query = (_members_query(group, contact_filter).where(Membership.contact > after)
                 .order_by(Membership.contact).limit(STREAM_PAGE))
        return [_row(values) for values in query.tuples()]

    return iter_keyset(fetch_after, lambda row: row.contact_id)


# --- contacts a group keeps out, and contacts a picker offers ------------------------


@dataclass(frozen=True)
class ContactRow:
    """One contact in a list that is not the member list (excluded contacts, a picker)."""

    contact_id: int
    first_name: str
    last_name: str
    email: str
    country: str


def _contacts_query(where: pw.Node, contact_filter: ContactFilter) -> pw.SelectQuery:
    return (Contact.select(Contact.id, Contact.first_name, Contact.last_name, Contact.email,
                           Contact.country_name)
            .where(where & contact_filter.expression()))


def _contact_row(values: tuple) -> ContactRow:
    contact_id, first, last, email, country = values
    return ContactRow(contact_id, first or "", last or "", email or "", country or "")


def _page(query: pw.SelectQuery, order: pw.Field, offset: int, limit: int) -> list[tuple]:
    return list(query.order_by(order).offset(max(offset, 0)).limit(max(limit, 0)).tuples())


def _among(query: pw.SelectQuery, key: pw.Field, ids: Iterable[int]) -> set[int]:
    """Which of ``ids`` the rows of ``query`` include (one query for a handful of ids)."""
    wanted = list(ids)
    if not wanted:
        return set()
    return {value for (value,) in query.where(key.in_(id_list(wanted))).select(key).tuples()}


def _excluded(group: GroupLike) -> pw.Node:
    return Contact.id.in_(Exclusion.select(Exclusion.contact).where(Exclusion.group == group.id))


def count_excluded(group: GroupLike, contact_filter: ContactFilter = NO_FILTER) -> int:
    """How many contacts the group keeps out (Remove and exclude) match the filter."""
    return _contacts_query(_excluded(group), contact_filter).count()


def excluded_page(group: GroupLike, offset: int, limit: int,
                  contact_filter: ContactFilter = NO_FILTER) -> list[ContactRow]:
    """Excluded contacts ``offset`` … ``offset + limit`` in contact-id order."""
    query = _contacts_query(_excluded(group), contact_filter)
    return [_contact_row(values) for values in _page(query, Contact.id, offset, limit)]


def excluded_matching(group: GroupLike, contact_ids: Iterable[int],
                      contact_filter: ContactFilter) -> set[int]:
    return _among(_contacts_query(_excluded(group), contact_filter), Contact.id, contact_ids)


def _candidates(group: GroupLike) -> pw.Node:
    """Contacts the Add contacts picker offers: live and not members of the group."""
    is_member = pw.fn.EXISTS(Membership.select(pw.SQL("1")).where(
        (Membership.group == group.id) & (Membership.contact == Contact.id)))
    return live_contacts() & ~is_member


def count_candidates(group: GroupLike, contact_filter: ContactFilter = NO_FILTER) -> int:
    """How many live non-members match the filter."""
    return _contacts_query(_candidates(group), contact_filter).count()


def candidate_page(group: GroupLike, offset: int, limit: int,
                   contact_filter: ContactFilter = NO_FILTER) -> list[ContactRow]:
    """Live non-members ``offset`` … ``offset + limit`` in contact-id order."""
    query = _contacts_query(_candidates(group), contact_filter)
    return [_contact_row(values) for values in _page(query, Contact.id, offset, limit)]


def candidates_matching(group: GroupLike, contact_ids: Iterable[int],
                        contact_filter: ContactFilter) -> set[int]:
    return _among(_contacts_query(_candidates(group), contact_filter), Contact.id, contact_ids)


# --- accounts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountFilter:
    """What an admin types to filter accounts: every word in the name, city or country
    code, case-insensitively."""

    text: str = ""

    def expression(self) -> pw.Node:
        condition: pw.Node = pw.SQL("1 = 1")
        for word in self.text.split():
            condition = condition & (contains_ci(Account.name, word)
                                     | contains_ci(Account.city, word)
                                     | contains_ci(Account.country_code, word))
        return condition


NO_ACCOUNT_FILTER = AccountFilter()


@dataclass(frozen=True)
class AccountRow:
    """One line of a group's Accounts tab or of the Add accounts picker."""

    account_id: int
    name: str
    city: str
    country: str
    contacts: int
    """Live contacts linked to the account."""


def _accounts_query(where: pw.Node, account_filter: AccountFilter) -> pw.SelectQuery:
    linked = (AccountContact.select(pw.fn.COUNT(AccountContact.contact))
              .join(Contact, on=(AccountContact.contact == Contact.id))
              .where((AccountContact.account == Account.id) & live_contacts()))
    return (Account.select(Account.id, Account.name, Account.city, Account.country_code,
                           linked.alias("contacts"))
            .where(where & account_filter.expression()))


def _account_row(values: tuple) -> AccountRow:
    account_id, name, city, country, linked = values
    return AccountRow(account_id, name or "", city or "", country or "", linked or 0)


def _in_group(group: GroupLike) -> pw.Node:
    return Account.id.in_(GroupAccount.select(GroupAccount.account)
                          .where(GroupAccount.group == group.id))


def _account_scope(group: GroupLike, in_group: bool) -> pw.Node:
    return _in_group(group) if in_group else ~_in_group(group)


def count_accounts(group: GroupLike, account_filter: AccountFilter = NO_ACCOUNT_FILTER,
                   *, in_group: bool = True) -> int:
    """How many accounts of the group (or, with ``in_group=False``, not yet in it — what
    the Add accounts picker offers) match the filter."""
    where = _account_scope(group, in_group) & account_filter.expression()
    return Account.select(Account.id).where(where).count()


def account_page(group: GroupLike, offset: int, limit: int,
                 account_filter: AccountFilter = NO_ACCOUNT_FILTER, *,
                 in_group: bool = True) -> list[AccountRow]:
    """Accounts ``offset`` … ``offset + limit`` by name, each with its number of contacts
    (counted for the page's rows only)."""
    query = _accounts_query(_account_scope(group, in_group), account_filter)
    return [_account_row(values) for values in _page(query, Account.name, offset, limit)]


def accounts_matching(group: GroupLike, account_ids: Iterable[int],
                      account_filter: AccountFilter, *, in_group: bool = True) -> set[int]:
    query = Account.select(Account.id).where(_account_scope(group, in_group)
                                             & account_filter.expression())
    return _among(query, Account.id, account_ids)


def account_ids(group: GroupLike, account_filter: AccountFilter, *, in_group: bool,
                except_ids: Iterable[int] = ()) -> list[int]:
    """Ids of the accounts "all matching the filter except these" marks mean.

    The account services take ids (they audit each account), so all-matching marks are
    resolved here, in SQL; accounts number in the tens of thousands at most.
    """
    query = Account.select(Account.id).where(_account_scope(group, in_group)
                                             & account_filter.expression())
    skipped = list(except_ids)
    if skipped:
        query = query.where(Account.id.not_in(id_list(skipped)))
    return [value for (value,) in query.order_by(Account.id).tuples()]

"""Read models for lists: members of a group, the contacts it excludes, the contacts and
accounts a picker offers, the group's accounts, every contact (the Contacts screen) and the
groups of one contact, page by page. The rows are those of :mod:`store.rows`.

Lists never load a whole group: callers ask for a window (offset and limit, in a stable
order) or stream it in keyset pages, and the filter (:class:`ContactFilter`, the same words
in the same columns for every list and export) runs in SQL. The Contacts screen browses a
database that may hold millions the same way; merged contacts (children pointing at a
parent) are hidden unless asked for: only parents are "live", and only they can be edited
into groups or merged again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import peewee as pw

from store.contact_sets import (
    NO_FILTER,
    ContactFilter,
    Selection,
    contains_ci,
    id_list,
    live_contacts,
)
from store.db.models import (
    Account,
    AccountContact,
    Contact,
    ContactGroup,
    Exclusion,
    GroupAccount,
    GroupLike,
    Membership,
)
from store.errors import StoreError
from store.rows import AccountRow, ContactRow, MemberRow

T = TypeVar("T")
STREAM_PAGE = 5_000


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


def _contact_rows() -> pw.SelectQuery:
    return Contact.select(Contact.id, Contact.first_name, Contact.last_name, Contact.email,
                          Contact.company, Contact.city, Contact.country_name,
                          Contact.merged_into)


def _contact_row(values: tuple) -> ContactRow:
    contact_id, first, last, email, company, city, country, merged_into = values
    return ContactRow(contact_id, first or "", last or "", email or "", company or "",
                      city or "", country or "", merged_into)


def _contacts_query(where: pw.Node, contact_filter: ContactFilter) -> pw.SelectQuery:
    return _contact_rows().where(where & contact_filter.expression())


def _page(query: pw.SelectQuery, order: pw.Field, offset: int, limit: int) -> list[tuple]:
    return list(query.order_by(order).offset(max(offset, 0)).limit(max(limit, 0)).tuples())


def _contact_page(where: pw.Node, contact_filter: ContactFilter, offset: int,
                  limit: int) -> list[ContactRow]:
    """The contacts ``where`` selects under the filter, ``offset`` … ``offset + limit`` in
    id order: every list of contacts pages the same way."""
    query = _contacts_query(where, contact_filter)
    return [_contact_row(values) for values in _page(query, Contact.id, offset, limit)]


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
    return _contact_page(_excluded(group), contact_filter, offset, limit)


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
    return _contact_page(_candidates(group), contact_filter, offset, limit)


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


def account_ids(group: GroupLike, selection: Selection, *, in_group: bool) -> list[int]:
    """Ids of the accounts a selection of an account list means (its all-matching filter
    read as an :class:`AccountFilter`).

    The account services take ids (they audit each account), so all-matching marks are
    resolved here, in SQL; accounts number in the tens of thousands at most.
    """
    if not selection.is_all:
        return sorted(selection.ids)
    query = Account.select(Account.id).where(_account_scope(group, in_group)
                                             & AccountFilter(selection.all_matching or "")
                                             .expression())
    if selection.ids:
        query = query.where(Account.id.not_in(id_list(selection.ids)))
    return [value for (value,) in query.order_by(Account.id).tuples()]


# --- the Contacts screen, and the groups of one contact ------------------------------


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


def _everyone(include_merged: bool) -> pw.Node:
    return pw.SQL("1 = 1") if include_merged else live_contacts()


def count_contacts(text: str = "", *, include_merged: bool = False) -> int:
    """How many contacts match the filter text."""
    return _contacts_query(_everyone(include_merged), ContactFilter(text)).count()


def contact_page(offset: int, limit: int, text: str = "", *,
                 include_merged: bool = False) -> list[ContactRow]:
    """Matching contacts ``offset`` … ``offset + limit`` in id order."""
    return _contact_page(_everyone(include_merged), ContactFilter(text), offset, limit)


def contacts_matching(contact_ids: Iterable[int], text: str, *,
                      include_merged: bool = False) -> set[int]:
    """Which of ``contact_ids`` match the filter text (for marks made under another)."""
    query = _contacts_query(_everyone(include_merged), ContactFilter(text))
    return _among(query, Contact.id, contact_ids)


def selected_contacts(selection: Selection, *, limit: int) -> list[ContactRow]:
    """The live contacts a selection of the screen's marks means, in id order.

    Marks may mean "all matching the filter"; a merge names every contact it touches, so
    more than ``limit`` of them is refused rather than listed.
    """
    rows = [_contact_row(values) for values in _contact_rows()
            .where(selection.where() & live_contacts()).order_by(Contact.id)
            .limit(limit + 1).tuples()]
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

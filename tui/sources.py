"""Row sources backed by the store, for :class:`~tui.widgets.virtual_table.VirtualTable`.

They read through :mod:`store.reads.listing` only (the TUI holds no queries of its own) and
run in the table's worker threads; Peewee gives each thread its own connection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from store.contact_sets import ContactFilter, Selection
from store.reads import listing
from store.reads.listing import AccountFilter
from store.rows import AccountRow, ContactRow, GroupRow, MemberRow
from tui.widgets.row_source import Column

Row = TypeVar("Row")


def _yes_no(value: bool) -> str:
    return "Yes" if value else "No"


MEMBER_COLUMNS: tuple[Column[MemberRow], ...] = (
    Column("First name", 12, lambda row: row.first_name, min_width=6),
    Column("Last name", 14, lambda row: row.last_name, min_width=6),
    Column("Email", 26, lambda row: row.email, min_width=10),
    Column("Country", 12, lambda row: row.country, min_width=5),
    Column("Condition", 9, lambda row: _yes_no(row.from_condition), min_width=4),
    Column("Account", 7, lambda row: _yes_no(row.from_account), min_width=4),
    Column("Manual", 6, lambda row: _yes_no(row.manual), min_width=4),
)
"""The Contacts tab's columns (SPEC §7); *Condition-based* shortened to fit 80 columns."""

CONTACT_COLUMNS: tuple[Column[ContactRow], ...] = (
    Column("First name", 14, lambda row: row.first_name, min_width=6),
    Column("Last name", 16, lambda row: row.last_name, min_width=6),
    Column("Email", 30, lambda row: row.email, min_width=10),
    Column("Country", 14, lambda row: row.country, min_width=5),
)
"""Contacts that are not members: the Excluded view and the Add contacts picker."""

ACCOUNT_COLUMNS: tuple[Column[AccountRow], ...] = (
    Column("Account name", 30, lambda row: row.name, min_width=10),
    Column("City", 16, lambda row: row.city, min_width=6),
    Column("Country", 7, lambda row: row.country, min_width=4),
    Column("Contacts", 8, lambda row: f"{row.contacts:,}", min_width=5, align="right"),
)


class GroupContactSource(Generic[Row]):
    """Contacts related to one group — its members, its excluded contacts, or the picker's
    candidates — as a row source; the three store.reads.listing functions say which, and filter
    in SQL with :class:`ContactFilter`."""

    def __init__(self, group: GroupRow, columns: tuple[Column[Row], ...],
                 count: Callable[[GroupRow, ContactFilter], int],
                 page: Callable[[GroupRow, int, int, ContactFilter], list[Row]],
                 matching: Callable[[GroupRow, Iterable[int], ContactFilter], set[int]],
                 ) -> None:
        self.group, self.columns = group, columns
        self._count, self._page, self._matching = count, page, matching

    def key(self, row: Row) -> int:
        return row.contact_id  # type: ignore[attr-defined]

    def count(self, filter_text: str) -> int:
        return self._count(self.group, ContactFilter(filter_text))

    def page(self, offset: int, limit: int, filter_text: str) -> list[Row]:
        return self._page(self.group, offset, limit, ContactFilter(filter_text))

    def matching(self, keys: Iterable[int], filter_text: str) -> set[int]:
        return self._matching(self.group, keys, ContactFilter(filter_text))


def member_source(group: GroupRow) -> GroupContactSource[MemberRow]:
    """The members of one group."""
    return GroupContactSource(group, MEMBER_COLUMNS, listing.count_members,
                              listing.member_page, listing.members_matching)


def excluded_source(group: GroupRow) -> GroupContactSource[ContactRow]:
    """The contacts a group keeps out (removed with *Remove and exclude*)."""
    return GroupContactSource(group, CONTACT_COLUMNS, listing.count_excluded,
                              listing.excluded_page, listing.excluded_matching)


def candidate_source(group: GroupRow) -> GroupContactSource[ContactRow]:
    """What the Add contacts picker offers: live contacts that are not members."""
    return GroupContactSource(group, CONTACT_COLUMNS, listing.count_candidates,
                              listing.candidate_page, listing.candidates_matching)


class AccountSource:
    """Accounts of one group (``in_group``) or, for the Add accounts picker, the accounts
    not in it yet; filtered in SQL by :class:`AccountFilter`."""

    columns = ACCOUNT_COLUMNS

    def __init__(self, group: GroupRow, *, in_group: bool = True) -> None:
        self.group = group
        self.in_group = in_group

    def key(self, row: AccountRow) -> int:
        return row.account_id

    def count(self, filter_text: str) -> int:
        return listing.count_accounts(self.group, AccountFilter(filter_text),
                                      in_group=self.in_group)

    def page(self, offset: int, limit: int, filter_text: str) -> list[AccountRow]:
        return listing.account_page(self.group, offset, limit, AccountFilter(filter_text),
                                    in_group=self.in_group)

    def matching(self, keys: Iterable[int], filter_text: str) -> set[int]:
        return listing.accounts_matching(self.group, keys, AccountFilter(filter_text),
                                         in_group=self.in_group)

    def chosen_ids(self, marks: Selection) -> list[int]:
        """The account ids marks mean. Reads the database: call it in a worker."""
        return listing.account_ids(self.group, marks, in_group=self.in_group)

"""Row sources backed by the store, for :class:`~tui.widgets.virtual_table.VirtualTable`.

They read through :mod:`store.listing` only (the TUI holds no queries of its own) and
run in the table's worker threads; Peewee gives each thread its own connection.
"""

from __future__ import annotations

from collections.abc import Iterable

from store import listing
from store.contact_sets import ContactFilter
from store.listing import MemberRow
from store.models import ContactGroup
from tui.widgets.row_source import Column


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


class MemberSource:
    """The members of one group, filtered in SQL by :class:`ContactFilter`."""

    columns = MEMBER_COLUMNS

    def __init__(self, group: ContactGroup) -> None:
        self.group = group

    def key(self, row: MemberRow) -> int:
        return row.contact_id

    def count(self, filter_text: str) -> int:
        return listing.count_members(self.group, ContactFilter(filter_text))

    def page(self, offset: int, limit: int, filter_text: str) -> list[MemberRow]:
        return listing.member_page(self.group, offset, limit, ContactFilter(filter_text))

    def matching(self, keys: Iterable[int], filter_text: str) -> set[int]:
        return listing.members_matching(self.group, keys, ContactFilter(filter_text))

"""The Accounts tab: the accounts (companies) in the group (SPEC §7).

Adding an account adds its live contacts *from account*; removing it takes away only
what no other source holds (store.accounts). Both change members, which the Contacts tab
shows on its next reload. The CMS edition refuses accounts: the refusal shows before the
picker opens, and again (changing nothing) if the edition changed meanwhile.
"""

from __future__ import annotations

from typing import Any

from textual.binding import Binding

from store import accounts, settings
from store.rows import AccountRow, GroupRow
from tui.background import in_background
from tui.modals import ConfirmModal, TypedConfirmModal
from tui.selection import Marks
from tui.sources import AccountSource
from tui.tabs.list_tab import ListTab, plural
from tui.widgets.picker import PickerModal
from tui.widgets.virtual_table import VirtualTable

REMOVE_NOTE = ("Their contacts leave the group unless a condition, a manual add or another "
               "account of the group holds them.")


class AccountsTab(ListTab):
    BINDINGS = [
        Binding("plus,insert", "add", "Add", id="accounts.add"),
        Binding("d,delete", "remove", "Remove", id="accounts.remove"),
        Binding("D", "remove_all", "Remove all", id="accounts.remove-all"),
    ]

    FILTER_HINT = "filter: account name, city or country code (enter returns to the list)"

    def build_lists(self, group: GroupRow) -> list[VirtualTable[Any]]:
        return [VirtualTable(AccountSource(group), id="accounts")]

    @property
    def table(self) -> VirtualTable[AccountRow]:
        return self.query_one("#accounts", VirtualTable)

    @property
    def active_table(self) -> VirtualTable[Any] | None:
        return None if self.group is None else self.table

    def show_group(self, group: GroupRow) -> None:
        previous = self.group
        super().show_group(group)
        if previous is None:
            return
        self.table.source.group = group
        if previous.member_count != group.member_count:
            self.table.reload()  # the accounts' contact counts may have changed too

    def status_text(self) -> str:
        total = self.table.total
        head = "counting…" if total is None else plural(total, "account")
        return f"{head}{self.marks_phrase()}{self.filter_phrase()}"

    # --- add -----------------------------------------------------------------------------

    def action_add(self) -> None:
        group = self.group
        assert group is not None
        in_background(self, lambda: settings.require_ems(accounts.ACCOUNTS_FEATURE),
                      lambda _: self._open_picker(group), description="Add accounts")

    def _open_picker(self, group: GroupRow) -> None:
        source = AccountSource(group, in_group=False)

        def picked(marks: Marks | None) -> None:
            if marks is not None:
                in_background(
                    self, lambda: accounts.add_accounts(
                        group, source.chosen_ids(marks)),
                    self._added, description="Add accounts")

        self.app.push_screen(PickerModal(f"Add accounts to '{group.display_name}'", source,
                                         search_hint="search account name, city, country"),
                             picked)

    def _added(self, added: int) -> None:
        self.table.reload()
        self.notify(f"Added {plural(added, 'account')} (with their contacts).")

    # --- remove --------------------------------------------------------------------------

    def action_remove(self) -> None:
        group = self.group
        target = self.target("account", lambda row: f"the account '{row.name}'")
        if group is None or target is None:
            return
        source = self.table.source
        marks = target.marks

        def confirmed(yes: bool | None) -> None:
            if yes:
                in_background(
                    self, lambda: accounts.remove_accounts(
                        group, source.chosen_ids(marks)),
                    self._removed, description="Remove accounts")

        self.app.push_screen(ConfirmModal(
            f"Remove {target.what} from '{group.display_name}'?\n\n{REMOVE_NOTE}",
            yes="Remove"), confirmed)

    def action_remove_all(self) -> None:
        group = self.group
        assert group is not None

        def confirmed(yes: bool | None) -> None:
            if yes:
                in_background(self, lambda: accounts.remove_accounts(group), self._removed,
                              description="Remove all accounts")

        self.app.push_screen(TypedConfirmModal(
            f"Remove ALL accounts of '{group.display_name}'?\n\n{REMOVE_NOTE}",
            group.code_name), confirmed)

    def _removed(self, removed: int) -> None:
        self.table.reload(clear_marks=True)
        self.notify(f"Removed {plural(removed, 'account')}.")

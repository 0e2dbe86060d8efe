"""The Contacts tab: the group's members, paged from the database."""

from __future__ import annotations

from textual.app import ComposeResult

from store.models import ContactGroup
from tui.sources import MemberSource
from tui.tabs.base import GroupTab
from tui.widgets.virtual_table import VirtualTable


class ContactsTab(GroupTab):
    def compose(self) -> ComposeResult:
        return iter(())

    def show_group(self, group: ContactGroup) -> None:
        first = self.group is None
        super().show_group(group)
        if first:
            self.mount(VirtualTable(MemberSource(group), id="members"))

"""The General tab: the group's names, description, condition and schedule."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from store.models import ContactGroup
from tui.tabs.base import GroupTab


class GeneralTab(GroupTab):
    def compose(self) -> ComposeResult:
        yield Static("", id="general-details")

    def show_group(self, group: ContactGroup) -> None:
        super().show_group(group)
        self.query_one("#general-details", Static).update(
            f"Display name: {group.display_name}\nCode name: {group.code_name}\n"
            f"Description: {group.description}\nCondition: {group.condition or '(static)'}")

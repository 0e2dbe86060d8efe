"""The Accounts tab: accounts in the group."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from tui.tabs.base import GroupTab


class AccountsTab(GroupTab):
    def compose(self) -> ComposeResult:
        yield Static("Accounts of this group.")

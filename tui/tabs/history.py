"""The History tab: who changed the group's members, and its size over time."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from tui.tabs.base import GroupTab


class HistoryTab(GroupTab):
    def compose(self) -> ComposeResult:
        yield Static("History of this group.")

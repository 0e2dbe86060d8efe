"""The Scheduled tasks screen: daily rebuilds."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class TasksScreen(Screen[None]):
    HELP_TITLE = "Scheduled tasks"
    BINDINGS = [Binding("escape,q", "app.pop_screen", "Back", id="tasks.back")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Scheduled tasks")
        yield Footer()

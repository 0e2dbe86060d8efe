"""The Contacts screen: browse and search contacts."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class ContactsScreen(Screen[None]):
    HELP_TITLE = "Contacts"
    BINDINGS = [Binding("escape,q", "app.pop_screen", "Back", id="contacts.back")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Contacts")
        yield Footer()

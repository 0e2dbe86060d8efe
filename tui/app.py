"""The terminal UI. For now: the Contact groups list (the full editor comes with issue 5)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static

from store import groups
from tui.formatting import group_summary


class ContactGroupsApp(App[None]):
    """Lists the contact groups; ``q`` quits, ``g`` reloads."""

    TITLE = "Contact groups"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("g", "reload", "Reload", id="reload"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="summary")
        yield DataTable(id="groups", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#groups", DataTable)
        table.add_columns("Display name", "Code name", "Condition", "Members", "Status",
                          "Last rebuilt", "Scheduled")
        self.action_reload()

    def action_reload(self) -> None:
        table = self.query_one("#groups", DataTable)
        table.clear()
        rows = [group_summary(group) for group in groups.list_groups()]
        for row in rows:
            table.add_row(row["name"], row["code"], _yes_no(row["condition_based"]),
                          f"{row['members']:,}", row["status"], row["last_rebuilt"] or "",
                          _yes_no(row["scheduled"]), key=row["code"])
        self.query_one("#summary", Static).update(
            f" {len(rows)} contact groups" if rows else " No contact groups yet.")


def _yes_no(value: bool) -> str:
    return "Yes" if value else "No"


def run_app() -> None:
    ContactGroupsApp().run()

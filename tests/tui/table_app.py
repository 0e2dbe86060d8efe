"""A tiny app hosting one VirtualTable under a filter Input, for Pilot tests."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.message import Message
from textual.widgets import Input

from tui.widgets.virtual_table import VirtualTable


class TableApp(App[None]):
    """The filter box feeds ``filter_text``; every table message is recorded."""

    def __init__(self, source, **table_options) -> None:
        super().__init__()
        self.source = source
        self.table_options = table_options
        self.seen: list[Message] = []

    def compose(self) -> ComposeResult:
        yield Input(id="filter", placeholder="filter")
        yield VirtualTable(self.source, id="table", **self.table_options)

    def on_mount(self) -> None:
        self.table.focus()

    @property
    def table(self) -> VirtualTable:
        return self.query_one(VirtualTable)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.table.filter_text = event.value

    def on_virtual_table_cursor_moved(self, message: VirtualTable.CursorMoved) -> None:
        self.seen.append(message)

    def on_virtual_table_marks_changed(self, message: VirtualTable.MarksChanged) -> None:
        self.seen.append(message)

    def on_virtual_table_row_activated(self, message: VirtualTable.RowActivated) -> None:
        self.seen.append(message)

    def messages(self, kind: type[Message]) -> list:
        return [message for message in self.seen if isinstance(message, kind)]


def lines(table: VirtualTable) -> list[str]:
    """The table as text, one string per screen line."""
    return [table.render_line(y).text for y in range(table.scrollable_content_region.height)]


"""A searchable picker: Kentico's *Add contacts* / *Add accounts* selection dialog.

The candidates come from a :class:`~tui.widgets.row_source.RowSource` through a
:class:`~tui.widgets.virtual_table.VirtualTable`, so the search runs in SQL (debounced by
the table) and only the rows on screen are read, whatever the number of candidates. The
picker only chooses: it dismisses with the :class:`~tui.selection.Marks` to add (explicit
ids, or "all matching the search except these") and the caller runs the store service, so
one widget serves contacts and accounts.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui.selection import Marks
from tui.widgets.row_source import RowSource
from tui.widgets.virtual_table import VirtualTable

HINT = "space mark · a all · A invert · u clear · enter add · esc cancel"


class PickerModal(ModalScreen[Marks | None]):
    """Search, mark, ``enter`` to add the marked rows (or the highlighted one)."""

    DEFAULT_CSS = """
    PickerModal .picker-dialog {
        width: 78;
        max-width: 100%;
        height: 22;
        max-height: 100%;
        padding: 0 1;
        border: thick $primary;
        background: $panel;
    }
    PickerModal .picker-title { text-style: bold; height: auto; }
    PickerModal .picker-hint { height: auto; color: $text-muted; }  /* wrapped when narrow */
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="picker.cancel"),
        Binding("enter", "pick", "Add", id="picker.add"),
        Binding("down", "results", "Results", show=False, id="picker.results"),
    ]

    def __init__(self, title: str, source: RowSource[Any], *, search_hint: str) -> None:
        super().__init__()
        self.title_text = title
        self.source = source
        self.search_hint = search_hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="picker-dialog"):
            yield Static(self.title_text, classes="picker-title", markup=False)
            yield Input(placeholder=self.search_hint, id="picker-search")
            yield VirtualTable(self.source, id="picker-table")
            yield Static(HINT, classes="picker-hint")

    def on_mount(self) -> None:
        self.query_one("#picker-search", Input).focus()

    @property
    def table(self) -> VirtualTable[Any]:
        return self.query_one("#picker-table", VirtualTable)

    @on(Input.Changed, "#picker-search")
    def _search(self, event: Input.Changed) -> None:
        self.table.filter_text = event.value

    @on(Input.Submitted, "#picker-search")
    def _searched(self) -> None:
        self.action_results()

    @on(VirtualTable.RowActivated, "#picker-table")
    def _activated(self) -> None:
        self.action_pick()

    def action_results(self) -> None:
        self.table.focus()

    def action_pick(self) -> None:
        table = self.table
        marks = table.marks
        if marks.is_empty:
            key = table.cursor_key
            if key is None:
                self.notify("Nothing to add: no row is highlighted.", severity="warning")
                return
            marks = Marks.of_ids([key])
        self.dismiss(marks)

    def action_cancel(self) -> None:
        self.dismiss(None)

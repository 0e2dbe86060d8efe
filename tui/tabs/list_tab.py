"""What the Contacts and Accounts tabs share: a list of the group paged from the database,
a filter box, a status line, and "the marked rows, or the highlighted one" as the target of
an action.

The lists are created on the first :meth:`show_group`, when the group is known; until then
the tab is empty (the editor shows these tabs only for saved groups).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from store.rows import GroupRow
from tui.selection import Marks
from tui.tabs.base import GroupTab
from tui.widgets.virtual_table import VirtualTable


def plural(count: int, noun: str) -> str:
    """``1 contact``, ``2 contacts``, ``1,000 accounts``."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class Target:
    """What an action on a list acts on: the marks, or the highlighted row as one mark.

    ``count`` is how many rows that is and ``what`` says it in words for a confirmation.
    """

    marks: Marks
    count: int
    what: str


class ListTab(GroupTab):
    """A group tab built around one or more :class:`VirtualTable` lists."""

    BINDINGS = [
        Binding("slash", "filter", "Filter", id="list.filter"),
        Binding("escape", "escape", "Clear filter", id="list.escape"),
    ]

    FILTER_HINT = "filter"

    def compose(self) -> ComposeResult:
        yield Input(placeholder=self.FILTER_HINT, id="list-filter", classes="filter-input")
        yield Static("", id="list-status", classes="status-line")
        yield Vertical(id="list-views")

    # --- what subclasses provide ---------------------------------------------------------

    def build_lists(self, group: GroupRow) -> list[VirtualTable[Any]]:
        """The lists to show once the group is known (the first is active)."""
        raise NotImplementedError

    def status_text(self) -> str:
        """The status line under the filter box."""
        raise NotImplementedError

    @property
    def active_table(self) -> VirtualTable[Any] | None:
        """The list the keys act on (``None`` before the first :meth:`show_group`)."""
        raise NotImplementedError

    # --- shared behaviour ----------------------------------------------------------------

    def show_group(self, group: GroupRow) -> None:
        first = self.group is None
        super().show_group(group)
        if first:
            views = self.query_one("#list-views", Vertical)
            views.mount_all(self.build_lists(group))
        self.show_status()

    def show_status(self) -> None:
        if self.group is not None and self.active_table is not None:
            self.query_one("#list-status", Static).update(self.status_text())

    def filter_phrase(self) -> str:
        table = self.active_table
        words = " ".join(table.applied_filter.split()) if table is not None else ""
        return f" · filter '{words}'" if words else ""

    def marks_phrase(self) -> str:
        table = self.active_table
        text = table.marks_description() if table is not None else ""
        return f" · {text}" if text else ""

    def on_show(self, _event: events.Show) -> None:
        """Opening the tab puts the keys on its list."""
        table = self.active_table
        if table is not None:
            self.take_focus(table)

    @on(VirtualTable.Counted)
    @on(VirtualTable.MarksChanged)
    def _table_changed(self) -> None:
        self.show_status()
        self.refresh_bindings()

    def target(self, noun: str, describe_row: Any) -> Target | None:
        """The marked rows of the active list, or its highlighted row; ``None`` (after
        saying why) when there is neither. ``describe_row`` names a row in words."""
        table = self.active_table
        if table is None:
            return None
        if not table.marks.is_empty:
            count = table.marked_count
            return Target(table.marks, count, f"{plural(count, 'marked ' + noun)}")
        key, row = table.cursor_key, table.cursor_row
        if key is None or row is None:
            self.notify(f"No {noun} is highlighted.", severity="warning")
            return None
        return Target(Marks.of_ids([key]), 1, describe_row(row))

    # --- filter --------------------------------------------------------------------------

    @property
    def filter_box(self) -> Input:
        return self.query_one("#list-filter", Input)

    def action_filter(self) -> None:
        box = self.filter_box
        box.add_class("-visible")
        box.focus()
        self.refresh_bindings()

    @on(Input.Changed, "#list-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        table = self.active_table
        if table is not None:
            table.filter_text = event.value
        self.refresh_bindings()

    @on(Input.Submitted, "#list-filter")
    def _filter_done(self) -> None:
        self.focus_list()

    def focus_list(self) -> None:
        table = self.active_table
        if table is not None:
            table.focus()

    def filter_is_open(self) -> bool:
        box = self.filter_box
        return bool(box.value) or box.has_class("-visible")

    def close_filter(self) -> None:
        box = self.filter_box
        box.value = ""
        box.remove_class("-visible")
        self.focus_list()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "escape":
            # Nothing to clear: escape goes on to the editor (back, or cancel a rebuild).
            return self.escape_applies()
        return True

    def escape_applies(self) -> bool:
        return self.filter_is_open()

    def action_escape(self) -> None:
        if self.filter_is_open():
            self.close_filter()
        self.refresh_bindings()

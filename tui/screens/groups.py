"""The Contact groups list: every group with its kind, size, status and schedule.

It re-reads the groups every second in the background, so a rebuild run by the scheduler or
another admin shows its progress here as it goes.
"""

from __future__ import annotations

from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Static

from store import groups
from store.engine import heartbeat, scheduler
from store.rows import STATUS_REBUILDING, GroupRow
from tui.background import Poll, in_background
from tui.modals import ConfirmModal, TypedConfirmModal
from tui.widgets.footer import FittingFooter
from tui.widgets.rebuild_bar import RebuildBar

POLL_SECONDS = 1.0
# The status next to the name: on a narrow terminal the columns on the right run off it.
COLUMNS = (("Display name", "name"), ("Status", "status"), ("Members", "members"),
           ("Cond.", "condition"), ("Code name", "code"), ("Last rebuilt", "rebuilt"),
           ("Sched.", "scheduled"))


def _read_groups() -> tuple[list[GroupRow], str]:
    """The groups, and whether a scheduler is alive to run their daily rebuilds."""
    return groups.list_groups(), heartbeat.state().describe(scheduler.local_zone())


class GroupsScreen(Screen[None]):
    HELP_TITLE = "Contact groups"
    BINDINGS = [
        Binding("n", "new_group", "New", id="groups.new"),
        Binding("enter,o", "open_group", "Open", id="groups.open"),
        Binding("enter", "open_at_once", show=False, priority=True, id="groups.open-at-once"),
        Binding("d,delete", "delete_group", "Delete", id="groups.delete"),
        Binding("R", "rebuild", "Rebuild", id="groups.rebuild"),
        Binding("slash", "filter", "Filter", id="groups.filter"),
        Binding("c", "contacts", "Contacts", id="groups.contacts"),
        Binding("t", "tasks", "Tasks", id="groups.tasks"),
        Binding("escape", "escape", "Cancel / clear", show=False, id="groups.escape"),
        Binding("q", "app.quit", "Quit", id="groups.quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._groups: list[GroupRow] = []
        self._poll = Poll(self, _read_groups, self._loaded,
                          description="Read the contact groups", seconds=POLL_SECONDS)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="filter by name or code name", id="filter",
                    classes="filter-input")
        yield DataTable(id="groups", cursor_type="row", zebra_stripes=True)
        yield RebuildBar()
        yield Static("", id="summary", classes="status-line")
        yield Static("", id="scheduler", classes="status-line")
        yield FittingFooter()

    def on_mount(self) -> None:
        table = self.query_one("#groups", DataTable)
        for title, key in COLUMNS:
            table.add_column(title, key=key)
        table.focus()
        self._poll.start()

    def on_screen_resume(self) -> None:
        self._poll.now()

    # --- data -------------------------------------------------------------------------

    def _loaded(self, loaded: tuple[list[GroupRow], str]) -> None:
        self._groups, scheduler_line = loaded
        self.query_one("#scheduler", Static).update(scheduler_line)
        self._render_rows()

    def rebuild_state_changed(self) -> None:
        self._render_rows()
        self._poll.now()

    def _visible(self) -> list[GroupRow]:
        words = self.query_one("#filter", Input).value.lower().split()
        return [g for g in self._groups
                if all(w in f"{g.display_name} {g.code_name}".lower() for w in words)]

    def _status(self, group: GroupRow) -> str:
        progress = self.app.rebuilds.progress.get(group.id)
        if progress is None and group.status == STATUS_REBUILDING:
            progress = group.progress
        if progress is not None:
            return f"Rebuilding {progress:.0%}"
        if group.slow_reason and group.status != "Failed":
            return f"{group.status} (slow)"
        return group.status

    def _cells(self, group: GroupRow) -> tuple[str, ...]:
        rebuilt = group.last_rebuild_at.strftime("%m-%d %H:%M") if group.last_rebuild_at else ""
        return (group.display_name, self._status(group), f"{group.member_count:,}",
                "Yes" if group.condition else "No", group.code_name, rebuilt,
                "Yes" if group.schedule_enabled else "No")

    def _render_rows(self) -> None:
        table = self.query_one("#groups", DataTable)
        visible = self._visible()
        keys = [str(g.id) for g in visible]
        if [row.value for row in table.rows] == keys:
            for group in visible:
                for (_, column), value in zip(COLUMNS, self._cells(group), strict=True):
                    table.update_cell(str(group.id), column, value, update_width=True)
        else:
            cursor_key = self._cursor_key()
            table.clear()
            for group in visible:
                table.add_row(*self._cells(group), key=str(group.id))
            if cursor_key in keys:
                table.move_cursor(row=keys.index(cursor_key))
        self._update_summary(visible)

    def _update_summary(self, visible: list[GroupRow]) -> None:
        current = self.current_group()
        running = self.app.rebuilds.progress.get(current.id) if current else None
        other = (current.progress if current and current.status == STATUS_REBUILDING
                 and running is None else None)
        self.query_one(RebuildBar).show(running if running is not None else other,
                                        ours=running is not None)
        total = len(self._groups)
        text = (f"{len(visible)} of {total} groups" if len(visible) != total
                else f"{total} contact groups")
        if not total:
            text = "No contact groups yet: press n to create one."
        elif current is not None and current.status == "Failed" and current.status_message:
            text = f"{current.display_name}: failed — {current.status_message}"
        self.query_one("#summary", Static).update(text)

    def _cursor_key(self) -> str | None:
        table = self.query_one("#groups", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def current_group(self) -> GroupRow | None:
        key = self._cursor_key()
        return next((g for g in self._groups if str(g.id) == key), None)

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._update_summary(self._visible())

    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_open_group()

    # --- actions ----------------------------------------------------------------------

    def action_new_group(self) -> None:
        from tui.screens.editor import GroupEditorScreen

        self.app.push_screen(GroupEditorScreen(None))

    def action_open_group(self) -> None:
        from tui.screens.editor import GroupEditorScreen

        group = self.current_group()
        if group is not None:
            self.app.push_screen(GroupEditorScreen(group.id))

    def action_open_at_once(self) -> None:
        """enter opens the group as the key is read, not once the table has passed it on:
        keys typed right after it are then held for the editor (see tui.type_ahead). In
        the filter box enter submits the filter."""
        if isinstance(self.focused, Input):
            raise SkipAction()
        self.action_open_group()

    def action_delete_group(self) -> None:
        group = self.current_group()
        if group is None:
            return
        question = (f"Delete the group '{group.display_name}' ({group.code_name})? Its "
                    f"{group.member_count:,} memberships, exclusions and schedule go with it.")

        def answered(yes: bool | None) -> None:
            if yes:
                in_background(self, lambda: groups.delete_group(group),
                              lambda _: self._deleted(group), description="Delete group")

        # Members are what a mistaken delete loses: then, as for removing them all, the
        # admin types the code name; an empty group takes y.
        confirm = (TypedConfirmModal(question, group.code_name) if group.member_count
                   else ConfirmModal(question, yes="Delete"))
        self.app.push_screen(confirm, answered)

    def _deleted(self, group: GroupRow) -> None:
        self.notify(f"Deleted '{group.display_name}'.")
        self._poll.now()

    def action_rebuild(self) -> None:
        group = self.current_group()
        if group is None:
            return
        if not group.condition:
            self.notify(f"'{group.display_name}' has no condition: nothing to rebuild.",
                        severity="warning")
            return
        self.app.rebuilds.start(group.id)
        self._render_rows()

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("-visible")
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        self._render_rows()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.query_one("#groups", DataTable).focus()

    def action_escape(self) -> None:
        box = self.query_one("#filter", Input)
        group = self.current_group()
        if group is not None and self.app.rebuilds.cancel(group.id):
            self.notify("Cancelling the rebuild…")
        elif box.value or box.has_class("-visible"):
            box.value = ""
            box.remove_class("-visible")
            self.query_one("#groups", DataTable).focus()

    def action_contacts(self) -> None:
        from tui.screens.contacts import ContactsScreen

        self.app.push_screen(ContactsScreen())

    def action_tasks(self) -> None:
        from tui.screens.tasks import TasksScreen

        self.app.push_screen(TasksScreen())

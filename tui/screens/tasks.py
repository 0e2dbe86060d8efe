"""The Scheduled tasks screen: each group's daily rebuild, its time, and its last result.

There is one task per group with a schedule, so the list is short and a ``DataTable`` is
enough. It re-reads the tasks every few seconds in the background, so a run by the
scheduler process shows up here without a key press. Times are shown in the installation's
zone (the one the scheduler runs tasks in), not in UTC as they are stored.
"""

from __future__ import annotations

import datetime as dt

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Header, Input, Label, Static

from store.engine import heartbeat, scheduler
from store.errors import StoreError
from store.rows import TaskRow
from tui.background import Poll, in_background
from tui.widgets.footer import FittingFooter

POLL_SECONDS = 3.0
COLUMNS = (("Task", "name"), ("Time", "time"), ("On", "enabled"), ("Next run", "next"),
           ("Last run", "last"), ("Last result", "result"))


def local_time(value: dt.datetime | None, zone: dt.tzinfo) -> str:
    """A stored naive-UTC time as the installation's wall clock, "06-01 03:15"."""
    if value is None:
        return ""
    return value.replace(tzinfo=dt.UTC).astimezone(zone).strftime("%m-%d %H:%M")


def _read_tasks() -> tuple[list[TaskRow], dt.tzinfo, str]:
    """The tasks, the zone their times are shown in (a setting: it may change too), and
    whether a scheduler is alive to run them."""
    zone = scheduler.local_zone()
    return scheduler.list_tasks(), zone, heartbeat.state().describe(zone)


class TimeModal(ModalScreen[str | None]):
    """Ask for a time of day; a time the scheduler would refuse is refused here, inline."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="task-time.cancel")]

    def __init__(self, task_name: str, current: str) -> None:
        super().__init__()
        self.task_name, self.current = task_name, current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(f"Daily time of {self.task_name}", classes="question", markup=False)
            yield Label("HH:MM, local time; enter saves, escape cancels.")
            yield Input(self.current, placeholder="HH:MM", id="time", max_length=5)
            yield Static("", id="time-error", classes="error")

    @on(Input.Submitted, "#time")
    def _submitted(self, event: Input.Submitted) -> None:
        try:
            chosen = scheduler.parse_time(event.value)
        except StoreError as error:
            self.query_one("#time-error", Static).update(str(error))
            return
        self.dismiss(chosen.strftime("%H:%M"))


class TasksScreen(Screen[None]):
    HELP_TITLE = "Scheduled tasks"
    DEFAULT_CSS = "TasksScreen #tasks { height: 1fr; }"
    BINDINGS = [
        Binding("e", "change_time", "Change time", id="tasks.change-time"),
        Binding("space", "toggle_enabled", "Enable/disable", id="tasks.toggle"),
        Binding("r", "run_now", "Run now", id="tasks.run-now"),
        Binding("j", "cursor(1)", "Down", show=False, id="tasks.down"),
        Binding("k", "cursor(-1)", "Up", show=False, id="tasks.up"),
        Binding("escape,q", "app.pop_screen", "Back", id="tasks.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.tasks: list[TaskRow] = []
        self.zone: dt.tzinfo = dt.UTC
        self._poll = Poll(self, _read_tasks, self._loaded,
                          description="Read the scheduled tasks", seconds=POLL_SECONDS)

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="tasks", cursor_type="row", zebra_stripes=True)
        yield Static("", id="summary", classes="status-line")
        yield Static("", id="scheduler", classes="status-line")
        yield FittingFooter()

    def on_mount(self) -> None:
        self.sub_title = "Scheduled tasks"
        table = self.query_one("#tasks", DataTable)
        for title, key in COLUMNS:
            table.add_column(title, key=key)
        table.focus()
        self._poll.start()

    # --- data -------------------------------------------------------------------------

    def _loaded(self, loaded: tuple[list[TaskRow], dt.tzinfo, str]) -> None:
        self.tasks, self.zone, scheduler_line = loaded
        self.query_one("#scheduler", Static).update(scheduler_line)
        self._render_rows()

    def rebuild_state_changed(self) -> None:
        """The App's hook: a rebuild started here progressed or finished."""
        self._render_rows()
        self._poll.now()

    def _last_run(self, task: TaskRow) -> tuple[str, str]:
        progress = self.app.rebuilds.progress.get(task.group_id)
        result = f"running {progress:.0%}" if progress is not None else task.last_result
        return local_time(task.last_run_at, self.zone), result

    def _cells(self, task: TaskRow) -> tuple[str, ...]:
        return (task.name, task.time_of_day, "Yes" if task.enabled else "No",
                local_time(task.next_run_at, self.zone) if task.enabled else "",
                *self._last_run(task))

    def _render_rows(self) -> None:
        table = self.query_one("#tasks", DataTable)
        keys = [str(task.id) for task in self.tasks]
        if [row.value for row in table.rows] == keys:
            for task in self.tasks:
                for (_, column), value in zip(COLUMNS, self._cells(task), strict=True):
                    table.update_cell(str(task.id), column, value, update_width=True)
        else:
            cursor = self.current_task()
            table.clear()
            for task in self.tasks:
                table.add_row(*self._cells(task), key=str(task.id))
            if cursor is not None and str(cursor.id) in keys:
                table.move_cursor(row=keys.index(str(cursor.id)))
        self._show_summary()

    def current_task(self) -> TaskRow | None:
        table = self.query_one("#tasks", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((task for task in self.tasks if str(task.id) == key), None)

    def _show_summary(self) -> None:
        task = self.current_task()
        last = self._last_run(task) if task is not None else ("", "")
        if not self.tasks:
            text = "No scheduled rebuilds: turn one on in a group's General tab."
        elif last[1]:
            text = f"Last run {last[0]}: {last[1]}"
        else:
            text = f"{len(self.tasks)} scheduled rebuild{'s' if len(self.tasks) != 1 else ''}"
        self.query_one("#summary", Static).update(text)

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._show_summary()

    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_change_time()

    # --- actions ----------------------------------------------------------------------

    def action_cursor(self, step: int) -> None:
        table = self.query_one("#tasks", DataTable)
        table.move_cursor(row=table.cursor_row + step)

    def action_change_time(self) -> None:
        task = self.current_task()
        if task is None:
            return

        def chosen(time_of_day: str | None) -> None:
            if time_of_day is not None:
                done = f"{task.name} runs daily at {time_of_day}."
                in_background(self, lambda: scheduler.set_task_time(task, time_of_day),
                              lambda _: self._changed(done),
                              description="Change the task's time")

        self.app.push_screen(TimeModal(task.name, task.time_of_day), chosen)

    def action_toggle_enabled(self) -> None:
        task = self.current_task()
        if task is None:
            return
        enabled = not task.enabled
        done = f"{task.name} {'enabled' if enabled else 'disabled'}."
        in_background(self, lambda: scheduler.set_task_enabled(task, enabled),
                      lambda _: self._changed(done), description="Enable or disable the task")

    def _changed(self, message: str) -> None:
        self.notify(message)
        self._poll.now()

    def action_run_now(self) -> None:
        task = self.current_task()
        if task is not None:
            self.app.rebuilds.start(task.group_id)
            self._render_rows()

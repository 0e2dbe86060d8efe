"""The group editor: tabs General, Contacts, Accounts and History (SPEC §7).

The editor re-reads its group every second in the background and hands it to the tabs, so
a rebuild by the scheduler or another admin shows here as it happens. A new group (no id yet)
opens on the General tab alone; the others appear once it is saved.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Header, Static, TabbedContent, TabPane

from store import groups
from store.errors import NotFound
from store.rows import STATUS_REBUILDING, GroupRow
from tui.background import Poll
from tui.modals import ConfirmModal
from tui.tabs.accounts import AccountsTab
from tui.tabs.base import GroupTab
from tui.tabs.contacts import ContactsTab
from tui.tabs.general import GeneralTab
from tui.tabs.history import HistoryTab
from tui.widgets.footer import FittingFooter
from tui.widgets.rebuild_bar import RebuildBar

POLL_SECONDS = 1.0
TABS = ("general", "contacts", "accounts", "history")


class GroupEditorScreen(Screen[None]):
    HELP_TITLE = "Group editor"
    DEFAULT_CSS = "GroupEditorScreen #editor-title { height: auto; max-height: 2; }"
    AUTO_FOCUS = None  # the General tab focuses its name or its form: keys typed ahead wait
    BINDINGS = [
        Binding("left_square_bracket", "tab(-1)", "Prev tab", id="editor.prev-tab"),
        Binding("right_square_bracket", "tab(1)", "Next tab", id="editor.next-tab"),
        Binding("R", "rebuild", "Rebuild", id="editor.rebuild"),
        # Off the footer (q says Back there; the rebuild bar says escape cancels), so that
        # the footer's keys fit 80 columns; help and the palette list it.
        Binding("escape", "escape", "Back / cancel", show=False, id="editor.escape"),
        Binding("q", "back", "Back", id="editor.back"),
    ]

    def __init__(self, group_id: int | None) -> None:
        super().__init__()
        self.group_id = group_id
        self.group: GroupRow | None = None
        self._poll = Poll(self, self._read, self._loaded, description="Read the group",
                          seconds=POLL_SECONDS)
        self._polling = False
        self._keys_ready = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("New contact group", id="editor-title", classes="status-line")
        yield RebuildBar()
        with TabbedContent(initial="general", id="tabs"):
            with TabPane("General", id="general"):
                yield GeneralTab(id="general-tab")
            with TabPane("Contacts", id="contacts", disabled=self.group_id is None):
                yield ContactsTab(id="contacts-tab")
            with TabPane("Accounts", id="accounts", disabled=self.group_id is None):
                yield AccountsTab(id="accounts-tab")
            with TabPane("History", id="history", disabled=self.group_id is None):
                yield HistoryTab(id="history-tab")
        yield FittingFooter()

    def on_mount(self) -> None:
        if self.group_id is not None:
            self._start_polling()

    def ready_for_keys(self) -> bool:
        """Keys typed ahead wait (see tui.type_ahead) until a tab has taken focus for the
        first time (the General tab's name or form), not the tab bar in passing: a key
        handled before then would be undone when that focus lands and re-activates the
        General tab."""
        if not self._keys_ready:
            focused = self.focused
            self._keys_ready = focused is not None and any(
                isinstance(node, GroupTab) for node in focused.ancestors_with_self)
        return self._keys_ready

    def _start_polling(self) -> None:
        if not self._polling:
            self._polling = True
            self._poll.start()

    def _tabs(self) -> list[GroupTab]:
        return list(self.query(GroupTab))

    # --- data -------------------------------------------------------------------------

    def _read(self) -> GroupRow | None:
        """The group as stored now (runs in a worker; polling starts once it has an id)."""
        try:
            return groups.read_group(self.group_id)
        except NotFound:
            return None

    def _loaded(self, group: GroupRow | None) -> None:
        if group is None:
            self.notify("This group was deleted by someone else.", severity="warning")
            self.dismiss()
            return
        self.group = group
        for tab in self._tabs():
            tab.show_group(group)
        self._show_status()

    def group_saved(self, group: GroupRow) -> None:
        """Called by the General tab after a save; a new group gains its other tabs."""
        self.group_id, self.group = group.id, group
        for pane in TABS[1:]:
            self.query_one(f"#{pane}", TabPane).disabled = False
        for tab in self._tabs():
            tab.show_group(group)
        self._show_status()
        self._start_polling()

    def rebuild_state_changed(self) -> None:
        self._show_status()
        if self._polling:
            self._poll.now()

    def _show_status(self) -> None:
        group = self.group
        if group is None:
            return
        ours = self.app.rebuilds.progress.get(group.id)
        other = group.progress if group.status == STATUS_REBUILDING and ours is None else None
        self.query_one(RebuildBar).show(ours if ours is not None else other,
                                        ours=ours is not None)
        kind = "condition-based" if group.condition else "static"
        status = group.status + (" (slow condition)" if group.slow_reason else "")
        self.query_one("#editor-title", Static).update(
            f"{group.display_name} ({group.code_name}) · {kind} · "
            f"{group.member_count:,} members · {status}")
        self.sub_title = group.display_name

    # --- actions ----------------------------------------------------------------------

    def action_tab(self, step: int) -> None:
        tabs = self.query_one("#tabs", TabbedContent)
        enabled = [t for t in TABS if not self.query_one(f"#{t}", TabPane).disabled]
        current = enabled.index(tabs.active) if tabs.active in enabled else 0
        tabs.active = enabled[(current + step) % len(enabled)]

    def action_rebuild(self) -> None:
        group = self.group
        if group is None:
            self.notify("Save the group first.", severity="warning")
        elif not group.condition:
            self.notify("This group has no condition: nothing to rebuild.", severity="warning")
        else:
            self.app.rebuilds.start(group.id)
            self._show_status()

    def action_escape(self) -> None:
        if self.group is not None and self.app.rebuilds.cancel(self.group.id):
            self.notify("Cancelling the rebuild…")
            return
        self.action_back()

    def has_unsaved_changes(self) -> bool:
        """Whether leaving (or quitting the app) would lose edits: the app asks first."""
        return any(tab.has_unsaved_changes() for tab in self._tabs())

    def action_back(self) -> None:
        if not self.has_unsaved_changes():
            self.dismiss()
            return

        def answered(leave: bool | None) -> None:
            if leave:
                self.dismiss()

        self.app.push_screen(ConfirmModal("The General tab has unsaved changes. Leave without "
                                          "saving them?", yes="Leave", no="Stay"), answered)

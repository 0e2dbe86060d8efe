"""The Contacts tab: the group's members, paged from the database (SPEC §7).

Kentico's screen, keyboard first: marks (``space``, ``a``, ``A``, ``u``), remove the marked
or highlighted contacts (``d``), remove all (``D``, typed confirmation), add contacts from a
picker (``+``), and the bulk bar under the list (scope *Selected contacts* / *All contacts*,
action *Remove*, *OK*). Condition-based groups also offer *Remove and exclude*, and ``x``
shows the contacts the group keeps out, where ``i`` re-includes them.

Every change is one store call in a worker (:func:`tui.background.in_background`); the
lists then re-read only the rows on screen, so a million-member group stays instant.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Label, Select

from store import membership
from store.contact_sets import ContactFilter
from store.rows import ContactRow, GroupRow, MemberRow
from store.transfer import export
from tui.background import in_background
from tui.contact_edit import open_contact_editor
from tui.modals import Choice, ChoiceModal, ConfirmModal, PromptModal, TypedConfirmModal
from tui.selection import Marks
from tui.sources import candidate_source, excluded_source, member_source
from tui.tabs.list_tab import ListTab, Target, plural
from tui.widgets.picker import PickerModal
from tui.widgets.virtual_table import VirtualTable

SCOPES = [("Selected contacts", "selected"), ("All contacts", "all")]
REMOVE, EXCLUDE = "remove", "exclude"
REBUILD_NOTE = "Contacts that still match the condition return at the next rebuild."
EXCLUDE_NOTE = "Excluded contacts stay out until re-included (x lists them)."


def _actions(condition_based: bool) -> list[tuple[str, str]]:
    actions = [("Remove", REMOVE)]
    if condition_based:
        actions.append(("Remove and exclude", EXCLUDE))
    return actions


def _name(row: MemberRow | ContactRow) -> str:
    name = f"{row.first_name} {row.last_name}".strip()
    return name or row.email or f"contact {row.contact_id}"


class ContactsTab(ListTab):
    BINDINGS = [
        Binding("plus,insert", "add", "Add", id="contacts.add"),
        Binding("d,delete", "remove", "Remove", id="contacts.remove"),
        Binding("D", "remove_all", "Remove all", id="contacts.remove-all"),
        Binding("x", "toggle_excluded", "Excluded", id="contacts.excluded"),
        Binding("i", "include", "Re-include", id="contacts.include"),
        Binding("E", "export", "Export", id="contacts.export"),
    ]

    DEFAULT_CSS = """
    ContactsTab #bulk-bar { height: 1; padding: 0 1; }
    ContactsTab #bulk-bar Label { margin-right: 1; }
    ContactsTab #bulk-scope { width: 1fr; max-width: 24; margin-right: 1; }
    ContactsTab #bulk-action { width: 1fr; max-width: 26; margin-right: 1; }
    ContactsTab #bulk-ok { min-width: 6; }  /* the selects give way: OK stays on screen */
    """

    FILTER_HINT = "filter: name, email, company or country (enter returns to the list)"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.showing_excluded = False

    def compose(self) -> ComposeResult:
        yield from super().compose()
        with Horizontal(id="bulk-bar"):
            yield Label("Bulk:")
            yield Select(SCOPES, value="selected", allow_blank=False, compact=True,
                         id="bulk-scope")
            yield Select(_actions(False), value=REMOVE, allow_blank=False, compact=True,
                         id="bulk-action")
            yield Button("OK", compact=True, id="bulk-ok")

    # --- lists ---------------------------------------------------------------------------

    def build_lists(self, group: GroupRow) -> list[VirtualTable[Any]]:
        self._set_actions(bool(group.condition))
        excluded = VirtualTable(excluded_source(group), id="excluded")
        excluded.display = False
        return [VirtualTable(member_source(group), id="members"), excluded]

    @property
    def members(self) -> VirtualTable[MemberRow]:
        return self.query_one("#members", VirtualTable)

    @property
    def excluded(self) -> VirtualTable[ContactRow]:
        return self.query_one("#excluded", VirtualTable)

    @property
    def active_table(self) -> VirtualTable[Any] | None:
        if self.group is None:
            return None
        return self.excluded if self.showing_excluded else self.members

    def show_group(self, group: GroupRow) -> None:
        previous = self.group
        super().show_group(group)
        if previous is None:
            return
        for table in (self.members, self.excluded):
            table.source.group = group
        if bool(previous.condition) != bool(group.condition):
            self._set_actions(bool(group.condition))
        if previous.member_count != group.member_count:
            # Someone (a rebuild, an account, another admin) changed the members.
            self.members.reload()

    def _set_actions(self, condition_based: bool) -> None:
        self.query_one("#bulk-action", Select).set_options(_actions(condition_based))
        self.query_one("#bulk-action", Select).value = REMOVE

    def status_text(self) -> str:
        assert self.group is not None
        table = self.active_table
        assert table is not None
        if self.showing_excluded:
            head = ("counting…" if table.total is None
                    else plural(table.total, "excluded contact"))
            return f"{head}{self.marks_phrase()}{self.filter_phrase()} · i re-includes, x back"
        if not table.applied_filter.strip():
            # The list's count is fresh after a change; the group's, up to a second old.
            head = plural(self.group.member_count if table.total is None else table.total,
                          "member")
        elif table.total is None:
            head = "counting…"
        else:
            head = f"{table.total:,} of {plural(self.group.member_count, 'member')} match"
        return f"{head}{self.marks_phrase()}{self.filter_phrase()}"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "include":
            return self.showing_excluded
        if action in ("add", "remove", "remove_all"):
            return not self.showing_excluded
        return super().check_action(action, parameters)

    def escape_applies(self) -> bool:
        return self.filter_is_open() or self.showing_excluded

    def action_escape(self) -> None:
        if not self.filter_is_open() and self.showing_excluded:
            self.action_toggle_excluded()
            return
        super().action_escape()

    # --- rows ----------------------------------------------------------------------------

    @on(VirtualTable.RowActivated)
    def _row_activated(self, event: VirtualTable.RowActivated) -> None:
        self.open_contact(event.key)

    def open_contact(self, contact_id: int) -> None:
        """Edit a member in the contact dialog; its save may move it in or out of groups,
        so the list reloads afterwards."""
        open_contact_editor(self, contact_id, saved=self.members.reload)

    # --- remove --------------------------------------------------------------------------

    def action_remove(self) -> None:
        target = self.target("contact", _name)
        if target is not None:
            self._confirm_remove(target)

    def _confirm_remove(self, target: Target, *, exclude: bool | None = None) -> None:
        """Ask before removing ``target``. A condition-based group offers Remove and
        Remove and exclude unless ``exclude`` already says which (the bulk bar)."""
        group = self.group
        assert group is not None
        question = f"Remove {target.what} from '{group.display_name}'?"
        if group.condition and exclude is None:
            def chosen(choice: str | None) -> None:
                if choice is not None:
                    self._remove(target.marks, exclude=choice == EXCLUDE)

            self.app.push_screen(ChoiceModal(
                f"{question}\n\nRemove: still-matching contacts return at the next rebuild."
                "\nRemove and exclude: they stay out until re-included (x lists them).",
                [Choice("r", "Remove", REMOVE, "error"),
                 Choice("e", "Remove and exclude", EXCLUDE, "warning")]), chosen)
            return
        if exclude:
            question += f"\n\n{EXCLUDE_NOTE}"
        elif group.condition:
            question += f"\n\n{REBUILD_NOTE}"

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._remove(target.marks, exclude=bool(exclude))

        self.app.push_screen(ConfirmModal(question, yes="Remove"), confirmed)

    def _remove(self, marks: Marks, *, exclude: bool) -> None:
        group = self.group
        assert group is not None
        in_background(self, lambda: membership.remove_contacts(group, marks, exclude=exclude),
                      lambda removed: self._removed(removed, exclude),
                      description="Remove contacts")

    def action_remove_all(self, exclude: bool = False) -> None:
        group = self.group
        assert group is not None
        question = (f"Remove ALL {plural(group.member_count, 'member')} of "
                    f"'{group.display_name}'?")
        if exclude:
            question += f"\n\n{EXCLUDE_NOTE}"
        elif group.condition:
            question += f"\n\n{REBUILD_NOTE}"

        def confirmed(yes: bool | None) -> None:
            if yes:
                in_background(self, lambda: membership.remove_all_contacts(group,
                                                                           exclude=exclude),
                              lambda removed: self._removed(removed, exclude),
                              description="Remove all contacts")

        self.app.push_screen(TypedConfirmModal(question, group.code_name), confirmed)

    def _removed(self, removed: int, exclude: bool) -> None:
        self.members.reload(clear_marks=True)
        self.excluded.reload()
        excluded = " and excluded them" if exclude and removed else ""
        self.notify(f"Removed {plural(removed, 'contact')}{excluded}.")

    # --- bulk bar ------------------------------------------------------------------------

    @on(Button.Pressed, "#bulk-ok")
    def _bulk_ok(self) -> None:
        scope = self.query_one("#bulk-scope", Select).value
        exclude = self.query_one("#bulk-action", Select).value == EXCLUDE
        if scope == "all":
            self.action_remove_all(exclude=exclude)
            return
        table = self.members
        if table.marks.is_empty:
            self.notify("No contacts are marked: mark them with space (a marks all matching), "
                        "or choose All contacts.", severity="warning")
            return
        count = table.marked_count
        self._confirm_remove(Target(table.marks, count, plural(count, "marked contact")),
                             exclude=exclude)

    # --- add -----------------------------------------------------------------------------

    def action_add(self) -> None:
        group = self.group
        assert group is not None

        def picked(marks: Marks | None) -> None:
            if marks is not None:
                in_background(self, lambda: membership.add_non_members(group, marks),
                              self._added, description="Add contacts")

        self.app.push_screen(PickerModal(
            f"Add contacts to '{group.display_name}' (live contacts not in the group)",
            candidate_source(group), search_hint="search name, email, company, country"),
            picked)

    def _added(self, added: int) -> None:
        self.members.reload()
        self.notify(f"Added {plural(added, 'contact')}.")

    # --- excluded view -------------------------------------------------------------------

    def action_toggle_excluded(self) -> None:
        if self.group is None:
            return
        self.showing_excluded = not self.showing_excluded
        shown, hidden = ((self.excluded, self.members) if self.showing_excluded
                         else (self.members, self.excluded))
        hidden.display = False
        shown.display = True
        self.query_one("#bulk-bar").display = not self.showing_excluded
        shown.filter_text = self.filter_box.value
        shown.reload()
        shown.focus()
        self.show_status()
        self.refresh_bindings()

    def action_export(self) -> None:
        """The members (those matching the filter) to a CSV or JSON file."""
        group = self.group
        if group is None:
            return
        words = self.members.applied_filter

        def chosen(path: str | None) -> None:
            if path:
                in_background(
                    self, lambda: export.export_to_file(path, ContactFilter(words), group),
                    lambda count: self.app.notify(
                        f"Exported {plural(count, 'member')} of {group.code_name} to {path}."),
                    description=f"Export to {path}")

        matching = f" matching '{words}'" if words.strip() else ""
        self.app.push_screen(PromptModal(
            f"Export the members of {group.display_name}{matching}, with why each is in, "
            "to (.csv or .json):", value=f"{group.code_name}.csv"), chosen)

    def action_include(self) -> None:
        group = self.group
        target = self.target("contact", _name)
        if group is None or target is None:
            return
        marks = target.marks
        in_background(self, lambda: membership.include_contacts(group, marks),
                      self._included, description="Re-include contacts")

    def _included(self, included: int) -> None:
        self.excluded.reload(clear_marks=True)
        self.members.reload()
        self.notify(f"Re-included {plural(included, 'contact')}: accounts of the group hold "
                    "them again now, the condition at the next rebuild.")

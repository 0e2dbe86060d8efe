"""The Contacts screen: browse and search every contact, edit one, merge marked contacts
into a parent, and explain why a contact is in a condition-based group or not (SPEC §7).

The list pages from the database like a group's member list, because a database holds
millions of contacts; the filter runs in SQL as the admin types. Merged contacts (children)
are hidden until ``M`` shows them: only parents are live.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Header, Input, Static

from store import contacts
from store.reads import listing
from store.rows import ContactRow
from store.transfer.contact_import import CsvOptions, import_contacts_file
from store.transfer.import_report import ImportReport
from tui.background import in_background
from tui.contact_edit import explain_membership, open_contact_editor
from tui.modals import ConfirmModal, ErrorModal, PromptModal
from tui.widgets.footer import FittingFooter
from tui.widgets.row_source import Column
from tui.widgets.virtual_table import VirtualTable

MERGE_LIMIT = 50
"""Most contacts merged at once: a merge names every one of them before it runs."""
NAMED_IN_QUESTION = 12


def _name(row: ContactRow) -> str:
    if row.merged_into is not None:
        return f"{row.name} → #{row.merged_into}"
    return row.name


CONTACT_COLUMNS: tuple[Column[ContactRow], ...] = (
    Column("Name", 22, _name, min_width=8),
    Column("Email", 26, lambda row: row.email, min_width=10),
    Column("Company", 16, lambda row: row.company, min_width=6),
    Column("City", 12, lambda row: row.city, min_width=5),
    Column("Country", 12, lambda row: row.country, min_width=5),
)


class ContactSource:
    """Every contact, filtered in SQL; merged children only when :attr:`include_merged`."""

    columns = CONTACT_COLUMNS

    def __init__(self) -> None:
        self.include_merged = False

    def key(self, row: ContactRow) -> int:
        return row.contact_id

    def count(self, filter_text: str) -> int:
        return listing.count_contacts(filter_text, include_merged=self.include_merged)

    def page(self, offset: int, limit: int, filter_text: str) -> list[ContactRow]:
        return listing.contact_page(offset, limit, filter_text,
                                            include_merged=self.include_merged)

    def matching(self, keys: Iterable[int], filter_text: str) -> set[int]:
        return listing.contacts_matching(keys, filter_text,
                                                 include_merged=self.include_merged)


class ContactsScreen(Screen[None]):
    HELP_TITLE = "Contacts"
    BINDINGS = [
        Binding("e", "edit", "Edit", id="contacts.edit"),
        Binding("m", "merge", "Merge marked", id="contacts.merge"),
        Binding("x", "explain", "Explain", id="contacts.explain"),
        Binding("slash", "filter", "Filter", id="contacts.filter"),
        Binding("M", "toggle_merged", "Show merged", id="contacts.toggle-merged"),
        Binding("i", "import", "Import CSV", id="contacts.import"),
        Binding("escape", "escape", "Back / clear", show=False, id="contacts.escape"),
        Binding("q", "app.pop_screen", "Back", id="contacts.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.source = ContactSource()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="filter by name, email, company, city or country",
                    id="filter", classes="filter-input")
        yield VirtualTable(self.source, id="contacts")
        yield Static("", id="summary", classes="status-line")
        yield FittingFooter()

    def on_mount(self) -> None:
        self.sub_title = "Contacts"
        self.table.focus()
        self._show_summary()

    @property
    def table(self) -> VirtualTable[ContactRow]:
        return self.query_one("#contacts", VirtualTable)

    def _show_summary(self) -> None:
        self.query_one("#summary", Static).update(
            "All contacts, merged ones (→ parent) included; M hides them."
            if self.source.include_merged else "Live contacts; M shows merged ones too.")

    # --- filter -------------------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("-visible")
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.table.filter_text = event.value

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.table.focus()

    def action_escape(self) -> None:
        box = self.query_one("#filter", Input)
        if box.value or box.has_class("-visible"):
            box.value = ""
            box.remove_class("-visible")
            self.table.focus()
        else:
            self.app.pop_screen()

    def action_toggle_merged(self) -> None:
        self.source.include_merged = not self.source.include_merged
        self.table.reload(clear_marks=True)
        self._show_summary()

    # --- edit and explain -----------------------------------------------------------------

    @on(VirtualTable.RowActivated, "#contacts")
    def _activated(self) -> None:
        self.action_edit()

    def action_edit(self) -> None:
        row = self.table.cursor_row
        if row is not None:
            open_contact_editor(self, row.contact_id, saved=self.table.reload)

    def action_explain(self) -> None:
        row = self.table.cursor_row
        if row is not None:
            explain_membership(self, row.contact_id, row.label())

    # --- import -------------------------------------------------------------------------

    def action_import(self) -> None:
        """A CSV file of contacts in, upserted by email; the report in a modal."""
        def chosen(path: str | None) -> None:
            if path:
                in_background(self, lambda: import_contacts_file(path, CsvOptions()),
                              self._imported, description=f"Import {path}")

        self.app.push_screen(PromptModal(
            "Import contacts from a CSV file (matched by email; our column names or "
            "Kentico's, e.g. ContactEmail). File:", placeholder="contacts.csv"), chosen)

    def _imported(self, report: ImportReport) -> None:
        self.table.reload()
        self.app.push_screen(ErrorModal("Import report", "\n".join(report.lines()),
                                        error=False))

    # --- merge --------------------------------------------------------------------------

    def action_merge(self) -> None:
        table = self.table
        parent = table.cursor_row
        if parent is None:
            return
        if table.marks.is_empty:
            self.notify("Mark the contacts to merge with space, put the cursor on the one "
                        "to keep, then press m.", severity="warning")
            return
        selection = table.selection()
        in_background(self, lambda: listing.selected_contacts(selection,
                                                                      limit=MERGE_LIMIT),
                      lambda rows: self._confirm_merge(parent, rows),
                      description="Read the marked contacts")

    def _confirm_merge(self, parent: ContactRow, marked: list[ContactRow]) -> None:
        children = [row for row in marked if row.contact_id != parent.contact_id]
        if not children:
            self.notify("Only the highlighted contact is marked: mark the ones to merge "
                        "into it.", severity="warning")
            return
        named = "\n".join(f"  {row.label()}" for row in children[:NAMED_IN_QUESTION])
        more = len(children) - NAMED_IN_QUESTION
        if more > 0:
            named += f"\n  and {more} more"
        question = (f"Merge {len(children)} contact{'s' if len(children) != 1 else ''} into "
                    f"{parent.label()}?\n{named}\nTheir group memberships (flags combined), "
                    "activities, form submissions and accounts move to it; they stay as "
                    "merged records.")

        def answered(yes: bool | None) -> None:
            if yes:
                ids = [row.contact_id for row in children]
                in_background(self, lambda: contacts.merge_contacts(parent.contact_id, ids),
                              lambda _: self._merged(parent, len(ids)),
                              description="Merge contacts")

        self.app.push_screen(ConfirmModal(question, yes="Merge"), answered)

    def _merged(self, parent: ContactRow, count: int) -> None:
        self.notify(f"Merged {count} contact{'s' if count != 1 else ''} into "
                    f"{parent.label()}.")
        self.table.reload(clear_marks=True)

"""Editing one contact, and explaining why it is in a group or not.

:class:`ContactEditModal` is shared by the Contacts screen and the group editor's Contacts
tab. Its save goes through ``store.contacts.update_contact``, which re-evaluates the
contact's condition groups in the same transaction; the modal then shows the contact's groups
before and after, because seeing "joined: Praguers" is how an admin checks that a condition
does what they meant. A value the store refuses (a birthday that is no date) is shown under
the form and nothing is saved.

:func:`explain_membership` asks for a condition-based group and shows the contact's final
membership in it with its reason, then the condition's value tree (SPEC §5 "Explain").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from store import contacts, groups
from store.errors import StoreError
from store.reads import listing
from store.reads.group_explanation import explain_in_group
from store.reads.listing import GroupChange, GroupOfContact
from store.rows import GENDER_FEMALE, GENDER_MALE, GENDER_UNKNOWN, ContactDetails, GroupRow
from tui.background import in_background

TEXT_FIELDS = (
    ("first_name", "First name"), ("last_name", "Last name"), ("email", "Email"),
    ("company", "Company"), ("job_title", "Job title"), ("phone", "Phone"), ("city", "City"),
    ("country_code", "Country code"), ("country_name", "Country"),
)
GENDERS = (("unknown", GENDER_UNKNOWN), ("male", GENDER_MALE), ("female", GENDER_FEMALE))


@dataclass(frozen=True)
class _Loaded:
    contact: ContactDetails
    groups: list[GroupOfContact]
    lengths: dict[str, int]


@dataclass(frozen=True)
class SaveOutcome:
    """The contact's groups around a save (or the store's refusal, and nothing saved)."""

    before: list[GroupOfContact]
    after: list[GroupOfContact]
    refused: str | None = None

    @property
    def change(self) -> GroupChange:
        return GroupChange.between(self.before, self.after)


def _load(contact_id: int) -> _Loaded:
    return _Loaded(contacts.read_contact(contact_id), listing.contact_groups(contact_id),
                   contacts.field_lengths())


def _save(contact_id: int, fields: dict[str, Any]) -> SaveOutcome:
    """Runs in a worker: the groups are read around the update so the difference is the
    save's (plus whatever else happened meanwhile, which the admin should see too)."""
    before = listing.contact_groups(contact_id)
    try:
        contacts.update_contact(contact_id, **fields)
    except StoreError as error:
        return SaveOutcome(before, before, refused=str(error))
    return SaveOutcome(before, listing.contact_groups(contact_id))


def describe_groups(found: list[GroupOfContact]) -> str:
    """"Praguers (condition), Friends (manual)", or "none"."""
    return ", ".join(f"{g.display_name} ({g.reasons()})" for g in found) or "none"


class ContactEditModal(ModalScreen[bool]):
    """Edit one contact; dismisses with True when something was saved (lists reload)."""

    DEFAULT_CSS = """
    ContactEditModal .contact-dialog { width: 74; height: 90%; }
    ContactEditModal #contact-form { height: 1fr; }
    ContactEditModal .form-grid {
        grid-size: 2; grid-columns: 14 1fr; grid-rows: 1; grid-gutter: 0 1; height: auto;
    }
    ContactEditModal #contact-groups { height: auto; max-height: 4; }
    ContactEditModal .compact-buttons { height: 1; margin-top: 1; }
    ContactEditModal .compact-buttons Button { margin-right: 2; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="contact-edit.save"),
        Binding("escape", "close", "Close", id="contact-edit.close"),
    ]

    def __init__(self, contact_id: int) -> None:
        super().__init__()
        self.contact_id = contact_id
        self._loaded = False
        self._saved = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog contact-dialog"):
            yield Static(f"Contact #{self.contact_id}", id="contact-title", classes="question")
            with VerticalScroll(id="contact-form"), Grid(classes="form-grid"):
                for name, title in TEXT_FIELDS:
                    yield Label(title)
                    yield Input(id=name, compact=True, disabled=True)
                yield Label("Gender")
                yield Select([(label, value) for label, value in GENDERS], id="gender",
                             allow_blank=False, value=GENDER_UNKNOWN, compact=True,
                             disabled=True)
                yield Label("Birthday")
                yield Input(id="birthday", placeholder="YYYY-MM-DD", compact=True,
                            disabled=True)
                yield Label("Status")
                yield Input(id="status", compact=True, disabled=True)
                yield Label("Score")
                yield Input(id="score", compact=True, disabled=True)
            yield Static("", id="contact-error", classes="error")
            yield Static("Loading…", id="contact-groups", markup=False)
            with Horizontal(classes="compact-buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary", compact=True)
                yield Button("Close (esc)", id="close", compact=True)

    def on_mount(self) -> None:
        in_background(self, lambda: _load(self.contact_id), self._show,
                      description="Load contact")

    def _show(self, loaded: _Loaded) -> None:
        contact = loaded.contact
        for name, _ in TEXT_FIELDS:
            box = self.query_one(f"#{name}", Input)
            box.value = getattr(contact, name) or ""
            box.max_length = loaded.lengths.get(name, 0)
        self.query_one("#gender", Select).value = contact.gender or GENDER_UNKNOWN
        self.query_one("#birthday", Input).value = (contact.birthday.isoformat()
                                                    if contact.birthday else "")
        self.query_one("#status", Input).value = contact.status or ""
        self.query_one("#status", Input).max_length = loaded.lengths.get("status", 0)
        self.query_one("#score", Input).value = str(contact.score or 0)
        for widget in self.query("#contact-form Input, #contact-form Select"):
            widget.disabled = False
        name = f"{contact.first_name or ''} {contact.last_name or ''}".strip() or "(no name)"
        merged = (f" · merged into #{contact.merged_into_id}"
                  if contact.merged_into_id is not None else "")
        self.query_one("#contact-title", Static).update(
            f"{name} (#{contact.id}){merged}")
        self.query_one("#contact-groups", Static).update(
            f"Groups: {describe_groups(loaded.groups)}")
        self.query_one("#first_name", Input).focus()
        self._loaded = True

    def _fields(self) -> dict[str, Any]:
        """The form as update_contact's fields; raises StoreError for a score that is no
        number (the only value the store would not refuse with a sentence of its own)."""
        fields: dict[str, Any] = {}
        for name in (*(name for name, _ in TEXT_FIELDS), "status"):
            fields[name] = self.query_one(f"#{name}", Input).value.strip() or None
        fields["gender"] = self.query_one("#gender", Select).value
        fields["birthday"] = self.query_one("#birthday", Input).value.strip()
        score = self.query_one("#score", Input).value.strip() or "0"
        try:
            fields["score"] = int(score)
        except ValueError:
            raise StoreError(f"score '{score}' is not a whole number") from None
        return fields

    def action_save(self) -> None:
        if not self._loaded:
            return
        try:
            fields = self._fields()
        except StoreError as error:
            self._refused(str(error))
            return
        self.query_one("#contact-error", Static).update("Saving…")
        in_background(self, lambda: _save(self.contact_id, fields), self._after_save,
                      description="Save contact")

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def _refused(self, message: str) -> None:
        self.query_one("#contact-error", Static).update(f"Not saved: {message}")

    def _after_save(self, outcome: SaveOutcome) -> None:
        if outcome.refused is not None:
            self._refused(outcome.refused)
            return
        self._saved = True
        change = outcome.change.describe()
        self.query_one("#contact-error", Static).update(f"Saved: {change}.")
        self.query_one("#contact-groups", Static).update(
            f"Groups before: {describe_groups(outcome.before)}\n"
            f"Groups after:  {describe_groups(outcome.after)}")
        self.notify(change, title="Contact saved")

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#close")
    def _close_pressed(self) -> None:
        self.action_close()

    def action_close(self) -> None:
        self.dismiss(self._saved)


class GroupPickerModal(ModalScreen[GroupRow | None]):
    """Choose one of a few groups (the condition-based ones): arrows and enter."""

    DEFAULT_CSS = """
    GroupPickerModal #group-choices { height: auto; max-height: 12; }
    """

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="group-picker.cancel")]

    def __init__(self, question: str, choices: list[GroupRow]) -> None:
        super().__init__()
        self.question, self.choices = question, choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="question", markup=False)
            yield OptionList(*(Option(Text(f"{g.display_name} ({g.code_name})"), id=str(g.id))
                               for g in self.choices), id="group-choices")
            yield Static("enter chooses, escape cancels", classes="hint")

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(next(g for g in self.choices if str(g.id) == event.option.id))


class ExplainModal(ModalScreen[None]):
    """The condition's value tree for one contact: every sub-expression and its value."""

    DEFAULT_CSS = """
    ExplainModal .explain-dialog { width: 90%; }
    ExplainModal #explain-tree { max-height: 60vh; }
    """

    BINDINGS = [Binding("escape,enter,q", "dismiss(None)", "Close", id="explain.close")]

    def __init__(self, title: str, explanation: str) -> None:
        super().__init__()
        self.title_text, self.explanation = title, explanation

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog explain-dialog"):
            yield Static(self.title_text, classes="question", markup=False)
            with VerticalScroll(classes="message", id="explain-tree"):
                yield Static(self.explanation, markup=False)
            yield Static("escape closes", classes="hint")


def explain_membership(node: DOMNode, contact_id: int, label: str) -> None:
    """Ask which condition-based group, then show whether the contact is in it, the reason
    that decides it (excluded, merged, manual, account, condition) and the condition's tree."""

    def chosen(group: GroupRow | None) -> None:
        if group is None or group.condition is None:
            return
        in_background(node, lambda: explain_in_group(group, contact_id),
                      lambda explained: node.app.push_screen(ExplainModal(
                          f"{label} — {explained.verdict} of '{group.display_name}'",
                          explained.render())),
                      description="Explain membership")

    def listed(found: list[GroupRow]) -> None:
        choices = [g for g in found if g.is_condition_based]
        if not choices:
            node.app.notify("No group has a condition to explain.", severity="warning")
            return
        node.app.push_screen(GroupPickerModal(f"Explain {label} in which group?", choices),
                             chosen)

    in_background(node, groups.list_groups, listed, description="List groups")


def open_contact_editor(node: DOMNode, contact_id: int,
                        saved: Callable[[], Any] | None = None) -> None:
    """Open the editor; ``saved`` runs after it closes when something was saved."""

    def closed(result: bool | None) -> None:
        if result and saved is not None:
            saved()

    node.app.push_screen(ContactEditModal(contact_id), closed)

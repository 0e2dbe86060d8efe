"""The General tab: names, description, condition and scheduled rebuild (SPEC §7).

It follows Kentico's General tab: Display name, Code name (derived from the display name
while a new group's admin has not typed one), Description, the *Condition-based contact
group* switch with the condition shown as its sentence (``e`` rule designer, ``k`` raw K#,
``c`` clear), *Scheduled rebuild* with its time, and Save (``f2``, ``ctrl+s``, the button
or the palette: terminals over SSH may swallow ``ctrl+s``). A text field types ``[``, ``]``
and ``q`` like any character; ``escape`` leaves it for the form, where they switch tabs and
go back again. Everything that reaches the database runs in the background; refusals
appear under the field they concern.
"""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Static, Switch

from conditions.rules import Group
from store.binding.condition_service import InvalidCondition
from store.engine.scheduler import parse_time, random_night_time
from store.errors import StoreError
from store.groups import derive_code_name, validate_display_name
from store.rows import STATUS_REBUILD_REQUIRED, STATUS_REBUILDING, GroupRow
from tui.background import in_background
from tui.modals import Choice, ChoiceModal, ConfirmModal
from tui.tabs.base import GroupTab
from tui.tabs.general_form import (
    ConditionInfo,
    DesignerOpening,
    GeneralForm,
    SaveOutcome,
    code_name_problem,
    designer_tree,
    edition_refusal,
    inspect_condition,
    save_form,
)
from tui.widgets.condition_editor import ConditionEditorModal, ConditionNote
from tui.widgets.rule_designer import RuleDesignerModal

NO_CONDITION = "No condition yet: e builds one with the rule designer, k writes K#."
READING = "Reading the condition…"


class GeneralTab(GroupTab):
    DEFAULT_CSS = """
    GeneralTab #general-form { height: 1fr; padding: 0 1; }
    GeneralTab .row { height: 1; }
    GeneralTab .row Label { width: 18; }
    GeneralTab .row Input { width: 1fr; }
    GeneralTab #schedule-time { width: 7; }
    GeneralTab Switch { border: none; height: 1; padding: 0; margin-right: 2; }
    GeneralTab Switch:focus { text-style: reverse; }
    GeneralTab .field-error { color: $error; height: auto; margin-left: 18; }
    GeneralTab .field-error.-empty { display: none; }
    GeneralTab .hint { color: $text-muted; width: auto; }
    GeneralTab .row Label.hint { width: 1fr; }  /* not the 18 columns of a field label */
    GeneralTab #condition-box { height: auto; }
    GeneralTab #condition-box.-off { display: none; }
    GeneralTab #condition-text { height: auto; margin-left: 18; text-style: bold; }
    GeneralTab .buttons { height: 1; margin-left: 18; }
    GeneralTab Button { margin-right: 1; min-width: 0; width: auto; padding: 0; }
    GeneralTab #condition-error, GeneralTab #slow-warning { height: auto; margin-left: 18; }
    GeneralTab #condition-error.-empty, GeneralTab #slow-warning.-empty { display: none; }
    GeneralTab #slow-warning { color: $warning; }
    GeneralTab #save-row { height: 1; margin-top: 1; }
    GeneralTab #save-status { width: 1fr; margin-left: 2; color: $text-muted; }
    """
    BINDINGS = [
        Binding("f2,ctrl+s", "save", "Save", id="general.save"),
        Binding("e", "edit_condition", "Edit condition", id="general.edit-condition"),
        Binding("k", "edit_kentico", "Edit K#", id="general.edit-kentico"),
        Binding("c", "clear_condition", "Clear condition", id="general.clear-condition"),
        Binding("escape", "leave_field", "Leave field", id="general.leave-field"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._saved = GeneralForm()
        self._condition: str | None = None
        self._last_display = ""
        self._info: ConditionInfo | None = None
        self._saving = False
        self._refused: tuple[GeneralForm, str] | None = None
        self._condition_keys = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="general-form"):
            with Horizontal(classes="row"):
                yield Label("Display name")
                yield Input(id="display-name", compact=True, max_length=200,
                            select_on_focus=False)
            with Horizontal(classes="row"):
                yield Label("Code name")
                yield Input(id="code-name", compact=True, max_length=100,
                            select_on_focus=False)
            yield Static("", id="code-name-error", classes="field-error -empty")
            with Horizontal(classes="row"):
                yield Label("Description")
                yield Input(id="description", compact=True, select_on_focus=False)
            with Horizontal(classes="row"):
                yield Label("Condition-based")
                yield Switch(id="condition-based")
                yield Label("members follow a condition", classes="hint")
            yield Static("", id="edition-error", classes="field-error -empty")
            with Vertical(id="condition-box", classes="-off"):
                yield Static(NO_CONDITION, id="condition-text")
                with Horizontal(classes="buttons"):
                    yield Button("Edit (e)", id="edit-condition", compact=True)
                    yield Button("K# (k)", id="edit-kentico", compact=True)
                    yield Button("Clear (c)", id="clear-condition", compact=True)
                yield ConditionNote(id="condition-error", classes="-empty")
                yield Static("", id="slow-warning", classes="-empty")
                with Horizontal(classes="row"):
                    yield Label("Scheduled rebuild")
                    yield Switch(id="scheduled")
                    yield Input(id="schedule-time", placeholder="HH:MM", compact=True,
                                max_length=5, disabled=True, select_on_focus=False)
                yield Static("", id="schedule-error", classes="field-error -empty")
            with Horizontal(id="save-row"):
                yield Button("Save (f2)", variant="primary", id="save", compact=True)
                yield Button("Rebuild (R)", id="rebuild", compact=True)
                yield Static("", id="save-status")

    def on_show(self, _event: events.Show) -> None:
        """A new group starts with its name; an open one with the form, where e, k, c and
        f2 act at once and so do the editor's single-letter keys ([, ], q), which a field
        types instead (escape leaves the field)."""
        new = self.group is None and getattr(self.screen, "group_id", None) is None
        self.take_focus(self.query_one("#display-name" if new else "#general-form"))

    def action_leave_field(self) -> None:
        """Move focus from a text field to the form around it: the editor's keys ([, ], q)
        and the tab's (f2, e, k) act again, and nothing typed is lost."""
        self.query_one("#general-form").focus()

    # --- the group from the editor ------------------------------------------------------

    def show_group(self, group: GroupRow) -> None:
        """Take the editor's fresh copy; the fields follow it only while nothing is edited,
        and a copy read before our own last save is ignored."""
        current = self.group
        if current is not None and group.modified < current.modified:
            return
        dirty = self.has_unsaved_changes()
        super().show_group(group)
        if not dirty:
            self._load_form(group)
        self._show_save_state()

    def has_unsaved_changes(self) -> bool:
        return self._form().differs_from(self._saved)

    def _form(self) -> GeneralForm:
        def value(selector: str) -> str:
            return self.query_one(selector, Input).value

        # Not stripped: a space just typed is an edit, which a refresh must not undo.
        return GeneralForm(
            value("#display-name"), value("#code-name"), value("#description"),
            self.query_one("#condition-based", Switch).value, self._condition,
            self.query_one("#scheduled", Switch).value, value("#schedule-time"))

    def _load_form(self, group: GroupRow) -> None:
        form = self._saved = GeneralForm.of(group)
        for selector, text in (("#display-name", form.display_name),
                               ("#code-name", form.code_name),
                               ("#description", form.description),
                               ("#schedule-time", form.schedule_time)):
            field = self.query_one(selector, Input)
            if field.value != text:
                with field.prevent(Input.Changed):
                    field.value = text
        self._last_display = form.display_name
        for selector, on_off in (("#condition-based", form.condition_based),
                                 ("#scheduled", form.schedule_enabled)):
            switch = self.query_one(selector, Switch)
            with switch.prevent(Switch.Changed):
                switch.value = on_off
        for selector in ("#code-name-error", "#schedule-error", "#edition-error"):
            self._field_error(selector, "")
        self._set_condition(form.condition)

    # --- names ----------------------------------------------------------------------------

    @on(Input.Changed, "#display-name")
    def _display_changed(self, event: Input.Changed) -> None:
        code = self.query_one("#code-name", Input)
        if self.group is None and code.value == derive_code_name(self._last_display):
            code.value = derive_code_name(event.value)
        self._last_display = event.value
        self._show_save_state()

    @on(Input.Changed, "#code-name")
    def _code_changed(self, event: Input.Changed) -> None:
        code_name = event.value.strip()
        exclude = self.group.id if self.group is not None else None

        def checked(problem: str | None) -> None:
            if self.query_one("#code-name", Input).value.strip() == code_name:
                self._field_error("#code-name-error", problem or "")

        if code_name:
            in_background(self, partial(code_name_problem, code_name, exclude), checked,
                          description="Checking the code name", group="general-code-name",
                          exclusive=True)
        else:
            self._field_error("#code-name-error", "" if self.group is None else
                              "the code name is empty")
        self._show_save_state()

    @on(Input.Changed, "#description")
    def _description_changed(self) -> None:
        self._show_save_state()

    def _field_error(self, selector: str, message: str) -> None:
        self._note(selector, Text(message) if message else None)

    def _note(self, selector: str, text: Text | None) -> None:
        """Show ``text`` under a field, or take the line away."""
        note = self.query_one(selector, Static)
        note.update(text or "")
        note.set_class(text is None, "-empty")

    # --- condition ------------------------------------------------------------------------

    @on(Switch.Changed, "#condition-based")
    def _condition_switched(self, event: Switch.Changed) -> None:
        self._field_error("#edition-error", "")
        if event.value:
            in_background(self, edition_refusal, self._edition_checked,
                          description="Checking the edition", group="general-edition",
                          exclusive=True)
        self._show_condition()

    def _edition_checked(self, refusal: str | None) -> None:
        if refusal is None:
            return
        switch = self.query_one("#condition-based", Switch)
        with switch.prevent(Switch.Changed):
            switch.value = False
        self._field_error("#edition-error", refusal)
        self.notify(refusal, title="Condition-based groups", severity="error")
        self._show_condition()

    def _set_condition(self, condition: str | None) -> None:
        condition = condition if condition and condition.strip() else None
        if condition is not None and (self._info is None or self._info.text != condition):
            in_background(self, partial(inspect_condition, condition), self._inspected,
                          description="Checking the condition", group="general-inspect",
                          exclusive=True)
        self._condition = condition
        self._show_condition()

    def _inspected(self, info: ConditionInfo) -> None:
        self._info = info
        self._show_condition()

    def _show_condition(self) -> None:
        """The sentence, and what the last check found, for the condition being edited."""
        on_off = self.query_one("#condition-based", Switch).value
        self.query_one("#condition-box").set_class(not on_off, "-off")
        shown = self.query_one("#condition-text", Static)
        info = self._info if self._info and self._info.text == self._condition else None
        if self._condition is None:
            shown.update(NO_CONDITION)
        else:
            shown.update(Text(info.display) if info is not None else READING)
        error = info.error if info is not None else None
        slow = info.slow if info is not None else None
        note = self.query_one("#condition-error", ConditionNote)
        if error is not None:
            note.show_error(error)
        else:
            note.show_text("")
        note.set_class(error is None, "-empty")
        notes = [f"Warning: {warning}." for warning in (info.warnings if info else ())]
        if slow is not None:
            notes.append(f"Slow condition: {slow}. Rebuilds check contacts one by one.")
        self._note("#slow-warning", Text("\n".join(notes)) if notes else None)
        scheduled = self.query_one("#scheduled", Switch).value
        self.query_one("#schedule-time", Input).disabled = not scheduled
        if on_off != self._condition_keys:
            self._condition_keys = on_off
            self.refresh_bindings()
        self._show_save_state()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_field":
            # Elsewhere escape is the editor's: back, or cancel a rebuild.
            return isinstance(self.screen.focused, Input)
        if action in ("edit_condition", "edit_kentico", "clear_condition"):
            return self.query_one("#condition-based", Switch).value
        if action == "save":
            return None if self._saving or self._rebuilding else True
        return True

    @property
    def _rebuilding(self) -> bool:
        return self.group is not None and self.group.status == STATUS_REBUILDING

    def action_edit_condition(self) -> None:
        if self._condition is None:
            self._open_designer(None)
            return
        in_background(self, partial(designer_tree, self._condition), self._edit_opened,
                      description="Reading the condition", group="general-designer",
                      exclusive=True)

    def _edit_opened(self, opening: DesignerOpening) -> None:
        """The designer with the condition's rules, the K# editor for what it cannot read,
        or the choice between them for hand-written K#."""
        if opening.problem is not None:
            self.notify(f"The rule designer cannot read this condition ({opening.problem}); "
                        "opening the K# editor.", severity="warning")
            self.action_edit_kentico()
            return
        if opening.tree is not None:
            self._open_designer(opening.tree)
            return

        def chosen(choice: str | None) -> None:
            if choice == "kentico":
                self.action_edit_kentico()
            elif choice == "designer":
                self._open_designer(None)

        self.app.push_screen(ChoiceModal(
            "This condition is written in K#, which the rule designer cannot show. Edit the "
            "K#, or build a new condition in the designer (replaces it when you press OK)?",
            [Choice("k", "Edit K#", "kentico", "primary"),
             Choice("d", "New in designer", "designer")]), chosen)

    def _open_designer(self, tree: Group | None) -> None:
        self.app.push_screen(RuleDesignerModal(tree), self._condition_edited)

    def action_edit_kentico(self) -> None:
        self.app.push_screen(ConditionEditorModal(self._condition or ""), self._condition_edited)

    def _condition_edited(self, text: str | None) -> None:
        if text is not None:
            self._set_condition(text)

    def action_clear_condition(self) -> None:
        self._set_condition(None)

    @on(Button.Pressed, "#edit-condition, #edit-kentico, #clear-condition, #save, #rebuild")
    async def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        action = (event.button.id or "").replace("-", "_")
        if action == "rebuild":
            await self.app.run_action("screen.rebuild")
        elif self.check_action(action, ()):
            await self.run_action(action)

    # --- schedule -------------------------------------------------------------------------

    @on(Switch.Changed, "#scheduled")
    def _schedule_switched(self, event: Switch.Changed) -> None:
        time_input = self.query_one("#schedule-time", Input)
        if event.value and not time_input.value.strip():
            time_input.value = random_night_time()
        self._show_condition()

    @on(Input.Changed, "#schedule-time")
    def _time_changed(self, event: Input.Changed) -> None:
        self._field_error("#schedule-error", self._time_problem(event.value) or "")
        self._show_save_state()

    def _time_problem(self, text: str) -> str | None:
        try:
            parse_time(text)
        except StoreError as error:
            return str(error)
        return None

    # --- save -----------------------------------------------------------------------------

    def action_save(self) -> None:
        if self._saving or self._rebuilding:
            self.notify("The group is being rebuilt; save again when it is done.",
                        severity="warning")
            return
        form = self._form()
        try:
            validate_display_name(form.display_name)
        except StoreError as error:
            self._refuse(str(error), "#display-name")
            return
        problem = self._time_problem(form.schedule_time) if form.schedule_to_save else None
        if problem is not None:
            self._field_error("#schedule-error", problem)
            self._refuse(problem, "#schedule-time")
            return
        old_code = self._saved.code_name
        if self.group is None or form.code_name == old_code:
            self._save(form)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._save(form)

        # A code name is how conditions (IsInContactGroup), scripts and the command line
        # name the group, and a stray key in the field replaces it: never changed unasked.
        self.app.push_screen(ConfirmModal(
            f"Change the code name from '{old_code}' to '{form.code_name}'? Conditions "
            "(IsInContactGroup), scripts and commands that name this group by its code "
            "name must then use the new one.", yes="Change and save", no="Don't save"),
            answered)

    def _save(self, form: GeneralForm) -> None:
        """Store ``form`` in the background (the checks above have passed)."""
        self._saving = True
        self.refresh_bindings()
        self.query_one("#save-status", Static).update("Saving…")
        group_id = self.group.id if self.group is not None else None
        in_background(self, partial(save_form, group_id, form, self._saved), self._saved_done,
                      description="Saving the group", group="general-save")

    def _refuse(self, message: str, focus: str | None = None) -> None:
        """Say why nothing was saved; the line stays until the admin changes something."""
        self._refused = (self._form(), message)
        self._show_save_state()
        self.notify(message, title="Not saved", severity="error")
        if focus is not None:
            self.query_one(focus).focus()

    def _saved_done(self, outcome: SaveOutcome) -> None:
        self._saving = False
        self.refresh_bindings()
        if outcome.group is not None:
            self._after_save(outcome.group)
        error = outcome.error
        if error is None:
            self.notify(self._save_message(outcome.group), title="Saved")
            return
        if isinstance(error, InvalidCondition):
            text = error.error.source_text
            known = self._info if self._info and self._info.text == text else None
            self._info = ConditionInfo(text, known.display if known else text, error=error.error)
            self._show_condition()
        self._refuse(str(error))

    def _after_save(self, group: GroupRow) -> None:
        created = self.group is None
        super().show_group(group)
        self._load_form(group)
        if created:
            group_saved = getattr(self.screen, "group_saved", None)
            if group_saved is not None:
                group_saved(group)

    def _save_message(self, group: GroupRow | None) -> str:
        if group is not None and group.status == STATUS_REBUILD_REQUIRED:
            return "Saved. Rebuild required: R rebuilds the group with its new condition."
        return "Saved."

    def _show_save_state(self) -> None:
        if self._saving:
            return
        status = self.query_one("#save-status", Static)
        refused = self._refused
        if refused is not None and refused[0] == self._form():
            status.update(Text(f"Not saved: {refused[1]}", style="bold red"))
        elif self._rebuilding:
            status.update("Being rebuilt: saving waits until it is done.")
        elif self.has_unsaved_changes():
            status.update("Unsaved changes.")
        elif self.group is not None:
            status.update(f"Status: {self.group.status}")
        else:
            status.update("New group: not saved yet.")

"""The rule designer: build a condition from catalogue sentences joined by and/or (SPEC §5).

Admins who do not write K# pick rules ("Contact has done any activity in the last X days"),
fill in their parameters and join them with and/or; OK returns the stored text Kentico's
designer writes (``{%Rule("<K#>", "<rules>…</rules>")%}``), so conditions keep their
sentences and stay exchangeable with Kentico. Brackets are not offered: ``and`` binds tighter
than ``or`` as in Kentico. A bracket group inside a loaded condition stays as one line.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from conditions.errors import ConditionError
from conditions.rules import Group, ParameterDef, RuleInstance, get_rule, to_text
from conditions.rulesxml import to_stored
from tui.widgets.rule_lines import (
    Line,
    first_invalid,
    lines_of,
    matching_rules,
    negated,
    parameter_label,
    toggled_op,
    tree_of,
    with_value,
)


class RulePickerModal(ModalScreen[str | None]):
    """The catalogue: type to filter by the rules' wording, enter picks, escape cancels."""

    DEFAULT_CSS = """
    RulePickerModal > .dialog { width: 76; }
    RulePickerModal #rule-list { height: auto; max-height: 12; }
    """
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="picker.cancel"),
        Binding("down", "focus_list", "Rules", show=False, id="picker.list"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Add a rule", classes="question")
            yield Input(placeholder="type to filter, e.g. activity", id="rule-filter",
                        compact=True)
            yield OptionList(id="rule-list")
            yield Static("enter picks · down moves into the list · escape cancels",
                         classes="hint")

    def on_mount(self) -> None:
        self._filter("")
        self.query_one("#rule-filter", Input).focus()

    @on(Input.Changed, "#rule-filter")
    def _typed(self, event: Input.Changed) -> None:
        self._filter(event.value)

    def _filter(self, query: str) -> None:
        rules = self.query_one("#rule-list", OptionList)
        rules.set_options(Option(Text(rule.display_name), id=rule.code_name)
                          for rule in matching_rules(query))
        rules.highlighted = 0 if rules.option_count else None

    def action_focus_list(self) -> None:
        self.query_one("#rule-list", OptionList).focus()

    @on(Input.Submitted, "#rule-filter")
    def _submitted(self) -> None:
        option = self.query_one("#rule-list", OptionList).highlighted_option
        if option is not None:
            self.dismiss(option.id)

    @on(OptionList.OptionSelected, "#rule-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class RuleDesignerModal(ModalScreen[str | None]):
    """Lines of rules with the highlighted one's parameters underneath."""

    DEFAULT_CSS = """
    RuleDesignerModal > .dialog { width: 78; max-height: 100%; padding: 0 1; }
    RuleDesignerModal #lines { height: 6; }
    RuleDesignerModal #params { height: auto; max-height: 7; }
    RuleDesignerModal .param { height: 1; }
    RuleDesignerModal .param Label { width: 24; }
    RuleDesignerModal .param Input, RuleDesignerModal .param Select { width: 1fr; }
    RuleDesignerModal #line-title { text-style: bold; }
    RuleDesignerModal #designer-error { color: $error; height: auto; }
    RuleDesignerModal #preview { color: $text-muted; height: auto; max-height: 3; }
    RuleDesignerModal .buttons Button { margin-right: 1; min-width: 0; width: auto;
                                        padding: 0; }
    """
    BINDINGS = [
        Binding("enter,f2", "ok", "OK", id="designer.ok"),
        Binding("a", "add", "Add rule", id="designer.add"),
        Binding("d,delete", "delete", "Delete rule", id="designer.delete"),
        Binding("o", "toggle_op", "and / or", id="designer.op"),
        Binding("n", "negate", "Negate", id="designer.negate"),
        Binding("escape", "cancel", "Cancel", id="designer.cancel"),
    ]

    def __init__(self, tree: Group | None = None) -> None:
        super().__init__()
        self.lines: list[Line] = lines_of(tree) if tree is not None else []
        self._form_index: int | None = None
        self._focus_form = False
        self._pending_error = ""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Rule designer: rules are joined in order; and binds before or",
                         classes="question")
            yield OptionList(id="lines")
            yield Static("", id="line-title")
            yield VerticalScroll(id="params")
            yield Static("", id="designer-error")
            yield Static("", id="preview")
            with Horizontal(classes="buttons"):
                yield Button("OK (enter)", variant="primary", id="ok", compact=True)
                yield Button("Add (a)", id="add", compact=True)
                yield Button("Delete (d)", id="delete", compact=True)
                yield Button("and/or (o)", id="toggle_op", compact=True)
                yield Button("Negate (n)", id="negate", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        self._refresh_lines(highlight=0)
        self.query_one("#lines", OptionList).focus()
        if not self.lines:
            self.action_add()

    # --- the list of lines ----------------------------------------------------------------

    def _prompt(self, index: int) -> Text:
        line = self.lines[index]
        joint = "" if index == 0 else line.op.value
        return Text(f"{index + 1:>2}. {joint:<4}{line.text()}")

    def _refresh_lines(self, highlight: int | None) -> None:
        options = self.query_one("#lines", OptionList)
        options.set_options(self._prompt(i) for i in range(len(self.lines)))
        if self.lines:
            options.highlighted = min(highlight or 0, len(self.lines) - 1)
        else:
            self._form_index = None
            self._show_error("")
            self.query_one("#params", VerticalScroll).remove_children()
            self.query_one("#line-title", Static).update("No rules yet: press a to add one.")
        self._show_preview()

    def _show_preview(self) -> None:
        text = to_text(tree_of(self.lines)) if self.lines else ""
        self.query_one("#preview", Static).update(Text(text))

    def _show_error(self, message: str) -> None:
        self.query_one("#designer-error", Static).update(Text(message))

    @on(OptionList.OptionHighlighted, "#lines")
    async def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        await self._show_form(event.option_index)

    @on(OptionList.OptionSelected, "#lines")
    def _selected(self) -> None:
        self.action_ok()

    # --- the parameters of the highlighted line -------------------------------------------

    async def _show_form(self, index: int) -> None:
        self._form_index = index
        line = self.lines[index]
        params = self.query_one("#params", VerticalScroll)
        focused = self.focused
        keep_focus = focused.name if focused is not None and focused in params.query(
            ".param-field") else None
        await params.remove_children()
        self._show_error(self._pending_error)
        self._pending_error = ""
        title = self.query_one("#line-title", Static)
        node = line.node
        if not isinstance(node, RuleInstance):
            title.update(f"Rule {index + 1}: a bracket group from the stored condition")
            await params.mount(Static("It can be joined with and/or or deleted here; "
                                      "the K# editor (k) changes what is inside."))
            return
        rule = node.definition
        title.update(Text(f"Rule {index + 1}: {rule.display_name}"))
        await params.mount_all(self._param_row(node, param) for param in rule.parameters)
        fields = params.query(".param-field")
        if self._focus_form:
            self._focus_form = False
            fields.first().focus()
        elif keep_focus is not None:
            for field in fields:
                if field.name == keep_focus:
                    field.focus()

    def _param_row(self, node: RuleInstance, param: ParameterDef) -> Widget:
        name = param.name
        value = node.values.get(name, param.default)
        field: Widget
        if param.choices:
            choices = [(choice.text, choice.value) for choice in param.choices]
            known = any(choice.value == value for choice in param.choices)
            field = Select(choices, value=value if known else param.choices[0].value,
                           allow_blank=False, compact=True, name=name, classes="param-field")
        else:
            hint = f"{param.caption} (separate with ;)" if param.multiple else param.caption
            field = Input(value, placeholder=hint, compact=True, name=name,
                          classes="param-field")
        return Horizontal(Label(parameter_label(param)), field, classes="param")

    @on(Input.Changed, "#params Input")
    def _input_changed(self, event: Input.Changed) -> None:
        self._set_value(event.input.name, event.value)

    @on(Select.Changed, "#params Select")
    def _select_changed(self, event: Select.Changed) -> None:
        if event.value is not Select.NULL:
            self._set_value(event.select.name, str(event.value))

    @on(Input.Submitted, "#params Input")
    def _submitted(self) -> None:
        self.action_ok()

    def _set_value(self, name: str | None, value: str) -> None:
        index = self._form_index
        if name is None or index is None:
            return
        line = with_value(self.lines[index], name, value)
        if line == self.lines[index]:
            return
        self.lines[index] = line
        self.query_one("#lines", OptionList).replace_option_prompt_at_index(
            index, self._prompt(index))
        self._show_preview()
        rule = get_rule(line.node.rule) if isinstance(line.node, RuleInstance) else None
        try:
            if rule is not None:
                rule.parameter(name).check(value, rule.display_name)
        except ConditionError as error:
            self._show_error(error.message)
        else:
            self._show_error("")

    # --- actions --------------------------------------------------------------------------

    @on(Button.Pressed)
    async def _pressed(self, event: Button.Pressed) -> None:
        await self.run_action(event.button.id or "")

    def action_add(self) -> None:
        def picked(code_name: str | None) -> None:
            if code_name is None:
                return
            self.lines.append(Line(get_rule(code_name).new_instance()))
            self._focus_form = True
            self._refresh_lines(highlight=len(self.lines) - 1)

        self.app.push_screen(RulePickerModal(), picked)

    def _current(self) -> int | None:
        return self.query_one("#lines", OptionList).highlighted if self.lines else None

    def action_delete(self) -> None:
        index = self._current()
        if index is not None:
            del self.lines[index]
            self._refresh_lines(highlight=max(0, index - 1))

    def action_toggle_op(self) -> None:
        index = self._current()
        if index is None or index == 0:
            self._show_error("The first rule has no and/or; highlight a later one.")
            return
        self.lines[index] = toggled_op(self.lines[index])
        self._refresh_lines(highlight=index)

    def action_negate(self) -> None:
        index = self._current()
        if index is None:
            return
        try:
            self.lines[index] = negated(self.lines[index])
        except ConditionError as error:
            self._show_error(error.message)
            return
        self._refresh_lines(highlight=index)

    def action_ok(self) -> None:
        invalid = first_invalid(self.lines)
        if invalid is not None:
            index, error = invalid
            message = f"Rule {index + 1}: {error.message}"
            if index == self._form_index:
                self._show_error(message)
            else:
                self._pending_error = message
                self.query_one("#lines", OptionList).highlighted = index
            return
        try:
            stored = to_stored(tree_of(self.lines))
        except ConditionError as error:
            self._show_error(error.message)
            return
        self.dismiss(stored)

    def action_cancel(self) -> None:
        self.dismiss(None)

"""The rule designer: build a condition from catalogue sentences joined by and/or (SPEC §5).

Admins who do not write K# pick rules ("Contact has done any activity in the last X days"),
fill in their parameters, join them with and/or and group them with brackets; OK returns the
stored text Kentico's designer writes (``{%Rule("<K#>", "<rules>…</rules>")%}``), so
conditions keep their sentences and stay exchangeable with Kentico. ``and`` binds tighter than
``or`` as in Kentico, so "A or B and C" means "A, or both B and C"; marking A and B (space)
and bracketing them (``(``) makes it "(A or B) and C". The keys are in the footer: the
designer is keyboard-first like the rest of the app.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from conditions.errors import ConditionError
from conditions.rules import Group, ParameterDef, RuleInstance, get_rule, to_text
from conditions.rulesxml import to_stored
from tui.widgets.footer import FittingFooter
from tui.widgets.rule_lines import (
    Line,
    bracketed,
    bracketed_texts,
    first_invalid,
    lines_of,
    matching_rules,
    negated,
    parameter_label,
    toggled_op,
    tree_of,
    unbracketed,
    with_value,
    without,
)
from tui.widgets.virtual_table import MARK_CELL, UNMARK_CELL

LINES, MIN_LINES = 8, 2
OTHER_LINES = 16
"""Lines the designer needs besides its list: frame, title, rule, parameters, preview."""


class RulePickerModal(ModalScreen[str | None]):
    """The catalogue: type to filter by the rules' wording, enter picks, escape cancels."""

    DEFAULT_CSS = """
    RulePickerModal > .dialog { width: 76; }
    RulePickerModal #rule-list { height: auto; max-height: 12; }
    RulePickerModal #rule-help { color: $text-muted; height: auto; max-height: 3; }
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
            yield Static("", id="rule-help")
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
        self._show_help()

    @on(OptionList.OptionHighlighted, "#rule-list")
    def _show_help(self) -> None:
        """The highlighted rule's help: what its parameters take and how it matches."""
        option = self.query_one("#rule-list", OptionList).highlighted_option
        help_text = get_rule(option.id).description if option and option.id else ""
        self.query_one("#rule-help", Static).update(Text(help_text))

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

    HELP_TITLE = "Rule designer"
    DEFAULT_CSS = """
    RuleDesignerModal > .dialog { width: 78; max-height: 100%; padding: 0 1; }
    RuleDesignerModal #lines { height: 8; }
    RuleDesignerModal #params { height: auto; max-height: 7; }
    RuleDesignerModal .param { height: 1; }
    RuleDesignerModal .param Label { width: 24; }
    RuleDesignerModal .param Input, RuleDesignerModal .param Select { width: 1fr; }
    RuleDesignerModal #line-title { text-style: bold; }
    RuleDesignerModal #designer-error { color: $error; height: auto; }
    RuleDesignerModal #preview { color: $text-muted; height: auto; max-height: 3; }
    """
    BINDINGS = [
        Binding("enter,f2", "ok", "OK", id="designer.ok"),
        Binding("a", "add", "Add", id="designer.add"),
        Binding("d,delete", "delete", "Delete", id="designer.delete"),
        Binding("o", "toggle_op", "and/or", id="designer.op"),
        # Off the footer to keep it within 80 columns; the has / has not field does the same.
        Binding("n", "negate", "Negate", show=False, id="designer.negate"),
        Binding("space", "mark", "Mark", id="designer.mark"),
        Binding("left_parenthesis", "bracket", "Bracket", id="designer.bracket"),
        Binding("right_parenthesis", "unbracket", "Unbracket", id="designer.unbracket"),
        Binding("escape", "leave_field", "To the lines", id="designer.leave-field"),
        Binding("escape", "cancel", "Cancel", id="designer.cancel"),
        # A modal screen does not reach the App's bindings: its own help key lists the above.
        Binding("question_mark,f1", "app.help", "Help", show=False, id="designer.help"),
    ]

    def __init__(self, tree: Group | None = None) -> None:
        super().__init__()
        self.lines: list[Line] = lines_of(tree) if tree is not None else []
        self.marked: set[int] = set()
        self._form_index: int | None = None
        self._focus_form = False
        self._pending_error = ""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Rule designer: and binds before or; brackets group rules",
                         classes="question")
            yield OptionList(id="lines")
            yield Static("", id="line-title")
            yield VerticalScroll(id="params")
            yield Static("", id="designer-error")
            yield Static("", id="preview")
        yield FittingFooter()

    def on_resize(self, event: events.Resize) -> None:
        """Fewer lines on a short terminal, so the highlighted rule's parameters stay on
        screen: hidden, they could not take focus and typed text became designer keys."""
        self.query_one("#lines", OptionList).styles.height = max(
            MIN_LINES, min(LINES, event.size.height - OTHER_LINES))

    def on_mount(self) -> None:
        self._refresh_lines(highlight=0)
        self.query_one("#lines", OptionList).focus()
        if not self.lines:
            self.action_add()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_field":
            # From any parameter, not only a text field: escape goes back to the lines
            # before it cancels the whole designer.
            return self.query_one("#params").has_focus_within
        return True

    # --- the list of lines ----------------------------------------------------------------

    def _prompt(self, index: int, texts: list[str]) -> Text:
        joint = "" if index == 0 else self.lines[index].op.value
        mark = MARK_CELL if index in self.marked else UNMARK_CELL
        return Text(f"{mark}{index + 1:>2}. {joint:<4}{texts[index]}")

    def _refresh_lines(self, highlight: int | None) -> None:
        options = self.query_one("#lines", OptionList)
        texts = bracketed_texts(self.lines)
        options.set_options(self._prompt(i, texts) for i in range(len(self.lines)))
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
        rule = self.lines[index].rule
        params = self.query_one("#params", VerticalScroll)
        focused = self.focused
        keep_focus = focused.name if focused is not None and focused in params.query(
            ".param-field") else None
        await params.remove_children()
        self._show_error(self._pending_error)
        self._pending_error = ""
        definition = rule.definition
        self.query_one("#line-title", Static).update(
            Text(f"Rule {index + 1}: {definition.display_name}"))
        await params.mount_all(self._param_row(rule, param) for param in definition.parameters)
        fields = params.query(".param-field")
        if self._focus_form:
            self._focus_form = False
            fields.first().focus()
        elif keep_focus is not None:
            for field in fields:
                if field.name == keep_focus:
                    field.focus()

    def _param_row(self, rule: RuleInstance, param: ParameterDef) -> Widget:
        name = param.name
        value = rule.values.get(name, param.default)
        field: Widget
        if param.choices:
            choices = [(choice.text, choice.value) for choice in param.choices]
            known = any(choice.value == value for choice in param.choices)
            if not known and value and param.shape is not None:  # an open list: a custom field
                choices.append((value, value))
                known = True
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
            index, self._prompt(index, bracketed_texts(self.lines)))
        self._show_preview()
        definition = line.rule.definition
        try:
            definition.parameter(name).check(value, definition.display_name)
        except ConditionError as error:
            self._show_error(error.message)
        else:
            self._show_error("")

    # --- actions --------------------------------------------------------------------------

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

    def _change_lines(self, change: Callable[[], list[Line]], highlight: int) -> None:
        """Replace the lines with what ``change`` returns, or say why it refused; marks
        point at line numbers, so they go with any change."""
        try:
            self.lines = change()
        except ConditionError as error:
            self._show_error(error.message)
            return
        self.marked.clear()
        self._refresh_lines(highlight=highlight)

    def action_delete(self) -> None:
        index = self._current()
        if index is not None:
            self._change_lines(lambda: without(self.lines, index), max(0, index - 1))

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

    def action_mark(self) -> None:
        """Mark or unmark the highlighted line and move down, as in the member lists."""
        index = self._current()
        if index is None:
            return
        self.marked.symmetric_difference_update({index})
        self._refresh_lines(highlight=index + 1)

    def action_bracket(self) -> None:
        if not self.marked:
            self._show_error("Mark the lines to bracket with space, then press (.")
            return
        first, last = min(self.marked), max(self.marked)
        gaps = [i + 1 for i in range(first, last) if i not in self.marked]
        if gaps:
            self._show_error(f"Only adjacent lines can be bracketed: line {gaps[0]} is not "
                             "marked.")
            return
        self._change_lines(lambda: bracketed(self.lines, first, last), first)

    def action_unbracket(self) -> None:
        """Remove the innermost bracket around the marked lines, or the highlighted one."""
        index = self._current()
        if index is None:
            return
        first, last = (min(self.marked), max(self.marked)) if self.marked else (index, index)
        self._change_lines(lambda: unbracketed(self.lines, first, last), index)

    def action_leave_field(self) -> None:
        self.query_one("#lines", OptionList).focus()

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

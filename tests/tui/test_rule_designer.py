"""The rule designer: its line model without Textual, and the modal driven by keys.

The designer never touches the database, so these tests run on a bare host app."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.app import App
from textual.widgets import Input, OptionList, Select, Static

from conditions.errors import ConditionError
from conditions.rules import RULES, Group, Op, RuleInstance, get_rule, to_kentico, to_text
from conditions.rulesxml import display_text, from_stored, to_stored
from tests.conditions.test_rules_roundtrip import trees
from tests.tui.harness import SIZE, footer_keys, wait_for_screen
from tui.commands import screen_actions
from tui.widgets.condition_editor import caret_excerpt
from tui.widgets.rule_designer import RuleDesignerModal, RulePickerModal
from tui.widgets.rule_lines import (
    Line,
    bracketed,
    bracketed_texts,
    brackets,
    first_invalid,
    lines_of,
    matching_rules,
    negated,
    toggled_op,
    tree_of,
    unbracketed,
    with_value,
    without,
)

ACTIVITY = "CMSContactHasDoneAnyActivityInTheLastXDays"
MALE = "CMSContactIsMale"
FEMALE = "CMSContactIsFemale"
FIELD = "CMSContactFieldContainsValue"


def _rule(code_name: str, **values: str) -> RuleInstance:
    return RuleInstance(code_name, {**get_rule(code_name).new_instance().values, **values})


# --- the line model ---------------------------------------------------------------------


def test_lines_round_trip_a_tree_with_its_operators():
    tree = Group.of(_rule(ACTIVITY, days="7"), (Op.OR, _rule(MALE)), (Op.AND, _rule(MALE)))
    lines = lines_of(tree)
    assert [line.op for line in lines[1:]] == [Op.OR, Op.AND]
    assert tree_of(lines) == tree


def test_brackets_of_a_stored_tree_become_brackets_on_editable_lines():
    inner = Group.of(_rule(MALE), (Op.OR, _rule(ACTIVITY, days="1")))
    tree = Group.of(_rule(ACTIVITY, days="7"), (Op.AND, inner))
    lines = lines_of(tree)
    assert [(line.op, line.opens, line.closes) for line in lines] == [
        (Op.AND, 0, 0), (Op.AND, 1, 0), (Op.OR, 0, 1)]
    assert bracketed_texts(lines) == [
        "Contact has done any activity in the last 7 day(s)",
        "(Contact is male",
        " Contact has done any activity in the last 1 day(s))"]
    lines[2] = with_value(lines[2], "days", "2")  # a rule inside a bracket is editable
    assert to_kentico(tree_of(lines)) == to_kentico(tree).replace("ToInt(1)", "ToInt(2)")


@settings(max_examples=100, deadline=None)
@given(trees, st.data())
def test_lines_are_the_tree_and_a_bracket_added_comes_off_again(tree, data):
    lines = lines_of(tree)
    assert tree_of(lines) == tree
    assert len(brackets(lines)) == sum(line.opens for line in lines)
    first = data.draw(st.integers(0, len(lines) - 1))
    last = data.draw(st.integers(first, len(lines) - 1))
    try:
        grouped = bracketed(lines, first, last)
    except ConditionError:
        return  # one line, bracketed already, or across another bracket
    assert unbracketed(grouped, first, last) == lines
    assert to_text(tree_of(grouped)).count("(") == to_text(tree).count("(") + 1


def test_bracketing_groups_lines_without_changing_a_rule_or_an_and_or():
    a, b, c = _rule(MALE), _rule(FEMALE), _rule(ACTIVITY, days="7")
    flat = [Line(a), Line(b, Op.OR), Line(c, Op.AND)]
    assert tree_of(flat) == Group.of(a, (Op.OR, b), (Op.AND, c))
    grouped = bracketed(flat, 0, 1)
    assert tree_of(grouped) == Group.of(Group.of(a, (Op.OR, b)), (Op.AND, c))
    assert to_text(tree_of(grouped)) == ("(Contact is male or Contact is female) and "
                                         "Contact has done any activity in the last 7 day(s)")
    assert unbracketed(grouped, 1, 1) == flat  # the bracket around a line comes off
    with pytest.raises(ConditionError, match="adjacent lines"):
        bracketed(flat, 1, 1)
    with pytest.raises(ConditionError, match="in brackets already"):
        bracketed(grouped, 0, 1)
    with pytest.raises(ConditionError, match="cut through the bracket around lines 1-2"):
        bracketed(grouped, 1, 2)
    with pytest.raises(ConditionError, match="Line 3 is not in brackets"):
        unbracketed(grouped, 2, 2)


def test_deleting_a_line_keeps_the_brackets_of_the_others():
    a, b, c = _rule(MALE), _rule(FEMALE), _rule(ACTIVITY, days="7")
    lines = lines_of(Group.of(c, (Op.AND, Group.of(a, (Op.OR, b)))))  # c and (a or b)
    # The first line of a bracket goes: the next one opens it and joins it with "and".
    assert tree_of(without(lines, 1)) == Group.of(c, (Op.AND, Group((b,))))
    assert tree_of(without(lines, 2)) == Group.of(c, (Op.AND, Group((a,))))
    alone = lines_of(Group.of(c, (Op.OR, Group((a,)))))
    assert tree_of(without(alone, 1)) == Group((c,))  # its own bracket goes with it


def test_negation_flips_has_and_is_and_is_refused_without_one():
    line = Line(_rule(ACTIVITY, days="7"))
    assert negated(line).text() == "Contact has not done any activity in the last 7 day(s)"
    assert negated(negated(line)).rule == line.rule
    with pytest.raises(ConditionError, match="no negation"):
        negated(Line(_rule(FIELD, field="ContactEmail", value="@")))


def test_a_changed_value_drops_the_caption_kept_for_the_old_one():
    line = Line(RuleInstance(ACTIVITY, {"_perfectum": "", "days": "7"}, {"days": "a week"}))
    assert line.text().endswith("a week day(s)")
    assert with_value(line, "days", "8").text().endswith("8 day(s)")


def test_first_invalid_names_the_line_and_the_parameter():
    lines = [Line(_rule(MALE)), Line(_rule(ACTIVITY, days="soon"))]
    index, error = first_invalid(lines)
    assert index == 1 and "must be a whole number" in error.message
    assert first_invalid(lines[:1]) is None
    with pytest.raises(ConditionError, match="at least one rule"):
        tree_of([])


def test_toggled_op_and_catalogue_filter():
    assert toggled_op(Line(_rule(MALE))).op is Op.OR
    assert [rule.code_name for rule in matching_rules("is MALE")] == [MALE]
    assert len(matching_rules("")) == len(RULES)
    assert [rule.code_name for rule in matching_rules("current date")] == [
        "CMSCurrentDatetimeIsInRange"]


def test_caret_excerpt_keeps_the_caret_under_its_character_on_long_lines():
    long = "Contact.ContactAge > 3 && " * 10 + "Contact.Foo"
    source = ConditionError.at_offset("unknown member 'Foo'", long, long.index("Foo"))
    text, caret = caret_excerpt(source, width=40).split("\n")
    assert len(text) <= 42 and text.startswith("…")
    assert text[caret.index("^"):].startswith("Foo")
    short = ConditionError.at_offset("x", "a == b", 5)
    assert caret_excerpt(short) == "a == b\n     ^"


# --- the modal --------------------------------------------------------------------------


class Host(App[None]):
    """Opens the designer and keeps what it returned."""

    def __init__(self, tree: Group | None = None) -> None:
        super().__init__()
        self.start_tree = tree
        self.results: list[str | None] = []

    def on_mount(self) -> None:
        self.push_screen(RuleDesignerModal(self.start_tree), self.results.append)


async def _designer(app: Host, pilot) -> RuleDesignerModal:
    designer = await wait_for_screen(app, pilot, RuleDesignerModal)
    await pilot.pause()
    return designer


def _prompts(designer: RuleDesignerModal) -> list[str]:
    options = designer.query_one("#lines", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_rules_are_added_filled_joined_and_returned_as_stored_text():
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(app, pilot, RulePickerModal)  # an empty designer asks at once
        await pilot.press(*"logged", "enter")
        designer = await _designer(app, pilot)
        await pilot.press("tab", *"30")  # past has / has not, into the days
        await pilot.press("escape")  # out of the field, back to the lines
        await pilot.press("a")
        await wait_for_screen(app, pilot, RulePickerModal)
        await pilot.press(*"male", "down", "enter")  # the list: Contact is male, is female
        designer = await _designer(app, pilot)
        await pilot.press("escape", "o", "n")
        await pilot.pause()
        assert _prompts(designer) == ["[ ]  1.     Contact has logged in in the last 30 day(s)",
                                      "[ ]  2. or  Contact is not male"]
        await pilot.press("enter")
        await pilot.pause()
    [stored] = app.results
    assert display_text(stored) == ("Contact has logged in in the last 30 day(s) or "
                                    "Contact is not male")
    assert "Contact.LoggedIn(ToInt(30)) || !(Contact.ContactGender == Gender.Male)" in stored


async def test_a_stored_condition_opens_for_editing_and_keeps_its_brackets():
    inner = Group.of(_rule(MALE), (Op.OR, _rule(ACTIVITY, days="1")))
    stored = to_stored(Group.of(_rule(ACTIVITY, days="7"), (Op.AND, inner)))
    app = Host(from_stored(stored))
    async with app.run_test(size=SIZE) as pilot:
        designer = await _designer(app, pilot)
        assert _prompts(designer)[1:] == [
            "[ ]  2. and (Contact is male",
            "[ ]  3. or   Contact has done any activity in the last 1 day(s))"]
        days = designer.query_one("#params Input", Input)
        assert days.value == "7"
        days.focus()
        await pilot.press("end", "backspace", *"14", "enter")
        await pilot.pause()
    [result] = app.results
    assert display_text(result) == ("Contact has done any activity in the last 14 day(s) and "
                                    "(Contact is male or Contact has done any activity in the "
                                    "last 1 day(s))")


async def test_a_bad_parameter_is_shown_inline_and_ok_refuses():
    app = Host(Group((_rule(ACTIVITY, days="7"),)))
    async with app.run_test(size=SIZE) as pilot:
        designer = await _designer(app, pilot)
        designer.query_one("#params Input", Input).focus()
        await pilot.press("end", *"x")
        await pilot.pause()
        error = str(designer.query_one("#designer-error", Static).content)
        assert "must be a whole number (0 or more), not '7x'" in error
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [] and app.screen is designer
        assert "Rule 1:" in str(designer.query_one("#designer-error", Static).content)
        await pilot.press("escape")  # out of the field: nothing is lost yet
        await pilot.pause()
        assert app.results == [] and app.focused is designer.query_one("#lines")
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]


async def test_choice_parameters_are_selects_and_a_deleted_last_rule_leaves_nothing_to_save():
    app = Host(Group((_rule(FIELD, field="ContactEmail", value="@"),)))
    async with app.run_test(size=SIZE) as pilot:
        designer = await _designer(app, pilot)
        selects = list(designer.query("#params Select").results(Select))
        assert [select.name for select in selects] == ["field", "op"]
        assert selects[1].value == "Contains"
        selects[1].value = "NotContains"
        await pilot.pause()
        assert _prompts(designer) == [
            "[ ]  1.     Contact field E-mail address does not contain @"]
        designer.query_one("#lines", OptionList).focus()
        await pilot.press("n")
        await pilot.pause()
        assert "no negation" in str(designer.query_one("#designer-error", Static).content)
        await pilot.press("d", "f2")
        await pilot.pause()
        assert "at least one rule" in str(designer.query_one("#designer-error", Static).content)


async def test_a_custom_field_rule_keeps_its_field_when_opened_and_saved():
    app = Host(Group((_rule(FIELD, field="Industry", op="StartsWith", value="Retail"),)))
    async with app.run_test(size=SIZE) as pilot:
        designer = await _designer(app, pilot)
        field = designer.query_one("#params Select", Select)
        assert field.value == "Industry"
        assert _prompts(designer) == ["[ ]  1.     Contact field Industry starts with Retail"]
        await pilot.press("f2")
        await pilot.pause()
    [stored] = app.results
    assert 'Contact.ContactFieldContainsValue(\\"Industry\\", \\"StartsWith\\"' in stored


def _footer(screen) -> list[tuple[str, str]]:
    return [(key.key, key.description) for key in footer_keys(screen)]


async def test_marked_lines_are_bracketed_and_unbracketed_with_keys_shown_in_footer_and_help():
    a, b, c = _rule(MALE), _rule(FEMALE), _rule(ACTIVITY, days="7")
    app = Host(Group.of(a, (Op.OR, b), (Op.AND, c)))
    async with app.run_test(size=SIZE) as pilot:
        designer = await _designer(app, pilot)
        assert {("space", "Mark"), ("(", "Bracket"), (")", "Unbracket")} <= set(
            _footer(designer))
        helped = {(action.key, action.title) for action in screen_actions(designer)}
        assert {("space", "Mark"), ("(", "Bracket"), (")", "Unbracket")} <= helped
        await pilot.press("space", "down", "space", "left_parenthesis")
        await pilot.pause()
        error = designer.query_one("#designer-error", Static)
        assert "line 2 is not marked" in str(error.content)
        await pilot.press("up", "space", "left_parenthesis")  # lines 1 to 3 now
        await pilot.pause()
        assert _prompts(designer) == ["[ ]  1.     (Contact is male",
                                      "[ ]  2. or   Contact is female",
                                      "[ ]  3. and  Contact has done any activity in the last "
                                      "7 day(s))"]
        await pilot.press("right_parenthesis")  # the bracket around the highlighted line
        await pilot.press("home", "space", "space", "left_parenthesis", "f2")
        await pilot.pause()
    [stored] = app.results
    assert from_stored(stored) == Group.of(Group.of(a, (Op.OR, b)), (Op.AND, c))
    assert "((Contact.ContactGender == Gender.Male) || (" in stored  # the K# keeps them


async def test_the_picker_shows_the_highlighted_rules_help():
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        picker = await wait_for_screen(app, pilot, RulePickerModal)
        await pilot.press(*"countries")
        await pilot.pause()
        help_text = str(picker.query_one("#rule-help", Static).content)
        assert "two-letter code" in help_text and "extension" in help_text

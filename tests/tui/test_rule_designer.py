"""The rule designer: its line model without Textual, and the modal driven by keys.

The designer never touches the database, so these tests run on a bare host app."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.widgets import Input, OptionList, Select, Static

from conditions.errors import ConditionError
from conditions.rules import Group, Op, RuleInstance, get_rule, to_kentico
from conditions.rulesxml import display_text, from_stored, to_stored
from tests.tui.general_support import SIZE, wait_for_screen
from tui.widgets.condition_editor import caret_excerpt
from tui.widgets.rule_designer import RuleDesignerModal, RulePickerModal
from tui.widgets.rule_lines import (
    Line,
    first_invalid,
    lines_of,
    matching_rules,
    negated,
    toggled_op,
    tree_of,
    with_value,
)

ACTIVITY = "CMSContactHasDoneAnyActivityInTheLastXDays"
MALE = "CMSContactIsMale"
FIELD = "CMSContactFieldContainsValue"


def _rule(code_name: str, **values: str) -> RuleInstance:
    return RuleInstance(code_name, {**get_rule(code_name).new_instance().values, **values})


# --- the line model ---------------------------------------------------------------------


def test_lines_round_trip_a_tree_with_its_operators():
    tree = Group.of(_rule(ACTIVITY, days="7"), (Op.OR, _rule(MALE)), (Op.AND, _rule(MALE)))
    lines = lines_of(tree)
    assert [line.op for line in lines[1:]] == [Op.OR, Op.AND]
    assert tree_of(lines) == tree


def test_a_bracket_group_stays_one_line_with_its_meaning():
    inner = Group.of(_rule(MALE), (Op.OR, _rule(ACTIVITY, days="1")))
    tree = Group.of(_rule(ACTIVITY, days="7"), (Op.AND, inner))
    lines = lines_of(tree)
    assert not lines[1].editable
    assert lines[1].text() == ("(Contact is male or Contact has done any activity in the last "
                               "1 day(s))")
    assert to_kentico(tree_of(lines)) == to_kentico(tree)
    with pytest.raises(ConditionError, match="K# editor"):
        negated(lines[1])


def test_negation_flips_has_and_is_and_is_refused_without_one():
    line = Line(_rule(ACTIVITY, days="7"))
    assert negated(line).text() == "Contact has not done any activity in the last 7 day(s)"
    assert negated(negated(line)).node == line.node
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
    assert len(matching_rules("")) == len(matching_rules("contact"))


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
        designer.query_one("#lines", OptionList).focus()
        await pilot.press("a")
        await wait_for_screen(app, pilot, RulePickerModal)
        await pilot.press(*"male", "down", "enter")  # the list: Contact is male, is female
        designer = await _designer(app, pilot)
        designer.query_one("#lines", OptionList).focus()
        await pilot.press("o", "n")
        await pilot.pause()
        assert _prompts(designer) == [" 1.     Contact has logged in in the last 30 day(s)",
                                      " 2. or  Contact is not male"]
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
        assert len(_prompts(designer)) == 2
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
        assert _prompts(designer) == [" 1.     Contact field E-mail address does not contain @"]
        designer.query_one("#lines", OptionList).focus()
        await pilot.press("n")
        await pilot.pause()
        assert "no negation" in str(designer.query_one("#designer-error", Static).content)
        await pilot.press("d", "f2")
        await pilot.pause()
        assert "at least one rule" in str(designer.query_one("#designer-error", Static).content)

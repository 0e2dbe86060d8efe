"""The General tab in the real app on a real store (SQLite and PostgreSQL): what the admin
does with the keys, checked in the database as well as on the screen."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Switch, TabbedContent, TextArea

from conditions.rulesxml import from_stored, to_stored
from store import contacts, groups, settings
from store.binding.condition_service import check_condition, describe
from store.db.models import ContactGroup
from store.engine import scheduler
from store.engine.rebuild import rebuild_group
from store.errors import StoreError
from store.rows import STATUS_REBUILD_REQUIRED, STATUS_REBUILDING
from tests.store.helpers import counting, flags, make_contacts
from tests.tui.general_support import general, open_editor, text_of, value_of
from tests.tui.harness import SIZE, footer_keys, until, wait_for_screen, wait_for_workers
from tui.app import ContactGroupsApp
from tui.commands import screen_actions
from tui.modals import ChoiceModal, ConfirmModal
from tui.screens.editor import GroupEditorScreen
from tui.screens.groups import GroupsScreen
from tui.widgets.condition_editor import ConditionEditorModal
from tui.widgets.rule_designer import RuleDesignerModal, RulePickerModal
from tui.widgets.rule_lines import lines_of, tree_of, unbracketed

INACTIVE = "Contact has not done any activity in the last 365 day(s)"
SLOW = "ToInt(Contact.ContactCity) > 3"  # no SQL translation: rebuilt contact by contact


async def _switch_on(app, pilot, selector: str) -> None:
    app.screen.query_one(selector, Switch).focus()
    await pilot.press("space")
    await wait_for_workers(app, pilot)


async def _write_kentico(app, pilot, text: str, shows: str) -> ConditionEditorModal:
    """Type ``text`` in the condition editor and wait for the check, which waits for a
    pause in typing, to show a result starting with ``shows``."""
    await pilot.press("k")
    modal = await wait_for_screen(app, pilot, ConditionEditorModal)
    await pilot.press(*text)
    await until(pilot, lambda: text_of(app, "#k-status").startswith(shows), "the check")
    return modal


async def _designer_for_new_group(app, pilot, name: str) -> None:
    """A new condition-based group named ``name``, and ``e``: the designer's rule picker."""
    await open_editor(app, pilot, None)
    await pilot.press(*name)
    await _switch_on(app, pilot, "#condition-based")
    await pilot.press("e")
    await wait_for_screen(app, pilot, RulePickerModal)


async def test_designer_condition_creates_a_group_that_needs_a_rebuild(db):
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        await _designer_for_new_group(app, pilot, "Idle 1y")
        await pilot.press(*"any", "enter")
        await wait_for_screen(app, pilot, RuleDesignerModal)
        await wait_for_workers(app, pilot)
        await pilot.press("n", "tab", *"365")  # negate: "has not"; then the days
        await pilot.press("enter")
        await wait_for_screen(app, pilot, GroupEditorScreen)
        await wait_for_workers(app, pilot)
        assert text_of(app, "#condition-text") == INACTIVE
        assert general(app).has_unsaved_changes()
        await pilot.press("f2")
        await wait_for_workers(app, pilot)
        assert not general(app).has_unsaved_changes()
        assert "Rebuild required" in text_of(app, "#save-status")

    group = groups.get_group("Idle1y")
    assert group.display_name == "Idle 1y"
    assert group.status == STATUS_REBUILD_REQUIRED
    assert describe(group.condition) == INACTIVE
    check_condition(group.condition)  # what `condition check` runs
    assert from_stored(group.condition) is not None  # the designer can open it again


async def _add_rule(app, pilot, search: str, *values: str) -> None:
    """``a`` in the designer's lines, pick the first rule matching ``search``, type
    ``values`` into its fields one after another (tab between them) and go back to the
    lines with escape."""
    await pilot.press("a")
    await wait_for_screen(app, pilot, RulePickerModal)
    await pilot.press(*search, "enter")
    await wait_for_screen(app, pilot, RuleDesignerModal)
    await wait_for_workers(app, pilot)
    for value in values:
        await pilot.press("tab", *value)
    await pilot.press("escape")


async def test_brackets_built_with_keys_decide_who_is_a_member(db):
    """(male or female) and from CZ: without the brackets "and" binds first and every man
    anywhere would be a member."""
    ids = {name: contacts.create_contact(first_name=name, gender=gender, country_code=country).id
           for name, gender, country in (("man_cz", 1, "CZ"), ("man_us", 1, "US"),
                                         ("woman_cz", 2, "CZ"), ("woman_us", 2, "US"),
                                         ("nobody_cz", 0, "CZ"))}
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        await _designer_for_new_group(app, pilot, "Czech people")
        await pilot.press("escape")  # the designer asks for a first rule; add them alike
        designer = await wait_for_screen(app, pilot, RuleDesignerModal)
        await _add_rule(app, pilot, "is male")
        await _add_rule(app, pilot, "is female")
        await pilot.press("o")  # "or Contact is female"
        await _add_rule(app, pilot, "country", "CZ")
        await pilot.press("home", "space", "space", "left_parenthesis")
        await wait_for_workers(app, pilot)
        preview = "(Contact is male or Contact is female) and Contact is from any of the " \
                  "following countries: CZ"
        assert str(designer.query_one("#preview").content) == preview
        await pilot.press("f2")
        await wait_for_screen(app, pilot, GroupEditorScreen)
        await wait_for_workers(app, pilot)
        assert text_of(app, "#condition-text") == preview
        await pilot.press("f2")
        await wait_for_workers(app, pilot)
        assert not general(app).has_unsaved_changes()

    group = groups.get_group("CzechPeople")
    assert describe(group.condition) == preview
    rebuild_group(group)
    assert set(flags(group)) == {ids["man_cz"], ids["woman_cz"]}
    flat = to_stored(tree_of(unbracketed(lines_of(from_stored(group.condition)), 0, 1)))
    assert describe(flat) == preview.replace("(", "").replace(")", "")
    without_brackets = groups.create_group("Flat", condition=flat)
    rebuild_group(without_brackets)
    assert set(flags(without_brackets)) == {
        ids["man_cz"], ids["man_us"], ids["woman_cz"]}


async def test_kentico_condition_shows_the_match_count_and_is_saved_with_ctrl_s(db):
    make_contacts(3, city="Brno")
    make_contacts(2, city="Praha")
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(app, pilot, None)
        await pilot.press(*"Brno")
        await _switch_on(app, pilot, "#condition-based")
        palette = {action.title for action in screen_actions(app.screen)}
        assert {"Save", "Edit condition", "Edit K#", "Clear condition"} <= palette
        await _write_kentico(app, pilot, 'Contact.ContactCity == "brno"',
                             "Valid condition · 3 contacts match")
        assert text_of(app, "#k-status") == "Valid condition · 3 contacts match"
        await pilot.press("f2")
        await wait_for_screen(app, pilot, GroupEditorScreen)
        await wait_for_workers(app, pilot)
        assert text_of(app, "#condition-text") == 'Contact.ContactCity == "brno"'
        await pilot.press("ctrl+s")
        await wait_for_workers(app, pilot)
        assert not general(app).has_unsaved_changes()
        assert not app.screen.query_one("#contacts").disabled  # the new group's other tabs

    group = groups.get_group("Brno")
    assert group.condition == 'Contact.ContactCity == "brno"'
    assert group.status == STATUS_REBUILD_REQUIRED


async def test_a_bad_condition_shows_where_and_saves_nothing(db):
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(app, pilot, None)
        await pilot.press(*"Bad")
        await _switch_on(app, pilot, "#condition-based")
        await _write_kentico(app, pilot, "Contact.Foo == 1", "line 1")
        shown = text_of(app, "#k-status")
        assert shown.splitlines() == ["line 1, column 9: unknown member 'Foo'",
                                      "Contact.Foo == 1", "        ^"]
        await pilot.press("f2")
        await wait_for_screen(app, pilot, GroupEditorScreen)
        await wait_for_workers(app, pilot)
        assert "line 1, column 9" in text_of(app, "#condition-error")
        await pilot.press("f2")
        await wait_for_workers(app, pilot)
        assert "Not saved" in text_of(app, "#save-status")
        assert general(app).has_unsaved_changes()
    assert groups.list_groups() == []


async def test_a_bad_condition_leaves_an_existing_group_unchanged(db):
    group = groups.create_group("Adults", condition="Contact.ContactAge >= 18")
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(app, pilot, group.id)
        app.screen.query_one("#condition-based", Switch).focus()
        await pilot.press("k")
        await wait_for_screen(app, pilot, ConditionEditorModal)
        await pilot.press("end", *" and")
        await until(pilot, lambda: text_of(app, "#k-status").startswith("line 1, column 29: "),
                    "the check after the pause")
        await pilot.press("f2")
        await wait_for_screen(app, pilot, GroupEditorScreen)
        await pilot.press("ctrl+s")
        await wait_for_workers(app, pilot)
        assert "Not saved" in text_of(app, "#save-status")
    assert groups.get_group("Adults").condition == "Contact.ContactAge >= 18"


async def test_code_name_follows_the_display_name_and_a_duplicate_is_refused_inline(db):
    groups.create_group("Customers")
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(app, pilot, None)
        await pilot.press(*"customers")
        await wait_for_workers(app, pilot)
        assert value_of(app, "#code-name") == "Customers"
        assert "already exists" in text_of(app, "#code-name-error")
        await pilot.press("f2")
        await wait_for_workers(app, pilot)
        assert "already exists" in text_of(app, "#save-status")
        assert len(groups.list_groups()) == 1

        app.screen.query_one("#code-name", Input).focus()
        await pilot.press("end", *"!")
        await wait_for_workers(app, pilot)
        assert "may contain only letters" in text_of(app, "#code-name-error")
        await pilot.press("backspace", *"_new")
        await wait_for_workers(app, pilot)
        assert text_of(app, "#code-name-error") == ""
        app.screen.query_one("#display-name", Input).focus()
        await pilot.press("end", *" again")  # an edited code name no longer follows
        await wait_for_workers(app, pilot)
        assert value_of(app, "#code-name") == "Customers_new"
        await pilot.press("f2")
        await wait_for_workers(app, pilot)
    assert groups.get_group("Customers_new").display_name == "customers again"


async def test_scheduled_rebuild_creates_its_task_and_a_bad_time_is_refused(db):
    group = groups.create_group("Adults", condition=SLOW)
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(app, pilot, group.id)
        assert text_of(app, "#slow-warning").startswith(
            "Slow condition: converting string to int in SQL has no SQL translation")
        await _switch_on(app, pilot, "#scheduled")
        proposed = value_of(app, "#schedule-time")
        assert "02:00" <= proposed <= "06:00"
        app.screen.query_one("#schedule-time", Input).focus()
        await pilot.press("end", *["backspace"] * 5, *"25:00")
        await wait_for_workers(app, pilot)
        assert "is not a time of day" in text_of(app, "#schedule-error")
        await pilot.press("f2")
        await wait_for_workers(app, pilot)
        assert scheduler.list_tasks() == []
        await pilot.press(*["backspace"] * 5, *"3:15", "f2")
        await wait_for_workers(app, pilot)
        assert not general(app).has_unsaved_changes()
    [task] = scheduler.list_tasks()
    assert (task.time_of_day, task.enabled, task.group_id) == ("03:15", True, group.id)
    saved = groups.get_group("Adults")
    assert saved.schedule_enabled and saved.schedule_time == "03:15"
    assert (saved.condition, saved.modified > group.modified) == (group.condition, True)


async def test_a_save_whose_schedule_fails_saves_nothing_and_the_next_one_saves_all(
        db, monkeypatch):
    group = groups.create_group("Adults", description="grown-ups", condition=SLOW)
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(app, pilot, group.id)
        app.screen.query_one("#description", Input).focus()
        await pilot.press("end", *" only")
        await _switch_on(app, pilot, "#scheduled")
        with monkeypatch.context() as broken:
            broken.setattr(scheduler, "next_run_after", _clock_broken)
            await pilot.press("f2")
            await wait_for_workers(app, pilot)
        assert "Not saved: the clock is broken" in text_of(app, "#save-status")
        assert general(app).has_unsaved_changes()
        assert value_of(app, "#description") == "grown-ups only"
        assert groups.get_group("Adults").description == "grown-ups"
        assert scheduler.list_tasks() == []
        await pilot.press("f2")
        await wait_for_workers(app, pilot)
        assert not general(app).has_unsaved_changes()
    saved = groups.get_group("Adults")
    assert (saved.description, saved.schedule_enabled) == ("grown-ups only", True)
    [task] = scheduler.list_tasks()
    assert task.time_of_day == saved.schedule_time


def _clock_broken(*_args):
    raise StoreError("the clock is broken")


async def test_leaving_with_unsaved_changes_asks_first(db):
    group = groups.create_group("Adults", description="grown-ups")
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(app, pilot, group.id)
        assert not general(app).has_unsaved_changes()
        app.screen.query_one("#description", Input).focus()
        await pilot.press("end", *" only")
        await pilot.press("escape", "escape")  # out of the field, then back
        await wait_for_screen(app, pilot, ConfirmModal)
        await pilot.press("n")
        await wait_for_screen(app, pilot, GroupEditorScreen)
        await wait_for_workers(app, pilot)  # a refresh from the store keeps the edit
        assert value_of(app, "#description") == "grown-ups only"
        await pilot.press("escape")
        await wait_for_screen(app, pilot, ConfirmModal)
        await pilot.press("y")
        await wait_for_screen(app, pilot, GroupsScreen)
    assert groups.get_group("Adults").description == "grown-ups"


def _footer(app) -> set[str]:
    return {key.key for key in footer_keys(app.screen)}


async def test_a_field_types_tab_and_back_keys_and_escape_leaves_it_for_them(db):
    group = groups.create_group("Adults", description="grown-ups")
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_editor(app, pilot, group.id)
        tabs = editor.query_one(TabbedContent)
        app.screen.query_one("#description", Input).focus()
        await pilot.press("end", "space", "left_square_bracket", "q", "right_square_bracket")
        await wait_for_workers(app, pilot)
        assert value_of(app, "#description") == "grown-ups [q]"
        assert (app.screen, tabs.active) == (editor, "general")
        assert "esc" in _footer(app) and not {"[", "]", "q"} & _footer(app)

        await pilot.press("escape")
        await wait_for_workers(app, pilot)
        assert app.screen is editor and not isinstance(app.focused, Input)
        assert {"[", "]", "q", "f2"} <= _footer(app)
        await pilot.press("right_square_bracket")
        await wait_for_workers(app, pilot)
        assert tabs.active == "contacts"
        await pilot.press("left_square_bracket", "q")
        await wait_for_screen(app, pilot, ConfirmModal)  # the description is not saved
        assert tabs.active == "general"
        await pilot.press("y")
        await wait_for_screen(app, pilot, GroupsScreen)
    assert groups.get_group("Adults").description == "grown-ups"


async def test_cms_edition_refuses_the_condition_switch(db):
    settings.set_edition("cms")
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(app, pilot, None)
        await _switch_on(app, pilot, "#condition-based")
        assert not app.screen.query_one("#condition-based", Switch).value
        assert "EMS edition" in text_of(app, "#edition-error")
        await pilot.press("k")  # the condition keys are off with the switch
        await wait_for_workers(app, pilot)
        assert not app.screen.query(TextArea)


async def test_saving_waits_while_the_group_is_being_rebuilt(db):
    group = groups.create_group("Adults", description="grown-ups")
    ContactGroup.update(status=STATUS_REBUILDING).where(ContactGroup.id == group.id).execute()
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(app, pilot, group.id)
        app.screen.query_one("#description", Input).focus()
        await pilot.press("end", *"!", "f2")
        await wait_for_workers(app, pilot)
        assert text_of(app, "#save-status") == "Being rebuilt: saving waits until it is done."
        assert general(app).has_unsaved_changes()
    assert groups.get_group("Adults").description == "grown-ups"


MALE_TEXT_FEMALE_TEST = (
    '{%Rule("(Contact.ContactGender == Gender.Female)", "<rules><r pos=\\"0\\" par=\\"\\" '
    'op=\\"and\\" n=\\"CMSContactIsMale\\" ><p n=\\"_is\\"><t>is</t><v></v><r>0</r>'
    '<d>select operation</d><vt>text</vt><tv>0</tv></p></r></rules>")%}'
)


async def test_rules_text_that_disagrees_with_its_k_sharp_is_warned_about(db):
    group = groups.create_group("Men", condition=MALE_TEXT_FEMALE_TEST)
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(app, pilot, group.id)
        assert text_of(app, "#condition-text") == "Contact is male"
        warning = text_of(app, "#slow-warning")
        assert warning.startswith("Warning: the rules' text does not match the condition's K#")
        assert "Gender.Female" in warning


async def test_the_once_a_second_refresh_parses_nothing(db, monkeypatch):
    """The sentence and its warnings come from a worker when the condition's text changes,
    not from a parse on the UI thread at every refresh of the group."""
    group = groups.create_group("Men", condition=MALE_TEXT_FEMALE_TEST)
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(app, pilot, group.id)
        with counting(monkeypatch) as counts:
            for _ in range(3):
                general(app).show_group(groups.get_group_by_id(group.id))
                await wait_for_workers(app, pilot)
        assert counts.parses == 0
        assert text_of(app, "#condition-text") == "Contact is male"
        assert text_of(app, "#slow-warning").startswith("Warning: the rules' text")


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_the_kentico_editor_opens_with_its_check_and_count(db, size):
    make_contacts(2, city="Brno")
    group = groups.create_group("Brnoers", condition='Contact.ContactCity == "Brno"')
    app = ContactGroupsApp()
    async with app.run_test(size=size) as pilot:
        await open_editor(app, pilot, group.id)
        app.screen.query_one("#condition-based", Switch).focus()
        await pilot.press("k")
        await wait_for_screen(app, pilot, ConditionEditorModal)
        await until(pilot, lambda: text_of(app, "#k-status").startswith("Valid"),
                    "the check of the condition as it opened, before any key")
        assert text_of(app, "#k-status") == "Valid condition · 2 contacts match"


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_ctrl_c_copies_in_a_field_and_asks_before_quitting_with_unsaved_edits(db, size):
    group = groups.create_group("Adults", description="grown-ups")
    app = ContactGroupsApp()
    async with app.run_test(size=size) as pilot:
        await open_editor(app, pilot, group.id)
        app.screen.query_one("#description", Input).focus()
        await pilot.press("end", "shift+home", "ctrl+c")  # a selection: ctrl+c copies it
        await wait_for_workers(app, pilot)
        assert app.clipboard == "grown-ups"
        assert isinstance(app.screen, GroupEditorScreen) and app.return_code is None
        await pilot.press("end", *" only", "ctrl+c")  # no selection: quit, but edits
        await wait_for_screen(app, pilot, ConfirmModal)
        await pilot.press("n")
        await wait_for_screen(app, pilot, GroupEditorScreen)
        assert app.return_code is None and value_of(app, "#description") == "grown-ups only"
        await pilot.press("ctrl+q")  # every way to quit asks
        await wait_for_screen(app, pilot, ConfirmModal)
        await pilot.press("y")
        await pilot.pause()
        assert app.return_code == 0
    assert groups.get_group("Adults").description == "grown-ups"


async def test_ctrl_c_copies_in_the_kentico_editor_and_quits_at_once_without_edits(db):
    group = groups.create_group("Adults", condition="Contact.ContactAge >= 18")
    app = ContactGroupsApp()
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(app, pilot, group.id)
        app.screen.query_one("#condition-based", Switch).focus()
        await pilot.press("k")
        await wait_for_screen(app, pilot, ConditionEditorModal)
        await pilot.press("end", "shift+home", "ctrl+c")
        await wait_for_workers(app, pilot)
        assert app.clipboard == "Contact.ContactAge >= 18"
        assert isinstance(app.screen, ConditionEditorModal) and app.return_code is None
        await pilot.press("escape", "ctrl+c")  # nothing unsaved: quits
        await pilot.pause()
        assert app.return_code == 0


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_the_tabs_keys_work_at_once_and_a_changed_code_name_is_confirmed(db, size):
    group = groups.create_group("Adults", condition="Contact.ContactAge >= 18")
    app = ContactGroupsApp()
    async with app.run_test(size=size) as pilot:
        editor = await open_editor(app, pilot, group.id)
        await pilot.press("k")  # straight from the opened editor, nothing focused by hand
        await wait_for_screen(app, pilot, ConditionEditorModal)
        await pilot.press("escape")
        await wait_for_screen(app, pilot, GroupEditorScreen)
        await pilot.press("right_square_bracket", "left_square_bracket", "e")  # and back
        await wait_for_screen(app, pilot, ChoiceModal)  # K#: edit it, or a new designer one
        await pilot.press("escape")
        await wait_for_screen(app, pilot, GroupEditorScreen)

        code = editor.query_one("#code-name", Input)
        code.focus()
        await pilot.press("x")  # a stray key adds a letter; it does not replace the name
        assert code.value.replace("x", "", 1) == "Adults"
        await pilot.press("f2")
        question = await wait_for_screen(app, pilot, ConfirmModal)
        assert f"from 'Adults' to '{code.value}'" in question.question
        await pilot.press("n")
        await wait_for_screen(app, pilot, GroupEditorScreen)
        await wait_for_workers(app, pilot)
        assert groups.get_group_by_id(group.id).code_name == "Adults"
        assert general(app).has_unsaved_changes()
        await pilot.press("f2")
        await wait_for_screen(app, pilot, ConfirmModal)
        await pilot.press("y")
        await wait_for_screen(app, pilot, GroupEditorScreen)
        await wait_for_workers(app, pilot)
        assert not general(app).has_unsaved_changes()
    assert groups.get_group_by_id(group.id).code_name == code.value

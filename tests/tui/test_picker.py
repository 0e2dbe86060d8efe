"""The picker modal over an in-memory source: search, marks, enter and escape."""

from __future__ import annotations

from textual.app import App

from tests.tui.fakes import FakeSource
from tests.tui.harness import SIZE, until, wait_for_workers
from tui.selection import Marks
from tui.widgets.picker import PickerModal


class PickerHost(App[None]):
    """Opens a picker over ``count`` fake people and keeps what it answered."""

    def __init__(self, count: int) -> None:
        super().__init__()
        self.source = FakeSource(count)
        self.answers: list[Marks | None] = []

    def open_picker(self) -> PickerModal:
        picker = PickerModal("Add people", self.source, search_hint="search")
        self.push_screen(picker, self.answers.append)
        return picker


async def _opened(app: PickerHost, pilot) -> PickerModal:
    picker = app.open_picker()
    await until(pilot, lambda: app.screen is picker)
    await wait_for_workers(app, pilot)
    await until(pilot, lambda: picker.table.row_at(0) is not None)
    return picker


async def test_search_then_enter_adds_the_highlighted_row():
    app = PickerHost(300)
    async with app.run_test(size=SIZE) as pilot:
        picker = await _opened(app, pilot)
        assert app.focused is picker.query_one("#picker-search")
        assert picker.table.total == 300
        await pilot.press("4", "2")  # typed into the search box: Person 42, 142, 242
        await until(pilot, lambda: picker.table.applied_filter == "42")
        await wait_for_workers(app, pilot)
        await until(pilot, lambda: picker.table.total == 3)
        assert app.source.counts[-1] == "42"  # one query for the settled text
        await pilot.press("down", "j", "enter")  # into the list, second row, add it
        await until(pilot, lambda: app.answers)
    assert app.answers == [Marks.of_ids([142])]


async def test_marks_all_matching_and_escape():
    app = PickerHost(50)
    async with app.run_test(size=SIZE) as pilot:
        picker = await _opened(app, pilot)
        await pilot.press("escape")
        await until(pilot, lambda: app.answers == [None])
        picker = await _opened(app, pilot)
        await pilot.press("down", "space", "space", "enter")
        await until(pilot, lambda: len(app.answers) == 2)
        picker = await _opened(app, pilot)
        await pilot.press("down", "a", "space")  # all except the first row
        assert picker.table.marked_count == 49
        await pilot.press("enter")
        await until(pilot, lambda: len(app.answers) == 3)
    assert app.answers[1] == Marks.of_ids([1, 2])
    assert app.answers[2] == Marks.matching("", [1])

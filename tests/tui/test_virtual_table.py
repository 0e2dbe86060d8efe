"""VirtualTable driven by Pilot at 80x24 over an in-memory source."""

from __future__ import annotations

from tests.tui.fakes import FakeSource
from tests.tui.harness import SIZE, record_notifications, type_ahead, until, wait_for_workers
from tests.tui.table_app import TableApp, lines
from tui.selection import Marks
from tui.widgets.virtual_table import VirtualTable

HEIGHT = SIZE[1]


async def test_first_paint_fetches_only_the_visible_window():
    source = FakeSource(100_000)
    app = TableApp(source)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        table = app.table
        assert table.total == 100_000
        text = lines(table)
        assert text[0].split()[:2] == ["Name", "Email"]
        assert text[1].startswith("[ ] Person 1 ")
        assert "1-" in text[-1] and "of 100,000" in text[-1]
        assert source.pages and all(limit <= 2 * HEIGHT for _, limit, _ in source.pages)
        assert sum(limit for _, limit, _ in source.pages) <= 2 * HEIGHT


async def test_page_down_moves_by_a_page_and_fetches_only_the_next_window():
    source = FakeSource(100_000)
    app = TableApp(source)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        table = app.table
        page = table.scrollable_content_region.height - 2
        fetched_before = len(source.pages)
        await pilot.press("pagedown")
        await wait_for_workers(app, pilot)
        assert table.cursor_index == page
        assert table.scroll_offset.y == page
        assert lines(table)[1].startswith(f"[ ] Person {page + 1} ")
        assert all(limit <= 2 * HEIGHT for _, limit, _ in source.pages[fetched_before:])
        await pilot.press("pageup")
        assert table.cursor_index == 0 and table.scroll_offset.y == 0


async def test_end_jumps_to_the_last_row_and_fetches_only_around_it():
    source = FakeSource(100_000)
    app = TableApp(source)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        await pilot.press("G")
        await wait_for_workers(app, pilot)
        table = app.table
        assert table.cursor_index == 99_999 and table.cursor_key == 100_000
        offset, limit, _ = source.pages[-1]
        assert offset >= 100_000 - 2 * HEIGHT and limit <= 2 * HEIGHT
        await pilot.press("g", "j", "j", "k")
        assert table.cursor_index == 1


async def test_rows_not_loaded_show_placeholders_and_keys_still_work():
    source = FakeSource(1_000)
    app = TableApp(source)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        source.gate.clear()  # the "database" stalls
        await pilot.press("G")
        await pilot.pause()
        table = app.table
        assert table.cursor_index == 999 and table.cursor_key is None
        assert lines(table)[-2].strip() == "…"
        await pilot.press("space")  # nothing to mark yet
        assert table.marks == Marks()
        source.gate.set()
        await wait_for_workers(app, pilot)
        assert table.cursor_key == 1_000
        assert app.messages(VirtualTable.CursorMoved)[-1].key == 1_000


async def test_space_marks_and_moves_down_a_marks_all_u_clears():
    app = TableApp(FakeSource(500))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        table = app.table
        await pilot.press("space", "space")
        assert table.marks == Marks.of_ids({1, 2}) and table.cursor_index == 2
        assert lines(table)[1].startswith("[x] Person 1 ")
        assert app.messages(VirtualTable.MarksChanged)[-1].count == 2
        await pilot.press("a")
        assert table.marked_count == 500
        await pilot.press("space")  # the cursor is on Person 3: unmark it from "all"
        assert table.marks == Marks.matching("", {3}) and table.marked_count == 499
        assert "499 marked: all rows except 1" in lines(table)[-1]
        await pilot.press("u")
        assert table.marks == Marks() and app.messages(VirtualTable.MarksChanged)[-1].count == 0


async def test_a_table_without_marks_has_no_mark_column_and_no_mark_keys():
    app = TableApp(FakeSource(500), marks=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        table = app.table
        text = lines(table)
        assert text[0].startswith("Name ") and text[1].startswith("Person 1 ")
        assert not {"space", "a", "A", "u"} & set(app.screen.active_bindings)
        await pilot.press("space", "a", "A")
        assert table.marks == Marks() and not app.messages(VirtualTable.MarksChanged)
        assert lines(table)[1].startswith("Person 1 ")


async def test_invert_flips_between_the_two_forms():
    app = TableApp(FakeSource(50))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        table = app.table
        await pilot.press("space", "A")
        assert table.marks == Marks.matching("", {1}) and table.marked_count == 49
        await pilot.press("A")
        assert table.marks == Marks.of_ids({1}) and table.marked_count == 1


async def test_typing_a_filter_narrows_rows_with_one_query_after_the_pause():
    source = FakeSource(1_000)
    app = TableApp(source)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        await pilot.press("down", "down")
        app.query_one("#filter").focus()
        type_ahead(app, *"person 7")  # one burst: a loaded machine cannot space the keys out
        # the filter waits for typing to stop (150 ms), then asks once
        await until(pilot, lambda: source.counts[-1:] == ["person 7"], "the filter's count")
        await wait_for_workers(app, pilot)
        table = app.table
        assert table.total == 271  # every id with a 7 in it
        assert source.counts == ["", "person 7"]
        assert table.cursor_index == 0
        assert [line.split()[3] for line in lines(table)[1:4]] == ["7", "17", "27"]
        assert all(limit <= 2 * HEIGHT for _, limit, _ in source.pages)


async def test_a_filter_matching_nothing_says_so():
    app = TableApp(FakeSource(100), filter_delay=0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        app.table.filter_text = "nobody"
        await wait_for_workers(app, pilot)
        assert app.table.total == 0
        assert lines(app.table)[-1].strip() == "no rows match the filter"
        await pilot.press("space", "down", "enter")  # harmless on an empty list
        assert app.table.marks == Marks()


async def test_mark_all_keeps_its_filter_when_the_filter_changes():
    source = FakeSource(200)
    app = TableApp(source, filter_delay=0)
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        table = app.table
        table.filter_text = "person 1"
        await wait_for_workers(app, pilot)
        await pilot.press("a")
        assert table.marked_count == 119  # 1, 10-19, 21, 31, … 91, 100-199
        table.filter_text = ""
        await wait_for_workers(app, pilot)
        assert table.marks == Marks.matching("person 1")
        assert table.marked_count == 119
        text = lines(table)
        assert text[1].startswith("[x] Person 1 ") and text[2].startswith("[ ] Person 2 ")
        assert "(not the current filter)" in text[-1]
        await pilot.press("j", "space")  # Person 2 is outside "person 1": refused
        assert table.marks == Marks.matching("person 1")
        assert any("does not match" in n.message for n in notes)
        await pilot.press("k", "space")  # Person 1 is inside: unmarked
        assert table.marks == Marks.matching("person 1", {1}) and table.marked_count == 118


async def test_explicit_marks_hidden_by_the_filter_are_kept_and_reported():
    app = TableApp(FakeSource(200), filter_delay=0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        table = app.table
        await pilot.press("space", "space")  # Person 1 and Person 2
        table.filter_text = "person 2"
        await wait_for_workers(app, pilot)
        assert table.marks == Marks.of_ids({1, 2}) and table.hidden_marks == 1
        assert "2 marked (1 hidden by the filter)" in lines(table)[-1]
        await pilot.press("A")
        assert table.marks == Marks.of_ids({1, 2})  # refused: it would drop Person 1
        table.filter_text = ""
        await wait_for_workers(app, pilot)
        assert table.hidden_marks == 0


async def test_enter_activates_the_cursor_row():
    app = TableApp(FakeSource(30))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        await pilot.press("j", "enter")
        [activated] = app.messages(VirtualTable.RowActivated)
        assert activated.key == 2 and activated.row.name == "Person 2"


async def test_long_cells_are_cut_with_an_ellipsis_at_80_columns():
    app = TableApp(FakeSource(5, email_domain="a-very-long-company-domain-name.example.com"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        row = lines(app.table)[1]
        assert "person1@a-very-long" in row and "…" in row
        assert len(row) <= SIZE[0]


async def test_a_failing_source_is_reported_not_fatal():
    source = FakeSource(100)
    source.fail_with = RuntimeError("disk on fire")
    app = TableApp(source)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        assert "could not read rows: disk on fire" in (app.table.error or "")
        assert "disk on fire" in lines(app.table)[-1]
        source.fail_with = None
        app.table.reload()
        await wait_for_workers(app, pilot)
        assert app.table.error is None and app.table.cursor_key == 1


async def test_reload_keeps_the_cursor_and_can_clear_marks():
    app = TableApp(FakeSource(300))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        table = app.table
        await pilot.press("pagedown", "space")
        cursor, top = table.cursor_index, table.scroll_offset.y
        table.reload(clear_marks=True)
        assert table.scroll_offset.y == top  # no jump while counting again
        await wait_for_workers(app, pilot)
        assert table.cursor_index == cursor and table.scroll_offset.y == top
        assert table.marks == Marks()


async def test_all_matching_count_follows_the_rows_after_a_reload():
    source = FakeSource(100)
    app = TableApp(source)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        table = app.table
        await pilot.press("a")
        del source.people[90:]  # someone removed ten rows
        table.reload()
        await wait_for_workers(app, pilot)
        assert table.marks == Marks.matching("") and table.marked_count == 90
        assert app.messages(VirtualTable.MarksChanged)[-1].count == 90


async def test_cursor_and_marked_rows_are_drawn_differently():
    app = TableApp(FakeSource(10))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        table = app.table
        await pilot.press("space")  # row 1 marked, cursor on row 2

        def style(y: int):
            return next(iter(table.render_line(y))).style

        assert len({style(1), style(2), style(3)}) == 3
        table.blur()
        await pilot.pause()
        assert style(2) != style(3)  # the cursor stays visible without focus

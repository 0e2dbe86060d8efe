"""The table over a real group (SQLite and PostgreSQL): marks become store selections."""

from __future__ import annotations

import pytest

from store import groups, membership
from store.contact_sets import ContactFilter, Selection
from store.reads import listing
from tests.store.helpers import ACTOR, make_contacts
from tests.tui.harness import SIZE, wait_for_workers
from tests.tui.table_app import TableApp, lines
from tui.sources import member_source

MEMBERS = 300


@pytest.fixture
def group(db):
    group = groups.create_group("Big list")
    ids = make_contacts(MEMBERS)
    membership.add_contacts(group, Selection.of_ids(ids), actor=ACTOR)
    return groups.get_group(group.code_name)


def _member_ids(group) -> set[int]:
    return {row.contact_id for row in listing.iter_members(group)}


async def test_marked_rows_are_exactly_the_ones_removed(group):
    before = _member_ids(group)
    app = TableApp(member_source(group))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        table = app.table
        assert table.total == MEMBERS and table.error is None
        assert lines(table)[1].startswith("[ ] First0 ")
        await pilot.press("space", "j", "space", "pagedown", "space")
        marked = set(table.marks.ids)
        assert len(marked) == 3
        removed = membership.remove_contacts(group, table.selection(), actor=ACTOR)
        table.reload(clear_marks=True)
        await wait_for_workers(app, pilot)
        assert removed == 3 and table.total == MEMBERS - 3
    assert _member_ids(group) == before - marked


async def test_all_matching_a_filter_minus_one_removes_in_one_selection(group):
    before = _member_ids(group)
    first1 = {row.contact_id for row in listing.iter_members(group, ContactFilter("first1"))}
    app = TableApp(member_source(group), filter_delay=0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        table = app.table
        table.filter_text = "first1"  # First1, First10-19, First100-199
        await wait_for_workers(app, pilot)
        assert table.total == 111
        await pilot.press("a", "space")  # all of them except First1
        kept = table.marks.ids
        assert table.marked_count == 110
        table.filter_text = ""
        await wait_for_workers(app, pilot)
        assert table.marked_count == 110  # the marks still mean "first1"
        removed = membership.remove_contacts(group, table.selection(), actor=ACTOR)
    assert len(first1) == 111 and len(kept) == 1
    assert removed == 110
    assert _member_ids(group) == before - (first1 - kept)

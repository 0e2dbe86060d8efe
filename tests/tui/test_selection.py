"""The marks algebra of tui.selection, without Textual."""

from __future__ import annotations

import pytest

from store.contact_sets import Selection
from tui.selection import NO_MARKS, Marks, MarksError, same_filter


def test_toggle_adds_and_removes_explicit_ids():
    marks = NO_MARKS.toggle(1).toggle(2).toggle(1)
    assert marks == Marks.of_ids({2})
    assert marks.is_marked(2) and not marks.is_marked(1)
    assert marks.count(total_matching=1_000) == 1


def test_mark_all_then_unmark_one_counts_from_the_total():
    marks = Marks.matching("smith").toggle(7)
    assert marks.is_all and marks.ids == {7}
    assert not marks.is_marked(7) and marks.is_marked(8)
    assert marks.count(total_matching=100) == 99
    assert marks.toggle(7) == Marks.matching("smith")


def test_invert_explicit_gives_all_matching_the_filter_except_them():
    marks = Marks.of_ids({1, 2}).invert("smith", marked_in_view=2)
    assert marks == Marks.matching("smith", {1, 2})
    assert marks.count(total_matching=10) == 8


def test_invert_of_all_minus_gives_exactly_the_unmarked_ones():
    marks = Marks.matching("smith", {3, 4}).invert("smith", marked_in_view=0)
    assert marks == Marks.of_ids({3, 4})


def test_invert_twice_is_identity_within_the_filter():
    start = Marks.of_ids({5})
    assert start.invert("x", marked_in_view=1).invert("x", marked_in_view=0) == start
    assert Marks.matching("x").invert("x", marked_in_view=0).invert(
        "x", marked_in_view=0) == Marks.matching("x")


def test_invert_of_nothing_marks_everything_matching():
    assert NO_MARKS.invert("", marked_in_view=0) == Marks.matching("")


def test_invert_refuses_when_the_filter_hides_explicit_marks():
    with pytest.raises(MarksError, match="1 marked row is hidden by the filter"):
        Marks.of_ids({1, 2}).invert("smith", marked_in_view=1)


def test_marks_keep_meaning_their_filter_after_a_filter_change():
    marks = Marks.matching("smith", {3})
    # Under another filter a row counts as marked only if it matches "smith".
    assert marks.is_marked(9, matches_marks_filter=True)
    assert not marks.is_marked(9, matches_marks_filter=False)
    assert marks.follows("  SMITH ") and not marks.follows("jones")
    assert isinstance(marks, Selection)  # what a bulk action runs on, as it is
    assert (marks.ids, marks.all_matching) == ({3}, "smith")
    assert "(not the current filter)" in marks.describe(5, "jones")
    assert "(not the current filter)" not in marks.describe(5, "Smith")


def test_under_another_filter_only_rows_of_the_marks_filter_can_be_toggled():
    marks = Marks.matching("smith")
    assert marks.toggle(9, matches_marks_filter=True) == Marks.matching("smith", {9})
    with pytest.raises(MarksError, match="does not match"):
        marks.toggle(10, matches_marks_filter=False)


def test_all_matching_marks_cannot_be_inverted_under_another_filter():
    with pytest.raises(MarksError, match="set that filter again"):
        Marks.matching("smith").invert("jones", marked_in_view=0)


def test_explicit_marks_do_not_depend_on_the_filter():
    marks = Marks.of_ids({1, 2})
    assert isinstance(marks, Selection)
    assert (marks.ids, marks.all_matching) == ({1, 2}, None)
    assert marks.describe(2, "x", hidden=1) == "2 marked (1 hidden by the filter)"


def test_count_never_goes_negative_when_the_total_shrank():
    assert Marks.matching("", {1, 2, 3}).count(total_matching=2) == 0


def test_same_filter_ignores_case_and_spacing():
    assert same_filter(" John  Smith", "john smith")
    assert not same_filter("john", "johnny")


def test_describe_all_matching():
    assert Marks.matching("").describe(1_000, "") == "1,000 marked: all rows"
    assert (Marks.matching("gmail", {4}).describe(9, "gmail")
            == "9 marked: all rows matching 'gmail' except 1")
    assert NO_MARKS.describe(0, "") == ""

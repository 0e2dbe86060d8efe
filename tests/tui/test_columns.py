"""Fitting columns into the terminal and text into cells."""

from __future__ import annotations

from tui.sources import MEMBER_COLUMNS
from tui.widgets.columns import fit_cell, fit_widths


def test_columns_keep_their_width_when_they_fit():
    assert fit_widths([(10, 4), (20, 5)], 40) == [10, 20]


def test_columns_shrink_in_proportion_to_their_slack():
    widths = fit_widths([(10, 4), (30, 10)], 31)  # 40 wanted, 30 cells after the gap
    assert sum(widths) == 30 and widths[0] >= 4 and widths[1] >= 10
    assert widths == [8, 22]


def test_rightmost_columns_that_cannot_fit_are_dropped():
    assert fit_widths([(10, 8), (10, 8), (10, 8)], 18) == [9, 8, 0]
    assert fit_widths([(10, 8), (10, 8)], 5) == [5, 0]
    assert fit_widths([], 80) == []


def test_member_columns_all_show_at_80_columns():
    widths = fit_widths([(c.width, c.min_width) for c in MEMBER_COLUMNS], 80 - 1 - 4)
    assert all(widths) and sum(widths) + len(widths) - 1 <= 75


def test_fit_cell_pads_cuts_and_aligns():
    assert fit_cell("abc", 5) == "abc  "
    assert fit_cell("abc", 5, "right") == "  abc"
    assert fit_cell("abcdef", 4) == "abc…"
    assert fit_cell("日本語テキスト", 5) == "日本…"
    assert fit_cell("line\nbreak\x1b", 11) == "line break "
    assert fit_cell("x", 0) == ""

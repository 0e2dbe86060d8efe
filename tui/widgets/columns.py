"""Fitting table columns into the terminal's width, and text into cells.

Pure functions so the 80-column behaviour is tested without a terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from rich.cells import cell_len, set_cell_size

GAP = 1
ELLIPSIS = "…"


def fit_widths(columns: Sequence[tuple[int, int]], available: int) -> list[int]:
    """Cell widths for columns given as (preferred, minimum), separated by one-cell gaps.

    Columns keep their preferred width when everything fits; otherwise each gives up room
    in proportion to how far it can shrink, and the rightmost columns that still do not
    fit get width 0 (not shown). The first column always gets what is left.
    """
    if not columns:
        return []
    kept = len(columns)
    while kept > 1 and sum(m for _, m in columns[:kept]) + (kept - 1) * GAP > available:
        kept -= 1
    room = max(available - (kept - 1) * GAP, 0)
    if kept == 1:
        return [min(columns[0][0], room)] + [0] * (len(columns) - 1)
    widths = [preferred for preferred, _ in columns[:kept]]
    deficit = sum(widths) - room
    if deficit > 0:
        slack = [preferred - minimum for preferred, minimum in columns[:kept]]
        total_slack = sum(slack)
        cuts = [deficit * s // total_slack for s in slack]
        widths = [w - c for w, c in zip(widths, cuts, strict=True)]
        left = deficit - sum(cuts)
        for index in reversed(range(kept)):  # rounding leftovers, rightmost first
            take = min(left, widths[index] - columns[index][1])
            widths[index] -= take
            left -= take
    return widths + [0] * (len(columns) - kept)


def printable(text: str) -> str:
    """The text with control characters (newlines, tabs, escapes) shown as spaces, so a
    value from the database can never break the line it is drawn on."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else " " for ch in text)


def fit_cell(text: str, width: int, align: Literal["left", "right"] = "left") -> str:
    """``text`` in exactly ``width`` cells, cut with "…" when longer."""
    if width <= 0:
        return ""
    text = printable(text)
    length = cell_len(text)
    if length > width:
        return set_cell_size(text, width - 1) + ELLIPSIS
    padding = " " * (width - length)
    return padding + text if align == "right" else text + padding

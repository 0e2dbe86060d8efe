"""What a :class:`~tui.widgets.virtual_table.VirtualTable` reads its rows from.

A table never holds a list of its rows: it asks a row source for how many rows match
the filter and for the few rows on screen, so a list of a million members costs what a
list of a hundred does. Sources are called from worker threads, never from the UI
thread, so they may block on the database but must not touch widgets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, Protocol, TypeVar

Row = TypeVar("Row")


@dataclass(frozen=True)
class Column(Generic[Row]):
    """One column: its title, the cells it would like, and how a row fills it.

    ``width`` is what the column gets when the terminal is wide enough; at 80 columns
    the table shrinks columns towards ``min_width`` (longer text ends in "…") and drops
    the rightmost ones that still do not fit.
    """

    title: str
    width: int
    cell: Callable[[Row], str]
    min_width: int = 4
    align: Literal["left", "right"] = "left"


class RowSource(Protocol[Row]):
    """Rows of one list, counted and fetched by offset in a stable order.

    ``filter_text`` is what the user typed into the list's filter box. Texts that differ
    only in case or spacing must match the same rows (the table treats them as one
    filter). Every method may be called from any worker thread.
    """

    @property
    def columns(self) -> Sequence[Column[Row]]:
        """The columns to show, left to right (the mark column comes before them)."""
        ...

    def key(self, row: Row) -> int:
        """The row's id: what marks, messages and bulk actions refer to."""
        ...

    def count(self, filter_text: str) -> int:
        """How many rows match ``filter_text``."""
        ...

    def page(self, offset: int, limit: int, filter_text: str) -> list[Row]:
        """At most ``limit`` matching rows from position ``offset``."""
        ...

    def matching(self, keys: Iterable[int], filter_text: str) -> set[int]:
        """Which of ``keys`` are rows matching ``filter_text``.

        The table asks this to show marks made under another filter correctly.
        """
        ...

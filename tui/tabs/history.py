"""The History tab: who changed the group's members and why, and its size over time.

The audit trail of a big group runs to millions of events, so it pages from the database
like the member list (newest first). Above it, a sparkline plots the member count over
time from the size samples the store keeps, with the figures an admin asks about first:
members now, the lowest and highest count, and the time span the plot covers. Times are
shown in the installation's zone, as on the Scheduled tasks screen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.widgets import Sparkline, Static

from store.clock import utcnow
from store.engine import scheduler
from store.reads import history
from store.reads.history import HistoryRow
from store.rows import GroupRow
from tui.background import in_background
from tui.tabs.base import GroupTab
from tui.widgets.row_source import Column
from tui.widgets.virtual_table import VirtualTable

PLOT_POINTS = 120
"""Points the size history is resampled to; the sparkline squeezes them to its width."""


@dataclass(frozen=True)
class HistoryLine:
    """An audit event with its position (the table's key) and its local time."""

    index: int
    when: str
    event: HistoryRow


HISTORY_COLUMNS: tuple[Column[HistoryLine], ...] = (
    Column("When", 16, lambda line: line.when, min_width=11),
    Column("Who", 10, lambda line: line.event.actor, min_width=5),
    Column("Action", 8, lambda line: line.event.action, min_width=5),
    Column("Contact / account", 26, lambda line: line.event.subject, min_width=10),
    Column("Source", 10, lambda line: line.event.source, min_width=6),
)


def local_text(value: dt.datetime, zone: dt.tzinfo) -> str:
    return value.replace(tzinfo=dt.UTC).astimezone(zone).strftime("%Y-%m-%d %H:%M")


class HistorySource:
    """The group's audit events, newest first. There is no filter: the list is a log."""

    columns = HISTORY_COLUMNS

    def __init__(self) -> None:
        self.group: GroupRow | None = None
        self._zone: dt.tzinfo | None = None

    def key(self, row: HistoryLine) -> int:
        return row.index

    def count(self, filter_text: str) -> int:
        return history.count_events(self.group) if self.group is not None else 0

    def page(self, offset: int, limit: int, filter_text: str) -> list[HistoryLine]:
        if self.group is None:
            return []
        if self._zone is None:
            self._zone = scheduler.local_zone()  # a setting: read once, in a worker
        return [HistoryLine(offset + position, local_text(event.at, self._zone), event)
                for position, event in enumerate(history.event_page(self.group, offset,
                                                                     limit))]

    def matching(self, keys: Iterable[int], filter_text: str) -> set[int]:
        return set(keys)


@dataclass(frozen=True)
class SizePlot:
    """The size history as the tab shows it: figures, a time span and evenly spaced points."""

    figures: str
    span: str
    points: list[float]


def resample(samples: Sequence[tuple[dt.datetime, int]], end: dt.datetime,
             points: int = PLOT_POINTS) -> list[float]:
    """The member count at evenly spaced moments from the first sample to ``end``.

    Samples are taken at each change, so they are uneven in time; plotting them one per
    column would draw a burst of changes in one afternoon as wide as a quiet month.
    """
    if not samples:
        return []
    start = samples[0][0]
    step = (end - start) / max(points - 1, 1)
    values, position = [], 0
    for i in range(points):
        moment = start + step * i
        while position + 1 < len(samples) and samples[position + 1][0] <= moment:
            position += 1
        values.append(float(samples[position][1]))
    return values


def size_plot(group: GroupRow, samples: list[tuple[dt.datetime, int]],
              zone: dt.tzinfo, now: dt.datetime) -> SizePlot:
    if not samples:
        return SizePlot(f"Members now {group.member_count:,}",
                        "No size changes recorded yet.", [])
    counts = [members for _, members in samples] + [group.member_count]
    figures = (f"Members now {group.member_count:,} · lowest {min(counts):,} · "
               f"highest {max(counts):,}")
    days = (now - samples[0][0]).days
    span = (f"From {local_text(samples[0][0], zone)} to now"
            f"{f' ({days:,} days)' if days else ''}, {len(samples):,} changes plotted")
    return SizePlot(figures, span, resample(samples, now))


class HistoryTab(GroupTab):
    DEFAULT_CSS = """
    HistoryTab #history-plot { height: 3; margin: 0 1; }
    HistoryTab #history-events { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source = HistorySource()
        self._shown: tuple[int, int, dt.datetime] | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="history-figures", classes="status-line")
        yield Sparkline([], id="history-plot")
        yield Static("", id="history-span", classes="status-line")
        # Without marks: nothing acts on audit events.
        yield VirtualTable(self.source, marks=False, id="history-events")

    def show_group(self, group: GroupRow) -> None:
        super().show_group(group)
        state = (group.id, group.member_count, group.modified)
        if state == self._shown:
            return  # the editor re-reads every second; reload only after a change
        self._shown = state
        self.source.group = group
        self.query_one("#history-events", VirtualTable).reload()
        in_background(self, lambda: size_plot(group, history.size_history(group),
                                              scheduler.local_zone(), utcnow()),
                      self._show_plot, description="Read the group's size history",
                      group="history-plot", exclusive=True)

    def _show_plot(self, plot: SizePlot) -> None:
        self.query_one("#history-figures", Static).update(plot.figures)
        self.query_one("#history-span", Static).update(plot.span)
        self.query_one("#history-plot", Sparkline).data = plot.points

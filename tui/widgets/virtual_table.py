"""A table of any length: rows paged from a row source by worker threads, drawn line by line.

Textual's ``DataTable`` keeps every row in memory (SPEC §7), which a million-member group
cannot afford. This table is a line-API :class:`~textual.scroll_view.ScrollView` in the
manner of Toolong's log view: its virtual height is the number of matching rows,
``render_line`` draws from an LRU cache of rows, a row not loaded yet is drawn as "…", and
the rows on screen (plus a margin) are requested from the :class:`RowSource` in the
background (:func:`tui.background.in_background`), which hands them back on the main thread.
The UI thread never waits for the database.

Every filter change or reload starts a new *generation*: cached rows are dropped and the
results of older requests are ignored when they arrive, so a slow query for an old filter
can never show up under a new one.

Marks follow :mod:`tui.selection`; the screen reads them as a store selection with
:meth:`VirtualTable.selection` and runs bulk actions as single SQL statements. A list nothing
acts on (an audit log) is made with ``marks=False``: no mark column and no mark keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar, Generic

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from store.contact_sets import Selection
from tui.background import in_background, stop_if_superseded
from tui.selection import NO_MARKS, Marks, MarksError, same_filter
from tui.widgets.columns import GAP, fit_cell, fit_widths
from tui.widgets.row_source import Row, RowSource

FILTER_DELAY = 0.15
"""Seconds of quiet typing before a filter change queries the database."""
ROW_CACHE = 2_000
"""Rows kept in memory: a few screens either way, whatever the list's length."""
LINE_CACHE = 400
MARK_CELL = "[x] "
UNMARK_CELL = "[ ] "
MARK_WIDTH = len(MARK_CELL)
MARK_ACTIONS = frozenset({"toggle_mark", "mark_all", "invert_marks", "clear_marks"})
PLACEHOLDER = "…"
ROWS_GROUP = "virtual-table-rows"
COUNT_GROUP = "virtual-table-count"


@dataclass(frozen=True)
class _Loaded:
    """A cached row with its key, and whether it matches the filter of all-matching marks
    made under another filter (true when nobody needed to ask)."""

    row: Any
    key: int
    in_marks_filter: bool = True


@dataclass(frozen=True)
class _RowsJob:
    generation: int
    offset: int
    limit: int
    filter_text: str
    marks_filter: str | None


@dataclass(frozen=True)
class _CountJob:
    generation: int
    filter_text: str
    marked: frozenset[int]


@dataclass(frozen=True)
class _Count:
    total: int
    marked_in_view: frozenset[int]


def _read_rows(source: RowSource[Row], job: _RowsJob) -> list[_Loaded]:
    """Runs in a thread: reads one page of the source; touches no widget state."""
    rows = source.page(job.offset, job.limit, job.filter_text)
    keys = [source.key(row) for row in rows]
    inside = None if job.marks_filter is None else source.matching(keys, job.marks_filter)
    return [_Loaded(row, key, inside is None or key in inside)
            for row, key in zip(rows, keys, strict=True)]


def _count_rows(source: RowSource[Row], job: _CountJob) -> _Count:
    """Runs in a thread: counts the matching rows and finds which marks they include."""
    in_view = frozenset(source.matching(job.marked, job.filter_text)) if job.marked \
        else frozenset()
    stop_if_superseded()  # a newer filter superseded this one: skip the expensive count
    return _Count(source.count(job.filter_text), in_view)


class VirtualTable(ScrollView, Generic[Row], can_focus=True, inherit_bindings=False):
    """Rows of a :class:`RowSource`, with a header line, a cursor, marks and a status line.

    Set :attr:`filter_text` (e.g. from an ``Input``) to filter in the source; read
    :meth:`selection` for bulk actions and call :meth:`reload` after them.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False, id="table.cursor-up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="table.cursor-down"),
        Binding("pageup", "cursor_page_up", "Page up", show=False, id="table.page-up"),
        Binding("pagedown", "cursor_page_down", "Page down", show=False, id="table.page-down"),
        Binding("home,g", "cursor_first", "First", show=False, id="table.first"),
        Binding("end,G", "cursor_last", "Last", show=False, id="table.last"),
        Binding("space", "toggle_mark", "Mark", id="table.toggle-mark"),
        Binding("a", "mark_all", "Mark all", id="table.mark-all"),
        Binding("A", "invert_marks", "Invert", id="table.invert-marks"),
        Binding("u", "clear_marks", "Unmark", id="table.clear-marks"),
        Binding("enter", "activate", "Open", show=False, id="table.activate"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "virtual-table--header",
        "virtual-table--cursor",
        "virtual-table--marked",
        "virtual-table--placeholder",
        "virtual-table--status",
    }

    DEFAULT_CSS = """
    VirtualTable {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        background: $surface;
        color: $foreground;
        & > .virtual-table--header { text-style: bold; background: $panel; }
        & > .virtual-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .virtual-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .virtual-table--marked { color: $accent; text-style: bold; }
        & > .virtual-table--placeholder { color: $text-muted; }
        & > .virtual-table--status { background: $panel; color: $text-muted; }
    }
    """

    filter_text: reactive[str] = reactive("", init=False)
    """What the user typed to filter the rows; applied after :data:`FILTER_DELAY`."""

    class _TableMessage(Message):
        """A message from one table; ``control`` lets ``@on(…, "#id")`` pick the table."""

        def __init__(self, table: VirtualTable) -> None:
            super().__init__()
            self.table = table

        @property
        def control(self) -> VirtualTable:
            return self.table

    class CursorMoved(_TableMessage):
        """The cursor is on another row; ``key`` and ``row`` are ``None`` until it loads."""

        def __init__(self, table: VirtualTable, index: int, key: int | None,
                     row: Any | None) -> None:
            super().__init__(table)
            self.index, self.key, self.row = index, key, row

    class MarksChanged(_TableMessage):
        """The marks changed; ``count`` rows are marked now (``marks`` says which)."""

        def __init__(self, table: VirtualTable, marks: Marks, count: int) -> None:
            super().__init__(table)
            self.marks, self.count = marks, count

    class RowActivated(_TableMessage):
        """``enter`` on a loaded row."""

        def __init__(self, table: VirtualTable, index: int, key: int, row: Any) -> None:
            super().__init__(table)
            self.index, self.key, self.row = index, key, row

    class Counted(_TableMessage):
        """The number of rows matching the filter is known (or changed)."""

        def __init__(self, table: VirtualTable, total: int) -> None:
            super().__init__(table)
            self.total = total

    def __init__(self, source: RowSource[Row], *, marks: bool = True,
                 filter_delay: float = FILTER_DELAY, name: str | None = None,
                 id: str | None = None, classes: str | None = None,
                 disabled: bool = False) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._source = source
        self._markable = marks
        self._mark_width = MARK_WIDTH if marks else 0
        self._filter_delay = filter_delay
        self._filter_timer: Timer | None = None
        self._applied_filter = ""
        self._generation = 0
        self._total: int | None = None
        self._extent = 0
        self._rows: LRUCache[int, _Loaded] = LRUCache(ROW_CACHE)
        self._lines: LRUCache[tuple[Any, ...], Strip] = LRUCache(LINE_CACHE)
        self._inflight: tuple[int, int] | None = None
        self._cursor = 0
        self._last_cursor_post: tuple[int, int, int | None] | None = None
        self._marks = NO_MARKS
        self._marks_total = 0
        self._in_view: frozenset[int] | None = frozenset()
        self._widths: tuple[int, list[int]] = (-1, [])
        self._error: str | None = None

    # --- what a screen reads -----------------------------------------------------------

    @property
    def source(self) -> RowSource[Row]:
        return self._source

    @property
    def total(self) -> int | None:
        """Rows matching the applied filter, or ``None`` while counting."""
        return self._total

    @property
    def applied_filter(self) -> str:
        """The filter the rows on screen were fetched with (``filter_text`` lags by the
        debounce delay)."""
        return self._applied_filter

    @property
    def cursor_index(self) -> int:
        return self._cursor

    @property
    def cursor_key(self) -> int | None:
        entry = self._rows.get(self._cursor)
        return entry.key if entry else None

    @property
    def cursor_row(self) -> Row | None:
        entry = self._rows.get(self._cursor)
        return entry.row if entry else None

    def ready_for_keys(self) -> bool:
        """False while the highlighted row is being loaded: keys typed meanwhile (space,
        d, enter) wait for it instead of finding no row (see :mod:`tui.type_ahead`)."""
        loading = self._error is None and (self._total is None or self._cursor < self._total)
        return not loading or self._cursor in self._rows

    def row_at(self, index: int) -> Row | None:
        """The row at ``index`` if it is loaded, else ``None`` (it shows as "…")."""
        entry = self._rows.get(index)
        return entry.row if entry else None

    @property
    def visible_range(self) -> range:
        """Indexes of the rows on screen."""
        top = self.scroll_offset.y
        return range(top, min(top + self._visible_rows, self._row_count))

    @property
    def marks(self) -> Marks:
        return self._marks

    @property
    def marked_count(self) -> int:
        return self._marks.count(self._marks_total)

    @property
    def hidden_marks(self) -> int:
        """Explicit marks the current filter hides (0 while that is being checked)."""
        if self._marks.is_all or self._in_view is None:
            return 0
        return len(self._marks.ids) - len(self._in_view)

    @property
    def error(self) -> str | None:
        """Why the last request to the source failed, until one succeeds."""
        return self._error

    def selection(self) -> Selection:
        """The marks as a :class:`store.contact_sets.Selection` for a bulk action."""
        return self._marks

    def marks_description(self) -> str:
        """The status-line phrase for the marks."""
        return self._marks.describe(self.marked_count, self._applied_filter,
                                    hidden=self.hidden_marks)

    def reload(self, *, clear_marks: bool = False) -> None:
        """Count and fetch again (after a bulk action), keeping the cursor where it was."""
        if clear_marks:
            self._set_marks(NO_MARKS, in_view=frozenset())
        self._start_generation(reset_cursor=False)

    # --- loading -----------------------------------------------------------------------

    def on_mount(self) -> None:
        self._start_generation(reset_cursor=True)

    def watch_filter_text(self, _old: str, _new: str) -> None:
        if not self.is_mounted:
            return  # mounting applies the filter set before it
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        if self._filter_delay <= 0:
            self._apply_filter()
        else:
            self._filter_timer = self.set_timer(self._filter_delay, self._apply_filter)

    def _apply_filter(self) -> None:
        self._filter_timer = None
        if same_filter(self.filter_text, self._applied_filter):
            return
        self._start_generation(reset_cursor=True)
        self._post_marks_changed()  # "hidden by the filter" / "not the current filter"

    def _start_generation(self, *, reset_cursor: bool) -> None:
        self._generation += 1
        self._applied_filter = self.filter_text
        self._rows.clear()
        self._lines.clear()
        self._inflight = None
        # A reload keeps the old length until the count arrives, so the view stays put.
        self._extent = 0 if reset_cursor else self._row_count
        self._total = None
        self._error = None
        marked = frozenset() if self._marks.is_all else self._marks.ids
        if marked:
            self._in_view = None
        if reset_cursor:
            self._cursor = 0
            self.scroll_to(y=0, animate=False, force=True)
        self._update_virtual_size()
        job = _CountJob(self._generation, self._applied_filter, marked)
        in_background(self, partial(_count_rows, self._source, job), partial(self._counted, job),
                      description="Counting rows", group=COUNT_GROUP, exclusive=True,
                      failed=self._count_failed)
        self._ensure_window()
        self.refresh()

    def _ensure_window(self) -> None:
        """Request the rows on screen and a margin around them that are not cached yet."""
        if not self.scrollable_content_region.height:
            return  # not laid out yet: the first resize asks again
        visible = self._visible_rows
        margin = max(visible // 2, 4)
        top = self.scroll_offset.y
        start = max(top - margin, 0)
        end = top + visible + margin
        if self._total is not None:
            end = min(end, self._total)
        missing = [index for index in range(start, end) if index not in self._rows]
        if not missing:
            return
        first, stop = missing[0], missing[-1] + 1
        if self._inflight and self._inflight[0] <= first and stop <= self._inflight[1]:
            return
        self._inflight = (first, stop)
        marks_filter = None
        if self._marks.is_all and not self._marks.follows(self._applied_filter):
            marks_filter = self._marks.all_matching
        job = _RowsJob(self._generation, first, stop - first, self._applied_filter,
                       marks_filter)
        in_background(self, partial(_read_rows, self._source, job), partial(self._rows_loaded, job),
                      description="Loading rows", group=ROWS_GROUP, exclusive=True,
                      failed=self._rows_failed)

    def _rows_loaded(self, job: _RowsJob, rows: list[_Loaded]) -> None:
        if job.generation != self._generation:
            return
        for position, entry in enumerate(rows):
            self._rows.set(job.offset + position, entry)
        if self._inflight == (job.offset, job.offset + job.limit):
            self._inflight = None
        self._error = None
        if self._total is None:
            self._extent = max(self._extent, job.offset + len(rows))
            if len(rows) < job.limit and (rows or job.offset == 0):
                self._set_total(job.offset + len(rows))  # a short page: the end
            else:
                self._update_virtual_size()
        self.refresh()
        self._post_cursor_moved()
        self._ensure_window()  # the user may have scrolled on meanwhile

    def _counted(self, job: _CountJob, count: _Count) -> None:
        if job.generation != self._generation:
            return
        if not self._marks.is_all:
            # Marks made since the question were made on rows the filter shows.
            current = self._marks.ids
            self._in_view = (count.marked_in_view & current) | (current - job.marked)
            if job.marked:
                self._post_marks_changed()
        self._set_total(count.total)

    def _rows_failed(self, error: BaseException) -> None:
        self._inflight = None  # the rows may be asked for again
        self._count_failed(error)

    def _count_failed(self, error: BaseException) -> None:
        """Shown on the status line, not as a modal: the table stays usable, and the next
        request that succeeds takes the line away."""
        self._error = f"could not read rows: {error}"
        self.refresh()

    def _set_total(self, total: int) -> None:
        self._total = total
        if self._marks.follows(self._applied_filter) and total != self._marks_total:
            self._marks_total = total  # the rows "all matching" means grew or shrank
            self._post_marks_changed()
        self._update_virtual_size()
        self._move_cursor(self._cursor)
        self.post_message(self.Counted(self, total))
        self.refresh()
        self._ensure_window()

    @property
    def _row_count(self) -> int:
        return self._total if self._total is not None else self._extent

    @property
    def _visible_rows(self) -> int:
        """Rows between the header line and the status line."""
        return max(self.scrollable_content_region.height - 2, 1)

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, self._row_count + 2)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._ensure_window()

    def on_resize(self, _event: events.Resize) -> None:
        self._lines.clear()
        self._update_virtual_size()
        self._move_cursor(self._cursor)
        self._ensure_window()

    def on_focus(self, _event: events.Focus) -> None:
        self.refresh()

    def on_blur(self, _event: events.Blur) -> None:
        self.refresh()

    # --- cursor and marks --------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # False, not None: a list without marks neither shows nor swallows the mark keys.
        return self._markable or action not in MARK_ACTIONS

    def _move_cursor(self, index: int) -> None:
        last = self._row_count - 1
        self._cursor = max(0, min(index, last))
        top, visible = self.scroll_offset.y, self._visible_rows
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, force=True)
        elif self._cursor >= top + visible:
            self.scroll_to(y=self._cursor - visible + 1, animate=False, force=True)
        self.refresh()
        self._post_cursor_moved()

    def _post_cursor_moved(self) -> None:
        entry = self._rows.get(self._cursor) if self._cursor < self._row_count else None
        key = entry.key if entry else None
        state = (self._generation, self._cursor, key)
        if state == self._last_cursor_post:
            return
        self._last_cursor_post = state
        self.post_message(self.CursorMoved(self, self._cursor, key,
                                           entry.row if entry else None))

    def action_cursor_up(self) -> None:
        self._move_cursor(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self._move_cursor(self._cursor + 1)

    def action_cursor_page_up(self) -> None:
        self.scroll_to(y=self.scroll_y - self._visible_rows, animate=False, force=True)
        self._move_cursor(self._cursor - self._visible_rows)

    def action_cursor_page_down(self) -> None:
        self.scroll_to(y=self.scroll_y + self._visible_rows, animate=False, force=True)
        self._move_cursor(self._cursor + self._visible_rows)

    def action_cursor_first(self) -> None:
        self._move_cursor(0)

    def action_cursor_last(self) -> None:
        self._move_cursor(self._row_count - 1)

    def on_click(self, event: events.Click) -> None:
        if 1 <= event.y < self.scrollable_content_region.height - 1:
            self._move_cursor(self.scroll_offset.y + event.y - 1)

    def action_activate(self) -> None:
        entry = self._rows.get(self._cursor)
        if entry is not None:
            self.post_message(self.RowActivated(self, self._cursor, entry.key, entry.row))

    def _matches_marks_filter(self, entry: _Loaded) -> bool:
        return self._marks.follows(self._applied_filter) or entry.in_marks_filter

    def action_toggle_mark(self) -> None:
        entry = self._rows.get(self._cursor)
        if entry is None:
            self.app.bell()  # the row is still loading (and keys waited for it in vain)
            return
        try:
            marks = self._marks.toggle(entry.key,
                                       matches_marks_filter=self._matches_marks_filter(entry))
        except MarksError as error:
            self.notify(str(error), severity="warning")
            return
        in_view = self._in_view
        if not marks.is_all and in_view is not None:
            in_view = in_view ^ {entry.key}  # a row on screen matches the filter
        self._set_marks(marks, in_view=in_view)
        self._move_cursor(self._cursor + 1)

    def action_mark_all(self) -> None:
        if self._total is None:
            self.notify("Still counting the rows; try again in a moment.", severity="warning")
            return
        self._marks_total = self._total
        self._set_marks(Marks.matching(self._applied_filter), in_view=frozenset())

    def action_invert_marks(self) -> None:
        if self._total is None or self._in_view is None:
            self.notify("Still counting the rows; try again in a moment.", severity="warning")
            return
        try:
            marks = self._marks.invert(self._applied_filter, marked_in_view=len(self._in_view))
        except MarksError as error:
            self.notify(str(error), severity="warning")
            return
        if marks.is_all:
            self._marks_total = self._total
        self._set_marks(marks, in_view=frozenset() if marks.is_all else marks.ids)

    def action_clear_marks(self) -> None:
        self._set_marks(NO_MARKS, in_view=frozenset())

    def _set_marks(self, marks: Marks, *, in_view: frozenset[int] | None) -> None:
        changed = marks != self._marks
        self._marks = marks
        self._in_view = in_view
        if changed:
            self.refresh()
            self._post_marks_changed()

    def _post_marks_changed(self) -> None:
        self.post_message(self.MarksChanged(self, self._marks, self.marked_count))

    # --- drawing -----------------------------------------------------------------------

    def _column_widths(self, width: int) -> list[int]:
        if self._widths[0] != width:
            columns = [(column.width, column.min_width) for column in self._source.columns]
            self._widths = (width, fit_widths(columns, width - self._mark_width))
        return self._widths[1]

    def _cells(self, texts: list[str], width: int) -> str:
        parts = []
        for column, text, cells in zip(self._source.columns, texts,
                                       self._column_widths(width), strict=True):
            if cells:
                parts.append(fit_cell(text, cells, column.align))
        return (" " * GAP).join(parts)

    def render_line(self, y: int) -> Strip:
        width, height = self.scrollable_content_region.size
        if y == 0:
            return self._line(self._cells([c.title for c in self._source.columns], width),
                              width, "virtual-table--header", prefix=" " * self._mark_width)
        if y == height - 1:
            return self._line(self._status_text(width), width, "virtual-table--status")
        index = self.scroll_offset.y + y - 1
        if index >= self._row_count:
            return Strip.blank(width, self.rich_style)
        return self._row_line(index, width)

    def _row_line(self, index: int, width: int) -> Strip:
        entry = self._rows.get(index)
        marked = entry is not None and self._marks.is_marked(
            entry.key, matches_marks_filter=self._matches_marks_filter(entry))
        cursor = index == self._cursor
        cache_key = (self._generation, index, width, cursor, marked, entry is not None,
                     self.has_focus, self.rich_style)
        strip = self._lines.get(cache_key)
        if strip is not None:
            return strip
        names = ["virtual-table--placeholder"] if entry is None else []
        if marked:
            names.append("virtual-table--marked")
        if cursor:
            names.append("virtual-table--cursor")
        if entry is None:
            text = self._cells([PLACEHOLDER] + [""] * (len(self._source.columns) - 1), width)
            strip = self._line(text, width, *names, prefix=" " * self._mark_width)
        else:
            texts = [column.cell(entry.row) for column in self._source.columns]
            prefix = (MARK_CELL if marked else UNMARK_CELL) if self._markable else ""
            strip = self._line(self._cells(texts, width), width, *names, prefix=prefix)
        self._lines.set(cache_key, strip)
        return strip

    def _line(self, text: str, width: int, *component_classes: str, prefix: str = "") -> Strip:
        style: Style = self.rich_style
        for name in component_classes:
            style += self.get_component_rich_style(name)
        return Strip([Segment(prefix + text, style)]).adjust_cell_length(width, style)

    def _status_text(self, width: int) -> str:
        if self._error:
            return fit_cell(f" ⚠ {self._error}", width)
        if self._total is None:
            where = " counting…"
        elif self._total == 0:
            where = " no rows" + (" match the filter" if self._applied_filter.strip() else "")
        else:
            shown = self.visible_range
            where = f" {shown.start + 1:,}-{shown.stop:,} of {self._total:,}"
        marks = self.marks_description()
        room = width - cell_len(where) - 1
        if not marks or room < 8:
            return where
        return where + fit_cell(marks + " ", room, "right")

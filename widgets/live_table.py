"""LiveTable: a high-rate table on Textual's Line API that every live table builds on.

Rows are tuples keyed by a stable key. Rendered rows are cached as Strips and only the rows whose
data changed are re-rendered; repaints are coalesced to at most `REFRESH_HZ` per second however
fast updates arrive. Cells flash (theme-controlled up/down backgrounds) when a value rises or falls.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from widgets.columns import Cell, Column, RowKey, cell_text, columns_that_fit, columns_width, expire_flashes
from widgets.columns import fit_cell, flash_directions, raw_value, sort_value

__all__ = ["Cell", "Column", "LiveTable", "RowKey"]


class _RowMessage(Message):
    """A row event; `row_key` is the key given to upsert."""

    def __init__(self, live_table: LiveTable, row_key: RowKey | None) -> None:
        super().__init__()
        self.live_table = live_table
        self.row_key = row_key

    @property
    def control(self) -> LiveTable:
        return self.live_table


class LiveTable(ScrollView, can_focus=True):
    """A keyboard-driven, line-rendered table for data that changes many times a second."""

    REFRESH_HZ: ClassVar[float] = 30.0
    FLASH_SECONDS: ClassVar[float] = 0.5
    GAP = 1

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False, id="table.cursor_up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="table.cursor_down"),
        Binding("pageup", "cursor_page_up", "Page up", show=False, id="table.page_up"),
        Binding("pagedown", "cursor_page_down", "Page down", show=False, id="table.page_down"),
        Binding("home", "cursor_home", "First row", show=False, id="table.home"),
        Binding("end", "cursor_end", "Last row", show=False, id="table.end"),
        Binding("enter", "select_row", "Select", id="table.select"),
        Binding("s", "cycle_sort", "Sort", id="table.cycle_sort"),
        Binding("S", "reverse_sort", "Reverse sort", id="table.reverse_sort"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        f"live-table--{part}"
        for part in ("header", "cursor", "up", "down", "warn", "dim", "flash-up", "flash-down", "empty")
    }

    DEFAULT_CSS = """
    LiveTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        scrollbar-size-vertical: 1;
        scrollbar-size-horizontal: 0;
    }
    LiveTable > .live-table--header { background: $panel; color: $muted-text; text-style: bold; }
    LiveTable > .live-table--cursor { background: $boost; text-style: bold; }
    LiveTable:focus > .live-table--cursor { background: $primary 45%; }
    LiveTable > .live-table--up { color: $up; }
    LiveTable > .live-table--down { color: $down; }
    LiveTable > .live-table--warn { color: $warn; }
    LiveTable > .live-table--dim { color: $muted-text; }
    LiveTable > .live-table--flash-up { background: $up-flash; }
    LiveTable > .live-table--flash-down { background: $down-flash; }
    LiveTable > .live-table--empty { color: $muted-text; text-style: italic; }
    """

    class RowHighlighted(_RowMessage):
        """The cursor moved to a row (row_key None: the table is empty)."""

    class RowSelected(_RowMessage):
        """Enter (or a double click) on a row."""

    def __init__(
        self,
        columns: Iterable[Column] = (),
        *,
        show_header: bool = True,
        empty_text: str = "no rows",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.show_header = show_header
        self.empty_text = empty_text
        self._columns: list[Column] = []
        self._visible_columns: list[int] = []  # indexes of the columns that fit the width (see Column.drop)
        self._rows: dict[RowKey, tuple[Any, ...]] = {}
        self._order: list[RowKey] = []
        self._index: dict[RowKey, int] = {}
        self._strip_cache: dict[RowKey, Strip] = {}
        self._header_cache: Strip | None = None
        self._style_cache: dict[str, Style] = {}
        self._flashes: dict[RowKey, dict[int, tuple[int, float]]] = {}
        self._dirty_rows: set[RowKey] = set()
        self._order_dirty = True
        self._flush_timer: Timer | None = None
        self._flash_timer: Timer | None = None
        self._last_flush = 0.0
        self._sort_column: int | None = None
        self._sort_reverse = False
        self._filter: Callable[[RowKey, tuple[Any, ...]], bool] | None = None
        self._cursor = 0
        self._cursor_key: RowKey | None = None
        self.repaints = 0  # flushes that changed the screen; read by tests and benchmarks
        self.set_columns(columns)

    # ---- public API ---------------------------------------------------------------------------

    @property
    def columns(self) -> list[Column]:
        return list(self._columns)

    @property
    def row_count(self) -> int:
        return len(self._order)

    @property
    def row_keys(self) -> list[RowKey]:
        """Keys in display order (after filter and sort)."""
        self._flush_order_now()
        return list(self._order)

    @property
    def cursor_key(self) -> RowKey | None:
        self._flush_order_now()
        return self._cursor_key

    @property
    def cursor_row(self) -> int:
        self._flush_order_now()
        return self._cursor

    @property
    def sort_column(self) -> str | None:
        return None if self._sort_column is None else self._columns[self._sort_column].key

    @property
    def sort_reverse(self) -> bool:
        return self._sort_reverse

    def get_row(self, key: RowKey) -> tuple[Any, ...] | None:
        return self._rows.get(key)

    @property
    def shown_columns(self) -> list[str]:  # keys of the columns that fit the table's width
        return [self._columns[i].key for i in self._visible_columns]

    def set_columns(self, columns: Iterable[Column]) -> None:
        self._columns = list(columns)
        self._fit_columns()
        self._sort_column = None
        self._strip_cache.clear()
        self._header_cache = None
        self._order_dirty = True
        self.refresh()

    def upsert(self, key: RowKey, row: tuple[Any, ...]) -> None:
        """Insert or replace one row; cheap enough to call thousands of times a second."""
        old = self._rows.get(key)
        if old == row:
            return
        self._rows[key] = row
        if old is not None:
            self._note_changes(key, old, row)
        if old is None or self._filter is not None:
            self._order_dirty = True
        self._strip_cache.pop(key, None)
        self._dirty_rows.add(key)
        self._schedule_flush()

    def update_rows(self, rows: Mapping[RowKey, tuple[Any, ...]]) -> None:
        """Make the table hold exactly `rows`: upsert each, remove keys not present."""
        for key in [key for key in self._rows if key not in rows]:
            self.remove_row(key)
        for key, row in rows.items():
            self.upsert(key, row)

    def remove_row(self, key: RowKey) -> None:
        if self._rows.pop(key, None) is None:
            return
        self._strip_cache.pop(key, None)
        self._flashes.pop(key, None)
        self._order_dirty = True
        self._schedule_flush()

    def clear(self) -> None:
        self._rows.clear()
        self._strip_cache.clear()
        self._flashes.clear()
        self._order_dirty = True
        self._schedule_flush()

    def sort_by(self, column: str | int | None, reverse: bool = False) -> None:
        """Sort by a column key or index (None = insertion order)."""
        if isinstance(column, str):
            column = next(i for i, col in enumerate(self._columns) if col.key == column)
        self._sort_column = column
        self._sort_reverse = reverse
        self._header_cache = None
        self._order_dirty = True
        self._schedule_flush(immediate=True)

    def cycle_sort(self) -> None:
        """Next sortable column; after the last one, back to insertion order."""
        sortable = [i for i, col in enumerate(self._columns) if col.sortable]
        if not sortable:
            return
        if self._sort_column is None:
            self.sort_by(sortable[0], self._sort_reverse)
        else:
            later = [i for i in sortable if i > self._sort_column]
            self.sort_by(later[0] if later else None, self._sort_reverse)

    def reverse_sort(self) -> None:
        self.sort_by(self._sort_column, not self._sort_reverse)

    def set_filter(self, predicate: Callable[[RowKey, tuple[Any, ...]], bool] | None) -> None:
        """Show only rows for which `predicate(key, row)` holds (None shows all)."""
        self._filter = predicate
        self._order_dirty = True
        self._schedule_flush(immediate=True)

    def move_cursor(self, key: RowKey) -> None:
        """Put the cursor on the row with `key`, if it is shown."""
        self._flush_order_now()
        if key in self._index:
            self._set_cursor(self._index[key])

    # ---- actions ------------------------------------------------------------------------------

    def action_cursor_up(self) -> None:
        self._set_cursor(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self._set_cursor(self.cursor_row + 1)

    def action_cursor_page_up(self) -> None:
        self._set_cursor(self.cursor_row - max(1, self.size.height - 2))

    def action_cursor_page_down(self) -> None:
        self._set_cursor(self.cursor_row + max(1, self.size.height - 2))

    def action_cursor_home(self) -> None:
        self._set_cursor(0)

    def action_cursor_end(self) -> None:
        self._set_cursor(self.row_count - 1)

    def action_select_row(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.RowSelected(self, key))

    action_cycle_sort = cycle_sort
    action_reverse_sort = reverse_sort

    # ---- change tracking and throttled repaint -------------------------------------------------

    def _note_changes(self, key: RowKey, old: tuple[Any, ...], new: tuple[Any, ...]) -> None:
        sort = self._sort_column
        if sort is not None and raw_value(old[sort]) != raw_value(new[sort]):
            self._order_dirty = True
        directions = flash_directions(self._columns, old, new)
        if directions:
            expires = time.monotonic() + self.FLASH_SECONDS
            self._flashes.setdefault(key, {}).update((i, (d, expires)) for i, d in directions.items())

    def _schedule_flush(self, immediate: bool = False) -> None:
        if not self.is_mounted:
            return
        if immediate:
            if self._flush_timer is not None:
                self._flush_timer.stop()
                self._flush_timer = None
            self._flush()
            return
        if self._flush_timer is None:
            delay = max(0.001, self._last_flush + 1.0 / self.REFRESH_HZ - time.monotonic())
            self._flush_timer = self.set_timer(delay, self._flush, name="live-table-flush")

    def _flush(self) -> None:
        self._flush_timer = None
        now = time.monotonic()
        self._last_flush = now
        next_expiry = self._expire_flashes(now)
        if self._order_dirty:
            self._rebuild_order()
            self.refresh()
        else:
            header = 1 if self.show_header else 0
            top = self.scroll_offset.y
            bottom = top + self.size.height
            for key in self._dirty_rows:
                index = self._index.get(key)
                if index is not None and top <= index < bottom:
                    self.refresh_lines(index + header)
        self._dirty_rows.clear()
        self.repaints += 1
        if next_expiry is not None and self._flash_timer is None:
            delay = max(next_expiry - now, 0.001)
            self._flash_timer = self.set_timer(delay, self._on_flash_expiry, name="live-table-flash")

    def _on_flash_expiry(self) -> None:
        self._flash_timer = None
        self._schedule_flush()

    def _expire_flashes(self, now: float) -> float | None:
        """Drop finished flashes (re-rendering their rows); return the next expiry, if any."""
        expired, next_expiry = expire_flashes(self._flashes, now, forget=self._strip_cache)
        self._dirty_rows.update(expired)
        return next_expiry

    def _flush_order_now(self) -> None:
        if self._order_dirty:
            self._rebuild_order()

    def _rebuild_order(self) -> None:
        self._order_dirty = False
        keys: list[RowKey] = list(self._rows)
        if self._filter is not None:
            predicate, rows = self._filter, self._rows
            keys = [key for key in keys if predicate(key, rows[key])]
        if self._sort_column is not None:
            column, rows = self._sort_column, self._rows
            keys.sort(key=lambda key: sort_value(rows[key][column]), reverse=self._sort_reverse)
        self._order = keys
        self._index = {key: i for i, key in enumerate(keys)}
        header = 1 if self.show_header else 0
        self.virtual_size = Size(self._content_width(), len(keys) + header)
        if self._cursor_key in self._index:
            self._cursor = self._index[self._cursor_key]
        else:
            self._cursor = max(0, min(self._cursor, len(keys) - 1))
            new_key = keys[self._cursor] if keys else None
            if new_key != self._cursor_key:
                self._cursor_key = new_key
                if self.is_mounted:
                    self.post_message(self.RowHighlighted(self, new_key))

    def _set_cursor(self, row: int) -> None:
        if not self._order:
            return
        row = max(0, min(row, len(self._order) - 1))
        previous = self._cursor
        self._cursor = row
        key = self._order[row]
        self._scroll_cursor_into_view()
        header = 1 if self.show_header else 0
        self.refresh_lines(previous + header)
        self.refresh_lines(row + header)
        if key != self._cursor_key:
            self._cursor_key = key
            self.post_message(self.RowHighlighted(self, key))

    def _scroll_cursor_into_view(self) -> None:
        visible = max(1, self.size.height - (1 if self.show_header else 0))
        top = round(self.scroll_offset.y)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, immediate=True)
        elif self._cursor >= top + visible:
            self.scroll_to(y=self._cursor - visible + 1, animate=False, immediate=True)

    # ---- rendering ----------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style_cache.clear()
        self._strip_cache.clear()
        self._header_cache = None

    def _style(self, name: str) -> Style:
        style = self._style_cache.get(name)
        if style is None:
            if name == "base":
                style = self.rich_style
            else:
                style = self.get_component_rich_style(f"live-table--{name}", partial=True)
            self._style_cache[name] = style
        return style

    def _content_width(self) -> int:
        return columns_width(self._columns, self._visible_columns, self.GAP)

    def _fit_columns(self) -> None:  # show the columns that fit the width (see Column.drop)
        room = self.scrollable_content_region.width if self.is_mounted else 0
        shown = columns_that_fit(self._columns, room, self.GAP)
        if shown != self._visible_columns:
            self._visible_columns = shown
            self._strip_cache.clear()
            self._header_cache = None
            self.virtual_size = Size(self._content_width(), self.virtual_size.height)
            self.refresh()

    def _render_row(self, key: RowKey, cursor: bool = False) -> Strip:
        """A row's strip; the cursor row is drawn on the cursor background (flashes still show)."""
        strip = None if cursor else self._strip_cache.get(key)
        if strip is not None:
            return strip
        row = self._rows[key]
        base = self._style("base") + self._style("cursor") if cursor else self._style("base")
        flashes = self._flashes.get(key, {})
        gap = Segment(" " * self.GAP, base)
        segments: list[Segment] = []
        for position, index in enumerate(self._visible_columns):
            column = self._columns[index]
            if position:
                segments.append(gap)
            value = row[index] if index < len(row) else None
            text, tone = cell_text(column, value)
            style = base + self._style(tone) if tone else base
            flash = flashes.get(index)
            if flash is not None:
                style += self._style("flash-up" if flash[0] > 0 else "flash-down")
            segments.append(Segment(fit_cell(text, column), style))
        strip = Strip(segments, self._content_width())
        if not cursor:
            self._strip_cache[key] = strip
        return strip

    def _render_header(self) -> Strip:
        if self._header_cache is None:
            style = self._style("base") + self._style("header")
            cells = []
            for index in self._visible_columns:
                column = self._columns[index]
                label = column.label
                if index == self._sort_column:
                    label = f"{label}{'▼' if self._sort_reverse else '▲'}"
                cells.append(fit_cell(label, column))
            self._header_cache = Strip([Segment((" " * self.GAP).join(cells), style)])
        return self._header_cache

    def render_line(self, y: int) -> Strip:
        self._flush_order_now()
        width = self.size.width
        base = self._style("base")
        scroll_x, scroll_y = self.scroll_offset
        if self.show_header:
            if y == 0:
                header_style = base + self._style("header")
                return self._render_header().crop_extend(scroll_x, scroll_x + width, header_style)
            y -= 1
        index = scroll_y + y
        if not self._order:
            if y == 0:
                empty = Strip([Segment(f" {self.empty_text}", base + self._style("empty"))])
                return empty.crop_extend(0, width, base)
            return Strip.blank(width, base)
        if index >= len(self._order):
            return Strip.blank(width, base)
        if index == self._cursor:
            strip = self._render_row(self._order[index], cursor=True)
            return strip.crop_extend(scroll_x, scroll_x + width, base + self._style("cursor"))
        return self._render_row(self._order[index]).crop_extend(scroll_x, scroll_x + width, base)

    def on_mount(self) -> None:
        self._flush()

    def on_click(self, event: events.Click) -> None:
        """Header click sorts by that column (again: reverses); row click moves the cursor; double click selects."""
        header = 1 if self.show_header else 0
        if event.y < header:
            x = event.x + self.scroll_offset.x
            for index in self._visible_columns:
                x -= self._columns[index].width + self.GAP
                if x < 0:
                    self.sort_by(index, self._sort_reverse != (index == self._sort_column))
                    return
        elif self._order:
            self._set_cursor(self.scroll_offset.y + event.y - header)
            if event.chain > 1:
                self.action_select_row()

    def on_resize(self) -> None:
        self._fit_columns()
        self._scroll_cursor_into_view()

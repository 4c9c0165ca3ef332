"""Column and cell definitions shared by every LiveTable-based table."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from rich.cells import cell_len, set_cell_size

RowKey = Hashable
Tone = Literal["up", "down", "warn", "dim"] | None


class Cell(NamedTuple):
    """A cell whose owner decides the text: sorted and flashed by `value`, shown as `text`."""

    value: Any
    text: str
    tone: str | None = None


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its header, width in cells, alignment, and how a raw value is shown."""

    key: str
    label: str
    width: int
    align: Literal["left", "right", "center"] = "left"
    formatter: Callable[[Any], str] | None = None
    tone: Callable[[Any], str | None] | None = None  # "up" | "down" | "warn" | "dim" | None
    flash: bool = False  # flash the cell when its value rises or falls
    sortable: bool = True
    drop: int = 0  # when the table is too narrow, columns with the highest `drop` go first; 0 = always shown


def raw_value(value: Any) -> Any:
    return value.value if isinstance(value, Cell) else value


def sort_value(value: Any) -> tuple[bool, Any]:
    raw = raw_value(value)
    return (raw is None, raw if raw is not None else 0)


def cell_text(column: Column, value: Any) -> tuple[str, str | None]:
    """The text and tone of one cell: a Cell speaks for itself, else the column formats the value."""
    if isinstance(value, Cell):
        return value.text, value.tone
    text = "" if value is None else (column.formatter(value) if column.formatter else str(value))
    return text, (column.tone(value) if column.tone and value is not None else None)


def fit_cell(text: str, column: Column) -> str:
    """Pad or truncate (with an ellipsis) to the column's width, aligned as the column says."""
    width = column.width
    length = cell_len(text)
    if length > width:
        return set_cell_size(text, width - 1) + "…" if width > 1 else text[:width]
    pad = width - length
    if column.align == "right":
        return " " * pad + text
    if column.align == "center":
        return " " * (pad // 2) + text + " " * (pad - pad // 2)
    return text + " " * pad


def columns_width(columns: list[Column], indexes: list[int], gap: int) -> int:
    return sum(columns[i].width for i in indexes) + gap * max(0, len(indexes) - 1)


def columns_that_fit(columns: list[Column], room: int, gap: int) -> list[int]:
    """Indexes of the columns to show in `room` cells: the most droppable go first (highest
    `drop`; 0 never goes); one removed on the way may come back if it fits on its own.
    `room` 0 (not laid out yet) shows them all."""
    shown = list(range(len(columns)))
    droppable = sorted((i for i in shown if columns[i].drop), key=lambda i: (-columns[i].drop, -i))
    removed: list[int] = []
    for index in droppable:
        if room <= 0 or columns_width(columns, shown, gap) <= room:
            break
        shown.remove(index)
        removed.append(index)
    for index in reversed(removed):
        if columns_width(columns, sorted([*shown, index]), gap) <= room:
            shown = sorted([*shown, index])
    return shown


Flashes = dict[RowKey, dict[int, tuple[int, float]]]  # row -> column index -> (direction, expires at)


def flash_directions(columns: list[Column], old: tuple[Any, ...], new: tuple[Any, ...]) -> dict[int, int]:
    """Column index -> +1 / -1 for each flashing column whose value rose / fell between two rows."""
    directions: dict[int, int] = {}
    for index, column in enumerate(columns):
        if not column.flash:
            continue
        before, after = raw_value(old[index]), raw_value(new[index])
        if before == after or before is None or after is None:
            continue
        try:
            directions[index] = 1 if after > before else -1
        except TypeError:
            continue
    return directions


def expire_flashes(flashes: Flashes, now: float, forget: dict[RowKey, Any]) -> tuple[list[RowKey], float | None]:
    """Drop flashes that ended by `now`, and those rows from `forget` (their rendered strips):
    (rows that lost a flash, the next expiry if any)."""
    expired: list[RowKey] = []
    next_expiry: float | None = None
    for key in list(flashes):
        cells = flashes[key]
        for index, (_direction, expires) in list(cells.items()):
            if expires <= now:
                del cells[index]
                forget.pop(key, None)
                expired.append(key)
            elif next_expiry is None or expires < next_expiry:
                next_expiry = expires
        if not cells:
            del flashes[key]
    return expired, next_expiry

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


def sort_value(value: Any) -> tuple[bool, Any]:
    raw = value.value if isinstance(value, Cell) else value
    return (raw is None, raw if raw is not None else 0)


def raw_value(value: Any) -> Any:
    return value.value if isinstance(value, Cell) else value


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

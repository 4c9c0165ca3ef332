"""Column and cell definitions shared by every LiveTable-based table."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

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


def sort_value(value: Any) -> tuple[bool, Any]:
    raw = value.value if isinstance(value, Cell) else value
    return (raw is None, raw if raw is not None else 0)


def raw_value(value: Any) -> Any:
    return value.value if isinstance(value, Cell) else value

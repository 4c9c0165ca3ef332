"""LineCache: the painted lines of a line-API widget, built once per change instead of once per line.

Textual asks a widget for each line it repaints, and `Widget.rich_style` walks every ancestor on
each call; a widget that rebuilds its picture and styles per line pays that many times a frame.
The owner builds all lines at once and drops them when its data changes (`invalidate`) or its
styles do (`notify_style_update`: a theme change, focus); size and focus are part of the key.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.strip import Strip
from textual.widget import Widget


class LineCache:
    def __init__(self) -> None:
        self._lines: list[Strip] = []
        self._key: tuple[object, ...] | None = None

    def invalidate(self) -> None:
        self._key = None

    def line(self, widget: Widget, y: int, build: Callable[[], list[Strip]]) -> Strip:
        """Line y of what `build` draws for the widget's current size and focus."""
        key = (widget.size, widget.has_focus)
        if key != self._key:
            self._lines = build()
            self._key = key
        if y < len(self._lines):
            return self._lines[y]
        return Strip.blank(widget.size.width, widget.rich_style)

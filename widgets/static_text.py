"""Updating a Static without reflowing the whole screen.

`Static.update` asks for a layout by default: the screen then re-arranges and repaints every
widget. Live panes update their text many times a second, so this repaints only the Static when
its height cannot change (same number of lines, none wider than the widget), and skips the
update when the text did not change at all.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static


def set_static(static: Static, content: str | Text) -> None:
    """Show `content` in `static`: nothing when it is what is shown, a repaint when its height stays."""
    if type(content) is type(static.content) and content == static.content:
        return
    static.update(content, layout=not _fits(content, static))


def _fits(content: str | Text, static: Static) -> bool:
    """Whether `content` takes exactly the static's current content area (so no layout can change)."""
    width, height = static.size
    if width <= 0 or height <= 0 or (static.styles.width is not None and static.styles.width.is_auto):
        return False  # not laid out yet, or its width follows its text
    lines = (content.plain if isinstance(content, Text) else content).split("\n")
    return len(lines) == height and all(cell_len(line) <= width for line in lines)

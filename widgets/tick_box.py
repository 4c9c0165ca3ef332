"""TickBox: a checkbox that draws its mark only when checked, so it reads without colour (NO_COLOR)."""

from __future__ import annotations

from textual.widgets import Checkbox


class TickBox(Checkbox):
    """Textual's Checkbox shows `X` in both states and tells them apart by colour alone."""

    def on_mount(self) -> None:
        self._show_mark(self.value)

    def watch_value(self) -> None:
        super().watch_value()
        self._show_mark(self.value)

    def _show_mark(self, checked: bool) -> None:
        self.BUTTON_INNER = "X" if checked else " "
        self.refresh()

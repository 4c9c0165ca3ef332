"""Pane: a titled box around one widget, told of each Hub change by its screen (the panes are in panes.py)."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical

from quantdesk_tui.desk_app import desk_app
from quantdesk_tui.changes import deliver, every_change
from quantdesk_tui.deferred_body import DeferredBody
from quantdesk_tui.hub import Hub


class Pane(DeferredBody, Vertical):
    """A titled box around one widget, told of each Hub change by its screen once `ready` (its body
    mounted: on the app's first screen that is after the first paint, see deferred_body.py)."""

    title: ClassVar[str] = ""
    DEFAULT_CSS = """
    Pane { border: round $surface-lighten-2; border-title-color: $text-muted; height: 1fr; width: 1fr; }
    Pane:focus-within { border: round $primary; border-title-color: $primary; }
    """

    def compose(self) -> ComposeResult:
        self.border_title = self.title  # before the body: priming it names the market in the title
        self._found: dict[str, Any] = {}
        return super().compose()

    def body_ready(self) -> None:
        """Fill the body from the Hub (a subclass sets up its widgets first, then calls this)."""
        self.prime(desk_app(self.app).hub)

    def one(self, selector: str) -> Any:
        """The pane's widget matching `selector` (a class name or #id), found once: changes ask for it many
        times a second, and a pane's widgets are composed once and never replaced."""
        widget = self._found.get(selector)
        if widget is None:
            widget = self._found[selector] = self.query_one(selector)
        return widget

    @property
    def hub(self) -> Hub:
        return desk_app(self.app).hub

    def prime(self, hub: Hub) -> None:
        """Fill the widget from the Hub right after mounting: every change there is, at once."""
        for change in every_change(hub.quotes):
            deliver(self, change)

    @property
    def actions(self) -> Any:
        return desk_app(self.app).trading

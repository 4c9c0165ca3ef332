"""DeferredBody: a widget whose children can wait for the app's first paint.

`quantdesk` sets the app's `deferred_bodies` to a list before it runs. While that list is there, a
DeferredBody composes nothing and adds itself to it; the app mounts the bodies right after its first
paint (`QuantDeskApp.mount_pane_bodies`). So the first frame is the layout's frames, drawn by the
layout view alone (layout_view.py), and the status bar with its live price: the panes, their widgets
and the command bar's input are composed, styled and even imported after it. Anywhere else (tests,
screens opened later, a layout folded into tabs) the body is composed at once.
"""

from __future__ import annotations

from typing import Protocol, cast

from textual.app import ComposeResult
from textual.widget import Widget


class PaintingApp(Protocol):
    """The app's part DeferredBody reads (the rest of what widgets use is DeskApp, desk_app.py)."""

    deferred_bodies: list[DeferredBody] | None


class DeferredBody(Widget):
    ready = False  # the body is mounted
    _deferred = False  # the body waits for the first paint

    @property
    def waiting(self) -> bool:
        """Composed without its body, which the first paint is still waiting for."""
        return self._deferred and not self.ready

    def can_wait(self) -> bool:
        """Whether this widget shows something sensible without its body (a subclass may say no)."""
        return True

    def body(self) -> ComposeResult:
        """The widget's children (a subclass composes them here, and imports their modules here)."""
        yield from ()

    def body_ready(self) -> None:
        """The body is mounted (a subclass sets up what needs its children here)."""

    def compose(self) -> ComposeResult:
        deferred = cast(PaintingApp, self.app).deferred_bodies if self.can_wait() else None
        self._deferred = deferred is not None
        if deferred is None:
            yield from self.body()
        else:
            deferred.append(self)

    async def mount_composed_widgets(self, widgets: list[Widget]) -> None:
        await super().mount_composed_widgets(widgets)
        if not self._deferred:
            self._ready()

    async def mount_deferred_body(self) -> None:
        await self.recompose()
        if self.is_attached and self.children:  # not when the app closed meanwhile (a quit in the first instants)
            self._ready()

    def _ready(self) -> None:
        self.ready = True
        self.body_ready()

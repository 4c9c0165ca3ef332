"""ThreadPlot: a widget whose picture (a plotext chart) is built in a thread at most REDRAW_HZ times a
second and swapped in, so plotting never blocks key presses or ticks."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.timer import Timer
from textual.widget import Widget
from textual.worker import Worker, WorkerState


class ThreadPlot(Widget):
    REDRAW_HZ: ClassVar[float] = 4.0

    def __init__(self, placeholder: str, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._rendered = Text(placeholder)
        self._pending: Timer | None = None
        self._pending_due = 0.0  # monotonic time the pending draw starts
        self.draws = 0  # pictures swapped in; read by tests and benchmarks

    def _request_draw(self, hz: float | None = None) -> None:
        """Ask for a redraw within 1/hz s (default REDRAW_HZ); requests in one window become one draw.
        A sooner request (a key) moves a later pending one (live data) forward."""
        if not self.is_mounted:
            return
        now = time.monotonic()
        due = now + 1.0 / (hz or self.REDRAW_HZ)
        if self._pending is not None:
            if self._pending_due <= due:
                return
            self._pending.stop()
        self._pending_due = due
        self._pending = self.set_timer(due - now, self._timer_fired, name="plot-redraw")

    def _timer_fired(self) -> None:
        self._pending = None
        self._start_draw()

    def _start_draw(self) -> None:
        """Gather what to plot (on the UI thread) and call `_draw_in_thread` when it changed."""
        raise NotImplementedError

    @work(thread=True, exclusive=True, group="plot", exit_on_error=False)
    def _draw_in_thread(self, build: Callable[[], str]) -> None:
        text = Text.from_ansi(build(), no_wrap=True)
        self.app.call_from_thread(self._swap, text)

    def _swap(self, text: Text) -> None:
        self._rendered = text
        self.draws += 1
        self.refresh()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A drawing failed: the app's worker handler reports it (the picture stays as it was)."""
        if event.state == WorkerState.ERROR:
            self.app.post_message(Worker.StateChanged(event.worker, event.state))

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._request_draw())

    def on_resize(self) -> None:
        self._request_draw()

    def render(self) -> Text:
        return self._rendered

"""ThreadPlot: a widget whose picture (a plotext chart) is built in a thread at most REDRAW_HZ times a
second and swapped in, so plotting never blocks key presses or ticks.

The thread also cuts the picture into one Strip per line: painting then copies lines, where a
rich Text would be converted again on the UI thread at every repaint (~10 ms for a 112x26 chart)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from rich.console import Console
from rich.text import Text
from textual import work
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from widgets.line_cache import LineCache


class ThreadPlot(Widget):
    REDRAW_HZ: ClassVar[float] = 4.0

    def __init__(
        self, placeholder: str, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._rendered = Text(placeholder)
        self._lines: list[Strip] | None = None  # _rendered cut into lines (None: cut on the next paint)
        self._painted = LineCache()  # those lines on the widget's own style and width
        self._pending: Timer | None = None
        self._pending_due = 0.0  # monotonic time the pending draw starts
        self.draws = 0  # pictures swapped in; read by tests and benchmarks
        self._latest = 0  # the number of the latest draw asked for: only its picture may be swapped in

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
        """Gather what to plot (on the UI thread) and call `_draw` when it changed."""
        raise NotImplementedError

    def _draw(self, build: Callable[[], str | list[Strip]]) -> None:
        """Build the picture in a thread. A thread cannot be stopped, so an older drawing still running
        (the previous market's) may finish after this one: its picture is dropped, never swapped in."""
        self._latest += 1
        self._draw_in_thread(build, self._latest)

    @work(thread=True, exclusive=True, group="plot", exit_on_error=False)
    def _draw_in_thread(self, build: Callable[[], str | list[Strip]], number: int) -> None:
        """`build` gives ANSI text, or the painted lines themselves (see plot_strips.py)."""
        picture = build()
        if isinstance(picture, str):
            text = Text.from_ansi(picture, no_wrap=True)
            lines = text_lines(text, self.app.console)
        else:
            text, lines = Text("\n".join(line.text for line in picture), no_wrap=True), picture
        self.app.call_from_thread(self._swap, text, lines, number)

    def _swap(self, text: Text, lines: list[Strip], number: int) -> None:
        if number != self._latest:
            return
        self._rendered, self._lines = text, lines
        self._painted.invalidate()
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

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._painted.invalidate()

    def render_line(self, y: int) -> Strip:
        return self._painted.line(self, y, self._paint)

    def _paint(self) -> list[Strip]:
        if self._lines is None:
            self._lines = text_lines(self._rendered, self.app.console)
        base, (width, height) = self.rich_style, self.size
        return [line.apply_style(base).crop_extend(0, width, base) for line in self._lines[:height]]


def text_lines(text: Text, console: Console) -> list[Strip]:
    """One Strip per line of `text`, styled as drawn (the widget's own style goes under it when painted)."""
    return [Strip(list(line.render(console)), line.cell_len) for line in text.split("\n", allow_blank=True)]

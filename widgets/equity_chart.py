"""EquityChart: a small line chart of account equity over time, with the latest value and change."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from functools import partial
from typing import ClassVar

from widgets.candle_chart import theme_colors
from widgets.candle_plot import build_line_chart
from widgets.format import exact, fmt_number, fmt_usd
from widgets.thread_plot import ThreadPlot


class EquityChart(ThreadPlot):
    """Owner calls `set_points([(unix_s, equity PRICE_PRECISION int), ...])` or `add_point(t, equity)`."""

    REDRAW_HZ: ClassVar[float] = 2.0
    DEFAULT_CSS = """
    EquityChart { width: 1fr; height: 12; background: $surface; color: $foreground; }
    """

    def __init__(
        self,
        *,
        max_points: int = 2000,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__("no equity history yet", name=name, id=id, classes=classes)
        self.max_points = max_points
        self._points: list[tuple[float, int]] = []
        self._last: tuple[object, ...] | None = None

    def set_points(self, points: Iterable[tuple[float, int]]) -> None:
        self._points = list(points)[-self.max_points :]
        self._request_draw()

    def add_point(self, t: float, equity: int) -> None:
        self._points.append((t, equity))
        del self._points[: -self.max_points]
        self._request_draw()

    def title(self) -> str:
        if not self._points:
            return "Equity"
        first, last = self._points[0][1], self._points[-1][1]
        change = last - first
        pct = change * 100 / first if first else 0.0
        sign = "▲ +" if change > 0 else "▼ -" if change < 0 else ""
        return (
            f"Equity {fmt_usd(last)}  {sign}{fmt_usd(abs(change))[1:] if change else '0.00'} "
            f"({fmt_number(pct, 2, signed=True)}%)"
        )

    def _start_draw(self) -> None:
        if not self._points or not self.size.width:
            return
        values = [float(exact(equity, -6)) for _, equity in self._points]
        span = self._points[-1][0] - self._points[0][0]
        fmt = "%m-%d" if span >= 3 * 86_400 else "%H:%M"
        labels = [datetime.fromtimestamp(t, UTC).strftime(fmt) for t, _ in self._points]
        colour = theme_colors(self.app.theme_variables)
        up = values[-1] >= values[0]
        key = (tuple(values), self.size, up, colour)
        if key != self._last:
            self._last = key
            self._draw(
                partial(
                    build_line_chart,
                    values,
                    self.size.width,
                    self.size.height,
                    colour.up if up else colour.down,
                    self.title(),
                    labels,
                )
            )

"""CandleChart: price chart (candles / OHLC / line) with volume, indicators toggled by 1..6,
price levels (orders, entry, liquidation, alerts), keyboard pan/zoom and a timeframe label.
The plot is built at most `REDRAW_HZ` times a second in a child process (plot_worker.py), waited for
by a thread worker, and swapped in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message

from backend.api.protocol import STORED_TIMEFRAMES, Candles
from widgets.candle_plot import INDICATORS, MODES, ChartColors, ChartSpec, hex_to_rgb
from widgets.plot_worker import WORKER
from widgets.thread_plot import ThreadPlot

TIMEFRAMES = STORED_TIMEFRAMES  # the chart cycles through the stored widths; 1s bars are memory-only
MIN_VISIBLE = 10


def theme_colors(variables: Mapping[str, str]) -> ChartColors:
    """Chart colours from the app's theme variables ($up, $down, $warn, $primary, $foreground)."""
    default = ChartColors()

    def pick(name: str, fallback: tuple[int, int, int]) -> tuple[int, int, int]:
        value = variables.get(name, "")
        try:
            return hex_to_rgb(value) if value.startswith("#") else fallback
        except ValueError:
            return fallback

    return ChartColors(
        up=pick("up", default.up),
        down=pick("down", default.down),
        warn=pick("warn", default.warn),
        accent=pick("primary", default.accent),
        text=pick("foreground", default.text),
        muted=pick("foreground-muted", default.muted),
    )


class CandleChart(ThreadPlot, can_focus=True):
    """Owner calls set_candles / update_candle / set_overlays / set_levels / set_timeframe."""

    REDRAW_HZ: ClassVar[float] = 4.0
    # a live candle redraws at most this often: each plotext draw costs ~60 ms of the process's CPU
    # (GIL included), and the book and ticket already show every price at the frame rate
    LIVE_REDRAW_HZ: ClassVar[float] = 2.0

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "pan(-1)", "Pan left", id="chart.pan_left"),
        Binding("right,l", "pan(1)", "Pan right", id="chart.pan_right"),
        Binding("plus,equals_sign", "zoom(1)", "Zoom in", id="chart.zoom_in"),
        Binding("minus", "zoom(-1)", "Zoom out", id="chart.zoom_out"),
        Binding("end", "follow", "Latest", id="chart.follow"),
        Binding("m", "cycle_mode", "Candles/OHLC/line", id="chart.mode"),
        Binding("v", "toggle_volume", "Volume", id="chart.volume"),
        Binding("t", "next_timeframe", "Timeframe", id="chart.timeframe"),
        *[
            Binding(str(n), f"toggle_indicator('{name}')", f"{name.upper()}", id=f"chart.{name}")
            for n, name in enumerate(INDICATORS, start=1)
        ],
    ]

    DEFAULT_CSS = """
    CandleChart { width: 1fr; height: 1fr; background: $surface; color: $foreground; }
    CandleChart:focus { background-tint: $primary 3%; }
    """

    class TimeframeChanged(Message):
        """The user picked another timeframe; the owner should send candles for it."""

        def __init__(self, timeframe: str) -> None:
            super().__init__()
            self.timeframe = timeframe

    class IndicatorsChanged(Message):
        """The user switched an indicator on or off; `indicators` is the set now shown."""

        def __init__(self, indicators: frozenset[str]) -> None:
            super().__init__()
            self.indicators = indicators

    def __init__(
        self,
        *,
        market: str = "",
        timeframe: str = "1m",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__("no candles yet", name=name, id=id, classes=classes)
        self.market = market
        self.timeframe = timeframe
        self.mode = "candles"
        self.show_volume = True
        self.indicators: set[str] = set()
        self.window_size = 80  # candles shown
        self.scrolled_back = 0  # candles scrolled back from the latest (0 = following)
        self._candles: Candles | None = None  # the chart's own copy: live updates go into it
        self._overlays: dict[str, list[float | None]] = {}
        self._levels: list[tuple[str, float, str]] = []
        self._last_spec: tuple[ChartSpec, int, int] | None = None

    # ---- data in ------------------------------------------------------------------------------

    def set_candles(self, candles: Candles | None) -> None:
        """The bars to draw, oldest first; None clears the chart (another market's bars are not loaded yet)."""
        self._candles = None if candles is None else candles.window(0)
        self._request_draw()

    def update_candle(self, forming: Candles) -> None:
        """A live bar: it replaces the last one if it has the same start, else it is appended."""
        if self._candles is None:
            self._candles = forming.window(0)
        else:
            self._candles.absorb(forming)
        self._request_draw(self.LIVE_REDRAW_HZ)

    def set_overlays(self, overlays: Mapping[str, Sequence[float | None]]) -> None:
        """Indicator series aligned with the candles (None where undefined). Keys: sma, ema, vwap,
        bb_upper, bb_mid, bb_lower, rsi, macd, macd_signal, macd_hist."""
        self._overlays = {key: list(values) for key, values in overlays.items()}
        self._request_draw()

    def set_levels(self, levels: Iterable[tuple[str, float, str]]) -> None:
        """Horizontal lines: (label, price, style) with style order | entry | liq | alert."""
        levels = [(label, float(price), style) for label, price, style in levels]
        if levels != self._levels:  # positions move every tick; their lines rarely do
            self._levels = levels
            self._request_draw()

    def set_timeframe(self, timeframe: str) -> None:
        self.timeframe = timeframe
        self._request_draw()

    def set_market(self, market: str) -> None:
        self.market = market
        self._request_draw()

    # ---- actions ------------------------------------------------------------------------------

    def action_pan(self, direction: int) -> None:
        step = max(1, self.window_size // 10)
        most = max(0, self._count - MIN_VISIBLE)
        self.scrolled_back = max(0, min(most, self.scrolled_back - direction * step))
        self._request_draw()

    def action_zoom(self, direction: int) -> None:
        factor = 0.8 if direction > 0 else 1.25
        self.window_size = max(MIN_VISIBLE, min(max(MIN_VISIBLE, self._count), round(self.window_size * factor)))
        self._request_draw()

    def action_follow(self) -> None:
        self.scrolled_back = 0
        self._request_draw()

    def action_cycle_mode(self) -> None:
        self.mode = MODES[(MODES.index(self.mode) + 1) % len(MODES)]
        self._request_draw()

    def action_toggle_volume(self) -> None:
        self.show_volume = not self.show_volume
        self._request_draw()

    def action_toggle_indicator(self, name: str) -> None:
        self.indicators ^= {name}
        self.post_message(self.IndicatorsChanged(frozenset(self.indicators)))
        self._request_draw()

    def set_indicators(self, names: Iterable[str]) -> None:
        """Show these indicators (names of INDICATORS; others are ignored)."""
        self.indicators = {name for name in names if name in INDICATORS}
        self._request_draw()

    def action_next_timeframe(self) -> None:
        index = TIMEFRAMES.index(self.timeframe) if self.timeframe in TIMEFRAMES else -1
        self.timeframe = TIMEFRAMES[(index + 1) % len(TIMEFRAMES)]
        self.post_message(self.TimeframeChanged(self.timeframe))
        self._request_draw()

    # ---- drawing ------------------------------------------------------------------------------

    @property
    def _count(self) -> int:
        return 0 if self._candles is None else len(self._candles)

    def spec(self) -> ChartSpec:
        """What would be drawn now: the visible window of candles, overlays and levels."""
        end = self._count - self.scrolled_back
        start = max(0, end - self.window_size)
        overlays = {key: tuple(values[start:end]) for key, values in self._overlays.items()}
        flags = " ".join(name.upper() for name in INDICATORS if name in self.indicators)
        title = f"{self.market} {self.timeframe} {self.mode}" + (f"  [{flags}]" if flags else "")
        if self.scrolled_back:
            title += f"  ◀ {self.scrolled_back} back (end: latest)"
        variables = self.app.theme_variables if self.is_mounted else {}
        return ChartSpec(
            candles=None if self._candles is None else self._candles.window(start, end),
            overlays=overlays,
            indicators=frozenset(self.indicators),
            levels=tuple(self._levels),
            mode=self.mode,
            show_volume=self.show_volume,
            title=title.strip(),
            colors=theme_colors(variables),
            monochrome=self.is_mounted and self.app.no_color,
        )

    def _start_draw(self) -> None:
        spec, width, height = self.spec(), self.size.width, self.size.height
        if width and height and (spec, width, height) != self._last_spec:
            self._last_spec = (spec, width, height)
            self._draw(partial(WORKER.chart_lines, spec, width, height))

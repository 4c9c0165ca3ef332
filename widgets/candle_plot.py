"""Pure plotext rendering of a price chart: candles / OHLC / line, volume, indicator overlays and
horizontal price levels. Runs off the UI thread: everything it needs arrives in a frozen ChartSpec
and it uses a private plotext figure, never the global one. The exact bars become floats here, for display."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, NamedTuple

from textual.strip import Strip

from backend.api.protocol import BASE_PRECISION, Candles
from widgets.plot_strips import Run, figure_runs, figure_strips

RGB = tuple[int, int, int]
MODES = ("candles", "ohlc", "line")
INDICATORS = ("sma", "ema", "vwap", "bollinger", "rsi", "macd")  # keys 1..6
PRICE_OVERLAYS = {
    "sma": ("sma",),
    "ema": ("ema",),
    "vwap": ("vwap",),
    "bollinger": ("bb_upper", "bb_mid", "bb_lower"),
}


@dataclass(frozen=True, slots=True)
class ChartColors:
    up: RGB = (34, 197, 94)
    down: RGB = (239, 68, 68)
    warn: RGB = (245, 158, 11)
    accent: RGB = (59, 130, 246)
    text: RGB = (255, 255, 255)
    muted: RGB = (140, 140, 140)


class Bars(NamedTuple):
    """The visible bars as display floats: prices in quote units, volume in base units."""

    ts_s: list[int]
    open: list[float]
    high: list[float]
    low: list[float]
    close: list[float]
    volume: list[float]


def display_bars(candles: Candles) -> Bars:
    """Exact bars as floats for plotting (int/int divides exactly rounded)."""
    scale = 10**-candles.expo
    o, h, lo, c = ([p / scale for p in column] for column in (candles.open, candles.high, candles.low, candles.close))
    return Bars(candles.ts_s, o, h, lo, c, [v / BASE_PRECISION for v in candles.volume])


@dataclass(frozen=True, slots=True)
class ChartSpec:
    candles: Candles | None  # the visible window
    overlays: dict[str, tuple[float | None, ...]] = field(default_factory=dict)
    indicators: frozenset[str] = frozenset()
    levels: tuple[tuple[str, float, str], ...] = ()  # (label, price, style: order|entry|liq|alert)
    mode: str = "candles"
    show_volume: bool = True
    title: str = ""
    colors: ChartColors = ChartColors()
    monochrome: bool = False  # NO_COLOR: rising and falling candles differ by shape, not colour


def _figure():
    """A private plotext figure; plotext is imported on the first draw (a thread), not at start-up."""
    from plotext._figure import _figure_class

    return _figure_class()


def hex_to_rgb(color: str) -> RGB:
    color = color.lstrip("#")[:6]
    return (int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16))


def _time_label(ts_s: int, span: int) -> str:
    moment = datetime.fromtimestamp(ts_s, UTC)
    return moment.strftime("%m-%d") if span >= 3 * 86_400 else moment.strftime("%H:%M")


def _series(xs: list[int], values: tuple[float | None, ...]) -> tuple[list[int], list[float]]:
    pairs = [(x, v) for x, v in zip(xs, values, strict=False) if v is not None]
    return [x for x, _ in pairs], [v for _, v in pairs]


def _style_axes(plot: Any, colors: ChartColors) -> None:
    plot.theme("clear")
    plot.ticks_color(colors.muted)


def build_chart(spec: ChartSpec, width: int, height: int) -> str:
    """The chart as an ANSI string of `height` lines of `width` cells."""
    figure = chart_figure(spec, width, height)
    return figure if isinstance(figure, str) else figure.build()


def chart_lines(spec: ChartSpec, width: int, height: int) -> str | list[Strip]:
    """What build_chart draws, as painted lines read from the figure's cells (what the widget shows;
    no ANSI text to write and parse back), or the text shown instead of a chart."""
    figure = chart_figure(spec, width, height)
    return figure if isinstance(figure, str) else figure_strips(figure)


def chart_runs(spec: ChartSpec, width: int, height: int) -> str | list[list[Run]]:
    """chart_lines' picture as plain data (runs of same-coloured cells) for another process to draw."""
    figure = chart_figure(spec, width, height)
    return figure if isinstance(figure, str) else figure_runs(figure)


def chart_figure(spec: ChartSpec, width: int, height: int) -> Any:
    """The plotext figure of the chart, or the text shown instead when there is no chart to draw."""
    if width < 20 or height < 6:
        return ""
    if not spec.candles:
        return "no candles yet"
    colors = spec.colors
    bars = display_bars(spec.candles)
    xs = list(range(len(spec.candles)))
    panels, folded = chart_panels(spec, height)
    small = small_panel_rows(height)
    main_height = height - small * (len(panels) - 1)
    if folded:
        spec = replace(spec, title=f"{spec.title}  ({'/'.join(folded)}: need more rows, Ctrl+Z)")

    fig = _figure()
    fig._limit_size(False, False)
    fig.plotsize(width, height)
    fig.subplots(len(panels), 1)
    for row, panel in enumerate(panels, start=1):
        plot = fig.subplot(row, 1)
        plot.plotsize(width, main_height if panel == "price" else small)
        _style_axes(plot, colors)
        if panel == "price":
            _draw_price(plot, spec, bars, xs)
        elif panel == "volume":
            _draw_volume(plot, spec, bars, xs)
        else:
            _draw_oscillator(plot, spec, xs, panel)
        _draw_time_axis(plot, bars, xs, show_labels=row == len(panels))
    return fig


MIN_PRICE_ROWS = 10


def small_panel_rows(height: int) -> int:
    return 6 if height >= 24 else 5


def chart_panels(spec: ChartSpec, height: int) -> tuple[list[str], list[str]]:
    """(panels drawn top to bottom, names of the ones that did not fit): indicators the user asked
    for come before volume, and the price panel keeps MIN_PRICE_ROWS; volume only when there is some."""
    wanted: list[str] = [name for name in ("rsi", "macd") if name in spec.indicators]
    if spec.show_volume and spec.candles is not None and any(v > 0 for v in spec.candles.volume):
        wanted.append("volume")
    small = small_panel_rows(height)
    fits = [name for index, name in enumerate(wanted) if height - small * (index + 1) >= MIN_PRICE_ROWS]
    folded = [name.upper() for name in wanted if name not in fits and name != "volume"]
    return ["price", *(name for name in ("volume", "rsi", "macd") if name in fits)], folded


def _draw_price(plot: Any, spec: ChartSpec, bars: Bars, xs: list[int]) -> None:
    colors = spec.colors
    o, h, lo, c = bars.open, bars.high, bars.low, bars.close
    if spec.mode == "line":
        plot.plot(xs, list(c), color=colors.accent, marker="braille")
    elif spec.mode == "ohlc":
        for x, op, hi, low, cl in zip(xs, o, h, lo, c, strict=True):
            plot.plot([x, x], [low, hi], color=colors.up if cl >= op else colors.down, marker="│")
        plot.scatter(xs, list(c), color=colors.text, marker="•")
    elif spec.monochrome:
        _draw_shaped_candles(plot, xs, o, h, lo, c, colors)
    else:
        data = {"Open": list(o), "High": list(h), "Low": list(lo), "Close": list(c)}
        plot.candlestick(xs, data, colors=[colors.up, colors.down])
    overlay_colors = [colors.accent, colors.warn, colors.muted]
    low, high = min(lo), max(h)
    for name, keys in PRICE_OVERLAYS.items():
        if name not in spec.indicators:
            continue
        for index, key in enumerate(keys):
            sx, sy = _series(xs, spec.overlays.get(key, ()))
            if sy:
                # the scale holds every line drawn (a band wider than the candles, a lagging average):
                # plotext fails on a labelled line wholly off the scale
                low, high = min(low, *sy), max(high, *sy)
                plot.plot(
                    sx,
                    sy,
                    color=overlay_colors[index % 3],
                    marker="braille",
                    label=name.upper() if index == 0 else None,
                )
    pad = (high - low) * 0.5 or high * 0.01
    hidden: list[str] = []
    level_colors = {"order": colors.accent, "entry": colors.text, "liq": colors.down, "alert": colors.warn}
    for label, price, style in spec.levels:
        if low - pad <= price <= high + pad:
            plot.hline(price, level_colors.get(style, colors.muted))
            plot.text(
                f"{label} {price:g}",
                x=xs[0],
                y=price,
                color=level_colors.get(style, colors.muted),
                alignment="left",
            )
            low, high = min(low, price), max(high, price)
        else:
            hidden.append(f"{label} {price:g} {'↑' if price > high else '↓'}")
    margin = (high - low) * 0.03 or abs(high) * 0.001 or 1.0  # a flat market (one quiet candle) still gets a scale
    plot.ylim(low - margin, high + margin)
    title = spec.title + (f"  ({', '.join(hidden)})" if hidden else "")
    if title:
        plot.title(title)


def _draw_shaped_candles(plot: Any, xs: list[int], o: Any, h: Any, lo: Any, c: Any, colors: ChartColors) -> None:
    """Candles that read without colour: a rising body is hollow (░), a falling one solid (█)."""
    for x, op, hi, low, cl in zip(xs, o, h, lo, c, strict=True):
        rising = cl >= op
        plot.plot([x, x], [low, hi], color=colors.muted, marker="│")
        plot.plot([x, x], [op, cl], color=colors.up if rising else colors.down, marker="░" if rising else "█")


def _draw_volume(plot: Any, spec: ChartSpec, bars: Bars, xs: list[int]) -> None:
    colors = spec.colors
    rows = list(zip(xs, bars.open, bars.close, bars.volume, strict=True))
    ups = [(x, v) for x, o, c, v in rows if c >= o]
    downs = [(x, v) for x, o, c, v in rows if c < o]
    for side, color in ((ups, colors.up), (downs, colors.down)):
        if side:
            plot.bar([x for x, _ in side], [v for _, v in side], color=color, width=0.6)


def _draw_oscillator(plot: Any, spec: ChartSpec, xs: list[int], panel: str) -> None:
    colors = spec.colors
    if panel == "rsi":
        sx, sy = _series(xs, spec.overlays.get("rsi", ()))
        if sy:
            plot.plot(sx, sy, color=colors.accent, marker="braille", label="RSI")
        plot.hline(70, colors.down)
        plot.hline(30, colors.up)
        plot.ylim(0, 100)
        return
    hx, hy = _series(xs, spec.overlays.get("macd_hist", ()))
    if hy:
        plot.bar(hx, hy, color=colors.muted, width=0.6)
    for key, color in (("macd", colors.accent), ("macd_signal", colors.warn)):
        sx, sy = _series(xs, spec.overlays.get(key, ()))
        if sy:
            plot.plot(sx, sy, color=color, marker="braille", label=key.upper().replace("_", " "))


def _draw_time_axis(plot: Any, bars: Bars, xs: list[int], show_labels: bool) -> None:
    plot.xlim(-0.5, len(xs) - 0.5)
    if not show_labels:
        plot.xticks([], [])
        return
    span = bars.ts_s[-1] - bars.ts_s[0]
    step = max(1, len(xs) // 6)
    ticks = xs[::step]
    plot.xticks(ticks, [_time_label(bars.ts_s[x], span) for x in ticks])


def value_ticks(low: float, high: float, count: int) -> tuple[list[float], list[str]]:
    """`count` evenly spaced axis ticks spanning [low, high] (a flat series gets ±1), labelled with
    just enough decimals to tell neighbours apart: 100,000.01, never 100000.0097130."""
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    step = (high - low) / (count - 1)
    decimals = min(6, max(0, -math.floor(math.log10(step) + 1e-9)))
    ticks = [low + step * i for i in range(count)]
    return ticks, [f"{tick:,.{decimals}f}" for tick in ticks]


def build_line_chart(
    values: list[float], width: int, height: int, color: RGB, title: str = "", labels: list[str] | None = None
) -> str:
    """A small single-series line chart (equity curves, sparklines with axes)."""
    if width < 20 or height < 5 or not values:
        return ""
    fig = _figure()
    fig._limit_size(False, False)
    fig.plotsize(width, height)
    fig.theme("clear")
    xs = list(range(len(values)))
    fig.plot(xs, values, color=color, marker="braille")
    ticks, tick_labels = value_ticks(min(values), max(values), max(2, min(5, height // 3)))
    fig.ylim(ticks[0], ticks[-1])
    fig.yticks(ticks, tick_labels)
    if title:
        fig.title(title)
    if labels:
        step = max(1, len(xs) // 4)
        fig.xticks(xs[::step], labels[::step])
    return fig.build()

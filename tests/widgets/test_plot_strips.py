"""The chart's painted lines read from plotext's cells (plot_strips.py) are exactly what parsing its
ANSI text gave: the same characters in the same runs with the same styles, line for line."""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.text import Text

from tests.widgets.fixtures import candles
from widgets.candle_plot import ChartColors, ChartSpec, build_chart, chart_lines
from widgets.thread_plot import text_lines

BARS = candles(60)
CLOSES = [close / 1000 for close in BARS.close]  # expo -3
OVERLAYS = {
    "sma": tuple(CLOSES),
    "ema": tuple(None if i < 5 else close for i, close in enumerate(CLOSES)),
    "vwap": tuple(CLOSES[::-1]),
    "bb_upper": tuple(close + 0.2 for close in CLOSES),
    "bb_mid": tuple(CLOSES),
    "bb_lower": tuple(close - 0.2 for close in CLOSES),
    "rsi": tuple(50.0 + i % 20 for i in range(60)),
    "macd": tuple(0.1 * (i % 5) for i in range(60)),
    "macd_signal": tuple(0.2 for _ in range(60)),
    "macd_hist": tuple(0.05 * (i % 3 - 1) for i in range(60)),
}
EVERY = frozenset({"sma", "ema", "vwap", "bollinger", "rsi", "macd"})
LEVELS = (
    ("buy #7", CLOSES[-1] - 0.3, "order"),
    ("entry", CLOSES[-1], "entry"),
    ("liq", 20.0, "liq"),
    ("alert #2", 500.0, "alert"),
)

CASES = {
    "candles": (ChartSpec(candles(80), title="SOL-PERP 1m candles"), 112, 26),
    "ohlc": (ChartSpec(candles(80), mode="ohlc", title="SOL-PERP 1m ohlc"), 112, 26),
    "line": (ChartSpec(candles(80), mode="line", title="SOL-PERP 1m line"), 112, 26),
    "monochrome": (ChartSpec(candles(60), monochrome=True, title="NO_COLOR"), 90, 24),
    "indicators and levels": (
        ChartSpec(BARS, overlays=OVERLAYS, indicators=EVERY, levels=LEVELS, title="SOL-PERP 1m candles"),
        190,
        50,
    ),
    "folded panels": (ChartSpec(BARS, overlays=OVERLAYS, indicators=EVERY, title="short"), 60, 14),
    "no volume, other colours": (
        ChartSpec(candles(30).window(0), show_volume=False, colors=ChartColors(up=(1, 2, 3), text=(9, 9, 9))),
        40,
        8,
    ),
}


def segments(lines) -> list[list[tuple[str, object]]]:
    return [[(segment.text, segment.style) for segment in line] for line in lines]


@pytest.mark.parametrize("case", CASES)
def test_the_cells_paint_exactly_what_the_ansi_text_did(case: str) -> None:
    spec, width, height = CASES[case]
    parsed = text_lines(Text.from_ansi(build_chart(spec, width, height), no_wrap=True), Console())[:height]
    painted = chart_lines(spec, width, height)
    assert isinstance(painted, list) and len(painted) == height
    assert [line.cell_length for line in painted] == [width] * height
    assert segments(painted) == segments(parsed)


def test_no_chart_is_the_same_text_either_way() -> None:
    assert chart_lines(ChartSpec(None), 80, 20) == build_chart(ChartSpec(None), 80, 20) == "no candles yet"
    assert chart_lines(ChartSpec(candles(5)), 10, 4) == build_chart(ChartSpec(candles(5)), 10, 4) == ""

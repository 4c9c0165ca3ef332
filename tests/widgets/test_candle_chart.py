"""CandleChart: throttled off-thread drawing, indicator keys, pan/zoom, levels, timeframes."""

from __future__ import annotations

from textual.app import App, ComposeResult

from backend.api.protocol import Candles
from tests.widgets.fixtures import candles
from themes import register_themes
from widgets.candle_chart import CandleChart
from widgets.candle_plot import ChartSpec, build_chart, chart_panels


class ChartApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        register_themes(self)
        self.chart = CandleChart(market="SOL-PERP", timeframe="1m")
        self.timeframes: list[str] = []

    def compose(self) -> ComposeResult:
        yield self.chart

    def on_mount(self) -> None:
        self.chart.set_candles(candles())
        self.chart.focus()

    def on_candle_chart_timeframe_changed(self, message: CandleChart.TimeframeChanged) -> None:
        self.timeframes.append(message.timeframe)


async def _drawn(pilot, app: ChartApp, window: float = 0.35) -> str:
    """The picture once the redraw window has passed (a live candle's window is longer)."""
    await pilot.pause(window)
    await app.workers.wait_for_complete()
    await pilot.pause()
    return app.chart.render().plain


async def test_draws_candles_with_title_off_the_ui_thread() -> None:
    app = ChartApp()
    async with app.run_test(size=(100, 30)) as pilot:
        text = await _drawn(pilot, app)
        assert "SOL-PERP 1m candles" in text
        assert "┤" in text  # the y axis
        assert app.chart.draws == 1


async def test_burst_of_updates_costs_few_redraws() -> None:
    app = ChartApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await _drawn(pilot, app)
        before = app.chart.draws
        last = candles().window(-1)
        for i in range(1000):
            last.close[0] += 1
            app.chart.update_candle(last)
        await _drawn(pilot, app, window=1 / CandleChart.LIVE_REDRAW_HZ + 0.1)
        assert app.chart.draws - before == 1
        assert app.chart.spec().candles.close[-1] == candles().close[-1] + 1000 and len(app.chart.spec().candles) == 80


async def test_a_live_bar_replaces_the_last_one_or_follows_it_exactly() -> None:
    app = ChartApp()
    async with app.run_test(size=(100, 30)):
        bars = candles()
        same = Candles("SOL-PERP", "1m", -3, [bars.ts_s[-1]], [1], [145_123], [1], [145_001], [7 * 10**9], [3])
        app.chart.update_candle(same)
        chart_bars = app.chart._candles
        assert (len(chart_bars), chart_bars.high[-1], chart_bars.close[-1], chart_bars.volume[-1]) == (
            120,
            145_123,
            145_001,
            7 * 10**9,
        )
        older = Candles("SOL-PERP", "1m", -3, [bars.ts_s[-2]], [1], [1], [1], [1], [0], [1])
        app.chart.update_candle(older)  # a bar the chart has moved past changes nothing
        assert len(chart_bars) == 120 and chart_bars.close[-2] == bars.close[-2]
        newer = Candles("SOL-PERP", "1m", -3, [bars.ts_s[-1] + 60], [2], [2], [2], [2], [0], [1])
        app.chart.update_candle(newer)
        assert len(chart_bars) == 121 and chart_bars.ts_s[-1] == bars.ts_s[-1] + 60
        assert len(bars) == 120  # the owner's struct is not the chart's copy


async def test_number_keys_toggle_indicators_and_m_cycles_mode() -> None:
    app = ChartApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("1", "4", "6", "m")
        assert app.chart.indicators == {"sma", "bollinger", "macd"}
        assert app.chart.mode == "ohlc"
        await pilot.press("1", "m")
        assert app.chart.indicators == {"bollinger", "macd"}
        assert app.chart.mode == "line"
        assert "[BOLLINGER MACD]" in await _drawn(pilot, app)


async def test_pan_and_zoom_move_the_window_and_end_follows_latest() -> None:
    app = ChartApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("plus")
        assert app.chart.window_size == 64
        await pilot.press("left", "left")
        assert app.chart.scrolled_back == 12
        spec = app.chart.spec()
        assert len(spec.candles) == 64
        assert spec.candles.ts_s[-1] == candles().ts_s[-13]
        await pilot.press("right")
        assert app.chart.scrolled_back == 6
        await pilot.press("end", "minus")
        assert (app.chart.scrolled_back, app.chart.window_size) == (0, 80)


async def test_t_cycles_timeframe_and_tells_the_owner() -> None:
    app = ChartApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("t", "t")
        await pilot.pause()
        assert app.timeframes == ["5m", "15m"]
        assert "SOL-PERP 15m" in await _drawn(pilot, app)


def test_levels_in_range_are_drawn_and_far_ones_are_named_in_the_title() -> None:
    spec = ChartSpec(candles(40), levels=(("entry", 140.5, "entry"), ("liq", 20.0, "liq")), title="X")
    from rich.text import Text

    text = Text.from_ansi(build_chart(spec, 90, 30)).plain
    assert "entry 140.5" in text
    assert "X  (liq 20 ↓)" in text


def test_volume_rsi_macd_panels_render() -> None:
    rows = candles(40)
    overlays = {
        "rsi": tuple(50.0 + i % 20 for i in range(40)),
        "macd": tuple(0.1 * (i % 5) for i in range(40)),
        "macd_signal": tuple(0.2 for _ in range(40)),
        "macd_hist": tuple(0.05 for _ in range(40)),
    }
    spec = ChartSpec(rows, overlays=overlays, indicators=frozenset({"rsi", "macd"}))
    from rich.text import Text

    text = Text.from_ansi(build_chart(spec, 90, 40)).plain
    assert "RSI" in text and "MACD" in text
    assert len(text.splitlines()) == 40


def _spec(volume: int, indicators: frozenset[str] = frozenset(), **kwargs) -> ChartSpec:
    """30 bars at expo -1 (100.0 .. 101.0), rising and falling in turn, each with `volume` (base 1e9)."""
    closes = [1005 if i % 2 else 995 for i in range(30)]
    bars = Candles("SOL-PERP", "1m", -1, [60 * i for i in range(30)], [1000] * 30, [1010] * 30, [990] * 30, closes)
    bars.volume, bars.count = [volume] * 30, [1] * 30
    return ChartSpec(candles=bars, indicators=indicators, **kwargs)


def test_rsi_is_kept_before_volume_on_a_short_chart_and_a_folded_panel_is_named() -> None:
    rsi = frozenset({"rsi"})
    assert chart_panels(_spec(5, rsi), 18) == (["price", "rsi"], [])  # 18 rows: RSI stays, volume folds
    assert chart_panels(_spec(5, rsi), 21) == (["price", "volume", "rsi"], [])
    assert chart_panels(_spec(5, rsi), 30) == (["price", "volume", "rsi"], [])
    assert chart_panels(_spec(5, frozenset({"rsi", "macd"})), 18) == (["price", "rsi"], ["MACD"])
    assert chart_panels(_spec(5, rsi), 14) == (["price"], ["RSI"])
    assert "(RSI: need more rows, Ctrl+Z)" in build_chart(_spec(5, rsi, title="SOL-PERP"), 60, 14)


def test_no_volume_panel_when_no_candle_has_volume() -> None:
    assert chart_panels(_spec(0), 40) == (["price"], [])
    assert chart_panels(_spec(1), 40) == (["price", "volume"], [])


def test_without_colour_rising_and_falling_candles_have_different_bodies() -> None:
    chart = build_chart(_spec(0, monochrome=True), 60, 16)
    assert "░" in chart and "█" in chart


def test_a_flat_market_gets_a_price_scale_around_its_one_price() -> None:
    """The first quiet minute after a start is one candle with open = high = low = close: plotext divided
    by the zero price range and the chart showed 'plot failed' instead."""
    from rich.text import Text

    for mode in ("candles", "ohlc", "line"):
        flat = Candles("SOL-PERP", "1m", -8, [60], [145 * 10**8], [145 * 10**8], [145 * 10**8], [145 * 10**8], [0], [1])
        spec = ChartSpec(flat, mode=mode, title="flat")
        text = Text.from_ansi(build_chart(spec, 60, 16)).plain
        assert "145.0" in text and "flat" in text, mode

"""EquityChart: title with latest equity and signed change; throttled off-thread line plot."""

from __future__ import annotations

from textual.app import App, ComposeResult

from themes import register_themes
from widgets.candle_plot import value_ticks
from widgets.equity_chart import EquityChart


class EquityApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        register_themes(self)
        self.chart = EquityChart(max_points=3)

    def compose(self) -> ComposeResult:
        yield self.chart


async def test_title_shows_latest_equity_and_change_with_sign() -> None:
    app = EquityApp()
    async with app.run_test(size=(80, 12)) as pilot:
        app.chart.set_points([(0, 10_000_000_000), (60, 9_000_000_000)])
        assert app.chart.title() == "Equity $9,000.00  ▼ -1,000.00 (-10.00%)"
        app.chart.add_point(120, 10_500_000_000)
        assert app.chart.title() == "Equity $10,500.00  ▲ +500.00 (+5.00%)"
        app.chart.add_point(180, 10_500_000_000)
        assert app.chart.title() == "Equity $10,500.00  ▲ +1,500.00 (+16.67%)"  # oldest point dropped
        await pilot.pause(0.6)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Equity $10,500.00" in app.chart.render().plain


def test_equity_axis_labels_use_just_enough_decimals() -> None:
    ticks, labels = value_ticks(100_000.0, 100_000.03, 4)
    assert labels == ["100,000.00", "100,000.01", "100,000.02", "100,000.03"]
    assert value_ticks(99_000.0, 101_000.0, 3)[1] == ["99,000", "100,000", "101,000"]
    assert value_ticks(5.0, 5.0, 3)[1] == ["4", "5", "6"]  # a flat curve still gets an axis

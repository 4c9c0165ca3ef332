"""SVG snapshots of the main widgets at 120x40 (update with `pytest tests/widgets --snapshot-update`)."""

from __future__ import annotations

from tests.widgets.demo_apps import MarketsDemo

SIZE = (120, 40)


def test_markets_watchlist_and_status_bar_snapshot(snap_compare) -> None:
    assert snap_compare(MarketsDemo(), terminal_size=SIZE, press=["down"])


def test_markets_colourblind_theme_snapshot(snap_compare) -> None:
    assert snap_compare(MarketsDemo(theme="quantdesk-colorblind"), terminal_size=SIZE)


def test_trade_ticket_book_positions_orders_snapshot(snap_compare) -> None:
    from tests.widgets.demo_apps import TradeDemo

    assert snap_compare(TradeDemo(), terminal_size=SIZE)


async def _wait_for_charts(pilot) -> None:
    await pilot.pause(0.7)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_candle_chart_and_equity_snapshot(snap_compare) -> None:
    from tests.widgets.demo_apps import ChartDemo

    assert snap_compare(ChartDemo(), terminal_size=SIZE, run_before=_wait_for_charts)


def test_log_help_and_status_snapshot(snap_compare) -> None:
    from tests.widgets.demo_apps import SystemDemo

    assert snap_compare(SystemDemo(), terminal_size=SIZE)

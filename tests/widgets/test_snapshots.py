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

from __future__ import annotations

from quantdesk_tui.feed import chart_overlays, watchlist_stats


def test_watchlist_stats_convert_engine_integers_for_display():
    stats = watchlist_stats(
        {
            "market": "SOL-PERP",
            "funding_rate": 125_000,
            "funding_interval": 3600,
            "open_interest": 2 * 10**9,
            "oracle_price": 150 * 10**6,
        }
    )
    assert stats["funding_rate_hourly"] == 0.000125
    assert stats["open_interest_usd"] == 300.0
    half_hour = watchlist_stats(
        {"funding_rate": 125_000, "funding_interval": 1800, "open_interest": 0, "oracle_price": 1}
    )
    assert half_hour["funding_rate_hourly"] == 0.00025


def test_indicator_series_become_chart_series():
    overlays = chart_overlays(
        {
            "sma:20": [None, 1.0],
            "bb:20:2": {"mid": [1], "upper": [2], "lower": [0]},
            "macd:12:26:9": {"macd": [0.1], "signal": [0.2], "hist": [-0.1]},
        }
    )
    assert overlays == {
        "sma": [None, 1.0],
        "bb_upper": [2],
        "bb_mid": [1],
        "bb_lower": [0],
        "macd": [0.1],
        "macd_signal": [0.2],
        "macd_hist": [-0.1],
    }


def test_a_liquidation_push_becomes_a_log_line_and_a_liquidation_notice():
    from quantdesk_tui.notices import LiquidationNotice
    from quantdesk_tui.feed import BackendFeed
    from quantdesk_tui.hub import Hub

    told: list[object] = []
    hub = Hub(post=told.append)
    feed = BackendFeed(client=None, hub=hub)  # type: ignore[arg-type]
    feed._on_liquidation(
        {
            "kind": "liquidation",
            "market": "SOL-PERP",
            "side": "sell",
            "size": 30 * 10**9,
            "price": 118 * 10**6,
            "fee": 70_800_000,
            "insurance_fund": 30_821_337,
        }
    )
    assert hub.log[-1] == ("error", "liquidated: sell 30 SOL-PERP @ 118, fee 70.80 USDC; insurance fund 30.82 USDC")
    notices = [m for m in told if isinstance(m, LiquidationNotice)]
    assert [n.record["fee"] for n in notices] == [70_800_000]
    feed._on_liquidation({"kind": "socialized_loss", "market": "SOL-PERP", "amount": 1_500_000, "insurance_fund": 0})
    assert hub.log[-1] == ("error", "socialized loss 1.50 USDC on SOL-PERP; insurance fund 0.00 USDC")

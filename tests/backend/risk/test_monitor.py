"""The risk monitor: margin health, leverage, liquidation distance, levels, the stream, equity history."""

from __future__ import annotations

import pytest

from backend.bus import Bus
from backend.risk.monitor import RiskMonitor, RiskThresholds, account_risk

from .conftest import account, position


def test_liquidation_distance_margin_and_levels_are_computed_from_the_views():
    acct = account(0, equity=2_000 * 10**6, maint=400 * 10**6, initial=800 * 10**6, leverage=75_000, margin_ratio=1_333)
    positions = [
        position("SOL-PERP", 10, 150.0, liq=140.0),
        position("BTC-PERP", -0.1, 100_000.0, liq=125_000.0),
        position("ETH-PERP", 0, 3000.0),
    ]
    risk = account_risk(
        "paper", acct, positions, {"SOL-PERP": 150_000_000, "BTC-PERP": 100_000_000_000}, RiskThresholds(), ts=1.0
    )
    sol, btc = risk.positions
    assert (sol.market, sol.notional, sol.liq_price) == ("SOL-PERP", 1500.0, 140.0)
    assert sol.liq_distance_pct == pytest.approx(100 * 10 / 150)  # 6.67%: critical (<= 7.5)
    assert sol.level == "critical"
    assert btc.notional == -10_000.0 and btc.liq_distance_pct == pytest.approx(25.0) and btc.level == "ok"
    assert risk.margin_ratio_pct == pytest.approx(13.33)  # <= 20: warning
    assert risk.margin_usage_pct == pytest.approx(20.0)
    assert risk.leverage_x == 7.5
    assert risk.free_collateral == 1_200.0
    assert risk.level == "critical"
    assert risk.reasons == ["warning: margin ratio 13.3%", "critical: SOL-PERP is 6.67% from liquidation"]


def test_flat_account_is_ok_with_no_ratio():
    risk = account_risk("paper", account(0), [], {}, RiskThresholds(), ts=1.0)
    assert (risk.level, risk.margin_ratio_pct, risk.margin_usage_pct, risk.positions) == ("ok", None, None, [])


async def test_monitor_publishes_per_account_and_records_equity(store, venue):
    venue.views[("paper", 0)] = account(0, equity=1_000 * 10**6)
    venue.views[("paper", 1)] = account(1, equity=2_000 * 10**6)
    venue.positions[("paper", 1)] = [position("SOL-PERP", 1, 100.0, liq=50.0)]
    venue.prices["SOL-PERP"] = 100_000_000
    bus = Bus()
    seen = []
    bus.on("risk", seen.append)
    monitor = RiskMonitor(bus, venue, store, clock=lambda: 1_000.0)
    assert [(r.sub_account, r.equity) for r in monitor.refresh()] == [(0, 1000.0), (1, 2000.0)]
    assert seen[1].positions[0].liq_distance_pct == 50.0
    assert monitor.record_equity() == 2
    await store.write(lambda c: None)  # the submit above is committed before this write resolves
    rows = store.query("SELECT ts, sub_account, equity FROM equity_history ORDER BY sub_account")
    assert rows == [
        {"ts": 1000, "sub_account": 0, "equity": 1_000 * 10**6},
        {"ts": 1000, "sub_account": 1, "equity": 2_000 * 10**6},
    ]

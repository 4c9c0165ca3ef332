"""Analytics with hand-computed expectations: VaR/CVaR, stress, crash, exposure, attribution, drawdown."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from backend.candles import as_candles
from backend.risk.analytics import (
    RiskAnalytics,
    closes_frame,
    correlated_crash,
    drawdown,
    pnl_attribution,
    portfolio_pnl,
    simple_returns,
    stress,
    var_cvar,
)

from .conftest import account, position

# 21 daily returns, shuffled; sorted: -0.10, -0.08, -0.05, -0.04, ..., 0.07, 0.08
RETURNS = [
    0.01,
    -0.05,
    0.03,
    -0.10,
    0.02,
    0.05,
    -0.01,
    0.04,
    0.0,
    -0.08,
    0.06,
    0.02,
    -0.03,
    0.01,
    0.08,
    -0.02,
    0.03,
    0.07,
    -0.04,
    0.05,
    0.04,
]


def test_var_and_cvar_of_a_long_position_match_the_hand_computation():
    pnl = portfolio_pnl(pd.DataFrame({"SOL-PERP": RETURNS}), {"SOL-PERP": 10_000.0})
    # n = 21: the 5% quantile sits at position (n-1)*0.05 = 1 -> the 2nd worst, -800
    var95, cvar95 = var_cvar(pnl, 0.95)
    assert var95 == pytest.approx(800.0)
    assert cvar95 == pytest.approx(900.0)  # mean of -1000 and -800
    # the 1% quantile at position 0.2: -1000 + 0.2 * (-800 - -1000) = -960
    var99, cvar99 = var_cvar(pnl, 0.99)
    assert var99 == pytest.approx(960.0)
    assert cvar99 == pytest.approx(1000.0)


def test_var_of_a_short_position_comes_from_the_rallies():
    pnl = portfolio_pnl(pd.DataFrame({"SOL-PERP": RETURNS}), {"SOL-PERP": -10_000.0})
    assert var_cvar(pnl, 0.95) == pytest.approx((700.0, 750.0))
    assert var_cvar(pnl, 0.99) == pytest.approx((780.0, 800.0))


def test_var_from_daily_candles_uses_simple_returns_of_closes():
    closes = [100.0]
    for r in RETURNS:
        closes.append(closes[-1] * (1 + r))
    day0 = 1_790_000_000 // 86_400 * 86_400
    bars = as_candles(
        "SOL-PERP", "1d", -8, [[day0 + i * 86_400, *[round(c * 1e8)] * 4, 0, 1] for i, c in enumerate(closes)]
    )
    returns = simple_returns(closes_frame({"SOL-PERP": bars}, "1D"))
    assert returns["SOL-PERP"].tolist() == pytest.approx(RETURNS)
    assert var_cvar(portfolio_pnl(returns, {"SOL-PERP": 10_000.0}), 0.95)[0] == pytest.approx(800.0)


def test_stress_shocks_and_correlated_crash_are_exact():
    notionals = {"SOL-PERP": 1_500.0, "BTC-PERP": -5_000.0}
    rows = {(r["market"], r["shock_pct"]): (r["pnl"], r["equity_after"]) for r in stress(notionals, 10_000.0)}
    assert len(rows) == 16
    assert rows[("SOL-PERP", -30)] == (-450.0, 9_550.0)
    assert rows[("SOL-PERP", 5)] == (75.0, 10_075.0)
    assert rows[("BTC-PERP", 30)] == (-1_500.0, 8_500.0)
    assert rows[("BTC-PERP", -10)] == (500.0, 10_500.0)
    crash = {c["crash_pct"]: c for c in correlated_crash(notionals, 10_000.0)}
    # BTC -20%, SOL -20% x 1.5 = -30%: 1500 * -0.30 + -5000 * -0.20 = -450 + 1000
    assert crash[20]["pnl"] == pytest.approx(550.0)
    assert crash[20]["by_market"]["SOL-PERP"] == {"move_pct": -30.0, "pnl": -450.0}
    # BONK beta 2.5 caps at -100% in a 50% crash
    assert correlated_crash({"1MBONK-PERP": 100.0}, 0.0, crash_pcts=(50,))[0]["pnl"] == -100.0


def test_pnl_attribution_and_drawdown():
    positions = [
        position("SOL-PERP", 1, 100, upnl=50, realized=20, funding=-3, fees=2),
        position("SOL-PERP", 0, 100, realized=-10, fees=1, sub=1),
        position("BTC-PERP", -1, 100, upnl=-5, funding=4),
    ]
    pnl = pnl_attribution(positions)
    assert pnl["by_market"] == [
        {"market": "BTC-PERP", "trading": -5.0, "funding": 4.0, "fees": 0.0, "total": -1.0},
        {"market": "SOL-PERP", "trading": 60.0, "funding": -3.0, "fees": -3.0, "total": 54.0},
    ]
    assert pnl["total"] == {"trading": 55.0, "funding": 1.0, "fees": -3.0, "total": 53.0}
    dd = drawdown(pd.Series([100.0, 120.0, 90.0, 110.0]))
    assert dd == {"current_pct": pytest.approx(-100 / 12), "max_pct": pytest.approx(-25.0), "peak": 120.0}


async def test_report_is_plain_json_with_every_section(store, venue):
    venue.views[("paper", 0)] = account(0, equity=10_000 * 10**6)
    venue.positions[("paper", 0)] = [
        position("SOL-PERP", 10, 150.0, liq=100.0),
        position("BTC-PERP", -0.05, 100_000.0, liq=150_000.0),
    ]
    venue.prices.update({"SOL-PERP": 150_000_000, "BTC-PERP": 100_000_000_000})
    day0 = 1_790_000_000 // 86_400 * 86_400

    def bars(market, tf, limit):
        if tf != "1d":
            return as_candles(market, tf, -8, [])
        closes = [100.0]
        for r in RETURNS if market == "SOL-PERP" else RETURNS[::-1]:
            closes.append(closes[-1] * (1 + r))
        return as_candles(
            market, tf, -8, [[day0 + i * 86_400, *[round(c * 1e8)] * 4, 0, 1] for i, c in enumerate(closes)]
        )

    await store.write(
        lambda c: c.executemany(
            "INSERT INTO equity_history (ts, authority, sub_account, equity, total_collateral, unrealized_pnl)"
            " VALUES (?, 'paper', 0, ?, 0, 0)",
            [(60, 10_000 * 10**6), (120, 12_000 * 10**6), (180, 9_000 * 10**6)],
        )
    )
    report = RiskAnalytics(venue, bars, store).report()
    json.dumps(report, allow_nan=False)
    assert report["equity"] == 10_000.0
    assert report["exposure"]["gross"] == 6_500.0 and report["exposure"]["net"] == -3_500.0
    assert report["var"]["observations"] == 21 and set(report["var"]["levels"]) == {"95", "99"}
    assert report["correlation"]["markets"] == ["BTC-PERP", "SOL-PERP"]
    assert report["equity_curve"]["max_pct"] == pytest.approx(-25.0)
    assert report["stress"]["betas"] == {"BTC-PERP": 1.0, "SOL-PERP": 1.5}

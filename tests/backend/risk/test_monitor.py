"""The risk monitor: margin health, leverage, liquidation distance, levels, the stream, equity history.

Every number is an integer in the unit backend/risk/monitor.py names; the expectations are worked by hand.
"""

from __future__ import annotations

import asyncio

import pytest

from backend.bus import Bus
from backend.risk.monitor import RiskMonitor, RiskThresholds, account_risk, grade, liq_distance, notional

from .conftest import account, position

T = RiskThresholds()


def test_a_worked_account_in_integers():
    acct = account(0, equity=2_000 * 10**6, maint=400 * 10**6, initial=800 * 10**6, leverage=75_000, margin_ratio=1_333)
    positions = [
        position("SOL-PERP", 10, 150.0, liq=140.0),
        position("BTC-PERP", -0.1, 100_000.0, liq=125_000.0),
        position("ETH-PERP", 0, 3000.0),  # flat: not monitored
    ]
    risk = account_risk("paper", acct, positions, {"SOL-PERP": 150_000_000, "BTC-PERP": 100_000_000_000}, T, 1_500)
    sol, btc = risk.positions
    # SOL: 10 * 150 = $1,500; |150 - 140| / 150 = 6.6666..% -> 66_666 (1e6 = 100%), at or under 7.5%: critical
    assert (sol.market, sol.base, sol.notional, sol.liq_price) == ("SOL-PERP", 10 * 10**9, 1_500 * 10**6, 140 * 10**6)
    assert (sol.oracle_price, sol.liq_distance, sol.level) == (150 * 10**6, 66_666, "critical")
    # BTC: -0.1 * 100,000 = -$10,000; |100,000 - 125,000| / 100,000 = 25% -> 250_000: ok
    assert (btc.base, btc.notional, btc.liq_distance, btc.level) == (-(10**8), -10_000 * 10**6, 250_000, "ok")
    # 400 / 2,000 = 20% of collateral -> 2_000 (1e4 = 100%): under 50%, ok; margin ratio 13.33% <= 20%: warning
    assert (risk.margin_ratio, risk.margin_usage, risk.leverage) == (1_333, 2_000, 75_000)
    assert (risk.ts_ms, risk.equity, risk.free_collateral, risk.initial_margin) == (
        1_500,
        2_000 * 10**6,
        1_200 * 10**6,
        800 * 10**6,
    )
    assert risk.level == "critical"
    assert risk.reasons == ["warning: margin ratio 13.33%", "critical: SOL-PERP is 6.6666% from liquidation"]


def test_divisions_round_toward_the_worse_grade():
    # usage 400.000001 / 2,000 = 20.00000005% -> rounded up to 2_001; a distance of 15.0000333..% down to 150_000
    acct = account(0, equity=2_000 * 10**6, maint=400_000_001, margin_ratio=5_000)
    assert account_risk("paper", acct, [position("SOL-PERP", 1, 3.0)], {}, T, 0).margin_usage == 2_001
    assert liq_distance(3_000_000, 3_000_000 - 450_001) == 150_000  # exactly 15.0000333..%
    assert grade(liq_distance(3_000_000, 3_000_000 - 450_001), 150_000, 75_000, low_is_bad=True) == "warning"
    # a notional's size rounds up: 0.000000001 SOL at $150 is $0.00000015 -> 1 unit of 1e-6, either side
    assert (notional(1, 150_000_000), notional(-1, 150_000_000)) == (1, -1)
    assert notional(3 * 10**9, 1_500_000) == 4_500_000


@pytest.mark.parametrize(
    ("value", "warning", "critical", "low_is_bad", "expected"),
    [
        # margin ratio (MARGIN_PRECISION): 20% / 10%, lower is worse
        (2_001, T.margin_ratio_warning, T.margin_ratio_critical, True, "ok"),
        (2_000, T.margin_ratio_warning, T.margin_ratio_critical, True, "warning"),
        (1_001, T.margin_ratio_warning, T.margin_ratio_critical, True, "warning"),
        (1_000, T.margin_ratio_warning, T.margin_ratio_critical, True, "critical"),
        # margin usage: 50% / 80%, higher is worse
        (4_999, T.margin_usage_warning, T.margin_usage_critical, False, "ok"),
        (5_000, T.margin_usage_warning, T.margin_usage_critical, False, "warning"),
        (7_999, T.margin_usage_warning, T.margin_usage_critical, False, "warning"),
        (8_000, T.margin_usage_warning, T.margin_usage_critical, False, "critical"),
        # leverage: 10x / 15x
        (99_999, T.leverage_warning, T.leverage_critical, False, "ok"),
        (100_000, T.leverage_warning, T.leverage_critical, False, "warning"),
        (149_999, T.leverage_warning, T.leverage_critical, False, "warning"),
        (150_000, T.leverage_warning, T.leverage_critical, False, "critical"),
        # liquidation distance (PERCENTAGE_PRECISION): 15% / 7.5%
        (150_001, T.liq_distance_warning, T.liq_distance_critical, True, "ok"),
        (150_000, T.liq_distance_warning, T.liq_distance_critical, True, "warning"),
        (75_001, T.liq_distance_warning, T.liq_distance_critical, True, "warning"),
        (75_000, T.liq_distance_warning, T.liq_distance_critical, True, "critical"),
        (None, T.liq_distance_warning, T.liq_distance_critical, True, "ok"),
    ],
)
def test_grades_at_the_exact_thresholds(value, warning, critical, low_is_bad, expected):
    assert grade(value, warning, critical, low_is_bad=low_is_bad) == expected


def test_the_default_thresholds_are_the_documented_levels():
    assert (T.margin_ratio_warning, T.margin_ratio_critical) == (2_000, 1_000)  # 20%, 10% of 1e4
    assert (T.margin_usage_warning, T.margin_usage_critical) == (5_000, 8_000)  # 50%, 80%
    assert (T.leverage_warning, T.leverage_critical) == (100_000, 150_000)  # 10x, 15x
    assert (T.liq_distance_warning, T.liq_distance_critical) == (150_000, 75_000)  # 15%, 7.5% of 1e6


def test_a_position_at_its_thresholds_through_the_account():
    acct = account(0, equity=10_000 * 10**6, maint=5_000 * 10**6, leverage=100_000, margin_ratio=2_000)
    risk = account_risk("paper", acct, [position("SOL-PERP", 1, 100.0, liq=85.0)], {"SOL-PERP": 100_000_000}, T, 0)
    assert (risk.positions[0].liq_distance, risk.positions[0].level) == (150_000, "warning")
    assert (risk.margin_usage, risk.level) == (5_000, "warning")
    assert risk.reasons == [
        "warning: margin ratio 20%",
        "warning: maintenance margin is 50% of collateral",
        "warning: leverage 10x",
        "warning: SOL-PERP is 15% from liquidation",
    ]


def test_flat_account_is_ok_with_no_ratio_and_unreachable_is_none():
    risk = account_risk("paper", account(0), [], {}, T, 0)
    assert (risk.level, risk.margin_ratio, risk.margin_usage, risk.positions) == ("ok", None, None, [])
    no_liq = account_risk("paper", account(0), [position("SOL-PERP", 1, 100.0)], {}, T, 0).positions[0]
    assert (no_liq.liq_price, no_liq.liq_distance, no_liq.oracle_price, no_liq.level) == (None, None, 100 * 10**6, "ok")


def test_no_collateral_left_is_critical_without_an_infinity():
    acct = account(0, equity=0, maint=5 * 10**6, margin_ratio=0)
    risk = account_risk("paper", acct, [position("SOL-PERP", 1, 100.0)], {}, T, 0)
    assert (risk.margin_usage, risk.level) == (None, "critical")
    assert "critical: no collateral is left against the maintenance margin" in risk.reasons


async def test_monitor_publishes_per_account_and_records_equity(store, venue):
    venue.views[("paper", 0)] = account(0, equity=1_000 * 10**6)
    venue.views[("paper", 1)] = account(1, equity=2_000 * 10**6)
    venue.positions[("paper", 1)] = [position("SOL-PERP", 1, 100.0, liq=50.0)]
    venue.prices["SOL-PERP"] = 100_000_000
    bus = Bus()
    seen = []
    bus.on("risk", seen.append)
    monitor = RiskMonitor(bus, venue, store, clock=lambda: 1_000.25)
    assert [(r.sub_account, r.equity, r.ts_ms) for r in monitor.refresh()] == [
        (0, 1_000 * 10**6, 1_000_250),
        (1, 2_000 * 10**6, 1_000_250),
    ]
    assert seen[1].positions[0].liq_distance == 500_000  # 50%
    assert monitor.record_equity() == 2
    await store.write(lambda c: None)  # the submit above is committed before this write resolves
    rows = store.query("SELECT ts, sub_account, equity FROM equity_history ORDER BY sub_account")
    assert rows == [
        {"ts": 1000, "sub_account": 0, "equity": 1_000 * 10**6},
        {"ts": 1000, "sub_account": 1, "equity": 2_000 * 10**6},
    ]


async def test_stop_ends_the_loop_even_when_an_account_change_wakes_it_in_the_same_instant(venue):
    """Python 3.11's asyncio.wait_for returns the inner result instead of raising when a cancel meets a
    wake-up that is already done: the loop swallowed stop()'s cancel and ran on (the backend's shutdown
    then waited out its 5 s bound on the risk monitor)."""
    monitor = RiskMonitor(Bus(), venue, refresh_s=60.0)
    for _ in range(20):
        await monitor.start()
        await asyncio.sleep(0)  # the loop refreshed once and now waits for a wake-up
        monitor._poke(None)  # an account change sets the event ...
        await asyncio.sleep(0)  # ... and the waiter is done, its result not yet taken
        stopping = asyncio.ensure_future(monitor.stop())
        done, _ = await asyncio.wait([stopping], timeout=1.0)
        assert done, "the risk monitor's loop did not end on stop()"

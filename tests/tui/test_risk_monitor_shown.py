"""The Risk screen shows the monitor's integers as the exact decimal strings `--json` prints (no float on
the way): hand-checked against the fake account (tests/tui/fakes.py), computed by the backend's own code."""

from __future__ import annotations

from tests.tui.fakes import RISK_MONITOR, fixed_app
from tests.tui.test_app_shell import wait_for
from tests.tui.test_screens import text_of


async def test_the_monitor_pane_shows_exact_strings():
    [account] = RISK_MONITOR["accounts"]
    sol, eth = account["positions"]
    # the integers the backend computed: 712.5 / 101,425 = 0.70249..% of collateral, rounded up to 71 (1e4)
    assert (account["maintenance_margin"], account["margin_usage"], account["margin_ratio"]) == (
        712_500_000,
        71,
        47_925,
    )
    # (142.5 - 45.12) / 142.5 = 68.3368421..% -> 683_368 (1e6, rounded down); -2 ETH at 3,456.78
    assert (sol["liq_distance"], eth["notional"]) == (683_368, -6_913_560_000)
    app = fixed_app()
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_for(pilot, lambda: app.hub.connected and app.hub.markets)
        await pilot.press("f5")
        await wait_for(pilot, lambda: "equity" in text_of(app, "#risk-monitor"), what="the monitor on screen")
        shown = text_of(app, "#risk-monitor")
    pairs = [(" ".join(line.split()[:-1]), line.split()[-1]) for line in shown.splitlines() if line.strip()]
    assert ("as of 00:00:00", "UTC") in pairs  # 2026-01-01 00:00:00.000, from ts_ms
    account_lines = [
        ("equity", "101667"),
        ("total collateral", "101425"),
        ("free collateral", "100242"),
        ("initial margin", "1425"),
        ("maintenance margin", "712.5"),
        ("margin ratio", "479.25%"),  # 47,925 at 1e4 = 100% of notional
        ("margin usage", "0.71%"),
        ("leverage", "0.2086x"),
    ]
    sol_lines = [("base", "100"), ("notional", "14250"), ("liq price", "45.12"), ("liq distance", "68.3368%")]
    eth_lines = [("base", "-2"), ("notional", "-6913.56"), ("mark price", "3456.78"), ("liq distance", "50.7182%")]
    for expected in (account_lines, sol_lines, eth_lines):
        assert all(pair in pairs for pair in expected), expected
    assert pairs.index(("", "SOL-PERP")) < pairs.index(("liq distance", "68.3368%")) < pairs.index(("", "ETH-PERP"))
    assert ("liq distance critical", "7.5%") in pairs

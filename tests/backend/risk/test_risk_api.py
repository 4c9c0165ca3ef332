"""Risk over the real API: kill switch (cancels, HALTED, refuses orders, audited), resume, monitor, report."""

from __future__ import annotations

import asyncio
import json

import pytest

from backend.api.protocol import ApiError, to_human


def assert_no_floats(value):
    if isinstance(value, dict):
        for item in value.values():
            assert_no_floats(item)
    elif isinstance(value, list):
        for item in value:
            assert_no_floats(item)
    else:
        assert not isinstance(value, float), value


async def wait_for_markets(client):
    for _ in range(300):
        if len((await client.request("admin.markets"))["markets"]) == 6:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("markets not initialised")


async def test_kill_cancels_open_orders_halts_and_resume_reopens(backend, client):
    await wait_for_markets(client)
    assert (await client.request("risk.state"))["state"] == "ACTIVE"
    placed = await client.request("order.place", market="ETH-PERP", side="buy", size="0.1", price="3100")
    assert placed
    killed = await client.request("risk.kill", reason="test")
    assert killed["state"] == "HALTED" and killed["cancelled"] >= 1 and killed["actor"] == "api:test"
    open_orders = (await client.request("orders", status="open"))["orders"]
    assert open_orders == []
    with pytest.raises(ApiError) as err:
        await client.request("order.place", market="ETH-PERP", side="buy", size="0.1", price="3100")
    assert err.value.code == "HALTED"
    audit = backend.services.store.query(
        "SELECT actor, action, detail FROM audit WHERE action LIKE 'kill%' OR action = 'trading_state' ORDER BY id"
    )
    assert [(a["actor"], a["action"]) for a in audit] == [
        ("api:test", "trading_state"),
        ("api:test", "kill_cancel_all"),
    ]
    assert (await client.request("risk.resume", reason="done"))["state"] == "ACTIVE"
    await client.request("order.place", market="ETH-PERP", side="buy", size="0.1", price="3100")


async def test_monitor_and_report_answer_in_plain_json(backend, client):
    await wait_for_markets(client)
    await client.request("order.place", market="SOL-PERP", side="buy", size="1", type="market")
    for _ in range(300):  # a market order may wait out its auction window before it fills
        if (await client.request("positions"))["positions"]:
            break
        await asyncio.sleep(0.02)
    monitor = await client.request("risk.monitor")
    assert_no_floats(monitor)  # the wire keeps the monitor's integers, like every trading record
    assert monitor["thresholds"] == {
        "margin_ratio_warning": 2_000,
        "margin_ratio_critical": 1_000,
        "margin_usage_warning": 5_000,
        "margin_usage_critical": 8_000,
        "leverage_warning": 100_000,
        "leverage_critical": 150_000,
        "liq_distance_warning": 150_000,
        "liq_distance_critical": 75_000,
    }
    [acct] = [a for a in monitor["accounts"] if a["authority"] == "paper" and a["sub_account"] == 0]
    assert acct["level"] in ("ok", "warning", "critical")
    [sol] = acct["positions"]
    assert (sol["market"], sol["base"]) == ("SOL-PERP", 10**9)
    # what a person or a script reads (`--json`, the SDK's view): exact decimal strings in human units
    view = await client.view("risk.monitor")
    assert view["thresholds"] == {
        "margin_ratio_warning": "0.2",
        "margin_ratio_critical": "0.1",
        "margin_usage_warning": "0.5",
        "margin_usage_critical": "0.8",
        "leverage_warning": "10",
        "leverage_critical": "15",
        "liq_distance_warning": "0.15",
        "liq_distance_critical": "0.075",
    }
    [human] = [a for a in view["accounts"] if a["authority"] == "paper" and a["sub_account"] == 0]
    assert human["positions"][0]["base"] == "1"
    for key in ("equity", "total_collateral", "free_collateral", "margin_ratio", "margin_usage", "leverage"):
        assert human[key] == to_human({key: acct[key]})[key] and isinstance(human[key], str), key
    assert isinstance(human["ts_ms"], int)
    report = await client.request("risk.report")
    json.dumps(report, allow_nan=False)
    assert {"exposure", "var", "stress", "correlation", "pnl", "equity_curve", "accounts", "trading_state"} <= set(
        report
    )
    assert report["exposure"]["by_market"][0]["market"] == "SOL-PERP"

"""What a script reads from `quantdesk ... --json`: exact decimals in human units; a closed pipe is quiet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal

from tests.e2e.test_cli_backend import cli, running_backend  # noqa: F401, F811  (fixture)


def test_orders_positions_and_account_speak_human_units(running_backend):
    placed = json.loads(
        cli("order", "buy", "1", "SOL-PERP", "--limit", "1000", "--tif", "ioc", "--json", check=1).stdout
    )
    assert placed["error"]["code"] == "RISK_PRICE_BAND"
    quote = json.loads(cli("quote", "SOL-PERP", "--json").stdout)
    limit = str((Decimal(quote["price"]) * Decimal("1.02")).quantize(Decimal("0.01")))
    placed = json.loads(cli("order", "buy", "1", "SOL-PERP", "--limit", limit, "--tif", "ioc", "--json").stdout)
    [order] = placed["orders"]
    assert (order["size"], order["filled"], order["status"], order["tif"], order["price"]) == (
        "1",
        "1",
        "filled",
        "ioc",
        limit.rstrip("0").rstrip("."),
    )
    listed = json.loads(cli("orders", "--all", "--json").stdout)
    assert [o["order_id"] for o in listed] == [order["order_id"]]
    [position] = json.loads(cli("positions", "--json").stdout)
    assert position["base"] == "1" and Decimal(position["mark_price"]) > 0
    account = json.loads(cli("account", "--json").stdout)
    assert Decimal(account["account"]["unrealized_pnl"]) == sum(
        Decimal(p["unrealized_pnl"]) for p in account["positions"]
    )
    raw = json.loads(cli("positions", "--json", "--raw").stdout)
    assert raw[0]["base"] == 10**9
    refused = cli("withdraw", "1000000", check=1)
    assert "1000000 USDC was asked for" in refused.stderr


def test_a_closed_pipe_exits_quietly_with_zero(running_backend):
    cli("order", "buy", "1", "SOL-PERP", "--limit", "140")
    # the reader is gone before the command writes (what `| head -c1` does to a longer document)
    proc = subprocess.Popen(
        [sys.executable, "-m", "quantdesk_tui.cli", "orders", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ.copy(),
    )
    proc.stdout.close()
    assert proc.wait(30) == 0
    assert proc.stderr.read() == b""

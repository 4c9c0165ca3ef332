"""Risk, kill/resume, alerts and candles through the CLI against a subprocess backend."""

from __future__ import annotations

import json

import pytest

from tests.e2e.test_cli_backend import cli, until, venue_has_markets
from tests.polling import wait_until_sync
from tests.e2e.backend_proc import spawn_backend, stop_backend


@pytest.fixture
def backend_proc(quantdesk_home):
    proc, _url = spawn_backend("--tick-rate", "30")
    until(lambda: cli("admin", "markets", "--json", check=None), venue_has_markets, what="the venue's markets")
    yield proc
    stop_backend(proc)


def test_kill_switch_halts_and_resume_reopens(backend_proc):
    cli("order", "buy", "1", "SOL-PERP", "--limit", "140")
    assert len(json.loads(cli("orders", "--json").stdout)) == 1
    cli("kill")
    assert json.loads(cli("orders", "--json").stdout) == []
    refused = json.loads(cli("buy", "1", "sol", "mkt", "--json", check=1).stdout)
    assert refused["error"]["code"] == "HALTED"
    cli("resume")
    placed = json.loads(cli("buy", "0.1", "sol", "mkt", "--json").stdout)
    assert placed["orders"][0]["side"] == "buy"
    wait_until_sync(  # the market order's auction runs over a few slots
        lambda: json.loads(cli("positions", "--json").stdout), what="the market order's position", timeout=20.0
    )
    report = json.loads(cli("risk", "--json").stdout)
    assert set(report["var"]["levels"]) == {"95", "99"} and report["stress"]["shocks"]
    assert "VaR 95% 1d" in cli("risk").stdout


def test_alert_add_list_rm_and_bad_input(backend_proc):
    added = json.loads(cli("alert", "add", "SOL-PERP", "above", "500", "--json").stdout)
    listed = json.loads(cli("alert", "list", "--json").stdout)
    assert [a["id"] for a in listed] == [added["id"]] and listed[0]["kind"] == "price_above"
    bad = json.loads(cli("alert", "add", "SOL-PERP", "above", "lots", "--json", check=1).stdout)
    assert bad["error"]["code"] == "ALERT_BAD_LEVEL"
    bad = json.loads(cli("alert", "add", "SOL-PERP", "above", "1", "--webhook", "ftp://x", "--json", check=1).stdout)
    assert bad["error"]["code"] == "ALERT_BAD_WEBHOOK"
    cli("alert", "rm", str(added["id"]))
    assert json.loads(cli("alert", "list", "--json").stdout) == []
    # the level as typed comes back exact: text, its integer in PRICE_PRECISION, and in the table
    assert cli("alert", "add", "SOL-PERP", "above", "500.10").stdout.strip().endswith("SOL-PERP above 500.1")
    [exact] = json.loads(cli("alert", "list", "--json").stdout)
    assert (exact["level"], exact["level_fixed"], exact["level_in"]) == ("500.1", 500_100_000, "USD")
    assert "500.1 " in cli("alert", "list").stdout


def test_candles_as_json_and_csv(backend_proc):
    bars = json.loads(cli("candles", "SOL-PERP", "--tf", "1h", "--limit", "5", "--json").stdout)
    assert bars["market"] == "SOL-PERP" and len(bars["t"]) == 5
    assert all(
        h >= max(o, c) and low <= min(o, c)
        for o, h, low, c in zip(bars["o"], bars["h"], bars["l"], bars["c"], strict=True)
    )
    csv_lines = cli("candles", "SOL-PERP", "--tf", "1h", "--limit", "5", "--csv").stdout.strip().splitlines()
    assert csv_lines[0] == "t,o,h,l,c,v" and len(csv_lines) == 6

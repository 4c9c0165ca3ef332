"""The desk view's arithmetic on a SQLite home, the SQLite→PostgreSQL dialect, and the time-series DDL
for both paths (TimescaleDB is not in the pgserver build, so its DDL is checked as text)."""

from __future__ import annotations

import json

import pytest

from backend.risk.desk_feed import UPSERT
from backend.store.db import Store
from backend.store.desk import desk_view
from backend.store.dialect import DialectError, translate
from backend.store.pg_schema import migrations, month_partitions, time_series_ddl
from backend.store.tool import main as store_tool

NOW = 1_800_000_000  # 2027-01-15 08:00 UTC, unix seconds
NOW_MS = NOW * 1_000
USD = 10**6  # QUOTE_PRECISION


def position(market: str, notional: int) -> dict:
    """A desk row's position in the monitor's integers (money and prices at 1e6, base at 1e9)."""
    return {
        "market": market,
        "base": notional * 10**3 // 100,  # at $100
        "notional": notional,
        "entry_price": 100 * USD,
        "mark_price": 100 * USD,
        "unrealized_pnl": 1 * USD,
        "liq_price": None,
        "liq_distance": None,
    }


async def test_desk_view_sums_accounts_orders_fills_and_exposure_per_market(tmp_path, capsys):
    store = Store(tmp_path / "q.db")
    store.start()
    rows = [
        (
            "local",
            "paper",
            0,
            NOW_MS - 1_000,
            10_000 * USD,
            50 * USD,
            9_950 * USD,
            1_000 * USD,
            500 * USD,
            5_000,  # 0.5x
            2_000,  # 20%
            125_000,  # 12.5%
            9_900 * USD,
            "ok",
            json.dumps([position("SOL-PERP", 3_000 * USD), position("BTC-PERP", -2_000 * USD)]),
        ),
        (
            "local",
            "paper",
            1,
            NOW_MS - 1_000,
            5_000_000_001,  # $5,000.000001
            -20 * USD,
            5_020 * USD,
            400 * USD,
            200 * USD,
            8_000,
            3_000,
            70_000,  # 7%
            5_100 * USD,
            "warning",
            json.dumps([position("SOL-PERP", 1_000 * USD)]),
        ),
    ]
    await store.write(lambda c: c.executemany(UPSERT, rows))
    await store.write(
        lambda c: c.executemany(
            "INSERT INTO orders (order_id, authority, sub_account, market, status, updated_ts, view) "
            "VALUES (?,?,?,?,?,?,?)",
            [
                (1, "paper", 0, "SOL-PERP", "open", 0, b""),
                (2, "paper", 0, "SOL-PERP", "filled", 0, b""),
                (3, "paper", 1, "SOL-PERP", "partially_filled", 0, b""),
            ],
        )
    )
    await store.write(
        lambda c: c.executemany(
            "INSERT INTO fills (fill_id, order_id, authority, sub_account, market, ts, view) VALUES (?,?,?,?,?,?,?)",
            [
                (1, 2, "paper", 0, "SOL-PERP", NOW - 3600, b""),
                (2, 2, "paper", 0, "SOL-PERP", NOW - 90_000, b""),
            ],
        )
    )
    view = desk_view(store.query, by_trader=False, now_ms=NOW_MS)
    store.stop()
    (trader,) = view["traders"]
    assert (trader["trader"], trader["accounts"], trader["equity"], trader["unrealized_pnl"]) == (
        "local",
        2,
        15_000_000_001,
        30 * USD,
    )
    # today: (10,000 - 9,900) + (5,000.000001 - 5,100) = 0.000001
    assert (trader["today_pnl"], trader["margin_used"], trader["liq_distance"], trader["margin_ratio"]) == (
        1,
        1_400 * USD,
        70_000,
        2_000,
    )
    assert (trader["level"], trader["updated_ms"]) == ("warning", NOW_MS - 1_000)
    assert (trader["open_orders"], trader["fills_today"], trader["stale"]) == (2, 1, False)
    # leverage 6,000 / 15,000.000001 = 0.39999999997..x -> rounded up to 4_000 (0.4x in 1e4)
    assert trader["gross_exposure"] == 6_000 * USD and trader["leverage"] == 4_000
    assert [p["notional"] for p in trader["largest_positions"]] == [3_000 * USD, -2_000 * USD, 1_000 * USD]
    assert view["exposure"] == [
        {"market": "SOL-PERP", "long": 4_000 * USD, "short": 0, "net": 4_000 * USD, "gross": 4_000 * USD, "traders": 2},
        {
            "market": "BTC-PERP",
            "long": 0,
            "short": 2_000 * USD,
            "net": -2_000 * USD,
            "gross": 2_000 * USD,
            "traders": 1,
        },
    ]
    assert view["totals"]["net_exposure"] == 2_000 * USD and view["totals"]["traders"] == 1
    assert (view["ts_ms"], view["totals"]["leverage"]) == (NOW_MS, 4_000)
    assert store_tool(["desk", "--store", f"sqlite:{tmp_path / 'q.db'}"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:2] == ["local", "15,000.00"] and lines[2].split()[:2] == ["DESK", "15,000.00"]
    assert lines[1].split()[5:7] == ["0.40", "7.0"]  # leverage, liquidation distance in %
    assert [line.split()[0] for line in lines[5:]] == ["SOL-PERP", "BTC-PERP"]
    # --json: exact decimal strings in human units; --raw: the integers
    assert store_tool(["desk", "--json", "--store", f"sqlite:{tmp_path / 'q.db'}"]) == 0
    human = json.loads(capsys.readouterr().out)["traders"][0]
    assert (human["equity"], human["today_pnl"], human["leverage"], human["margin_ratio"], human["liq_distance"]) == (
        "15000.000001",
        "0.000001",
        "0.4",
        "0.2",
        "0.07",
    )
    assert human["largest_positions"][0]["base"] == "30" and human["largest_positions"][0]["notional"] == "3000"
    assert store_tool(["desk", "--json", "--raw", "--store", f"sqlite:{tmp_path / 'q.db'}"]) == 0
    assert json.loads(capsys.readouterr().out)["traders"][0]["equity"] == 15_000_000_001
    empty = desk_view(lambda sql, p: [] if "desk_accounts" in sql else [], by_trader=True, now_ms=NOW_MS)
    assert empty["traders"] == [] and empty["totals"]["leverage"] is None


def test_desk_marks_a_trader_whose_backend_stopped_publishing_as_stale():
    row = {
        "trader": "bob",
        "authority": "paper",
        "sub_account": 0,
        "ts_ms": NOW_MS - 30_001,  # one millisecond past STALE_MS
        "equity": 1,
        "unrealized_pnl": 0,
        "total_collateral": 1,
        "margin_used": 0,
        "maintenance_margin": 0,
        "leverage": 0,
        "margin_ratio": None,
        "liq_distance": None,
        "day_start_equity": 1,
        "level": "ok",
        "positions": "[]",
    }
    view = desk_view(lambda sql, p: [row] if "desk_accounts" in sql else [], by_trader=True, now_ms=NOW_MS)
    assert view["traders"][0]["stale"] is True
    at_limit = [{**row, "ts_ms": NOW_MS - 30_000}]  # exactly STALE_MS old: still live
    fresh = desk_view(lambda sql, p: at_limit if "desk_accounts" in sql else [], by_trader=True, now_ms=NOW_MS)
    assert (fresh["traders"][0]["stale"], fresh["traders"][0]["updated_ms"]) == (False, NOW_MS - 30_000)


def test_dialect_turns_sqlite_conflict_verbs_into_on_conflict_with_the_trader_key():
    assert (
        translate("SELECT * FROM fills WHERE ts >= ? AND market LIKE 'SOL%'")
        == "SELECT * FROM fills WHERE ts >= %s AND market LIKE 'SOL%%'"
    )
    assert translate("INSERT OR REPLACE INTO risk_kv (key, value, updated_ms) VALUES (?, ?, ?)") == (
        "INSERT INTO risk_kv (key, value, updated_ms) VALUES (%s, %s, %s) ON CONFLICT (trader, key) "
        "DO UPDATE SET value = EXCLUDED.value, updated_ms = EXCLUDED.updated_ms"
    )
    assert translate("INSERT OR IGNORE INTO candles (market, tf, ts_s) VALUES (?, ?, ?)") == (
        "INSERT INTO candles (market, tf, ts_s) VALUES (%s, %s, %s) ON CONFLICT (trader, market, tf, ts_s) DO NOTHING"
    )
    with pytest.raises(DialectError):
        translate("INSERT OR REPLACE INTO nowhere (a) VALUES (?)")


def test_time_series_are_hypertables_with_compression_under_timescaledb_and_partitions_otherwise():
    timescale = time_series_ddl("candles", True, NOW, "trader, market, tf")
    assert timescale[0].startswith("SELECT create_hypertable('candles', 'ts_s'")
    assert "timescaledb.compress_segmentby = 'trader, market, tf'" in timescale[2]
    assert "add_compression_policy('candles'" in timescale[3]
    native = time_series_ddl("observations", False, NOW, "trader, market")
    assert native[0] == "CREATE TABLE IF NOT EXISTS observations_default PARTITION OF observations DEFAULT"
    assert month_partitions("candles", NOW, before=0, after=0) == [
        "CREATE TABLE IF NOT EXISTS candles_2027_01 PARTITION OF candles FOR VALUES FROM (1798761600) TO (1801440000)"
    ]
    hyper = "\n".join(str(s) for _, _, stmts in migrations(True, NOW) for s in stmts)
    assert "PARTITION BY" not in hyper and hyper.count("create_hypertable") == 3  # candles made twice (2, 3)

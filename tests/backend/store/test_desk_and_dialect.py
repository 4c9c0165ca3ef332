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

NOW = 1_800_000_000.0  # 2027-01-15 08:00 UTC


def position(market: str, notional: float) -> dict:
    return {
        "market": market,
        "base": notional / 100,
        "notional": notional,
        "entry_price": 100.0,
        "mark_price": 100.0,
        "unrealized_pnl": 1.0,
        "liq_price": None,
        "liq_distance_pct": None,
    }


async def test_desk_view_sums_accounts_orders_fills_and_exposure_per_market(tmp_path, capsys):
    store = Store(tmp_path / "q.db")
    store.start()
    rows = [
        (
            "local",
            "paper",
            0,
            NOW - 1,
            10_000.0,
            50.0,
            9_950.0,
            1_000.0,
            500.0,
            0.5,
            20.0,
            12.5,
            9_900.0,
            "ok",
            json.dumps([position("SOL-PERP", 3_000.0), position("BTC-PERP", -2_000.0)]),
        ),
        (
            "local",
            "paper",
            1,
            NOW - 1,
            5_000.0,
            -20.0,
            5_020.0,
            400.0,
            200.0,
            0.8,
            30.0,
            7.0,
            5_100.0,
            "warning",
            json.dumps([position("SOL-PERP", 1_000.0)]),
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
                (1, 2, "paper", 0, "SOL-PERP", int(NOW) - 3600, b""),
                (2, 2, "paper", 0, "SOL-PERP", int(NOW) - 90_000, b""),
            ],
        )
    )
    view = desk_view(store.query, by_trader=False, now=NOW)
    store.stop()
    (trader,) = view["traders"]
    assert (trader["trader"], trader["accounts"], trader["equity"], trader["unrealized_pnl"]) == (
        "local",
        2,
        15_000.0,
        30.0,
    )
    assert (trader["today_pnl"], trader["margin_used"], trader["liq_distance_pct"], trader["level"]) == (
        0.0,
        1_400.0,
        7.0,
        "warning",
    )
    assert (trader["open_orders"], trader["fills_today"], trader["stale"]) == (2, 1, False)
    assert trader["gross_exposure"] == 6_000.0 and trader["leverage"] == 0.4
    assert [p["notional"] for p in trader["largest_positions"]] == [3_000.0, -2_000.0, 1_000.0]
    assert view["exposure"] == [
        {"market": "SOL-PERP", "long": 4_000.0, "short": 0.0, "net": 4_000.0, "gross": 4_000.0, "traders": 2},
        {"market": "BTC-PERP", "long": 0.0, "short": 2_000.0, "net": -2_000.0, "gross": 2_000.0, "traders": 1},
    ]
    assert view["totals"]["net_exposure"] == 2_000.0 and view["totals"]["traders"] == 1
    assert store_tool(["desk", "--store", f"sqlite:{tmp_path / 'q.db'}"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:2] == ["local", "15,000.00"] and lines[2].split()[:2] == ["DESK", "15,000.00"]
    assert [line.split()[0] for line in lines[5:]] == ["SOL-PERP", "BTC-PERP"]
    assert desk_view(lambda sql, p: [] if "desk_accounts" in sql else [], by_trader=True, now=NOW)["traders"] == []


def test_desk_marks_a_trader_whose_backend_stopped_publishing_as_stale():
    row = {
        "trader": "bob",
        "authority": "paper",
        "sub_account": 0,
        "ts": NOW - 120,
        "equity": 1.0,
        "unrealized_pnl": 0.0,
        "total_collateral": 1.0,
        "margin_used": 0.0,
        "maintenance_margin": 0.0,
        "leverage": 0.0,
        "margin_ratio_pct": None,
        "liq_distance_pct": None,
        "day_start_equity": 1.0,
        "level": "ok",
        "positions": "[]",
    }
    view = desk_view(lambda sql, p: [row] if "desk_accounts" in sql else [], by_trader=True, now=NOW)
    assert view["traders"][0]["stale"] is True


def test_dialect_turns_sqlite_conflict_verbs_into_on_conflict_with_the_trader_key():
    assert (
        translate("SELECT * FROM fills WHERE ts >= ? AND market LIKE 'SOL%'")
        == "SELECT * FROM fills WHERE ts >= %s AND market LIKE 'SOL%%'"
    )
    assert translate("INSERT OR REPLACE INTO risk_kv (key, value, updated) VALUES (?, ?, ?)") == (
        "INSERT INTO risk_kv (key, value, updated) VALUES (%s, %s, %s) ON CONFLICT (trader, key) "
        "DO UPDATE SET value = EXCLUDED.value, updated = EXCLUDED.updated"
    )
    assert translate("INSERT OR IGNORE INTO candles (market, tf, ts_s) VALUES (?, ?, ?)") == (
        "INSERT INTO candles (market, tf, ts_s) VALUES (%s, %s, %s) ON CONFLICT (trader, market, tf, ts_s) DO NOTHING"
    )
    with pytest.raises(DialectError):
        translate("INSERT OR REPLACE INTO nowhere (a) VALUES (?)")


def test_time_series_are_hypertables_with_compression_under_timescaledb_and_partitions_otherwise():
    timescale = time_series_ddl("candles", True, int(NOW), "trader, market, tf")
    assert timescale[0].startswith("SELECT create_hypertable('candles', 'ts_s'")
    assert "timescaledb.compress_segmentby = 'trader, market, tf'" in timescale[2]
    assert "add_compression_policy('candles'" in timescale[3]
    native = time_series_ddl("observations", False, int(NOW), "trader, market")
    assert native[0] == "CREATE TABLE IF NOT EXISTS observations_default PARTITION OF observations DEFAULT"
    assert month_partitions("candles", int(NOW), before=0, after=0) == [
        "CREATE TABLE IF NOT EXISTS candles_2027_01 PARTITION OF candles FOR VALUES FROM (1798761600) TO (1801440000)"
    ]
    hyper = "\n".join(str(s) for _, _, stmts in migrations(True, int(NOW)) for s in stmts)
    assert "PARTITION BY" not in hyper and hyper.count("create_hypertable") == 3  # candles made twice (2, 3)

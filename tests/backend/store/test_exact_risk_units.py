"""The audit, the risk state and the desk are integers in named units in both stores: a database in the
old REAL / DOUBLE PRECISION schema migrates to them exactly (migrations 12, 23 and 31: round half to even
from the REAL's binary value), and `store copy` moves the audit and the risk state unchanged.

Ties: every value below with a `.5` at its unit is a binary fraction (1/16 s, 1/128 USD, ...), so the REAL
holds the tie exactly and the migration must pick the even neighbour.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import psycopg

from backend.bus import Bus
from backend.risk.trading_state import TradingStateService
from backend.store import pg_schema
from backend.store.audit import audit_row
from backend.store.db import Store
from backend.store.desk import desk_view
from backend.store.migrations import MIGRATIONS
from backend.store.postgres import PgStore
from tests.backend.store.copying import copy_home_to_postgres

NEW = {12, 23, 31}  # the migrations that made these tables exact

# audit: (REAL ts, its ts_ms)
OLD_AUDIT = [(1767225600.0625, 1_767_225_600_062), (1767225600.1875, 1_767_225_600_188)]  # ties: .5 ms, to even
# the trading state as TradingStateService saved it: REAL `updated`, and a float `ts` in its JSON
OLD_STATE = {"state": "HALTED", "actor": "cli", "reason": "kill: test", "ts": 1767225601.1875}
OLD_RISK_KV = ("trading_state", json.dumps(OLD_STATE), 1767225601.5)  # -> updated_ms 1_767_225_601_500
EXACT_STATE = {"state": "HALTED", "actor": "cli", "reason": "kill: test", "ts_ms": 1_767_225_601_188}  # .5: even
OLD_POSITIONS = [
    {
        "market": "SOL-PERP",
        "base": 10.0,
        "notional": 1500.0078125,  # 1,500,007,812.5 millionths: a tie, to the even ...812
        "entry_price": 150.0,
        "mark_price": 150.0,
        "unrealized_pnl": 0.0234375,  # 23,437.5 millionths: a tie, to the even 23,438
        "liq_price": 140.0,
        "liq_distance_pct": 6.666666666666667,  # 66,666.67 of 1e6 -> 66,667
    },
    {
        "market": "BTC-PERP",
        "base": -0.1,
        "notional": -10000.0,
        "entry_price": 100000.0,
        "mark_price": 100000.0,
        "unrealized_pnl": -12.5,
        "liq_price": None,
        "liq_distance_pct": None,
    },
]
# desk_accounts after the trader, authority and sub-account: the old REAL columns
OLD_DESK = (
    1767225600.0625,  # ts
    10000.0078125,  # equity: a tie at 1e6, to 10,000,007,812
    -12.5,  # unrealized_pnl
    9950.25,  # total_collateral
    1000.0,  # margin_used
    500.0,  # maintenance_margin
    1.03125,  # leverage (x): 10,312.5 of 1e4, a tie, to 10,312
    12.125,  # margin_ratio_pct: 1,212.5 of 1e4, a tie, to 1,212
    7.03125,  # liq_distance_pct: 70,312.5 of 1e6, a tie, to 70,312
    9900.1,  # day_start_equity
)
EXACT_DESK = {
    "ts_ms": 1_767_225_600_062,
    "equity": 10_000_007_812,
    "unrealized_pnl": -12_500_000,
    "total_collateral": 9_950_250_000,
    "margin_used": 1_000_000_000,
    "maintenance_margin": 500_000_000,
    "leverage": 10_312,
    "margin_ratio": 1_212,
    "liq_distance": 70_312,
    "day_start_equity": 9_900_100_000,
    "level": "warning",
}
EXACT_POSITIONS = [
    {
        "market": "SOL-PERP",
        "base": 10_000_000_000,
        "notional": 1_500_007_812,
        "entry_price": 150_000_000,
        "mark_price": 150_000_000,
        "unrealized_pnl": 23_438,
        "liq_price": 140_000_000,
        "liq_distance": 66_667,
    },
    {
        "market": "BTC-PERP",
        "base": -100_000_000,
        "notional": -10_000_000_000,
        "entry_price": 100_000_000_000,
        "mark_price": 100_000_000_000,
        "unrealized_pnl": -12_500_000,
        "liq_price": None,
        "liq_distance": None,
    },
]
DESK_OLD_COLUMNS = (
    "trader, authority, sub_account, ts, equity, unrealized_pnl, total_collateral, margin_used, maintenance_margin, "
    "leverage, margin_ratio_pct, liq_distance_pct, day_start_equity, level, positions"
)


def old_sqlite_home(path: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, name TEXT NOT NULL)")
    for version, name, sql in sorted(MIGRATIONS):
        if version not in NEW:
            conn.executescript(sql)
            conn.execute("INSERT INTO schema_version VALUES (?, ?)", (version, name))
    assert {r[1]: r[2] for r in conn.execute("PRAGMA table_info(desk_accounts)")}["equity"] == "REAL"  # really old
    for ts, _ in OLD_AUDIT:
        conn.execute("INSERT INTO audit (ts, actor, action, detail) VALUES (?, 'api:x', 'trading_state', '{}')", (ts,))
    conn.execute("INSERT INTO risk_kv (key, value, updated) VALUES (?, ?, ?)", OLD_RISK_KV)
    conn.execute(
        f"INSERT INTO desk_accounts ({DESK_OLD_COLUMNS}) VALUES ('local', 'paper', 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " 'warning', ?)",
        (*OLD_DESK, json.dumps(OLD_POSITIONS)),
    )
    conn.commit()
    conn.close()


def old_pg_desk(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        for version, name, statements in sorted(pg_schema.migrations(False), key=lambda m: m[0]):
            if version in NEW:
                continue
            with conn.transaction():  # as the store migrates: one transaction per migration
                for statement in statements:
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_version VALUES (%s, %s)", (version, name))
        for ts, _ in OLD_AUDIT:
            conn.execute(
                "INSERT INTO audit (trader, ts, actor, action, detail) VALUES ('alice', %s, 'api:x', 'trading_state',"
                " '{}')",
                (ts,),
            )
        conn.execute("INSERT INTO risk_kv (trader, key, value, updated) VALUES ('alice', %s, %s, %s)", OLD_RISK_KV)
        conn.execute(
            f"INSERT INTO desk_accounts ({DESK_OLD_COLUMNS}) VALUES ('alice', 'paper', 0, %s, %s, %s, %s, %s, %s, %s,"
            " %s, %s, %s, 'warning', %s)",
            (*OLD_DESK, json.dumps(OLD_POSITIONS)),
        )


def check_migrated(store: Any) -> None:
    audit = store.query("SELECT ts_ms, actor, action FROM audit ORDER BY id")
    assert [(r["ts_ms"], r["action"]) for r in audit] == [(ms, "trading_state") for _, ms in OLD_AUDIT]
    [kv] = store.query("SELECT key, value, updated_ms FROM risk_kv")
    assert (kv["key"], kv["updated_ms"], json.loads(kv["value"])) == ("trading_state", 1_767_225_601_500, EXACT_STATE)
    trading = TradingStateService(Bus(), store)
    trading.load()
    assert (trading.state, trading.view()["ts_ms"], trading.view()["actor"]) == ("HALTED", 1_767_225_601_188, "cli")
    [desk] = store.query(f"SELECT {', '.join(EXACT_DESK)}, positions FROM desk_accounts")
    assert {k: desk[k] for k in EXACT_DESK} == EXACT_DESK
    assert json.loads(desk["positions"]) == EXACT_POSITIONS
    # and the desk view reads them as the integers they are
    view = desk_view(store.query, by_trader=False, now_ms=EXACT_DESK["ts_ms"])
    [trader] = view["traders"]
    assert (trader["equity"], trader["today_pnl"], trader["gross_exposure"]) == (
        10_000_007_812,
        99_907_812,  # 10,000.007812 - 9,900.1
        11_500_007_812,
    )
    assert [p["market"] for p in trader["largest_positions"]] == ["BTC-PERP", "SOL-PERP"]


async def test_an_old_real_sqlite_home_migrates_the_audit_risk_state_and_desk_exactly(tmp_path):
    path = str(tmp_path / "quantdesk.db")
    old_sqlite_home(path)
    store = Store(path)
    try:
        assert store.schema_version == max(v for v, _, _ in MIGRATIONS)
        check_migrated(store)
        types = {r["name"]: r["type"] for r in store.query("SELECT name, type FROM pragma_table_info('desk_accounts')")}
        assert {types[c] for c in EXACT_DESK if c != "level"} == {"INTEGER"} and "margin_ratio_pct" not in types
    finally:
        store.stop()


async def test_an_old_postgresql_desk_migrates_the_audit_risk_state_and_desk_exactly(pg_url):
    old_pg_desk(pg_url)
    store = PgStore(pg_url, trader="alice")
    store.start()
    try:
        assert store.schema_version == max(v for v, _, _ in MIGRATIONS)
        check_migrated(store)
        types = {
            r["column_name"]: r["data_type"]
            for r in store.query(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'desk_accounts'"
            )
        }
        assert {types[c] for c in EXACT_DESK if c != "level"} == {"bigint"} and "ts" not in types
        kv_types = store.query("SELECT data_type FROM information_schema.columns WHERE column_name = 'updated_ms'")
        audit_types = store.query("SELECT data_type FROM information_schema.columns WHERE column_name = 'ts_ms'")
        assert {r["data_type"] for r in kv_types + audit_types} == {"bigint"}
    finally:
        store.stop()


async def test_store_copy_moves_the_audit_and_risk_state_unchanged(tmp_path, pg_url):
    async def fill(home: Store) -> None:
        await home.write(lambda c: audit_row(c, 1_767_225_600_062, "api:x", "trading_state", "{}"))
        await home.write(
            lambda c: c.execute(
                "INSERT INTO risk_kv (key, value, updated_ms) VALUES ('trading_state', '{}', 1767225601501)"
            )
        )

    report, (audit, kv), (copied_audit, copied_kv) = await copy_home_to_postgres(
        tmp_path,
        pg_url,
        fill,
        ["SELECT ts_ms, actor, action, detail FROM audit", "SELECT * FROM risk_kv"],
        [
            "SELECT ts_ms, actor, action, detail FROM audit WHERE trader = 'carol'",
            "SELECT key, value, updated_ms FROM risk_kv WHERE trader = 'carol'",
        ],
    )
    assert (report.rows["audit"], report.rows["risk_kv"]) == (1, 1)
    copied = copied_audit + copied_kv
    assert copied == audit + kv
    assert (copied[0]["ts_ms"], copied[1]["updated_ms"]) == (1_767_225_600_062, 1_767_225_601_501)

"""Alerts and candles are integers in named units in both stores: a database in the old REAL schema
migrates to them exactly (round half to even from the REAL), PostgreSQL round-trips them, and
`store copy` moves them from SQLite to PostgreSQL unchanged."""

from __future__ import annotations

import math
import sqlite3
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import psycopg
import pytest

from backend.alerts.service import AlertService
from backend.alerts.spec import AlertArgs
from backend.bus import Bus
from backend.candles import CandleService
from backend.notify import Notifier
from backend.store import pg_schema
from backend.store.db import Store
from backend.store.migrations import MIGRATIONS, real_to_fixed_sql
from backend.store.postgres import PgStore
from tests.backend.store.copying import copy_home_to_postgres

NEW = {3, 22}  # the migrations that made these tables exact
T0 = 1_767_225_600  # 2026-01-01 00:00:00 UTC

# (kind, market, REAL level, its integer in the kind's unit, the exact text a reply shows)
OLD_ALERTS = [
    ("price_above", "SOL-PERP", 145.1, 145_100_000, "145.1"),
    ("price_cross", "BTC-PERP", 97_000.123456, 97_000_123_456, "97000.123456"),
    ("move_pct", "SOL-PERP", 4.5, 45_000, "4.5"),  # PERCENTAGE_PRECISION: 4.5% = 0.045
    ("funding", "SOL-PERP", -0.05, -500_000, "-0.05"),  # FUNDING_RATE_PRECISION: -0.05% = -0.0005
    ("liq_distance", None, 0.0078125, 78, "0.0078"),  # 78.125 units: a tie, to the even 78
    ("margin_ratio", None, 19.5, 1_950, "19.5"),  # MARGIN_PRECISION: 19.5% = 0.195
    ("desk_exposure", None, 1_000_000.000001, 1_000_000_000_001, "1000000.000001"),  # QUOTE_PRECISION
    ("order_filled", "SOL-PERP", None, None, None),
]
# (market, REAL o, h, l, c, v) and the integers: prices at expo -8, volume in BASE_PRECISION
OLD_CANDLE = ("SOL-PERP", 145.12345678, 145.2, 144.99999999, 145.1, 1.5)
EXACT_CANDLE = [T0, 14_512_345_678, 14_520_000_000, 14_499_999_999, 14_510_000_000, 1_500_000_000, 3]


def bar_rows(bars: Any) -> list[list[int]]:
    columns = (bars.ts_s, bars.open, bars.high, bars.low, bars.close, bars.volume, bars.count)
    return [list(bar) for bar in zip(*columns, strict=True)]


def half_even(x: float, scale: int) -> int:
    """The REAL's exact binary value times `scale`, rounded half to even: what the migration promises."""
    return int((Decimal(x) * scale).to_integral_value(ROUND_HALF_EVEN))


def old_sqlite_home(path: str) -> None:
    """A home as the store left it before migrations 3 and 22: REAL levels, REAL candles, REAL times."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, name TEXT NOT NULL)")
    for version, name, sql in sorted(MIGRATIONS):
        if version in NEW:
            continue
        conn.executescript(sql)
        conn.execute("INSERT INTO schema_version VALUES (?, ?)", (version, name))
    types = {r[1]: r[2] for r in conn.execute("PRAGMA table_info(alerts)")}
    assert types["level"] == "REAL" and types["created"] == "REAL"  # the old schema, really
    for i, (kind, market, level, _, _) in enumerate(OLD_ALERTS, start=1):
        conn.execute(
            "INSERT INTO alerts (id, kind, market, level, cooldown_s, status, created, updated, last_fired)"
            " VALUES (?, ?, ?, ?, 300.5, 'active', 1767225600.123, 1767225601.5, ?)",
            (i, kind, market, level, 1767225602.25 if i == 1 else None),
        )
    conn.execute(
        "INSERT INTO alert_history (id, alert_id, ts, kind, market, level, value, message)"
        " VALUES (1, 1, 1767225602.25, 'price_above', 'SOL-PERP', 145.1, 145.10000001, 'fired')"
    )
    conn.execute("INSERT INTO candles VALUES (?, '1m', ?, ?, ?, ?, ?, ?, 3)", (OLD_CANDLE[0], T0, *OLD_CANDLE[1:]))
    conn.commit()
    conn.close()


def check_migrated(store: Any) -> None:
    """The rows of `old_sqlite_home` (or its PostgreSQL twin) after the upgrade: exact integers."""
    rows = store.query("SELECT id, level, cooldown_ms, created_ms, updated_ms, last_fired_ms FROM alerts ORDER BY id")
    assert [r["level"] for r in rows] == [fixed for *_, fixed, _ in OLD_ALERTS]
    assert {(r["cooldown_ms"], r["created_ms"], r["updated_ms"]) for r in rows} == {
        (300_500, 1_767_225_600_123, 1_767_225_601_500)
    }
    assert [r["last_fired_ms"] for r in rows][:2] == [1_767_225_602_250, None]
    [history] = store.query("SELECT ts_ms, level, value FROM alert_history")
    # 145.10000001 has more digits than PRICE_PRECISION holds: half to even (it was never exact)
    assert dict(history) == {"ts_ms": 1_767_225_602_250, "level": 145_100_000, "value": 145_100_000}
    [candle] = store.query("SELECT ts_s, expo, o, h, l, c, v, n FROM candles")
    assert dict(candle) == dict(zip(("ts_s", "expo", "o", "h", "l", "c", "v", "n"), [T0, -8, *EXACT_CANDLE[1:]]))


async def check_services_read_them_exactly(store: Any) -> None:
    service = AlertService(Bus(), store, notifier=Notifier(desktop=False))
    service._load()
    levels = [(a.to_dict()["level"], a.to_dict()["level_fixed"]) for a in service.list()]
    assert levels == [(text, fixed) for *_, fixed, text in OLD_ALERTS]
    [entry] = service.history()
    assert (entry["level"], entry["value"], entry["ts_ms"]) == ("145.1", "145.1", 1_767_225_602_250)
    bars = CandleService(None, store).bars("SOL-PERP", "1m")
    assert bars.expo == -8 and bar_rows(bars) == [EXACT_CANDLE]


def test_the_migration_rounds_a_real_half_to_even_from_its_exact_binary_value():
    conn = sqlite3.connect(":memory:")
    values = [145.1, 145.099999, 0.0078125, -0.0078125, 2.5e-7, 3.5e-6, 1e12, -0.05, 97_000.12345678, 0.1 + 0.2]
    for scale in (10**4, 10**6, 10**8, 10**9):
        sql = f"SELECT {real_to_fixed_sql('x', scale)} FROM (SELECT ? AS x)"
        assert [conn.execute(sql, (x,)).fetchone()[0] for x in values] == [half_even(x, scale) for x in values]
    sql = f"SELECT {real_to_fixed_sql('x', 10**6)} FROM (SELECT ? AS x)"
    tie = 0.0078125  # exactly 7812.5 millionths: to the even 7812; a hair either side decides
    near = [tie, math.nextafter(tie, 1), math.nextafter(tie, 0), -tie, 0.0000035, None]
    # 0.0000035's binary value is a hair under 3.5 millionths, so 3, though fl(x * 10**6) is 3.5
    assert [conn.execute(sql, (x,)).fetchone()[0] for x in near] == [7812, 7813, 7812, -7812, 3, None]


async def test_an_old_real_sqlite_home_migrates_alerts_and_candles_exactly(tmp_path):
    path = str(tmp_path / "quantdesk.db")
    old_sqlite_home(path)
    store = Store(path)
    try:
        assert store.schema_version == max(v for v, _, _ in MIGRATIONS)
        check_migrated(store)
        types = {r["name"]: r["type"] for r in store.query("SELECT name, type FROM pragma_table_info('alerts')")}
        assert types["level"] == types["created_ms"] == "INTEGER" and "created" not in types
        await check_services_read_them_exactly(store)
    finally:
        store.stop()


def old_pg_desk(url: str) -> None:
    """A desk database before migrations 3 and 22, with alice's rows in the old DOUBLE PRECISION columns."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        for version, name, statements in pg_schema.migrations(False):
            if version in NEW:
                continue
            for statement in statements:
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version VALUES (%s, %s)", (version, name))
        for i, (kind, market, level, _, _) in enumerate(OLD_ALERTS, start=1):
            conn.execute(
                "INSERT INTO alerts (trader, id, kind, market, level, cooldown_s, status, created, updated, last_fired)"
                " VALUES ('alice', %s, %s, %s, %s, 300.5, 'active', 1767225600.123, 1767225601.5, %s)",
                (i, kind, market, level, 1767225602.25 if i == 1 else None),
            )
        conn.execute(
            "INSERT INTO alert_history (trader, id, alert_id, ts, kind, market, level, value, message)"
            " VALUES ('alice', 1, 1, 1767225602.25, 'price_above', 'SOL-PERP', 145.1, 145.10000001, 'fired')"
        )
        conn.execute(
            "INSERT INTO candles (trader, market, tf, t, o, h, l, c, v, n) VALUES ('alice', %s, '1m', %s, %s, %s, %s,"
            " %s, %s, 3)",
            (OLD_CANDLE[0], T0, *OLD_CANDLE[1:]),
        )


async def test_an_old_postgresql_desk_migrates_alerts_and_candles_exactly(pg_url):
    old_pg_desk(pg_url)
    store = PgStore(pg_url, trader="alice")
    store.start()
    try:
        assert store.schema_version == max(v for v, _, _ in MIGRATIONS)
        check_migrated(store)
        await check_services_read_them_exactly(store)
    finally:
        store.stop()


async def put_exact_rows(store: Any) -> list[int]:
    """Alerts through the service and a candle through the candle service: what a backend writes."""
    service = AlertService(Bus(), store, notifier=Notifier(desktop=False), clock=lambda: T0 + 0.25)
    added = [
        await service.add(AlertArgs(kind="price_above", market="SOL-PERP", level="145.10")),
        await service.add(AlertArgs(kind="price_below", market="BTC-PERP", level_fixed=97_000_123_457)),
        await service.add(AlertArgs(kind="move_pct", market="SOL-PERP", level="4.5%", window="5m")),
        await service.add(AlertArgs(kind="desk_exposure", level="999999999999.999999")),
    ]
    candles = CandleService(None, store)
    candles._current[("SOL-PERP", "1m")] = list(EXACT_CANDLE)
    await candles.stop()  # saves the forming bar
    await store.write(lambda conn: None)
    return [a.id for a in added]


EXPECTED_LEVELS = [145_100_000, 97_000_123_457, 45_000, 999_999_999_999_999_999]


async def test_postgresql_round_trips_alerts_and_candles_exactly(pg_url):
    store = PgStore(pg_url, trader="alice")
    store.start()
    try:
        await put_exact_rows(store)
        rows = store.query("SELECT level, created_ms FROM alerts ORDER BY id")
        assert [(r["level"], r["created_ms"]) for r in rows] == [(x, T0 * 1000 + 250) for x in EXPECTED_LEVELS]
        service = AlertService(Bus(), store, notifier=Notifier(desktop=False))
        service._load()
        assert [a.to_dict()["level"] for a in service.list()] == ["145.1", "97000.123457", "4.5", "999999999999.999999"]
        bars = CandleService(None, store).bars("SOL-PERP", "1m")
        assert bar_rows(bars) == [EXACT_CANDLE]
    finally:
        store.stop()


async def test_store_copy_moves_alerts_and_candles_from_sqlite_to_postgresql_unchanged(tmp_path, pg_url):
    report, (source_alerts, source_candles), (copied_alerts, copied_candles) = await copy_home_to_postgres(
        tmp_path,
        pg_url,
        put_exact_rows,
        ["SELECT * FROM alerts ORDER BY id", "SELECT * FROM candles"],
        ["SELECT * FROM alerts WHERE trader = 'carol' ORDER BY id", "SELECT * FROM candles WHERE trader = 'carol'"],
    )
    assert report.rows["alerts"] == 4 and report.rows["candles"] == 1
    assert [{k: v for k, v in r.items() if k != "trader"} for r in copied_alerts] == source_alerts
    assert [{k: v for k, v in r.items() if k != "trader"} for r in copied_candles] == source_candles
    assert [r["level"] for r in copied_alerts] == EXPECTED_LEVELS


@pytest.mark.parametrize("level", ["145.1000001", "0.0000001"])
async def test_a_price_level_finer_than_price_precision_is_refused_not_rounded(tmp_path, level):
    store = Store(str(tmp_path / "q.db"))
    store.start()
    try:
        service = AlertService(Bus(), store, notifier=Notifier(desktop=False))
        with pytest.raises(Exception) as err:
            await service.add(AlertArgs(kind="price_above", market="SOL-PERP", level=level))
        assert getattr(err.value, "code", None) == "ALERT_BAD_LEVEL" and "more than 6 decimals" in str(err.value)
    finally:
        store.stop()

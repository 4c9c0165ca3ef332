"""`python -m bench store [--entries N] [--fills N]`: the SQLite and PostgreSQL stores side by side.

1. Durable orders over the API: 10 clients, each order acked after its COMMIT (bench.orders' load):
   max orders/s and p99 ack at 1,000/s. Goal: PostgreSQL within 2x of SQLite's rate.
2. Recovery after kill -9 from N journal entries (default 1,000,000), built by the venue's own path:
   newest snapshot + tail, and a full replay with no snapshot.
3. The desk view with 20 traders and M fills (default 1,000,000) in the store.
PostgreSQL is a local pgserver PostgreSQL 16 with fsync on (as durable as SQLite's synchronous=FULL).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from backend.store.base import StoreSpec
from backend.store.db import Store
from backend.store.desk import desk_view
from backend.store.local_server import LocalPostgres
from backend.store.postgres import PgStore
from backend.store.reader import StoreReader
from bench import orders, recovery
from bench._backend import BenchBackend
from bench._table import percentile, print_table

TRADERS = 20
MARKETS = ("SOL-PERP", "BTC-PERP", "ETH-PERP")


async def order_rates(store: str | None, seconds: float) -> tuple[float, float, float, float]:
    """(max orders/s, p99 ms at max, p99 ms paced, the paced rate) for a backend on `store`."""
    args = ["--tick-rate", "15", "--submit-rate", "100000", "--api-rate", "100000"]
    if store:
        args += ["--store", store, "--trader", "bench"]
    with BenchBackend(*args) as backend:
        clients = await orders.connect_clients(backend)
        await orders.flood(clients, 1.0)  # warm up
        t0 = time.perf_counter()
        count, flood_lat = await orders.flood(clients, seconds)
        wall = time.perf_counter() - t0
        # paced at 1,000/s, or at half the maximum when this machine cannot keep up with 1,000/s
        rate = min(1_000.0, count / wall / 2)
        paced = await orders.paced(clients, rate, seconds)
        for c in clients:
            await c.close()
    return count / wall, percentile(flood_lat, 99) * 1e3, percentile(paced, 99) * 1e3, rate


def recovery_times(entries: int, open_store: Any, path: Path) -> tuple[int, float, dict, dict]:
    count, build_s = recovery.build_journal(path, entries, open_store)
    with_snapshot = recovery.recover(path, 0, open_store)
    store = open_store(path)
    store.write_sync(lambda conn: conn.execute("DELETE FROM snapshots"))
    store.stop()
    full = recovery.recover(path, 0, open_store)
    return count, build_s, with_snapshot, full


def desk_rows(n_fills: int, now: int, rng: random.Random) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """20 traders' desk rows, open orders, and n_fills fills over the last 30 days."""
    accounts, open_orders, fills = [], [], []
    for t in range(TRADERS):
        positions = [
            {  # the risk monitor's integers (backend/risk/monitor.py: PositionRisk)
                "market": m,
                "base": 10**9,
                "notional": rng.randrange(-50_000 * 10**6, 50_000 * 10**6),
                "entry_price": 100 * 10**6,
                "mark_price": 100 * 10**6,
                "unrealized_pnl": 10 * 10**6,
                "liq_price": 50 * 10**6,
                "liq_distance": 500_000,
            }
            for m in MARKETS
        ]
        accounts.append(
            (
                f"t{t:02d}",
                "paper",
                0,
                now * 1_000,  # ts_ms
                100_000 * 10**6,
                30 * 10**6,
                99_970 * 10**6,
                5_000 * 10**6,
                2_500 * 10**6,
                15_000,  # 1.5x
                6_000,  # 60%
                500_000,  # 50%
                99_000 * 10**6,
                "ok",
                json.dumps(positions),
            )
        )
        open_orders += [(f"t{t:02d}", i, "paper", 0, MARKETS[i % 3], "open", now, b"") for i in range(50)]
    stamps = sorted(now - rng.randrange(30 * 86_400) for _ in range(n_fills))  # fills arrive in time order
    for i, ts in enumerate(stamps):
        fills.append((f"t{i % TRADERS:02d}", i, i, "paper", 0, MARKETS[i % 3], ts, b""))
    return accounts, open_orders, fills


def desk_on_postgres(url: str, n_fills: int) -> float:
    PgStore(url, trader="t00").stop()  # migrate
    accounts, open_orders, fills = desk_rows(n_fills, int(time.time()), random.Random(1))
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        for table, columns, rows in (
            (
                "desk_accounts",
                "trader, authority, sub_account, ts_ms, equity, unrealized_pnl, total_collateral, "
                "margin_used, maintenance_margin, leverage, margin_ratio, liq_distance, day_start_equity, "
                "level, positions",
                accounts,
            ),
            ("orders", "trader, order_id, authority, sub_account, market, status, updated_ts, view", open_orders),
            ("fills", "trader, fill_id, order_id, authority, sub_account, market, ts, view", fills),
        ):
            with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")  # what autovacuum does soon after a bulk load (BRIN summaries)
    with StoreReader(StoreSpec("postgresql", url)) as reader:
        return _time_desk(reader)


def desk_on_sqlite(path: Path, n_fills: int) -> float:
    """The same fills in one SQLite home (it holds one trader; the query is the same shape)."""
    store = Store(path)
    accounts, open_orders, fills = desk_rows(n_fills, int(time.time()), random.Random(1))
    store.write_sync(
        lambda conn: (
            conn.executemany("INSERT INTO desk_accounts VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", accounts),
            conn.executemany("INSERT OR IGNORE INTO orders VALUES (?,?,?,?,?,?,?)", [r[1:] for r in open_orders]),
            conn.executemany("INSERT INTO fills VALUES (?,?,?,?,?,?,?)", [r[1:] for r in fills]),
        )
    )
    store.stop()
    with StoreReader(StoreSpec("sqlite", str(path))) as reader:
        return _time_desk(reader)


def _time_desk(reader: StoreReader) -> float:
    desk_view(reader.query, by_trader=reader.by_trader)  # warm the cache: a desk refreshes every 2 s
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        view = desk_view(reader.query, by_trader=reader.by_trader)
        runs.append(time.perf_counter() - t0)
    assert len(view["traders"]) == TRADERS
    return sorted(runs)[len(runs) // 2] * 1e3


def main() -> int:
    p = argparse.ArgumentParser(prog="bench store")
    p.add_argument("--entries", type=int, default=1_000_000, help="journal entries for the recovery runs")
    p.add_argument("--fills", type=int, default=1_000_000, help="fills for the desk query")
    p.add_argument("--seconds", type=float, default=5.0, help="length of each order run")
    args = p.parse_args()
    server = LocalPostgres(durable=True).start()
    try:
        rows = []
        sqlite_rate = pg_rate = 0.0
        for name, store in (("sqlite", None), ("postgresql", server.create_database("bench_orders"))):
            rate, p99_max, p99_paced, paced_at = asyncio.run(order_rates(store, args.seconds))
            rows.append((name, f"{rate:,.0f}", f"{p99_max:.2f}", f"{p99_paced:.2f} at {paced_at:,.0f}/s"))
            sqlite_rate, pg_rate = (rate, pg_rate) if store is None else (sqlite_rate, rate)
        print_table(
            "durable orders over the API, 10 clients (acked after COMMIT)",
            ("store", "orders/s", "p99 ack ms at max", "p99 ack ms paced (1,000/s or half the max)"),
            rows,
        )
        print(f"PostgreSQL / SQLite order rate: {pg_rate / sqlite_rate:.2f} (goal ≥ 0.50)\n")

        tmp = Path(tempfile.mkdtemp(prefix="qd-bench-store-"))
        pg_url = server.create_database("bench_recovery")
        rows = []
        for name, open_store, path in (
            ("sqlite", Store, tmp / "recovery.db"),
            ("postgresql", lambda _p: PgStore(pg_url, trader="bench"), tmp / "unused"),
        ):
            count, build_s, snap, full = recovery_times(args.entries, open_store, path)
            rows.append(
                (
                    name,
                    count,
                    f"{build_s:,.1f}",
                    f"{snap['wall']:.2f}",
                    f"{full['wall']:.2f}",
                    snap["consistent"] and full["consistent"],
                )
            )
        print_table(
            f"recovery after kill -9 ({args.entries:,} journal entries, snapshot every {recovery.SNAPSHOT_EVERY:,})",
            ("store", "entries", "build s", "snapshot + tail s", "full replay s", "consistent"),
            rows,
        )
        print()
        desk_pg = desk_on_postgres(server.create_database("bench_desk"), args.fills)
        desk_sqlite = desk_on_sqlite(tmp / "desk.db", args.fills)
        print_table(
            f"desk view: {TRADERS} traders, {args.fills:,} fills (median of 5)",
            ("store", "query ms"),
            [("sqlite (one home)", f"{desk_sqlite:.1f}"), ("postgresql (20 traders)", f"{desk_pg:.1f}")],
        )
    finally:
        server.stop()
    return 0

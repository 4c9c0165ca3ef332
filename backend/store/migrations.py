"""Versioned schema migrations, applied in order at start-up; the version lives in `schema_version`.

Append new entries with the next number; never edit an applied one.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "observations", """
        CREATE TABLE observations (
            id INTEGER PRIMARY KEY,
            market TEXT NOT NULL,
            price INTEGER NOT NULL,
            conf INTEGER NOT NULL,
            expo INTEGER NOT NULL,
            publish_time INTEGER NOT NULL,
            slot INTEGER NOT NULL,
            ema_price INTEGER NOT NULL,
            source TEXT NOT NULL
        );
        CREATE INDEX observations_market_time ON observations(market, publish_time);
    """),
]

# 2..9: oracle and candles; 10..: trading, audit, alerts, solana
MIGRATIONS += [
    (10, "journal", """
        CREATE TABLE journal (
            seq INTEGER PRIMARY KEY,
            ts INTEGER NOT NULL,
            kind TEXT NOT NULL,
            payload BLOB NOT NULL
        );
        CREATE TABLE snapshots (
            seq INTEGER PRIMARY KEY,
            created INTEGER NOT NULL,
            state BLOB NOT NULL
        );
        CREATE TABLE orders (
            order_id INTEGER PRIMARY KEY,
            authority TEXT NOT NULL,
            sub_account INTEGER NOT NULL,
            market TEXT NOT NULL,
            status TEXT NOT NULL,
            updated_ts INTEGER NOT NULL,
            view BLOB NOT NULL
        );
        CREATE INDEX orders_status ON orders(status);
        CREATE TABLE fills (
            fill_id INTEGER PRIMARY KEY,
            order_id INTEGER NOT NULL,
            authority TEXT NOT NULL,
            sub_account INTEGER NOT NULL,
            market TEXT NOT NULL,
            ts INTEGER NOT NULL,
            view BLOB NOT NULL
        );
        CREATE INDEX fills_order ON fills(order_id);
    """),
    (11, "audit", """
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            ts REAL NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT NOT NULL
        );
    """),
]

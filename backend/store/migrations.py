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

"""Open the store a `StoreSpec` names: this home's SQLite file or a desk's PostgreSQL database."""

from __future__ import annotations

from pathlib import Path

from backend.home import private_database
from backend.store.base import StoreLike, StoreSpec
from backend.store.db import Store


def open_store(spec: StoreSpec, trader: str) -> StoreLike:
    """Open (and migrate) the store, for one trader."""
    if spec.kind == "postgresql":
        from backend.store.postgres import PgStore  # psycopg loads only for a PostgreSQL store (start-up time)

        return PgStore(spec.target, trader=trader)
    store = Store(private_database(Path(spec.target)))
    store.trader = trader
    return store

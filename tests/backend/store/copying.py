"""`store copy` from a SQLite home to PostgreSQL, as the exactness tests run it: fill, read, copy, read."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import psycopg

from backend.store.base import StoreSpec
from backend.store.copy import CopyReport, copy_store
from backend.store.db import Store


async def copy_home_to_postgres(
    tmp_path: Path, pg_url: str, fill: Callable[[Store], Awaitable[Any]], source: list[str], copied: list[str]
) -> tuple[CopyReport, list[list[dict]], list[list[dict]]]:
    """A SQLite home filled by `fill`, copied to `pg_url` as trader "carol": (the copy's report, each
    `source` query's rows in SQLite before the copy, each `copied` query's rows in PostgreSQL after)."""
    path = str(tmp_path / "quantdesk.db")
    home = Store(path)
    home.start()
    try:
        await fill(home)
        before = [home.query(sql) for sql in source]
    finally:
        home.stop()
    report = copy_store(StoreSpec("sqlite", path), StoreSpec("postgresql", pg_url), "carol")
    with psycopg.connect(pg_url) as conn:
        conn.row_factory = psycopg.rows.dict_row
        after = [conn.execute(sql).fetchall() for sql in copied]
    return report, before, after

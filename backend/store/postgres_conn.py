"""A psycopg connection that takes the services' SQLite dialect, like sqlite3's execute/executemany."""

from __future__ import annotations

from typing import Any

import psycopg

from backend.store.dialect import translate


class PgConnection:
    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self.raw = raw

    def execute(self, sql: str, params: tuple[Any, ...] | list[Any] | dict[str, Any] = ()) -> psycopg.Cursor[Any]:
        cursor = self.raw.cursor()
        cursor.execute(translate(sql), params)
        return cursor

    def executemany(self, sql: str, rows: Any) -> psycopg.Cursor[Any]:
        cursor = self.raw.cursor()
        cursor.executemany(translate(sql), list(rows))
        return cursor

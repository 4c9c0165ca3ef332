"""Read-only access to a store with no backend running: the desk, history and copy tools use it.

PostgreSQL is read as the connecting user (the desk owner or a `quantdesk_desk` member sees every
trader); a SQLite file is opened read-only and holds one trader.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

from backend.store.base import StoreError, StoreSpec
from backend.store.dialect import translate
from backend.store.postgres import connect


class StoreReader:
    def __init__(self, spec: StoreSpec) -> None:
        self.spec = spec
        self.by_trader = spec.kind == "postgresql"  # rows carry their trader
        self._pg: psycopg.Connection[Any] | None = None
        self._sqlite: sqlite3.Connection | None = None
        if self.by_trader:
            self._pg = connect(spec.target, autocommit=True)
        else:
            if not Path(spec.target).is_file():
                raise StoreError(f"no store at {spec.target} (has a backend ever run in this home? or pass --store)")
            try:
                self._sqlite = sqlite3.connect(f"file:{spec.target}?mode=ro", uri=True)
            except sqlite3.OperationalError as exc:
                raise StoreError(f"cannot open {spec.target}: {exc}") from None
            self._sqlite.row_factory = sqlite3.Row

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        try:
            if self._pg is not None:
                return self._pg.cursor(row_factory=dict_row).execute(translate(sql), params).fetchall()
            assert self._sqlite is not None
            return [dict(row) for row in self._sqlite.execute(sql, params)]
        except (sqlite3.OperationalError, psycopg.errors.UndefinedTable) as exc:
            raise StoreError(f"{self.spec.display}: {str(exc).strip()} (has a backend ever run on it?)") from None

    def rows(self, sql: str) -> Any:
        """Tuples streamed from a cursor (a million rows never sit in memory at once)."""
        if self._pg is not None:
            with self._pg.cursor(name="reader") as cursor:  # server-side cursor
                cursor.execute(translate(sql))
                yield from cursor
            return
        assert self._sqlite is not None
        rows = self._sqlite.execute(sql)
        rows.row_factory = None
        yield from rows

    def close(self) -> None:
        if self._pg is not None:
            self._pg.close()
        if self._sqlite is not None:
            self._sqlite.close()

    def __enter__(self) -> StoreReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""One group commit as few statements: the INSERTs of every job in a batch, gathered per statement
and sent as multi-row INSERTs (a thousand orders = a few statements, not three thousand).

Used only on the PostgreSQL store's fast path. Gathering moves an INSERT later (to the next statement
that is not a gathered INSERT, or the end of the batch), so INSERTs of different statements may reach
the server in another order than the jobs issued them; our tables have no triggers or foreign keys,
and rows of one statement keep their order. An upsert (`INSERT OR REPLACE`) that names one row twice
keeps only the last values, which is what two upserts in a row leave. If anything fails, the store
re-runs the batch job by job without this (see postgres.py), so a failure still belongs to its job.
"""

from __future__ import annotations

from typing import Any

import psycopg

from backend.store.dialect import InsertShape, insert_shape
from backend.store.postgres_conn import PgConnection

MAX_ROWS_PER_STATEMENT = 1000  # well under PostgreSQL's 65,535 parameters for our widest tables


class _Deferred:
    """What a gathered INSERT returns: it has no rows to fetch (nothing of ours reads lastrowid)."""

    rowcount = -1

    def fetchone(self) -> None:
        return None

    def fetchall(self) -> list[Any]:
        return []


class GatheringConnection(PgConnection):
    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        super().__init__(raw)
        self._pending: dict[str, tuple[InsertShape, list[Any]]] = {}  # in first-seen order
        self.statements = 0

    def execute(self, sql: str, params: Any = ()) -> Any:
        shape = insert_shape(sql)
        if shape is not None and isinstance(params, (tuple, list)):
            self._gather(sql, shape, [params])
            return _Deferred()
        self.flush()
        self.statements += 1
        return super().execute(sql, params)

    def executemany(self, sql: str, rows: Any) -> Any:
        shape = insert_shape(sql)
        if shape is not None:
            self._gather(sql, shape, list(rows))
            return _Deferred()
        self.flush()
        self.statements += 1
        return super().executemany(sql, rows)

    def _gather(self, sql: str, shape: InsertShape, rows: list[Any]) -> None:
        self._pending.setdefault(sql, (shape, []))[1].extend(rows)

    def flush(self) -> None:
        pending, self._pending = self._pending, {}
        cursor = psycopg.RawCursor(self.raw)
        for shape, rows in pending.values():
            if shape.upsert_key is not None:
                rows = _last_per_key(rows, shape.upsert_key)
            for start in range(0, len(rows), MAX_ROWS_PER_STATEMENT):
                chunk = rows[start : start + MAX_ROWS_PER_STATEMENT]
                cursor.execute(shape.statement(len(chunk)), [value for row in chunk for value in row])
                self.statements += 1


def _last_per_key(rows: list[Any], key: tuple[int, ...]) -> list[Any]:
    latest: dict[tuple[Any, ...], Any] = {}
    for row in rows:
        k = tuple(row[i] for i in key)
        latest.pop(k, None)  # re-insert: the row takes the position of its last write
        latest[k] = row
    return list(latest.values())

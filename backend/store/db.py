"""SQLite in WAL mode with one writer thread that group-commits: one transaction per batch.

Callers hand the writer a function of the connection. `write()` returns once the batch holding
it has committed (use it for anything that is acked); `submit()` is fire-and-forget (telemetry
such as observations). Reads use their own connection and never wait for the writer.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlite_utils

from backend.store.migrations import MIGRATIONS

log = logging.getLogger(__name__)
WriteFn = Callable[[sqlite3.Connection], Any]
_STOP = object()


def connect(path: Path | str) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=5000")
    return conn


def migrate(conn: sqlite3.Connection) -> int:
    """Apply every migration not yet applied, in version order; returns the highest version."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, name TEXT NOT NULL)")
    applied = {row[0] for row in conn.execute("SELECT version FROM schema_version")}
    for version, name, sql in sorted(MIGRATIONS):
        if version in applied:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in sql.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("INSERT INTO schema_version (version, name) VALUES (?, ?)", (version, name))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.add(version)
    return max(applied, default=0)


class Store:
    kind = "sqlite"
    trader = "local"  # one home, one trader; the desk (PostgreSQL) names them

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._writer_conn = connect(self.path)
        self.schema_version = migrate(self._writer_conn)
        self._read_conn = connect(self.path)
        self.db = sqlite_utils.Database(self._read_conn)
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.commits = 0
        self.writes = 0

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._writer_loop, name="store-writer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._jobs.put(_STOP)
            self._thread.join(timeout=10)
            self._thread = None
        self._writer_conn.close()
        self._read_conn.close()

    # -- writing ------------------------------------------------------------------------------
    def write(self, fn: WriteFn) -> asyncio.Future[Any]:
        """Run fn(conn) in the next group commit; the future resolves after COMMIT with fn's result."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Any] = loop.create_future()
        self._jobs.put((fn, loop, fut))
        return fut

    def submit(self, fn: WriteFn) -> None:
        self._jobs.put((fn, None, None))

    def write_sync(self, fn: WriteFn) -> Any:
        """For start-up and tools: run fn in its own transaction on the calling thread (writer idle)."""
        conn = self._writer_conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = fn(conn)
            conn.execute("COMMIT")
            return result
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _writer_loop(self) -> None:
        conn = self._writer_conn
        while True:
            job = self._jobs.get()
            if job is _STOP:
                return
            batch = [job]
            stop_after = False
            while len(batch) < 5000:
                try:
                    nxt = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    stop_after = True
                    break
                batch.append(nxt)
            self._run_batch(conn, batch)
            if stop_after:
                return

    def _run_batch(self, conn: sqlite3.Connection, batch: list[Any]) -> None:
        results: list[tuple[Any, Any, Any, BaseException | None]] = []
        conn.execute("BEGIN IMMEDIATE")
        for fn, loop, fut in batch:
            conn.execute("SAVEPOINT job")
            try:
                value = fn(conn)
                conn.execute("RELEASE job")
                results.append((loop, fut, value, None))
            except Exception as exc:  # one bad job must not sink the batch
                conn.execute("ROLLBACK TO job")
                conn.execute("RELEASE job")
                log.exception("store job failed")
                results.append((loop, fut, None, exc))
        try:
            conn.execute("COMMIT")
        except Exception as exc:
            log.exception("store commit failed")
            conn.execute("ROLLBACK")
            results = [(loop, fut, None, exc) for loop, fut, _, _ in results]
        self.commits += 1
        self.writes += len(batch)
        for loop, fut, value, exc in results:
            if fut is not None:
                loop.call_soon_threadsafe(_resolve, fut, value, exc)

    # -- reading ------------------------------------------------------------------------------
    def query(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        return list(self.db.query(sql, params))


def _resolve(fut: asyncio.Future[Any], value: Any, exc: BaseException | None) -> None:
    if fut.done():
        return
    if exc is not None:
        fut.set_exception(exc)
    else:
        fut.set_result(value)

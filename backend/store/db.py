"""SQLite in WAL mode with one writer thread that group-commits: one transaction per batch.

Callers hand the writer a function of the connection. `write()` returns once the batch holding
it has committed (use it for anything that is acked); `submit()` is fire-and-forget (telemetry
such as observations). Reads use their own connection and never wait for the writer.

Store faults (disk full, read-only file system, I/O errors, a lock held too long) are survivable:
the writer rolls the batch back, refuses every write in it with StoreUnavailable (nothing of them
is kept, so nothing may be acked), and stops accepting writes. Every fault bumps `epoch`; a write
is stamped with the epoch it was submitted in and refused if a fault came in between, because it
may rest on state the store refused (the paper venue rebuilds its engine from the journal when
the epoch moves). The writer then probes with backoff (free space, and a real 64 KiB commit into
the scratch table `store_probe`) and accepts writes again once one succeeds; `watch()` callbacks
hear both changes on their event loop.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from backend.store.write_queue import Job, StoreUnavailable, WriteQueue
from backend.store.migrations import MIGRATIONS

log = logging.getLogger(__name__)
WriteFn = Callable[[sqlite3.Connection], Any]
# SQLite primary result codes that mean "the store cannot write now", not "this job is wrong"
FAULT_CODES = frozenset(
    {
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_NOMEM,
        sqlite3.SQLITE_PROTOCOL,
    }
)
PROBE_BYTES = 64 * 1024
RESUME_MIN_FREE = 1024 * 1024  # bytes free on the store's file system before writes are accepted again


def is_fault(exc: BaseException) -> bool:
    """True when exc says the store cannot write (as opposed to one write being wrong)."""
    if not isinstance(exc, sqlite3.Error):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return isinstance(exc, sqlite3.OperationalError)
    return code & 0xFF in FAULT_CODES


def describe(exc: BaseException) -> str:
    name = getattr(exc, "sqlite_errorname", None) or type(exc).__name__
    return f"{exc} [{name}]"


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
            _rollback(conn)
            raise
        applied.add(version)
    return max(applied, default=0)


class Store(WriteQueue):
    kind = "sqlite"
    trader = "local"  # one home, one trader; the desk (PostgreSQL) names them

    def __init__(
        self,
        path: Path | str,
        *,
        retry_base_s: float = 0.05,
        retry_cap_s: float = 2.0,
        resume_min_free: int = RESUME_MIN_FREE,
    ) -> None:
        self.path = Path(path)
        self._writer_conn = connect(self.path)
        self.schema_version = migrate(self._writer_conn)
        self._read_conn = connect(self.path)
        super().__init__(retry_base_s=retry_base_s, retry_cap_s=retry_cap_s)
        self.resume_min_free = resume_min_free

    # -- lifecycle ----------------------------------------------------------------------------
    def stop(self) -> None:
        self._stop_writer()
        self._writer_conn.close()
        self._read_conn.close()

    # -- writing ------------------------------------------------------------------------------
    def write_sync(self, fn: WriteFn) -> Any:
        """For start-up and tools: run fn in its own transaction on the calling thread (writer idle)."""
        conn = self._writer_conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            result = fn(conn)
            conn.execute("COMMIT")
            return result
        except BaseException as exc:
            _rollback(conn)
            if is_fault(exc):
                raise StoreUnavailable(describe(exc)) from exc
            raise

    def _run_batch(self, batch: list[Job]) -> BaseException | None:
        try:
            results = self._transaction(self._writer_conn, batch)
        except Exception as exc:  # noqa: BLE001 - anything that sinks the transaction itself is a store fault
            self._enter_fault(exc, batch)
            return exc
        self._acknowledge(batch, results)
        return None

    def _transaction(self, conn: sqlite3.Connection, batch: list[Job]) -> list[tuple[Any, BaseException | None]]:
        results: list[tuple[Any, BaseException | None]] = []
        conn.execute("BEGIN IMMEDIATE")
        for fn, _loop, _fut, _epoch in batch:
            conn.execute("SAVEPOINT job")
            try:
                value = fn(conn)
                conn.execute("RELEASE job")
                results.append((value, None))
            except Exception as exc:  # one bad job must not sink the batch; a store fault does
                if is_fault(exc):
                    raise
                conn.execute("ROLLBACK TO job")
                conn.execute("RELEASE job")
                log.exception("store job failed")
                results.append((None, exc))
        conn.execute("COMMIT")
        return results

    # -- faults -------------------------------------------------------------------------------
    def _rollback(self) -> None:
        _rollback(self._writer_conn)

    def describe(self, exc: BaseException) -> str:
        return describe(exc)

    def _probe(self) -> str | None:
        """None when the disk has headroom and a PROBE_BYTES write commits; else what is still wrong."""
        conn = self._writer_conn
        free = shutil.disk_usage(self.path.parent).free
        if free < self.resume_min_free:
            return f"disk full: only {free // 1024} KiB free for {self.path.name}"
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("CREATE TABLE IF NOT EXISTS store_probe (pad BLOB)")
            conn.execute("INSERT INTO store_probe (pad) VALUES (zeroblob(?))", (PROBE_BYTES,))
            conn.execute("COMMIT")
            conn.execute("DELETE FROM store_probe")  # its pages stay in the file for the writes that follow
        except sqlite3.Error as exc:
            _rollback(conn)
            return describe(exc)
        return None

    # -- reading ------------------------------------------------------------------------------
    def query(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        cursor = self._read_conn.execute(sql, params)
        names = [column[0] for column in cursor.description or ()]
        return [dict(zip(names, row)) for row in cursor]


def _rollback(conn: sqlite3.Connection) -> None:
    """Roll back whatever is open; SQLite may already have rolled back itself (disk full does)."""
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error as exc:
            log.error("store rollback failed: %s", describe(exc))

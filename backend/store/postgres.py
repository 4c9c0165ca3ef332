"""The PostgreSQL store: the SQLite store's guarantees on a database a desk of traders shares.

One writer thread owns one connection and group-commits: every job queued while the previous batch
committed goes into the next transaction, its INSERTs gathered into multi-row statements (pg_batch.py)
and sent in one pipeline (no round trip per statement); a job's future resolves only after COMMIT.
A failing job must not sink the others, but a SAVEPOINT per job costs a subtransaction each; so a
batch first runs without them and, only if something fails, is rolled back and run again job by job,
one savepoint each.
Reads go through a small connection pool. Every connection acts as the trader's role, so row-level
security (pg_schema.py) keeps this backend to its own trader's rows.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from backend.store import pg_schema
from backend.store.base import StoreError, WriteFn
from backend.store.dialect import translate
from backend.store.pg_batch import GatheringConnection
from backend.store.postgres_conn import PgConnection

log = logging.getLogger(__name__)
_STOP = object()
MIGRATION_LOCK = 0x51D35C  # pg_advisory_lock key: one backend migrates at a time
MAX_BATCH = 5000
CONNECT_TIMEOUT_S = 10


def connect(url: str, *, autocommit: bool = False) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(url, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT_S)
    except psycopg.OperationalError as exc:
        raise StoreError(f"cannot connect to the PostgreSQL store: {str(exc).strip().splitlines()[0]}") from None


def timescale_available(conn: psycopg.Connection[Any]) -> bool:
    """True when TimescaleDB is (or can be) created in this database; it needs shared_preload_libraries."""
    if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'").fetchone():
        return True
    if not conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'").fetchone():
        return False
    try:
        conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
        return True
    except psycopg.Error as exc:
        log.warning("TimescaleDB is installed but cannot be created (%s); using native partitions", exc)
        return False


def migrate(conn: psycopg.Connection[Any], timescale: bool) -> int:
    """Apply every migration not yet applied, in version order (autocommit conn); returns the highest."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL)")
    applied = {row[0] for row in conn.execute("SELECT version FROM schema_version")}
    for version, name, statements in sorted(pg_schema.migrations(timescale), key=lambda m: m[0]):
        if version in applied:
            continue
        with conn.transaction():
            for statement in statements:
                conn.execute(statement)  # type: ignore[arg-type]  # our own DDL, no parameters
            conn.execute("INSERT INTO schema_version (version, name) VALUES (%s, %s)", (version, name))
        applied.add(version)
    return max(applied, default=0)


def ensure_partitions(conn: psycopg.Connection[Any]) -> None:
    """Native partitions for this month and the next two (a backend may run for weeks)."""
    for table in pg_schema.TIME_SERIES:
        for statement in pg_schema.month_partitions(table, int(time.time()), before=0, after=2):
            try:
                conn.execute(statement)  # type: ignore[arg-type]
            except psycopg.Error as exc:  # rows for that month already sit in the default partition
                log.warning("partition not created: %s", str(exc).strip())


class PgStore:
    kind = "postgresql"

    def __init__(self, url: str, *, trader: str) -> None:
        self.url = url
        self.trader = trader
        self.role = pg_schema.trader_role(trader)
        self.timescale = False
        self.schema_version = self._prepare()
        self._writer = connect(url)
        self._as_trader(self._writer)
        self._writer.commit()
        self._reader = connect(url, autocommit=True)
        self._as_trader(self._reader)
        self._pool = ConnectionPool(url, min_size=1, max_size=4, kwargs={"autocommit": True},
                                    configure=self._as_trader, open=True, name=f"quantdesk-{trader}")
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.commits = 0
        self.writes = 0
        self.retried_batches = 0
        self.statements = 0  # sent by fast batches: far fewer than the jobs' statements
        self._desk: psycopg.Connection[Any] | None = None
        self._desk_lock = threading.Lock()
        # The fault interface the venue and /health read. A failed PostgreSQL batch is refused and the
        # writer reconnects; it does not (yet) hold writes off with backoff as the SQLite writer does.
        self.writable = True
        self.fault = ""
        self.epoch = 0
        self.faults = self.refused = 0
        self.unwritable_since: float | None = None

    # -- set-up -------------------------------------------------------------------------------
    def _prepare(self) -> int:
        """Migrate (one backend at a time) and set up the trader's role; returns the schema version."""
        with connect(self.url, autocommit=True) as admin:
            user = admin.execute("SELECT current_user").fetchone()[0]  # type: ignore[index]
            if user.startswith(pg_schema.TRADER_ROLE_PREFIX):
                return self._check_trader_login(admin, user)
            admin.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
            try:
                self.timescale = timescale_available(admin)
                version = migrate(admin, self.timescale)
                if not self.timescale:
                    ensure_partitions(admin)
                for statement in pg_schema.role_setup(self.trader):
                    admin.execute(statement)  # type: ignore[arg-type]
            except psycopg.errors.InsufficientPrivilege as exc:
                raise StoreError(f"the PostgreSQL user {user!r} may not set up trader {self.trader!r} ({exc}); "
                                 f"connect as the desk owner once, or as the role {self.role}") from None
            finally:
                admin.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
            return version

    def _check_trader_login(self, admin: psycopg.Connection[Any], user: str) -> int:
        """Connected as a trader's own role: it cannot migrate, and it must be this trader."""
        if user != self.role:
            raise StoreError(f"connected as {user!r} but trading as {self.trader!r}: use --trader "
                             f"{user.removeprefix(pg_schema.TRADER_ROLE_PREFIX)}")
        try:
            row = admin.execute("SELECT MAX(version) FROM schema_version").fetchone()
        except psycopg.errors.UndefinedTable:
            row = None
        newest = max(v for v, _, _ in pg_schema.migrations(False))
        if row is None or row[0] != newest:
            raise StoreError("the desk database is not migrated to this version: start one backend as the "
                             "database owner first")
        return int(row[0])

    def _as_trader(self, conn: psycopg.Connection[Any]) -> None:
        if conn.info.parameter_status("session_authorization") != self.role:
            conn.execute(f"SET ROLE {self.role}")  # type: ignore[arg-type]  # validated name (TRADER_RE)

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._writer_loop, name="store-writer-pg", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._jobs.put(_STOP)
            self._thread.join(timeout=10)
            self._thread = None
        self._pool.close()
        self._writer.close()
        self._reader.close()
        if self._desk is not None:
            self._desk.close()

    # -- writing ------------------------------------------------------------------------------
    def watch(self, fn: Any) -> None:
        """Store-fault watchers (see backend.store.db.Store.watch); this store never goes unwritable."""

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
        with self._writer.transaction():
            conn = GatheringConnection(self._writer)
            with self._writer.pipeline():
                result = fn(conn)
                conn.flush()
            return result

    def _writer_loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is _STOP:
                return
            batch = [job]
            stop_after = False
            while len(batch) < MAX_BATCH:
                try:
                    nxt = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    stop_after = True
                    break
                batch.append(nxt)
            self._run_batch(batch)
            if stop_after:
                return

    def _run_batch(self, batch: list[Any]) -> None:
        self._reconnect_if_broken()
        try:
            results = self._run_fast(batch)
        except Exception:
            self._rollback()
            self.retried_batches += 1
            results = self._run_each(batch)
        self.commits += 1
        self.writes += len(batch)
        for (_fn, loop, fut), (value, exc) in zip(batch, results, strict=True):
            if fut is not None:
                loop.call_soon_threadsafe(_resolve, fut, value, exc)

    def _run_fast(self, batch: list[Any]) -> list[tuple[Any, BaseException | None]]:
        conn = GatheringConnection(self._writer)
        with self._writer.pipeline():
            values = [fn(conn) for fn, _loop, _fut in batch]
            conn.flush()
        self._writer.commit()
        self.statements += conn.statements
        return [(value, None) for value in values]

    def _run_each(self, batch: list[Any]) -> list[tuple[Any, BaseException | None]]:
        conn = PgConnection(self._writer)
        results: list[tuple[Any, BaseException | None]] = []
        try:
            with self._writer.transaction():
                for fn, _loop, _fut in batch:
                    try:
                        with self._writer.transaction():  # nested: a savepoint
                            results.append((fn(conn), None))
                    except Exception as exc:  # one bad job must not sink the batch
                        log.exception("store job failed")
                        results.append((None, exc))
            self._writer.commit()
        except Exception as exc:
            log.exception("store commit failed")
            self._rollback()
            return [(None, exc)] * len(batch)
        return results

    def _rollback(self) -> None:
        try:
            self._writer.rollback()
        except psycopg.Error:
            log.exception("rollback failed")

    def _reconnect_if_broken(self) -> None:
        if not self._writer.closed and not self._writer.broken:
            return
        log.warning("store writer connection lost; reconnecting")
        try:
            self._writer = psycopg.connect(self.url, connect_timeout=CONNECT_TIMEOUT_S)
            self._as_trader(self._writer)
            self._writer.commit()
        except psycopg.Error:
            log.exception("store writer cannot reconnect; this batch will fail")

    # -- reading ------------------------------------------------------------------------------
    def query(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        with self._pool.connection() as conn:
            return conn.cursor(row_factory=dict_row).execute(translate(sql), params).fetchall()

    def desk_query(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Reads across every trader: as the connecting user (the owner or a quantdesk_desk member)."""
        with self._desk_lock:
            if self._desk is None or self._desk.closed:
                self._desk = connect(self.url, autocommit=True)
            return self._desk.cursor(row_factory=dict_row).execute(translate(sql), params).fetchall()

    @property
    def _read_conn(self) -> PgConnection:
        """The venue's recovery reads through this (the SQLite store's attribute of the same name)."""
        return PgConnection(self._reader)


def _resolve(fut: asyncio.Future[Any], value: Any, exc: BaseException | None) -> None:
    if fut.done():
        return
    if exc is not None:
        fut.set_exception(exc)
    else:
        fut.set_result(value)

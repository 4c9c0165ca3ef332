"""The PostgreSQL store: the SQLite store's guarantees on a database a desk of traders shares.

One writer thread owns one connection and group-commits: every job queued while the previous batch
committed goes into the next transaction, its INSERTs gathered into multi-row statements (pg_batch.py)
and sent in one pipeline (no round trip per statement); a job's future resolves only after COMMIT.
A failing job must not sink the others, but a SAVEPOINT per job costs a subtransaction each; so a
batch first runs without them and, only if something fails, is rolled back and run again job by job,
one savepoint each.
Reads go through a small connection pool. Every connection acts as the trader's role, so row-level
security (pg_schema.py) keeps this backend to its own trader's rows.

Faults follow the SQLite store (backend/store/db.py): when the database cannot take the batch (the
connection is lost or terminated, the server shuts down, the disk is full, a read-only server), the
writer rolls back, refuses every write of the batch with StoreUnavailable, bumps `epoch` and stops
accepting writes; it then probes with backoff (a fresh connection that commits a transaction with a
transaction id) and accepts writes again once one succeeds. `watch()` callbacks hear both changes.
A connection lost during COMMIT leaves the outcome unknown: the write is refused, and the venue,
which reloads from the journal when the epoch moves, shows whatever the database kept.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from backend.store import pg_schema
from backend.store.base import StoreError, WriteFn
from backend.store.write_queue import Job, WriteQueue
from backend.store.dialect import translate
from backend.store.pg_batch import GatheringConnection
from backend.store.postgres_conn import PgConnection

log = logging.getLogger(__name__)
MIGRATION_LOCK = 0x51D35C  # pg_advisory_lock key: one backend migrates at a time
CONNECT_TIMEOUT_S = 10
PROBE_CONNECT_TIMEOUT_S = 2  # a probe that hangs would hold the refusals' backoff up


def is_fault(exc: BaseException, conn: psycopg.Connection[Any]) -> bool:
    """True when exc says the database cannot write now (as opposed to one job being wrong)."""
    if conn.closed or conn.broken:
        return True
    return isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError, psycopg.errors.ReadOnlySqlTransaction))


def describe(exc: BaseException) -> str:
    first = (str(exc).strip().splitlines() or [""])[0]
    state = getattr(getattr(exc, "diag", None), "sqlstate", None)
    return f"{first} [{type(exc).__name__}{' ' + state if state else ''}]"


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
                conn.execute(statement)  # our own DDL, no parameters
            conn.execute("INSERT INTO schema_version (version, name) VALUES (%s, %s)", (version, name))
        applied.add(version)
    return max(applied, default=0)


def ensure_partitions(conn: psycopg.Connection[Any]) -> None:
    """Native partitions for this month and the next two (a backend may run for weeks)."""
    for table in pg_schema.TIME_SERIES:
        for statement in pg_schema.month_partitions(table, int(time.time()), before=0, after=2):
            try:
                conn.execute(statement)
            except psycopg.Error as exc:  # rows for that month already sit in the default partition
                log.warning("partition not created: %s", str(exc).strip())


class PgStore(WriteQueue):
    kind = "postgresql"
    thread_name = "store-writer-pg"

    def __init__(self, url: str, *, trader: str, retry_base_s: float = 0.05, retry_cap_s: float = 2.0) -> None:
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
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=4,
            kwargs={"autocommit": True},
            configure=self._as_trader,
            open=True,
            name=f"quantdesk-{trader}",
        )
        super().__init__(retry_base_s=retry_base_s, retry_cap_s=retry_cap_s)
        self.retried_batches = 0
        self.statements = 0  # sent by fast batches: far fewer than the jobs' statements
        self._desk: psycopg.Connection[Any] | None = None
        self._desk_lock = threading.Lock()

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
                    admin.execute(statement)
            except psycopg.errors.InsufficientPrivilege as exc:
                raise StoreError(
                    f"the PostgreSQL user {user!r} may not set up trader {self.trader!r} ({exc}); "
                    f"connect as the desk owner once, or as the role {self.role}"
                ) from None
            finally:
                admin.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
            return version

    def _check_trader_login(self, admin: psycopg.Connection[Any], user: str) -> int:
        """Connected as a trader's own role: it cannot migrate, and it must be this trader."""
        if user != self.role:
            raise StoreError(
                f"connected as {user!r} but trading as {self.trader!r}: use --trader "
                f"{user.removeprefix(pg_schema.TRADER_ROLE_PREFIX)}"
            )
        try:
            row = admin.execute("SELECT MAX(version) FROM schema_version").fetchone()
        except psycopg.errors.UndefinedTable:
            row = None
        newest = max(v for v, _, _ in pg_schema.migrations(False))
        if row is None or row[0] != newest:
            raise StoreError(
                "the desk database is not migrated to this version: start one backend as the database owner first"
            )
        return int(row[0])

    def _as_trader(self, conn: psycopg.Connection[Any]) -> None:
        if conn.info.parameter_status("session_authorization") != self.role:
            conn.execute(f"SET ROLE {self.role}")  # validated name (TRADER_RE)

    # -- lifecycle ----------------------------------------------------------------------------
    def stop(self) -> None:
        self._stop_writer()
        self._pool.close()
        self._writer.close()
        self._reader.close()
        if self._desk is not None:
            self._desk.close()

    # -- writing ------------------------------------------------------------------------------
    def write_sync(self, fn: WriteFn) -> Any:
        """For start-up and tools: run fn in its own transaction on the calling thread (writer idle)."""
        with self._writer.transaction():
            conn = GatheringConnection(self._writer)
            with self._writer.pipeline():
                result = fn(conn)
                conn.flush()
            return result

    def _run_batch(self, batch: list[Job]) -> BaseException | None:
        try:
            try:
                results = self._run_fast(batch)
            except Exception as exc:  # noqa: BLE001 - a bad job is retried job by job; a fault is not
                if is_fault(exc, self._writer):
                    raise
                self._rollback()
                self.retried_batches += 1
                results = self._run_each(batch)
        except Exception as exc:  # noqa: BLE001 - whatever sinks the transaction itself is a store fault
            self._enter_fault(exc, batch)
            return exc
        self._acknowledge(batch, results)
        return None

    def _run_fast(self, batch: list[Job]) -> list[tuple[Any, BaseException | None]]:
        conn = GatheringConnection(self._writer)
        with self._writer.pipeline():
            values = [fn(conn) for fn, _loop, _fut, _epoch in batch]
            conn.flush()
        self._writer.commit()
        self.statements += conn.statements
        return [(value, None) for value in values]

    def _run_each(self, batch: list[Job]) -> list[tuple[Any, BaseException | None]]:
        """One savepoint a job: a job that fails fails alone; a store fault sinks the batch (raised)."""
        conn = PgConnection(self._writer)
        results: list[tuple[Any, BaseException | None]] = []
        with self._writer.transaction():
            for fn, _loop, _fut, _epoch in batch:
                try:
                    with self._writer.transaction():  # nested: a savepoint
                        results.append((fn(conn), None))
                except Exception as exc:  # one bad job must not sink the batch
                    if is_fault(exc, self._writer):
                        raise
                    log.exception("store job failed")
                    results.append((None, exc))
        self._writer.commit()
        return results

    # -- faults -------------------------------------------------------------------------------
    def describe(self, exc: BaseException) -> str:
        return describe(exc)

    def _probe(self) -> str | None:
        """None once a fresh writer connection commits a transaction that takes a transaction id."""
        try:
            fresh = psycopg.connect(self.url, connect_timeout=PROBE_CONNECT_TIMEOUT_S)
        except psycopg.Error as exc:
            return describe(exc)
        try:
            self._as_trader(fresh)
            fresh.execute("SELECT txid_current()")  # fails on a read-only (recovering) server
            fresh.commit()
        except psycopg.Error as exc:
            fresh.close()
            return describe(exc)
        old, self._writer = self._writer, fresh
        old.close()
        return None

    def _rollback(self) -> None:
        if self._writer.closed or self._writer.broken:
            return  # the server already dropped the transaction with the connection
        try:
            self._writer.rollback()
        except psycopg.Error as exc:
            log.error("store rollback failed: %s", describe(exc))

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

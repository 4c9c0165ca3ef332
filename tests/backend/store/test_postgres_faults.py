"""The PostgreSQL store's fault model is the SQLite store's: a lost connection refuses the batch with
STORE_UNAVAILABLE, writes are refused at once while the database cannot take them, the writer probes
with backoff and resumes by itself, and nothing acked is lost (against the session's real PostgreSQL)."""

from __future__ import annotations

import asyncio
import time

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from backend.api.protocol import ErrorCode
from backend.bus import Bus
from backend.domain.errors import DomainError
from backend.store import journal
from backend.store.write_queue import StoreUnavailable
from backend.store.postgres import PgStore
from backend.venues.ops import TradingOps
from backend.venues.paper import PaperVenue
from programs.quantdesk_perp.state import state_to_bytes
from tests.backend.venues.conftest import Clock, observation


async def until(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


def entry(seq: int, kind: str):
    return lambda conn: journal.append(conn, seq, kind, b"x")


async def test_a_terminated_connection_refuses_writes_until_the_database_takes_them_again(pg_url):
    store = PgStore(pg_url, trader="alice", retry_base_s=0.01, retry_cap_s=0.1)
    store.start()
    heard: list[tuple[bool, str]] = []
    store.watch(lambda writable, fault: heard.append((writable, fault)))
    try:
        for seq in (1, 2):
            await store.write(entry(seq, "acked"))
        dbname = conninfo_to_dict(pg_url)["dbname"]
        with psycopg.connect(make_conninfo(pg_url, dbname="postgres"), autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{dbname}" ALLOW_CONNECTIONS false')  # the probes cannot reconnect
            admin.execute("SELECT pg_terminate_backend(%s)", (store._writer.info.backend_pid,))
            with pytest.raises(StoreUnavailable) as refused:
                await store.write(entry(3, "refused"))
            assert refused.value.code == ErrorCode.STORE_UNAVAILABLE
            assert not store.writable and (store.epoch, store.faults) == (1, 1)
            # the server's notice, or the lost socket, depending on which the client reads first
            assert (
                "server closed the connection unexpectedly [OperationalError]" in refused.value.message
                or "[AdminShutdown 57P01]" in refused.value.message
            )
            with pytest.raises(StoreUnavailable):  # refused at once while the database cannot take writes
                await store.write(entry(3, "refused while down"))
            await until(lambda: "not currently accepting connections" in store.fault)  # a probe failed
            assert not store.writable
            admin.execute(f'ALTER DATABASE "{dbname}" ALLOW_CONNECTIONS true')
        await until(lambda: store.writable)
        await store.write(entry(3, "after"))
        await until(lambda: len(heard) == 2)
        assert [w for w, _ in heard] == [False, True] and heard[1][1] == ""
        rows = store.query("SELECT seq, kind FROM journal ORDER BY seq")
        assert [(r["seq"], r["kind"]) for r in rows] == [(1, "acked"), (2, "acked"), (3, "after")]
        assert store.epoch == 1 and store.refused >= 2
    finally:
        store.stop()


async def test_a_bad_job_still_fails_alone_and_is_no_store_fault(pg_url):
    store = PgStore(pg_url, trader="alice", retry_base_s=0.01, retry_cap_s=0.1)
    store.start()
    try:
        await store.write(entry(1, "ok"))
        duplicate = store.write(entry(1, "duplicate"))
        good = store.write(entry(2, "ok"))
        with pytest.raises(psycopg.errors.UniqueViolation):
            await duplicate
        await good
        assert store.writable and (store.epoch, store.faults) == (0, 0)
        assert [r["seq"] for r in store.query("SELECT seq FROM journal ORDER BY seq")] == [1, 2]
    finally:
        store.stop()


async def test_a_paper_venue_on_postgresql_keeps_exactly_the_acked_orders_across_a_lost_connection(pg_url):
    store = PgStore(pg_url, trader="alice", retry_base_s=0.01, retry_cap_s=0.1)
    store.start()
    venue = PaperVenue(Bus(), store, clock=Clock(), crank_interval=1e9)
    venue.recover()
    await venue.start()
    try:
        venue.on_observation(observation("SOL-PERP", 150.0, slot=1000, ts=1_800_000_000))
        await store.write(lambda conn: None)
        trading = TradingOps(venue)
        order = {"market": "SOL-PERP", "side": "buy", "size": "1"}
        acked = (await trading.op_place(None, order | {"price": "140"}))["orders"][0]["order_id"]
        dbname = conninfo_to_dict(pg_url)["dbname"]
        with psycopg.connect(make_conninfo(pg_url, dbname="postgres"), autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{dbname}" ALLOW_CONNECTIONS false')
            admin.execute("SELECT pg_terminate_backend(%s)", (store._writer.info.backend_pid,))
            with pytest.raises(DomainError) as refused:
                await trading.op_place(None, order | {"price": "141"})
            assert refused.value.code == "STORE_UNAVAILABLE"
            await until(lambda: venue.reloads == 1)  # back to what the journal holds
            assert set(venue.state.orders) == {acked}
            with pytest.raises(DomainError) as again:  # refused before the engine is touched
                await trading.op_place(None, order | {"price": "141"})
            assert again.value.code == "STORE_UNAVAILABLE" and set(venue.state.orders) == {acked}
            admin.execute(f'ALTER DATABASE "{dbname}" ALLOW_CONNECTIONS true')
        await until(lambda: store.writable)
        later = (await trading.op_place(None, order | {"price": "142"}))["orders"][0]["order_id"]
        assert set(venue.state.orders) == {acked, later}
        replica_store = PgStore(pg_url, trader="alice")
        try:
            replica = PaperVenue(Bus(), replica_store)
            assert replica.recover()["consistent"]
            assert state_to_bytes(replica.state) == state_to_bytes(venue.state)
        finally:
            replica_store.stop()
    finally:
        await venue.stop()
        store.stop()

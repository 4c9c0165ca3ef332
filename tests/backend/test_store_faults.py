"""Store faults are survivable: a full disk refuses the batch cleanly, the writer lives, writes resume.

The disk is filled for real: `PRAGMA max_page_count` makes SQLite answer SQLITE_FULL ("database or
disk is full") exactly as a full file system does, mid-transaction, with SQLite rolling back itself.
"""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from backend.api.protocol import ErrorCode
from backend.bus import Bus
from backend.degraded import StoreFaultPolicy
from backend.metrics import Metrics
from backend.risk.pretrade import TradingState
from backend.risk.trading_state import TradingStateService
from backend.store.db import Store, is_fault
from backend.store.write_queue import StoreUnavailable
from tests.polling import wait_until


def fill_disk(store: Store, headroom_pages: int = 0) -> None:
    """From now on the database file may not grow by more than headroom_pages pages.

    VACUUM first: the pages the migrations' table rebuilds freed would otherwise take writes without
    the file growing."""
    conn = store._writer_conn
    conn.execute("VACUUM")
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages + headroom_pages}")


def free_disk(store: Store) -> None:
    store._writer_conn.execute("PRAGMA max_page_count = 1073741823")


def insert_blob(size: int = 8192):
    return lambda conn: conn.execute(
        "INSERT INTO audit (ts_ms, actor, action, detail) VALUES (0, 't', 'blob', ?)", ("x" * size,)
    ).lastrowid


@pytest.fixture
async def store(tmp_path):
    s = Store(tmp_path / "faults.db", retry_base_s=0.01, retry_cap_s=0.05, resume_min_free=0)
    s.start()
    yield s
    s.stop()


async def test_a_full_disk_refuses_the_write_and_the_writer_thread_survives(store):
    assert await store.write(insert_blob()) == 1
    fill_disk(store)
    with pytest.raises(StoreUnavailable) as refused:
        await store.write(insert_blob())
    assert refused.value.code == ErrorCode.STORE_UNAVAILABLE
    assert "database or disk is full" in refused.value.message and "SQLITE_FULL" in refused.value.message
    assert store._thread.is_alive() and not store.writable and store.epoch == 1 and store.faults == 1
    with pytest.raises(StoreUnavailable):  # refused at once while the store cannot write
        await store.write(insert_blob())
    free_disk(store)
    await wait_until(lambda: store.writable, what="the store writable again")
    assert await store.write(insert_blob()) == 2  # the refused rows were never written
    assert [r["id"] for r in store.query("SELECT id FROM audit WHERE action = 'blob'")] == [1, 2]


async def test_every_write_of_the_failing_batch_and_behind_it_is_refused_and_none_is_kept(store):
    fill_disk(store, headroom_pages=2)
    outcomes = await asyncio.gather(*(store.write(insert_blob(3000)) for _ in range(40)), return_exceptions=True)
    kept = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, StoreUnavailable)]
    assert len(kept) + len(refused) == 40 and refused, outcomes
    await wait_until(lambda: not store._jobs.qsize(), what="the store's job queue drained")
    rows = store.query("SELECT id FROM audit WHERE action = 'blob' ORDER BY id")
    assert [r["id"] for r in rows] == sorted(kept)  # exactly what was reported committed


async def test_writes_submitted_before_a_fault_are_refused_even_after_the_store_resumes(store):
    stamped_before = store.epoch
    fill_disk(store)
    with pytest.raises(StoreUnavailable):
        await store.write(insert_blob())
    free_disk(store)
    await wait_until(lambda: store.writable, what="the store writable again")
    loop = asyncio.get_running_loop()
    stale: asyncio.Future = loop.create_future()
    store._jobs.put((insert_blob(), loop, stale, stamped_before))  # queued on the state before the fault
    with pytest.raises(StoreUnavailable):
        await stale
    assert store.query("SELECT COUNT(*) AS n FROM audit WHERE action = 'blob'") == [{"n": 0}]


async def test_a_bad_job_still_fails_alone_without_a_fault(store):
    def broken(conn):
        conn.execute("INSERT INTO no_such_table VALUES (1)")

    def bug(conn):
        raise ValueError("a bug in the job")

    outcomes = await asyncio.gather(
        store.write(insert_blob()), store.write(bug), store.write(insert_blob()), return_exceptions=True
    )
    assert outcomes[0] == 1 and isinstance(outcomes[1], ValueError) and outcomes[2] == 2
    assert store.writable and store.faults == 0
    assert not is_fault(ValueError()) and is_fault(sqlite3.OperationalError("disk I/O error"))
    with pytest.raises(sqlite3.OperationalError):  # "no such table" has SQLite's generic code: not a fault
        await store.write(broken)
    assert store.writable


async def test_the_store_resumes_only_once_a_probe_really_commits(store):
    probes: list[str | None] = []
    probe = store._probe
    store._probe = lambda: probes.append(probe()) or probes[-1]  # each probe's outcome, seen
    fill_disk(store)
    with pytest.raises(StoreUnavailable):
        await store.write(insert_blob())
    await wait_until(lambda: len(probes) >= 3, what="three probes of the full disk")
    assert None not in probes[:3]  # all refused: no probe commits on a full disk
    assert not store.writable and "full" in store.fault
    free_disk(store)
    await wait_until(lambda: store.writable, what="the store writable again")
    assert store.fault == "" and store.unwritable_since is None


async def test_a_store_fault_holds_trading_at_reducing_until_writes_succeed(store):
    metrics = Metrics()
    state = TradingStateService(Bus(), store)
    policy = StoreFaultPolicy(store, state, metrics)
    policy.start()
    fill_disk(store)
    with pytest.raises(StoreUnavailable):
        await store.write(insert_blob())
    await wait_until(lambda: state.effective == TradingState.REDUCING, what="trading state REDUCING")
    assert state.state == TradingState.ACTIVE  # the state the trader set is kept underneath
    assert state.view()["state"] == "REDUCING" and "store" in state.view()["holds"]
    assert policy.degraded and policy.health()["writable"] is False
    assert metrics.registry.get_sample_value("quantdesk_store_writable") == 0
    assert metrics.registry.get_sample_value("quantdesk_store_faults_total") == 1
    free_disk(store)
    await wait_until(lambda: state.effective == TradingState.ACTIVE, what="trading state ACTIVE")
    assert not policy.degraded and metrics.registry.get_sample_value("quantdesk_store_writable") == 1


async def test_a_hold_never_lowers_a_halted_state(store):
    state = TradingStateService(Bus(), store)
    await state.set(TradingState.HALTED, "api:test", "kill")
    state.hold("store", TradingState.REDUCING, "disk full")
    assert state.effective == TradingState.HALTED
    state.release("store")
    assert state.effective == TradingState.HALTED

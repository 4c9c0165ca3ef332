"""The PostgreSQL store against a real PostgreSQL 16 (the session's pgserver): migrations, group commit,
acks after COMMIT, one bad job never sinking a batch, and row-level security between traders."""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from backend.store import journal
from backend.store.base import StoreError, parse_store, resolve_store, resolve_trader
from backend.store.migrations import MIGRATIONS
from backend.store.postgres import PgStore


@pytest.fixture
def stores(pg_url):
    opened: list[PgStore] = []

    def open_for(trader: str) -> PgStore:
        store = PgStore(pg_url, trader=trader)
        store.start()
        opened.append(store)
        return store

    yield open_for
    for store in opened:
        store.stop()


def test_migrations_match_the_sqlite_versions_and_apply_once(pg_url, stores):
    first = stores("alice")
    versions = [(r["version"], r["name"]) for r in first.query("SELECT version, name FROM schema_version ORDER BY 1")]
    assert versions == sorted((v, n) for v, n, _ in MIGRATIONS)
    again = stores("alice")
    assert again.schema_version == max(v for v, _, _ in MIGRATIONS)
    assert len(again.query("SELECT version FROM schema_version")) == len(MIGRATIONS)


async def test_writes_resolve_after_commit_in_group_batches(stores):
    store = stores("alice")
    await asyncio.gather(*[store.write(lambda c, i=i: journal.append(c, i + 1, "test", b"x")) for i in range(500)])
    assert store.query("SELECT COUNT(*) AS n FROM journal")[0]["n"] == 500
    assert store.commits < 500 and store.writes == 500
    assert journal.last_seq(store._read_conn) == 500
    assert [seq for rows in journal.entry_batches(store._read_conn, 497) for seq, _ in rows] == [498, 499, 500]


async def test_one_failing_job_fails_alone_and_the_rest_of_its_batch_commits(stores):
    store = stores("alice")
    good = [store.write(lambda c, i=i: journal.append(c, i, "ok", b"x")) for i in (1, 2)]
    bad = store.write(lambda c: journal.append(c, 1, "duplicate", b"x"))
    later = store.write(lambda c: journal.append(c, 3, "ok", b"x"))
    await asyncio.gather(*good, later)
    with pytest.raises(psycopg.errors.UniqueViolation):
        await bad
    assert [r["kind"] for r in store.query("SELECT kind FROM journal ORDER BY seq")] == ["ok", "ok", "ok"]


async def test_a_trader_sees_and_writes_only_its_own_rows(stores):
    alice, bob = stores("alice"), stores("bob")
    await alice.write(lambda c: journal.append(c, 1, "a", b"alice"))
    await bob.write(lambda c: journal.append(c, 1, "b", b"bob"))  # same seq: keys are per trader
    assert alice.query("SELECT trader, kind FROM journal") == [{"trader": "alice", "kind": "a"}]
    assert bob.query("SELECT trader, kind FROM journal") == [{"trader": "bob", "kind": "b"}]
    forged = alice.write(
        lambda c: c.execute(
            "INSERT INTO journal (trader, seq, ts, kind, payload) VALUES ('bob', 2, 0, 'forged', ?)", (b"x",)
        )
    )
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        await forged
    await alice.write(lambda c: c.execute("DELETE FROM journal"))
    assert bob.query("SELECT COUNT(*) AS n FROM journal") == [{"n": 1}]


async def test_sqlite_upserts_become_on_conflict_per_trader(stores):
    alice, bob = stores("alice"), stores("bob")
    for store, value in ((alice, "1"), (bob, "9"), (alice, "2")):
        await store.write(
            lambda c, v=value: c.execute(
                "INSERT OR REPLACE INTO risk_kv (key, value, updated_ms) VALUES (?, ?, ?)", ("limit", v, 1_000)
            )
        )
    await alice.write(
        lambda c: c.executemany(
            "INSERT OR IGNORE INTO candles (market, tf, ts_s, expo, o, h, l, c, v, n) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [("SOL-PERP", "1m", 60, -8, 100, 200, 50, 150, 0, 1), ("SOL-PERP", "1m", 60, -8, 9, 9, 9, 9, 0, 1)],
        )
    )
    assert alice.query("SELECT value FROM risk_kv") == [{"value": "2"}]
    assert bob.query("SELECT value FROM risk_kv") == [{"value": "9"}]
    assert alice.query("SELECT o, c FROM candles") == [{"o": 100, "c": 150}]


def test_time_series_are_native_partitions_without_timescaledb(stores, pg_url):
    store = stores("alice")
    assert store.timescale is False
    with psycopg.connect(pg_url) as conn:
        parents = conn.execute(
            "SELECT c.relname FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid ORDER BY 1"
        ).fetchall()
        children = conn.execute(
            "SELECT COUNT(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhparent WHERE c.relname = 'candles'"
        ).fetchone()
        brin = conn.execute("SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%USING brin%' ORDER BY 1").fetchall()
    assert parents == [("candles",), ("observations",)]
    assert children[0] >= 4  # default + this month and the ones around it
    assert ("fills_ts_brin",) in brin and ("journal_ts_brin",) in brin


def test_a_trader_login_that_names_another_trader_is_refused(pg_url, stores):
    stores("alice")
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("ALTER ROLE qd_alice LOGIN")
    as_alice = pg_url.replace("postgres@", "qd_alice@")
    with pytest.raises(StoreError, match="use --trader alice"):
        PgStore(as_alice, trader="bob")
    own = PgStore(as_alice, trader="alice")
    assert own.query("SELECT COUNT(*) AS n FROM journal") == [{"n": 0}]
    own.stop()


def test_store_and_trader_come_from_flag_then_env_then_config(tmp_path, monkeypatch):
    (tmp_path / "config.toml").write_text('store = "postgresql://cfg@h:5432/desk"\ntrader = "carol"\n')
    monkeypatch.delenv("QUANTDESK_STORE", raising=False)
    monkeypatch.delenv("QUANTDESK_TRADER", raising=False)
    assert resolve_store(None, tmp_path).target == "postgresql://cfg@h:5432/desk"
    assert resolve_trader(None, tmp_path) == "carol"
    monkeypatch.setenv("QUANTDESK_STORE", "sqlite:/x/q.db")
    assert resolve_store(None, tmp_path) == parse_store("/x/q.db", tmp_path)
    assert resolve_store("postgresql://a@b:1/c", tmp_path).kind == "postgresql"
    assert parse_store(None, tmp_path).target == str(tmp_path / "quantdesk.db")
    assert parse_store("postgresql://u:secret@h:1/d", tmp_path).display == "postgresql://u:***@h:1/d"
    with pytest.raises(StoreError):
        resolve_trader("Bob Smith", tmp_path)
    with pytest.raises(StoreError):
        parse_store("mysql://x", tmp_path)


async def test_a_batch_goes_out_as_multi_row_inserts_and_the_last_upsert_of_a_row_wins(stores):
    store = stores("alice")
    sql = (
        "INSERT OR REPLACE INTO orders (order_id, authority, sub_account, market, status, updated_ts, view) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)"
    )

    def job(i: int):
        def write(conn):
            journal.append(conn, i, "PlaceOrder", b"x")
            conn.executemany(sql, [(i % 3, "paper", 0, "SOL-PERP", f"s{i}", i, b"v")])

        return write

    store.submit(lambda conn: None)  # jobs queued behind it share one batch
    await asyncio.gather(*[store.write(job(i)) for i in range(1, 301)])
    assert store.query("SELECT COUNT(*) AS n FROM journal") == [{"n": 300}]
    assert store.query("SELECT order_id, status FROM orders ORDER BY order_id") == [
        {"order_id": 0, "status": "s300"},
        {"order_id": 1, "status": "s298"},
        {"order_id": 2, "status": "s299"},
    ]
    assert store.retried_batches == 0 and store.statements < store.writes

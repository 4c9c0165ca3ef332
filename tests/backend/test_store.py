from __future__ import annotations

import asyncio

import pytest

from backend.store import journal
from backend.store.db import Store, connect, migrate
from backend.store.migrations import MIGRATIONS


def test_migrations_apply_once_and_record_every_version(tmp_path):
    store = Store(tmp_path / "q.db")
    versions = [r["version"] for r in store.query("SELECT version FROM schema_version ORDER BY version")]
    assert versions == sorted(v for v, _, _ in MIGRATIONS)
    store.stop()
    again = Store(tmp_path / "q.db")
    assert again.query("SELECT COUNT(*) AS n FROM schema_version")[0]["n"] == len(MIGRATIONS)
    assert again.query("PRAGMA journal_mode")[0]["journal_mode"] == "wal"
    again.stop()


def test_a_migration_added_with_a_lower_number_is_still_applied(tmp_path, monkeypatch):
    conn = connect(tmp_path / "q.db")
    migrate(conn)
    monkeypatch.setattr("backend.store.db.MIGRATIONS", [*MIGRATIONS, (9, "late", "CREATE TABLE late (x INTEGER)")])
    migrate(conn)
    assert conn.execute("SELECT COUNT(*) FROM late").fetchone() == (0,)


async def test_writes_resolve_after_commit_in_group_batches(tmp_path):
    store = Store(tmp_path / "q.db")
    store.start()
    futures = [store.write(lambda c, i=i: journal.append(c, i + 1, "test", b"x")) for i in range(500)]
    await asyncio.gather(*futures)
    assert store.query("SELECT COUNT(*) AS n FROM journal")[0]["n"] == 500
    assert store.commits < 500  # batched: fewer commits than writes
    store.stop()


async def test_a_failing_job_fails_alone_and_its_batch_still_commits(tmp_path):
    store = Store(tmp_path / "q.db")
    store.start()

    def boom(conn):
        conn.execute("INSERT INTO journal (seq, ts, kind, payload) VALUES (1, 0, 'x', x'00')")
        raise ValueError("boom")

    good = store.write(lambda c: journal.append(c, 2, "ok", b"y"))
    bad = store.write(boom)
    assert await good is None
    with pytest.raises(ValueError):
        await bad
    rows = store.query("SELECT seq FROM journal")
    assert rows == [{"seq": 2}]
    store.stop()


def test_journal_entries_come_back_in_order_after_a_sequence(tmp_path):
    store = Store(tmp_path / "q.db")
    store.write_sync(lambda c: [journal.append(c, i, "k", bytes([i])) for i in range(1, 8)])
    conn = connect(tmp_path / "q.db")
    assert [s for rows in journal.entry_batches(conn, 3, batch=2) for s, _ in rows] == [4, 5, 6, 7]
    assert journal.last_seq(conn) == 7
    store.stop()

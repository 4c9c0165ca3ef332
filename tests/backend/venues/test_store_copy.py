"""`store copy` moves a SQLite home into PostgreSQL as one trader, verified by row counts and a replay;
`fills --trader --since` then reads that history from the database with no backend."""

from __future__ import annotations

import json

import pytest

from backend.store.base import StoreError, StoreSpec
from backend.store.copy import copy_store
from backend.store.tool import main as store_tool


async def trade_a_little(venue, trading) -> None:
    await trading.op_place(None, {"market": "SOL-PERP", "side": "buy", "size": "2", "price": "140"})
    await trading.op_place(None, {"market": "SOL-PERP", "side": "buy", "size": "1", "type": "market"})
    for _ in range(10):  # the auction runs over a few slots
        venue.slot += 1
        venue.crank()
    await venue.store.write(
        lambda c: c.execute(
            "INSERT INTO audit (ts_ms, actor, action, detail) VALUES (?, ?, ?, ?)", (1_000, "test", "copy", "{}")
        )
    )


async def test_copy_moves_every_row_and_the_copied_journal_replays_to_the_same_state(venue, trading, pg_url, capsys):
    await trade_a_little(venue, trading)
    source = StoreSpec("sqlite", str(venue.store.path))
    counts = {t: venue.store.query(f"SELECT COUNT(*) AS n FROM {t}")[0]["n"] for t in ("journal", "orders", "fills")}
    report = copy_store(source, StoreSpec("postgresql", pg_url), "carol")
    assert {t: report.rows[t] for t in counts} == counts and counts["fills"] > 0
    assert report.rows["audit"] == 1
    assert report.replay_identical is True and report.journal_seq == venue.seq
    with pytest.raises(StoreError, match="already has a journal"):
        copy_store(source, StoreSpec("postgresql", pg_url), "carol")

    assert store_tool(["fills", "--trader", "carol", "--since", "7d", "--store", pg_url, "--json"]) == 0
    fills = json.loads(capsys.readouterr().out)
    assert len(fills) == counts["fills"] and {f["trader"] for f in fills} == {"carol"}
    assert sum(f["size"] for f in fills) == 10**9 and {f["side"] for f in fills} == {"buy"}
    assert store_tool(["fills", "--trader", "nobody", "--since", "7d", "--store", pg_url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_copy_refuses_anything_but_sqlite_into_postgresql(tmp_path):
    with pytest.raises(StoreError, match="SQLite home"):
        copy_store(StoreSpec("sqlite", str(tmp_path / "a.db")), StoreSpec("sqlite", str(tmp_path / "b.db")), "x")


def test_since_takes_a_number_and_a_unit(capsys):
    assert store_tool(["fills", "--since", "soon", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "STORE"

"""`quantdesk store copy`: move a home's SQLite history into a desk's PostgreSQL database, as one trader.

Rows go in with COPY, as the database owner with the trader named on every row (COPY FROM is not
allowed through row-level security). Tables whose ids PostgreSQL assigns desk-wide (observations,
audit, equity history) get new ids. The copy is verified twice: row counts per table, then a replay
of the copied snapshot + journal through the engine that must end in the same state, bit for bit,
as a replay of the source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backend.alerts.service import ALERT_COLUMNS, HISTORY_COLUMNS
from backend.bus import Bus
from backend.store.base import StoreError, StoreSpec
from backend.store.db import Store
from backend.store.migrations import CANDLE_COLUMNS
from backend.store.postgres import PgStore, connect
from backend.store.reader import StoreReader
from backend.venues.paper import PaperVenue
from programs.quantdesk_perp.state import state_to_bytes

# table -> columns copied (in SQLite order); `trader` is added in front. Amounts are integers on both
# sides (alert levels in their kind's unit, candles at their expo), so the copy is exact.
TABLES: dict[str, tuple[str, ...]] = {
    "journal": ("seq", "ts", "kind", "payload"),
    "snapshots": ("seq", "created", "state"),
    "orders": ("order_id", "authority", "sub_account", "market", "status", "updated_ts", "view"),
    "fills": ("fill_id", "order_id", "authority", "sub_account", "market", "ts", "view"),
    "audit": ("ts_ms", "actor", "action", "detail"),
    "alerts": ALERT_COLUMNS,
    "alert_history": HISTORY_COLUMNS,
    "risk_kv": ("key", "value", "updated_ms"),
    "equity_history": ("ts", "authority", "sub_account", "equity", "total_collateral", "unrealized_pnl"),
    "candles": CANDLE_COLUMNS,
    "observations": ("market", "price", "conf", "expo", "publish_time", "slot", "ema_price", "source"),
}


@dataclass(slots=True)
class CopyReport:
    trader: str
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows copied (= rows in the target)
    journal_seq: int = 0
    replay_identical: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "trader": self.trader,
            "rows": self.rows,
            "journal_seq": self.journal_seq,
            "replay_identical": self.replay_identical,
        }


def copy_store(source: StoreSpec, target: StoreSpec, trader: str) -> CopyReport:
    if source.kind != "sqlite" or target.kind != "postgresql":
        raise StoreError("store copy moves a SQLite home (--from sqlite:PATH) into PostgreSQL (--to postgresql://…)")
    Store(source.target).stop()  # bring the source to this schema, as a backend start would
    PgStore(target.target, trader=trader).stop()  # migrate, and make the trader's role
    report = CopyReport(trader)
    with StoreReader(source) as reader, connect(target.target) as pg:
        _refuse_if_trader_has_history(pg, trader)
        for table, columns in TABLES.items():
            report.rows[table] = _copy_table(reader, pg, table, columns, trader)
        pg.commit()
        for table in TABLES:
            query = f"SELECT COUNT(*) FROM {table} WHERE trader = %s"
            (copied,) = pg.execute(query, (trader,)).fetchall()[0]  # COUNT(*): always one row
            if copied != report.rows[table]:
                raise StoreError(f"{table}: {report.rows[table]} rows read but {copied} in the target")
    report.journal_seq, report.replay_identical = _verify_replay(source, target, trader)
    if not report.replay_identical:
        raise StoreError("the copied journal does not replay to the source's state")
    return report


def _refuse_if_trader_has_history(pg: Any, trader: str) -> None:
    if pg.execute("SELECT 1 FROM journal WHERE trader = %s LIMIT 1", (trader,)).fetchone():
        raise StoreError(f"trader {trader!r} already has a journal in the target; copy into a new trader name")


def _copy_table(reader: StoreReader, pg: Any, table: str, columns: tuple[str, ...], trader: str) -> int:
    count = 0
    names = ", ".join(columns)
    with pg.cursor() as cursor, cursor.copy(f"COPY {table} (trader, {names}) FROM STDIN") as copy:
        for row in reader.rows(f"SELECT {names} FROM {table}"):
            copy.write_row((trader, *row))
            count += 1
    return count


def _verify_replay(source: StoreSpec, target: StoreSpec, trader: str) -> tuple[int, bool]:
    """Replay both journals through the engine; the copy must reach the same state."""
    src = Store(source.target)
    dst = PgStore(target.target, trader=trader)
    try:
        a, b = PaperVenue(Bus(), src), PaperVenue(Bus(), dst)
        ra, rb = a.recover(), b.recover()
        same = (
            a.seq == b.seq
            and state_to_bytes(a.state) == state_to_bytes(b.state)
            and rb["consistent"] == ra["consistent"]
        )
        return b.seq, same
    finally:
        src.stop()
        dst.stop()

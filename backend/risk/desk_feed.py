"""Publishes this backend's accounts into `desk_accounts` about once a second, for the desk view.

It listens to the risk monitor's `AccountRisk` messages on the bus and upserts the newest one per
account (fire-and-forget: desk rows are display data, rebuilt every second). `day_start_equity` is the
first equity seen in the current UTC day, kept across restarts through the row itself. A row holds the
monitor's integers in its units (backend/risk/monitor.py): money in QUOTE_PRECISION, `leverage` and
`margin_ratio` in MARGIN_PRECISION, `liq_distance` in PERCENTAGE_PRECISION, `ts_ms` in milliseconds.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from backend.bus import Bus
from backend.risk.monitor import AccountRisk
from backend.store.base import StoreLike
from backend.store.desk import desk_view, utc_day_start
from programs.vocabulary import MS_PER_S

log = logging.getLogger(__name__)
COLUMNS = (
    "trader",
    "authority",
    "sub_account",
    "ts_ms",
    "equity",
    "unrealized_pnl",
    "total_collateral",
    "margin_used",
    "maintenance_margin",
    "leverage",
    "margin_ratio",
    "liq_distance",
    "day_start_equity",
    "level",
    "positions",
)
UPSERT = f"INSERT OR REPLACE INTO desk_accounts ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"


class DeskPublisher:
    def __init__(
        self, bus: Bus, store: StoreLike, *, every_s: float = 1.0, clock: Callable[[], float] = time.time
    ) -> None:
        self.bus = bus
        self.store = store
        self.every_s = every_s
        self.clock = clock
        self.latest: dict[tuple[str, int], AccountRisk] = {}
        self.day_start: dict[tuple[str, int], tuple[int, int]] = {}  # account -> (UTC day, equity)
        self._task: asyncio.Task[None] | None = None
        bus.on("risk", self._on_risk)

    def _on_risk(self, risk: Any) -> None:
        self.latest[(risk.authority, risk.sub_account)] = risk

    def load(self) -> None:
        """Today's starting equity of every account, from the rows of an earlier run."""
        today = utc_day_start(self.clock())
        for row in self.store.query("SELECT authority, sub_account, ts_ms, day_start_equity FROM desk_accounts"):
            if utc_day_start(row["ts_ms"] // MS_PER_S) == today:
                self.day_start[(row["authority"], row["sub_account"])] = (today, int(row["day_start_equity"]))

    async def start(self) -> None:
        self.load()
        self._task = asyncio.create_task(self._loop(), name="desk-feed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        self.publish()  # the last numbers stay on the desk, marked stale once they age

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.every_s)
            try:
                self.publish()
            except Exception:
                log.exception("desk publishing failed")

    def publish(self) -> int:
        rows = [self.row(risk) for risk in self.latest.values()]
        self.latest = {}
        if rows:
            self.store.submit(lambda conn: conn.executemany(UPSERT, rows))
        return len(rows)

    def row(self, risk: AccountRisk) -> tuple[Any, ...]:
        key = (risk.authority, risk.sub_account)
        today = utc_day_start(self.clock())
        day, start_equity = self.day_start.get(key, (None, risk.equity))
        if day != today:
            self.day_start[key] = (today, risk.equity)
            start_equity = risk.equity
        liq = [p.liq_distance for p in risk.positions if p.liq_distance is not None]
        positions = [
            {
                "market": p.market,
                "base": p.base,
                "notional": p.notional,
                "entry_price": p.entry_price,
                "mark_price": p.mark_price,
                "unrealized_pnl": p.unrealized_pnl,
                "liq_price": p.liq_price,
                "liq_distance": p.liq_distance,
            }
            for p in risk.positions
        ]
        return (
            self.store.trader,
            risk.authority,
            risk.sub_account,
            risk.ts_ms,
            risk.equity,
            sum(p.unrealized_pnl for p in risk.positions),
            risk.total_collateral,
            risk.initial_margin,
            risk.maintenance_margin,
            risk.leverage,
            risk.margin_ratio,
            min(liq) if liq else None,
            start_equity,
            risk.level,
            json.dumps(positions),
        )


def desk_reader(store: StoreLike) -> Callable[[], dict[str, Any]]:
    """Reads the desk view from this backend's store: every trader, not only this backend's."""
    query = store.desk_query if store.kind == "postgresql" else store.query  # type: ignore[attr-defined]
    return lambda: desk_view(query, by_trader=store.kind == "postgresql")


def register_desk_ops(api: Any, store: StoreLike) -> None:
    """`desk.view`: every trader on this backend's store (the TUI's Desk screen reads it)."""
    read = desk_reader(store)

    async def op_desk_view(session: Any, args: dict[str, Any]) -> Any:
        return await asyncio.to_thread(read)

    api.op("desk.view", op_desk_view)

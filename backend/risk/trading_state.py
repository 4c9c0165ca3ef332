"""The trading state (ACTIVE / REDUCING / HALTED): the kill switch, resume, and the daily loss limit.

Pre-trade risk reads `TradingStateService.state`. Every change is persisted in `risk_kv` (so it
survives a restart) and audited (who, when, why) in the same transaction, and published on the
"trading_state" topic. The daily loss limit compares the trader's equity now (summed over its
sub-accounts, from the venue's account views) with the equity at the start of the UTC day; the
baseline is the last recorded equity at or before midnight, else the first equity seen that day,
and it is persisted. Beyond the limit the state moves to REDUCING, at most once per UTC day, so a
deliberate `resume` holds for the rest of that day.

A *hold* is a state a fault imposes while it lasts (the store cannot write: REDUCING). Holds live
in memory only (a fault that stops writes cannot be persisted) and never lower the state: the
`effective` state is the most severe of the set state and the holds, and is what pre-trade reads.
Both live in a `TradingGate`, built before the venue (which reads it) and the service (which acts
on the venue: the kill switch cancels through it, the daily loss limit reads its equity).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from backend.bus import Bus
from backend.risk.pretrade import TradingState
from backend.store.audit import audit_row, ms_of
from backend.store.base import StoreLike
from programs.vocabulary import QUOTE_PRECISION, to_decimal

log = logging.getLogger(__name__)
STATE_KEY = "trading_state"
LOCAL_AUTHORITY = "paper"
_SEVERITY = {TradingState.ACTIVE: 0, TradingState.REDUCING: 1, TradingState.HALTED: 2}


def utc_day(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def day_start(ts: float) -> int:
    return int(ts // 86_400 * 86_400)


class TradingGate:
    """The set state and the holds on it: what pre-trade enforces (`effective`), shared by the venue and the
    `TradingStateService` that changes it."""

    __slots__ = ("state", "holds")

    def __init__(self) -> None:
        self.state = TradingState.ACTIVE
        self.holds: dict[str, tuple[TradingState, str]] = {}  # source -> (state, why)

    def effective(self) -> TradingState:
        """The set state, raised by any hold."""
        if not self.holds:  # the usual case, asked once per order
            return self.state
        return max([self.state, *(state for state, _ in self.holds.values())], key=_SEVERITY.__getitem__)


class TradingStateService:
    def __init__(
        self,
        bus: Bus,
        store: StoreLike,
        venue: Any = None,
        *,
        gate: TradingGate | None = None,
        daily_loss_limit: int | None = None,
        authority: str = LOCAL_AUTHORITY,
        check_every_s: float = 1.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`daily_loss_limit` in quote units (1e6 = $1); None disables the automatic REDUCING."""
        self.bus = bus
        self.store = store
        self.venue = venue
        self.daily_loss_limit = daily_loss_limit
        self.authority = authority
        self.check_every_s = check_every_s
        self.clock = clock
        self.gate = gate or TradingGate()
        self.changed: dict[str, Any] = {"actor": "system", "reason": "default", "ts_ms": 0}
        self.baseline: dict[str, Any] = {}  # {"day": "YYYY-MM-DD", "equity": int}
        self.tripped_day = ""
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        self.load()
        if self.venue is not None and self.daily_loss_limit is not None:
            self._task = asyncio.create_task(self._watch(), name="risk-daily-loss")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def load(self) -> None:
        rows = {r["key"]: json.loads(r["value"]) for r in self.store.query("SELECT key, value FROM risk_kv")}
        saved = rows.get(STATE_KEY)
        if saved:
            self.state = TradingState(saved["state"])
            self.changed = {k: saved[k] for k in ("actor", "reason", "ts_ms")}
        self.baseline = rows.get("daily_baseline", {})
        self.tripped_day = rows.get("daily_loss_tripped", {}).get("day", "")

    @property
    def state(self) -> TradingState:
        """The state last set (by the trader, the kill switch or the daily loss limit), without the holds."""
        return self.gate.state

    @state.setter
    def state(self, state: TradingState) -> None:
        self.gate.state = state

    @property
    def holds(self) -> dict[str, tuple[TradingState, str]]:
        return self.gate.holds

    @property
    def effective(self) -> TradingState:
        """The state pre-trade enforces: the set state, raised by any hold."""
        return self.gate.effective()

    def hold(self, source: str, state: TradingState, why: str) -> None:
        """Impose `state` while `source` (a fault) lasts; in memory, logged and published."""
        if self.holds.get(source) == (state, why):
            return
        self.holds[source] = (state, why)
        log.warning("trading state held at %s by %s: %s", state, source, why)
        self.bus.publish("trading_state", self.view())

    def release(self, source: str) -> None:
        if self.holds.pop(source, None) is not None:
            log.warning("trading state hold by %s released; state is %s", source, self.effective)
            self.bus.publish("trading_state", self.view())

    def view(self) -> dict[str, Any]:
        held = {source: {"state": str(state), "reason": why} for source, (state, why) in self.holds.items()}
        return {
            "state": str(self.effective),
            "set_state": str(self.state),
            "holds": held,
            **self.changed,
            "daily_loss_limit": self.daily_loss_limit,
            "day_start_equity": self.baseline.get("equity"),
            "day": self.baseline.get("day"),
        }

    # -- changing the state ---------------------------------------------------------------------
    async def set(self, state: TradingState | str, actor: str, reason: str) -> dict[str, Any]:
        """Set, persist and audit the state; resolves after the commit."""
        new = TradingState(state)
        async with self._lock:
            old = self.state
            now = self.clock()
            self.state = new  # in memory first: pre-trade sees it before the commit returns
            self.changed = {"actor": actor, "reason": reason, "ts_ms": ms_of(now)}
            record = json.dumps({"state": str(new), **self.changed})
            detail = json.dumps({"from": str(old), "to": str(new), "reason": reason})
            await self.store.write(lambda conn: _save(conn, STATE_KEY, record, now, actor, "trading_state", detail))
        log.warning("trading state %s -> %s by %s: %s", old, new, actor, reason)
        self.bus.publish("trading_state", self.view())
        return self.view()

    async def kill(self, actor: str, reason: str) -> dict[str, Any]:
        """The kill switch: HALTED, then cancel every open order through the venue.

        HALTED goes first so that no order can be accepted while the cancels are in flight.
        """
        await self.set(TradingState.HALTED, actor, f"kill: {reason}")
        cancelled = 0
        if self.venue is not None:
            cancelled = await self.venue.cancel_all(None, f"kill switch: {reason}")
        now = self.clock()
        detail = json.dumps({"cancelled": cancelled, "reason": reason})
        await self.store.write(lambda conn: audit_row(conn, ms_of(now), actor, "kill_cancel_all", detail))
        return {**self.view(), "cancelled": cancelled}

    async def resume(self, actor: str, reason: str = "resumed") -> dict[str, Any]:
        return await self.set(TradingState.ACTIVE, actor, reason)

    def set_daily_loss_limit(self, limit: int | None) -> None:
        """A new limit (quote units; None disables it) from `risk.limits.set`, checked from the next tick."""
        self.daily_loss_limit = limit

    # -- the daily loss limit -------------------------------------------------------------------
    async def _watch(self) -> None:
        while True:
            try:
                await self.check_daily_loss()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("daily loss check failed")
            await asyncio.sleep(self.check_every_s)

    def equity_now(self) -> int | None:
        subs = [s for a, s in self.venue.accounts() if a == self.authority]
        views = [self.venue.account_view(self.authority, s) for s in subs]
        views = [v for v in views if v is not None]
        return sum(v.equity for v in views) if views else None

    async def check_daily_loss(self) -> int | None:
        """Returns today's loss (quote units, positive = loss) and moves to REDUCING beyond the limit."""
        equity = self.equity_now()
        if equity is None:
            return None
        now = self.clock()
        day = utc_day(now)
        if self.baseline.get("day") != day:
            start = self._equity_at(day_start(now))
            self.baseline = {"day": day, "equity": equity if start is None else start}
            record = json.dumps(self.baseline)
            await self.store.write(lambda conn: _put(conn, "daily_baseline", record, now))
        loss = self.baseline["equity"] - equity
        limit = self.daily_loss_limit
        if (
            limit is not None
            and loss > limit
            and self.tripped_day != day
            and _SEVERITY[self.state] < _SEVERITY[TradingState.REDUCING]
        ):
            self.tripped_day = day
            record = json.dumps({"day": day})
            await self.store.write(lambda conn: _put(conn, "daily_loss_tripped", record, now))
            await self.set(
                TradingState.REDUCING,
                "risk",
                f"daily loss ${to_decimal(loss, QUOTE_PRECISION):,.2f} exceeds the limit of"
                f" ${to_decimal(limit, QUOTE_PRECISION):,.2f}",
            )
        return loss

    def _equity_at(self, ts: int) -> int | None:
        """The trader's total equity in the last recorded minute at or before `ts` (equity_history)."""
        rows = self.store.query(
            "SELECT sub_account, equity FROM equity_history h WHERE authority = ? AND ts = "
            "(SELECT MAX(ts) FROM equity_history WHERE authority = h.authority AND sub_account = h.sub_account "
            " AND ts <= ? AND ts > ?)",
            (self.authority, ts, ts - 3600),
        )
        return sum(r["equity"] for r in rows) if rows else None


def _put(conn: Any, key: str, value: str, now: float) -> None:
    conn.execute("INSERT OR REPLACE INTO risk_kv (key, value, updated_ms) VALUES (?, ?, ?)", (key, value, ms_of(now)))


def _save(conn: Any, key: str, value: str, now: float, actor: str, action: str, detail: str) -> None:
    _put(conn, key, value, now)
    audit_row(conn, ms_of(now), actor, action, detail)

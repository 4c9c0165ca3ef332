"""The live risk monitor: per account margin health, leverage and each position's liquidation distance.

It reads the venue through the small `VenueView` protocol, recomputes every `refresh_s` (sooner
after an "account"/"positions" event), publishes one `AccountRisk` per account on the "risk" topic
(conflated per account for clients; the alert service listens to it) and records every account's
equity into `equity_history` every `equity_every_s` for the equity curve and the daily loss limit.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import msgspec

from backend.api.protocol import AccountView, PositionView
from backend.bus import Bus
from backend.store.base import StoreLike
from programs.vocabulary import BASE_PRECISION as BASE
from programs.vocabulary import MARGIN_PRECISION as RATIO
from programs.vocabulary import PRICE_PRECISION as PRICE

log = logging.getLogger(__name__)
LEVELS = ("ok", "warning", "critical")


class VenueView(Protocol):
    """What risk needs from a venue (the paper venue provides it; tests use a fake)."""

    def accounts(self) -> list[tuple[str, int]]: ...

    def account_view(self, authority: str, sub: int) -> AccountView | None: ...

    def positions_view(self, authority: str, sub: int) -> list[PositionView]: ...

    def market_state(self, market: str) -> dict[str, Any]: ...

    async def cancel_all(self, authority: str | None, reason: str) -> int: ...


@dataclass(slots=True, frozen=True)
class RiskThresholds:
    """Warning and critical levels; margin ratio = collateral / notional (lower is riskier)."""

    margin_ratio_warning_pct: float = 20.0
    margin_ratio_critical_pct: float = 10.0
    margin_usage_warning_pct: float = 50.0  # maintenance requirement / total collateral
    margin_usage_critical_pct: float = 80.0
    leverage_warning_x: float = 10.0
    leverage_critical_x: float = 15.0
    liq_distance_warning_pct: float = 15.0
    liq_distance_critical_pct: float = 7.5


class PositionRisk(msgspec.Struct, frozen=True):
    market: str
    base: float  # signed, in base units of the asset
    notional: float  # signed USD
    entry_price: float
    mark_price: float
    oracle_price: float
    liq_price: float | None
    liq_distance_pct: float | None  # |price - liq| / price, in %; None when no liquidation price is reachable
    unrealized_pnl: float
    level: str


class AccountRisk(msgspec.Struct, frozen=True):
    authority: str
    sub_account: int
    ts: float
    equity: float  # USD
    total_collateral: float
    free_collateral: float
    initial_margin: float
    maintenance_margin: float
    margin_ratio_pct: float | None  # collateral / notional (engine's margin ratio); None when flat
    margin_usage_pct: float | None  # maintenance requirement / total collateral; 100 = liquidation
    leverage_x: float
    level: str  # "ok" | "warning" | "critical": the worst of the checks below
    reasons: list[str]
    positions: list[PositionRisk]


def _worse(a: str, b: str) -> str:
    return a if LEVELS.index(a) >= LEVELS.index(b) else b


def _grade(value: float | None, warning: float, critical: float, low_is_bad: bool) -> str:
    if value is None:
        return "ok"
    if low_is_bad:
        return "critical" if value <= critical else "warning" if value <= warning else "ok"
    return "critical" if value >= critical else "warning" if value >= warning else "ok"


def position_risk(p: PositionView, oracle_price: int, t: RiskThresholds) -> PositionRisk:
    price = oracle_price or p.mark_price
    distance = None
    if p.liq_price > 0 and price > 0:
        distance = abs(price - p.liq_price) * 100.0 / price
    level = _grade(distance, t.liq_distance_warning_pct, t.liq_distance_critical_pct, low_is_bad=True)
    return PositionRisk(
        market=p.market,
        base=p.base / BASE,
        notional=p.base * price / BASE / PRICE,
        entry_price=p.entry_price / PRICE,
        mark_price=p.mark_price / PRICE,
        oracle_price=price / PRICE,
        liq_price=p.liq_price / PRICE if p.liq_price > 0 else None,
        liq_distance_pct=distance,
        unrealized_pnl=p.unrealized_pnl / PRICE,
        level=level,
    )


def account_risk(
    authority: str,
    account: AccountView,
    positions: list[PositionView],
    oracle_prices: dict[str, int],
    t: RiskThresholds,
    ts: float,
) -> AccountRisk:
    """One account's risk from its views; pure."""
    open_positions = [position_risk(p, oracle_prices.get(p.market, 0), t) for p in positions if p.base != 0]
    flat = not open_positions
    ratio = None if flat else account.margin_ratio * 100.0 / RATIO
    usage = None
    if not flat:
        usage = (
            account.maintenance_margin * 100.0 / account.total_collateral
            if account.total_collateral > 0
            else float("inf")
        )
    leverage = account.leverage / RATIO
    checks = [
        (
            "margin ratio",
            _grade(ratio, t.margin_ratio_warning_pct, t.margin_ratio_critical_pct, True),
            f"margin ratio {ratio:.1f}%" if ratio is not None else "",
        ),
        (
            "margin usage",
            _grade(usage, t.margin_usage_warning_pct, t.margin_usage_critical_pct, False),
            f"maintenance margin is {usage:.1f}% of collateral" if usage is not None else "",
        ),
        ("leverage", _grade(leverage, t.leverage_warning_x, t.leverage_critical_x, False), f"leverage {leverage:.2f}x"),
    ]
    level, reasons = "ok", []
    for _name, grade, text in checks:
        if grade != "ok":
            reasons.append(f"{grade}: {text}")
            level = _worse(level, grade)
    for pr in open_positions:
        if pr.level != "ok":
            reasons.append(f"{pr.level}: {pr.market} is {pr.liq_distance_pct:.2f}% from liquidation")
            level = _worse(level, pr.level)
    return AccountRisk(
        authority=authority,
        sub_account=account.sub_account,
        ts=ts,
        equity=account.equity / PRICE,
        total_collateral=account.total_collateral / PRICE,
        free_collateral=account.free_collateral / PRICE,
        initial_margin=account.initial_margin / PRICE,
        maintenance_margin=account.maintenance_margin / PRICE,
        margin_ratio_pct=ratio,
        margin_usage_pct=usage,
        leverage_x=leverage,
        level=level,
        reasons=reasons,
        positions=open_positions,
    )


class RiskMonitor:
    def __init__(
        self,
        bus: Bus,
        venue: VenueView,
        store: StoreLike | None = None,
        *,
        thresholds: RiskThresholds | None = None,
        refresh_s: float = 0.5,
        equity_every_s: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.bus = bus
        self.venue = venue
        self.store = store
        self.thresholds = thresholds or RiskThresholds()
        self.refresh_s = refresh_s
        self.equity_every_s = equity_every_s
        self.clock = clock
        self.latest: dict[tuple[str, int], AccountRisk] = {}
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._listening = False

    async def start(self) -> None:
        if not self._listening:
            self.bus.on("account", self._poke)
            self.bus.on("positions", self._poke)
            self._listening = True
        self._tasks = [asyncio.create_task(self._loop(), name="risk-monitor")]
        if self.store is not None and self.equity_every_s > 0:
            self._tasks.append(asyncio.create_task(self._record_loop(), name="risk-equity"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    def _poke(self, _message: Any) -> None:
        self._wake.set()

    async def _loop(self) -> None:
        while True:
            try:
                self.refresh()
            except Exception:
                log.exception("risk monitor refresh failed")
            try:
                await asyncio.wait_for(self._wake.wait(), self.refresh_s)
                await asyncio.sleep(0.05)  # let a burst of events settle: one recompute for all of them
            except TimeoutError:
                pass
            self._wake.clear()

    def oracle_prices(self, markets: set[str]) -> dict[str, int]:
        out = {}
        for market in markets:
            try:
                out[market] = int(self.venue.market_state(market).get("oracle_price") or 0)
            except Exception:  # a market without a price yet: the position's mark is used
                out[market] = 0
        return out

    def refresh(self) -> list[AccountRisk]:
        """Recompute every account, publish each on "risk", and return them."""
        now = self.clock()
        out = []
        for authority, sub in self.venue.accounts():
            account = self.venue.account_view(authority, sub)
            if account is None:
                continue
            positions = self.venue.positions_view(authority, sub)
            prices = self.oracle_prices({p.market for p in positions if p.base})
            risk = account_risk(authority, account, positions, prices, self.thresholds, now)
            previous = self.latest.get((authority, sub))
            if previous is not None and previous.level != risk.level and risk.level != "ok":
                log.warning("risk %s/%d is %s: %s", authority, sub, risk.level, "; ".join(risk.reasons))
            self.latest[(authority, sub)] = risk
            self.bus.publish("risk", risk)
            out.append(risk)
        return out

    def snapshot(self, authority: str | None = None, sub: int | None = None) -> list[AccountRisk]:
        rows = self.refresh()
        return [
            r for r in rows if (authority is None or r.authority == authority) and (sub is None or r.sub_account == sub)
        ]

    async def _record_loop(self) -> None:
        while True:
            await asyncio.sleep(self.equity_every_s)
            try:
                self.record_equity()
            except Exception:
                log.exception("equity recording failed")

    def record_equity(self, ts: int | None = None) -> int:
        """Append every account's equity to `equity_history` (fire-and-forget); returns the rows queued."""
        if self.store is None:
            return 0
        stamp = int(ts if ts is not None else self.clock())
        rows = []
        for authority, sub in self.venue.accounts():
            account = self.venue.account_view(authority, sub)
            if account is not None:
                rows.append((stamp, authority, sub, account.equity, account.total_collateral, account.unrealized_pnl))
        if rows:
            self.store.submit(
                lambda conn: conn.executemany(
                    "INSERT INTO equity_history (ts, authority, sub_account, equity, total_collateral, unrealized_pnl)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    rows,
                )
            )
        return len(rows)

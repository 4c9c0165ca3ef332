"""The live risk monitor: per account margin health, leverage and each position's liquidation distance.

It reads the venue through the small `VenueView` protocol, recomputes every `refresh_s` (sooner
after an "account"/"positions" event), publishes one `AccountRisk` per account on the "risk" topic
(conflated per account for clients; the alert service listens to it) and records every account's
equity into `equity_history` every `equity_every_s` for the equity curve and the daily loss limit.

Units (the one place that says them). Every number is an integer in a vocabulary precision, like the
engine's views; the wire carries them as they are and `backend/units.py` writes them as exact decimals
for people (`--raw` keeps the integers):

- money (`equity`, collateral, margins, `notional`, `unrealized_pnl`): QUOTE_PRECISION
- prices (`entry_price`, `mark_price`, `oracle_price`, `liq_price`): PRICE_PRECISION
- `base`: BASE_PRECISION, signed
- `margin_ratio`, `margin_usage`, `leverage`: MARGIN_PRECISION fractions of one (10_000 = 100% = 1x),
  the engine's ratio unit and the alert unit of margin ratios
- `liq_distance`: PERCENTAGE_PRECISION fraction of the price (1_000_000 = 100%), the alert unit of
  liquidation distances
- `ts_ms`: unix milliseconds

What cannot be computed is None, never infinite: `margin_ratio`/`margin_usage` of a flat account,
`liq_price`/`liq_distance` of a position with no reachable liquidation price, `margin_usage` when no
collateral is left (graded critical). Grading compares integers with integer thresholds in the same
units, inclusively (a value at a threshold has that grade), and every ratio the monitor divides rounds
toward the worse grade: `liq_distance` (low is bad) rounds down, `margin_usage` (high is bad) up. The
engine's `margin_ratio` is already rounded down (toward worse); its `leverage` is rounded down, which
for a `>=` test against an integer threshold is exact (floor(x) >= L exactly when x >= L).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import msgspec

from backend.api.protocol import AccountView, PositionView
from backend.bus import Bus
from backend.domain.alerts import LEVEL_UNITS, Kind
from backend.store.base import StoreLike
from backend.units import RATIO_DIGITS, decimal_str
from programs.quantdesk_perp.math.fixed import div_ceil
from programs.vocabulary import BASE_PRECISION, MARGIN_PRECISION, MS_PER_S, PERCENT_PER_ONE, PERCENTAGE_PRECISION

log = logging.getLogger(__name__)
LEVELS = ("ok", "warning", "critical")
# the % texts of the reasons: the alert levels' own exact writing of these units
RATIO_PCT, DISTANCE_PCT = LEVEL_UNITS[Kind.MARGIN_RATIO], LEVEL_UNITS[Kind.LIQ_DISTANCE]


class VenueView(Protocol):
    """What risk needs from a venue (the paper venue provides it; tests use a fake)."""

    def accounts(self) -> list[tuple[str, int]]: ...

    def account_view(self, authority: str, sub: int) -> AccountView | None: ...

    def positions_view(self, authority: str, sub: int) -> list[PositionView]: ...

    def market_state(self, market: str) -> dict[str, Any]: ...

    async def cancel_all(self, authority: str | None, reason: str) -> int: ...


def oracle_prices(venue: VenueView, markets: Iterable[str]) -> dict[str, int]:
    """Each market's oracle price (PRICE_PRECISION); 0 for a market without one yet (its mark is used)."""
    out = {}
    for market in markets:
        try:
            out[market] = int(venue.market_state(market).get("oracle_price") or 0)
        except Exception:  # a market without a price yet
            out[market] = 0
    return out


@dataclass(slots=True, frozen=True)
class RiskThresholds:
    """Warning and critical levels, in the units above; margin ratio = collateral / notional (low is risky)."""

    margin_ratio_warning: int = 20 * MARGIN_PRECISION // PERCENT_PER_ONE  # 20%
    margin_ratio_critical: int = 10 * MARGIN_PRECISION // PERCENT_PER_ONE  # 10%
    margin_usage_warning: int = 50 * MARGIN_PRECISION // PERCENT_PER_ONE  # maintenance / total collateral: 50%
    margin_usage_critical: int = 80 * MARGIN_PRECISION // PERCENT_PER_ONE  # 80%
    leverage_warning: int = 10 * MARGIN_PRECISION  # 10x
    leverage_critical: int = 15 * MARGIN_PRECISION  # 15x
    liq_distance_warning: int = 15 * PERCENTAGE_PRECISION // PERCENT_PER_ONE  # 15%
    liq_distance_critical: int = 75 * PERCENTAGE_PRECISION // (10 * PERCENT_PER_ONE)  # 7.5%


class PositionRisk(msgspec.Struct, frozen=True):
    market: str
    base: int  # BASE_PRECISION, signed
    notional: int  # QUOTE_PRECISION, signed like base, at the oracle price
    entry_price: int  # PRICE_PRECISION
    mark_price: int
    oracle_price: int  # the price the distance is measured from (the mark when the oracle has none)
    liq_price: int | None  # None when no liquidation price is reachable
    liq_distance: int | None  # |price - liq| / price, PERCENTAGE_PRECISION, rounded down; None with liq_price
    unrealized_pnl: int  # QUOTE_PRECISION
    level: str


class AccountRisk(msgspec.Struct, frozen=True):
    authority: str
    sub_account: int
    ts_ms: int
    equity: int  # QUOTE_PRECISION
    total_collateral: int
    free_collateral: int
    initial_margin: int
    maintenance_margin: int
    margin_ratio: int | None  # MARGIN_PRECISION: collateral / notional (the engine's); None when flat
    # MARGIN_PRECISION: maintenance / total collateral, rounded up; None when flat or none left
    margin_usage: int | None
    leverage: int  # MARGIN_PRECISION: notional / total collateral (the engine's)
    level: str  # "ok" | "warning" | "critical": the worst of the checks below
    reasons: list[str]
    positions: list[PositionRisk]


def _worse(a: str, b: str) -> str:
    return a if LEVELS.index(a) >= LEVELS.index(b) else b


def grade(value: int | None, warning: int, critical: int, *, low_is_bad: bool) -> str:
    """The grade of an integer reading against integer thresholds in its unit; at a threshold is that grade."""
    if value is None:
        return "ok"
    if low_is_bad:
        return "critical" if value <= critical else "warning" if value <= warning else "ok"
    return "critical" if value >= critical else "warning" if value >= warning else "ok"


def liq_distance(price: int, liq_price: int) -> int | None:
    """|price - liq_price| / price in PERCENTAGE_PRECISION, rounded down (closer: the worse grade)."""
    if liq_price <= 0 or price <= 0:
        return None
    return abs(price - liq_price) * PERCENTAGE_PRECISION // price


def notional(base: int, price: int) -> int:
    """base * price in QUOTE_PRECISION, signed like base, its size rounded up (more exposure: the worse grade)."""
    size = div_ceil(abs(base) * price, BASE_PRECISION)
    return size if base >= 0 else -size


def position_risk(p: PositionView, oracle_price: int, t: RiskThresholds) -> PositionRisk:
    price = oracle_price or p.mark_price
    distance = liq_distance(price, p.liq_price)
    level = grade(distance, t.liq_distance_warning, t.liq_distance_critical, low_is_bad=True)
    return PositionRisk(
        market=p.market,
        base=p.base,
        notional=notional(p.base, price),
        entry_price=p.entry_price,
        mark_price=p.mark_price,
        oracle_price=price,
        liq_price=p.liq_price if p.liq_price > 0 else None,
        liq_distance=distance,
        unrealized_pnl=p.unrealized_pnl,
        level=level,
    )


def margin_usage(account: AccountView) -> int | None:
    """Maintenance requirement / total collateral in MARGIN_PRECISION, rounded up; None with no collateral."""
    if account.total_collateral <= 0:
        return None
    return div_ceil(account.maintenance_margin * MARGIN_PRECISION, account.total_collateral)


def _reason(check: str, value: int | None) -> str:
    if check == "margin ratio":
        return f"margin ratio {RATIO_PCT.text(value or 0)}%"
    if check == "margin usage":
        if value is None:
            return "no collateral is left against the maintenance margin"
        return f"maintenance margin is {RATIO_PCT.text(value)}% of collateral"
    return f"leverage {decimal_str(value or 0, RATIO_DIGITS)}x"


def account_risk(
    authority: str,
    account: AccountView,
    positions: list[PositionView],
    oracle_prices: dict[str, int],
    t: RiskThresholds,
    ts_ms: int,
) -> AccountRisk:
    """One account's risk from its views; pure."""
    open_positions = [position_risk(p, oracle_prices.get(p.market, 0), t) for p in positions if p.base != 0]
    flat = not open_positions
    ratio = None if flat else account.margin_ratio
    usage = None if flat else margin_usage(account)
    checks = (
        ("margin ratio", grade(ratio, t.margin_ratio_warning, t.margin_ratio_critical, low_is_bad=True), ratio),
        (
            "margin usage",
            grade(usage, t.margin_usage_warning, t.margin_usage_critical, low_is_bad=False)
            if usage is not None or flat
            else "critical",  # positions and no collateral left
            usage,
        ),
        (
            "leverage",
            grade(account.leverage, t.leverage_warning, t.leverage_critical, low_is_bad=False),
            account.leverage,
        ),
    )
    level, reasons = "ok", []
    for check, check_grade, value in checks:
        if check_grade != "ok":  # the text is written only for a reason to give
            reasons.append(f"{check_grade}: {_reason(check, value)}")
            level = _worse(level, check_grade)
    for pr in open_positions:
        if pr.level != "ok" and pr.liq_distance is not None:
            reasons.append(f"{pr.level}: {pr.market} is {DISTANCE_PCT.text(pr.liq_distance)}% from liquidation")
            level = _worse(level, pr.level)
    return AccountRisk(
        authority=authority,
        sub_account=account.sub_account,
        ts_ms=ts_ms,
        equity=account.equity,
        total_collateral=account.total_collateral,
        free_collateral=account.free_collateral,
        initial_margin=account.initial_margin,
        maintenance_margin=account.maintenance_margin,
        margin_ratio=ratio,
        margin_usage=usage,
        leverage=account.leverage,
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
                # asyncio.timeout, not wait_for: on 3.11 wait_for swallows a cancel that meets a wake-up
                # already done, and stop() would wait on a loop that goes on
                async with asyncio.timeout(self.refresh_s):
                    await self._wake.wait()
                await asyncio.sleep(0.05)  # let a burst of events settle: one recompute for all of them
            except TimeoutError:
                pass
            self._wake.clear()

    def refresh(self) -> list[AccountRisk]:
        """Recompute every account, publish each on "risk", and return them."""
        now_ms = int(self.clock() * MS_PER_S)
        out = []
        for authority, sub in self.venue.accounts():
            account = self.venue.account_view(authority, sub)
            if account is None:
                continue
            positions = self.venue.positions_view(authority, sub)
            prices = oracle_prices(self.venue, {p.market for p in positions if p.base})
            risk = account_risk(authority, account, positions, prices, self.thresholds, now_ms)
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

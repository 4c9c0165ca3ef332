"""The fake backend's `risk.report` and `risk.monitor`, computed by the backend's own risk code
(RiskAnalytics, account_risk) from the fake account and positions, on fixed price history: their
shape is the real ops' shape by construction."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from backend.api.protocol import AccountView, Candles, PositionView, to_builtins
from backend.risk.analytics import RiskAnalytics
from backend.risk.monitor import AccountRisk, RiskThresholds, account_risk
from programs.vocabulary import MS_PER_S

DAY_S = 86_400


def daily_closes(market: str, last_close: int, now: int, days: int = 91) -> Candles:
    """A fixed walk of daily bars at expo -6 ending at `last_close`; each market walks its own way."""
    bars = Candles(market, "1d", -6)
    seed = sum(map(ord, market))
    close = last_close
    closes = [close]
    for _ in range(days - 1):
        seed = (seed * 1_103_515_245 + 12_345) % 2**31  # a fixed LCG: daily moves of -4%..+4%
        close = close * (10_000 + seed % 801 - 400) // 10_000
        closes.append(close)
    closes.reverse()
    start = (now // DAY_S - days + 1) * DAY_S
    for i, c in enumerate(closes):
        bars.ts_s.append(start + i * DAY_S)
        for column in (bars.open, bars.high, bars.low, bars.close):
            column.append(c)
        bars.volume.append(0)
        bars.count.append(1)
    return bars


class _Venue:
    """What RiskAnalytics reads of the venue: one paper account, its positions, oracle prices."""

    def __init__(self, account: AccountView, positions: Sequence[PositionView]) -> None:
        self.account, self.positions = account, list(positions)

    def accounts(self) -> list[tuple[str, int]]:
        return [("paper", self.account.sub_account)]

    def account_view(self, authority: str, sub: int) -> AccountView | None:
        return self.account if sub == self.account.sub_account else None

    def positions_view(self, authority: str, sub: int) -> list[PositionView]:
        return [p for p in self.positions if p.sub_account == sub]

    def market_state(self, market: str) -> dict[str, Any]:
        return {"oracle_price": next(p.mark_price for p in self.positions if p.market == market)}


class _Monitor:
    def __init__(self, risk: AccountRisk) -> None:
        self.risk, self.thresholds = risk, RiskThresholds()

    def snapshot(self, authority: str | None = None, sub: int | None = None) -> list[AccountRisk]:
        return [self.risk]


class _EquityStore:
    """The equity_history rows the equity curve is read from (equity in PRICE_PRECISION)."""

    def __init__(self, points: Sequence[tuple[int, int]]) -> None:
        self.points = points

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return [{"ts": ts, "equity": equity} for ts, equity in reversed(self.points)]


class _TradingState:
    def __init__(self, view: dict[str, Any]) -> None:
        self._view = view

    def view(self) -> dict[str, Any]:
        return dict(self._view)


def risk_replies(
    account: AccountView,
    positions: Sequence[PositionView],
    equity: Sequence[tuple[int, int]],
    trading_state: dict[str, Any],
    now: int,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(`risk.report`, `risk.monitor`) as the backend computes them for this account and history."""
    prices = {p.market: p.mark_price for p in positions}
    risk = account_risk("paper", account, list(positions), prices, RiskThresholds(), now * MS_PER_S)
    monitor = _Monitor(risk)
    analytics = RiskAnalytics(
        _Venue(account, positions),
        bars=lambda market, tf, count: daily_closes(market, prices[market], now)
        if tf == "1d"
        else Candles(market, tf, -6),
        store=_EquityStore(equity),
        monitor=monitor,
        trading_state=_TradingState(trading_state),
        history_days=90,
        clock=lambda: float(now),
    )
    report = analytics.report("paper", None)
    monitor_reply = {
        "accounts": to_builtins(monitor.snapshot()),
        "thresholds": dataclasses.asdict(monitor.thresholds),
    }
    return report, monitor_reply

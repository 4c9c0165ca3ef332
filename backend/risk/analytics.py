"""Portfolio analytics on demand: VaR/CVaR, stress, exposure, correlation, PnL attribution, drawdown.

Pure functions of plain data (pandas), then a thin layer (`RiskAnalytics`, `register_risk_ops`)
that gathers the data from the venue, the candles and the store. Every number is USD (float).

Historical VaR, exactly:
- Prices: the close of each UTC day, taken from 1d candles, or from 1h candles resampled to 1d
  (last close of the day) when the 1h history is longer. Markets are aligned on common days.
- Returns: 1-day simple returns r_t = close_t / close_{t-1} - 1. If fewer than
  `MIN_DAILY_RETURNS` days are available, overlapping 24-hour returns from hourly closes
  (close_h / close_{h-24} - 1) are used instead, and `method` says so.
- Portfolio PnL per scenario: pnl_t = sum over markets of notional_m * r_{m,t}, with
  notional_m = signed base * current oracle price (a linear perp).
- VaR_a = -quantile(pnl, 1 - a) with linear interpolation between order statistics (pandas'
  default, Hyndman-Fan type 7: position (n-1)(1-a) in the ascending sample).
- CVaR_a = -mean(pnl_t for pnl_t <= quantile(pnl, 1 - a)).

Stress: each market alone shocked by +-5/10/20/30% (pnl = notional * shock). Correlated crash:
BTC falls X% (10, 20, 30) and every market m falls min(100%, X * beta_m) with `CRASH_BETAS`
(rough multiples of BTC's daily moves for these assets; unknown markets use `DEFAULT_BETA`).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import msgspec
import numpy as np
import pandas as pd

from backend.api.protocol import AccountView, Candles, PositionView, parse_args, to_builtins
from backend.risk.monitor import oracle_prices
from programs.vocabulary import BASE_PRECISION as BASE
from programs.vocabulary import MARGIN_PRECISION
from programs.vocabulary import PRICE_PRECISION as PRICE

VAR_LEVELS = (0.95, 0.99)
MIN_DAILY_RETURNS = 20
STRESS_SHOCKS_PCT = (-30, -20, -10, -5, 5, 10, 20, 30)
CRASH_PCTS = (10, 20, 30)
CRASH_BETAS = {"BTC-PERP": 1.0, "ETH-PERP": 1.2, "SOL-PERP": 1.5, "JUP-PERP": 2.0, "WIF-PERP": 2.5, "1MBONK-PERP": 2.5}
DEFAULT_BETA = 2.0


# ---- prices and returns ----------------------------------------------------------------------


def closes_frame(bars: dict[str, Candles], rule: str | None = None) -> pd.DataFrame:
    """Close prices per market (columns) on a UTC DatetimeIndex; resampled to `rule` (last close) if given."""
    series = {}
    for market, candles in bars.items():
        if not len(candles):
            continue
        scale = 10**-candles.expo
        closes = [close / scale for close in candles.close]
        s = pd.Series(closes, index=pd.to_datetime(candles.ts_s, unit="s", utc=True))
        s = s[~s.index.duplicated(keep="last")].sort_index()
        if rule is not None:
            s = s.resample(rule).last().dropna()
        series[market] = s
    return pd.DataFrame(series).dropna() if series else pd.DataFrame()


def simple_returns(closes: pd.DataFrame, periods: int = 1) -> pd.DataFrame:
    return closes.pct_change(periods=periods, fill_method=None).dropna()


def portfolio_pnl(returns: pd.DataFrame, notionals: dict[str, float]) -> pd.Series:
    """pnl_t = sum_m notional_m * r_{m,t} over the markets held (all must be in `returns`)."""
    held = [m for m, n in notionals.items() if n != 0]
    if not held:
        return pd.Series(0.0, index=returns.index)
    weights = pd.Series({m: notionals[m] for m in held})
    return returns[held].mul(weights, axis=1).sum(axis=1)


def var_cvar(pnl: pd.Series, level: float) -> tuple[float, float]:
    """(VaR, CVaR) at `level` as positive losses: the method in the module docstring."""
    q = float(pnl.quantile(1.0 - level, interpolation="linear"))
    tail = pnl[pnl <= q]
    return -q, -float(tail.mean())


# ---- stress, exposure, attribution -----------------------------------------------------------


def notionals_of(positions: Iterable[PositionView], prices: dict[str, int] | None = None) -> dict[str, float]:
    """Signed USD notional per market, summed over sub-accounts; price = oracle (or the view's mark)."""
    out: dict[str, float] = {}
    for p in positions:
        if p.base:
            price = (prices or {}).get(p.market) or p.mark_price
            out[p.market] = out.get(p.market, 0.0) + p.base * price / BASE / PRICE
    return out


def stress(
    notionals: dict[str, float], equity: float, shocks_pct: Sequence[float] = STRESS_SHOCKS_PCT
) -> list[dict[str, Any]]:
    rows = []
    for market, notional in sorted(notionals.items()):
        for shock in shocks_pct:
            pnl = notional * shock / 100.0
            rows.append({"market": market, "shock_pct": shock, "pnl": pnl, "equity_after": equity + pnl})
    return rows


def correlated_crash(
    notionals: dict[str, float],
    equity: float,
    crash_pcts: Sequence[float] = CRASH_PCTS,
    betas: dict[str, float] | None = None,
) -> list[dict[str, Any]]:
    betas = CRASH_BETAS if betas is None else betas
    rows = []
    for crash in crash_pcts:
        by_market = {}
        for market, notional in sorted(notionals.items()):
            move = -min(100.0, crash * betas.get(market, DEFAULT_BETA))
            by_market[market] = {"move_pct": move, "pnl": notional * move / 100.0}
        pnl = sum(x["pnl"] for x in by_market.values())
        rows.append({"crash_pct": crash, "pnl": pnl, "equity_after": equity + pnl, "by_market": by_market})
    return rows


def exposure_by_market(notionals: dict[str, float], equity: float) -> list[dict[str, Any]]:
    return [
        {
            "market": m,
            "notional": n,
            "side": "long" if n > 0 else "short",
            "abs_notional": abs(n),
            "pct_of_equity": abs(n) * 100.0 / equity if equity > 0 else None,
        }
        for m, n in sorted(notionals.items(), key=lambda kv: -abs(kv[1]))
    ]


def exposure_by_collateral(accounts: Iterable[AccountView]) -> list[dict[str, Any]]:
    totals: dict[str, dict[str, float]] = {}
    for account in accounts:
        for c in account.collateral:
            row = totals.setdefault(c.asset, {"amount": 0.0, "value": 0.0, "weighted_value": 0.0})
            row["amount"] += c.amount / 10**c.decimals
            row["value"] += c.value / PRICE
            row["weighted_value"] += c.value * c.weight_initial / MARGIN_PRECISION / PRICE
    grand = sum(r["value"] for r in totals.values())
    return [
        {"asset": a, **r, "pct": r["value"] * 100.0 / grand if grand > 0 else None} for a, r in sorted(totals.items())
    ]


def pnl_attribution(positions: Iterable[PositionView]) -> dict[str, Any]:
    """trading = realized + unrealized price PnL; funding = funding received (-paid); fees = -fees paid."""
    by_market: dict[str, dict[str, float]] = {}
    for p in positions:
        row = by_market.setdefault(p.market, {"trading": 0.0, "funding": 0.0, "fees": 0.0})
        row["trading"] += (p.realized_pnl + p.unrealized_pnl) / PRICE
        row["funding"] += p.funding_pnl / PRICE
        row["fees"] -= p.fees / PRICE
    rows: list[dict[str, Any]] = [
        {"market": m, **r, "total": r["trading"] + r["funding"] + r["fees"]} for m, r in sorted(by_market.items())
    ]
    total = {k: sum(r[k] for r in rows) for k in ("trading", "funding", "fees", "total")}
    return {"by_market": rows, "total": total}


def drawdown(equity: pd.Series) -> dict[str, Any]:
    """Drawdown from the running peak, in % (<= 0): current and maximum."""
    if equity.empty:
        return {"current_pct": None, "max_pct": None, "peak": None}
    peak = equity.cummax()
    dd = (equity / peak.where(peak > 0) - 1.0) * 100.0
    return {"current_pct": float(dd.iloc[-1]), "max_pct": float(dd.min()), "peak": float(peak.iloc[-1])}


def correlation(returns: pd.DataFrame) -> dict[str, Any]:
    if returns.shape[0] < 3 or returns.shape[1] == 0:
        return {"markets": list(returns.columns), "matrix": []}
    corr = returns.corr()
    return {"markets": list(corr.columns), "matrix": corr.to_numpy().tolist()}


def var_report(
    bars_1d: dict[str, Candles], bars_1h: dict[str, Candles], notionals: dict[str, float]
) -> tuple[dict[str, Any], pd.DataFrame]:
    """VaR/CVaR at 95% and 99% plus the returns used (for the correlation matrix)."""
    daily = closes_frame(bars_1d, "1D")
    from_hourly = closes_frame(bars_1h, "1D")
    if len(from_hourly) > len(daily):
        daily, source = from_hourly, "1h candles resampled to 1d"
    else:
        source = "1d candles"
    returns = simple_returns(daily)
    method = f"1-day simple returns of daily closes ({source})"
    if len(returns) < MIN_DAILY_RETURNS:
        hourly = closes_frame(bars_1h)
        overlapping = simple_returns(hourly, periods=24)
        if len(overlapping) > len(returns):
            returns = overlapping
            method = f"overlapping 24h simple returns of hourly closes (fewer than {MIN_DAILY_RETURNS} days)"
    missing = [m for m, n in notionals.items() if n and m not in returns.columns]
    out: dict[str, Any] = {
        "method": method,
        "interpolation": "linear (type 7)",
        "observations": len(returns),
        "markets": sorted(m for m, n in notionals.items() if n),
    }
    if missing:
        out["error"] = f"no price history for {', '.join(sorted(missing))}"
        return out, returns
    if len(returns) < 2:
        out["error"] = "not enough price history for VaR yet"
        return out, returns
    pnl = portfolio_pnl(returns, notionals)
    out["from"], out["to"] = str(returns.index[0]), str(returns.index[-1])
    out["levels"] = {}
    for level in VAR_LEVELS:
        v, c = var_cvar(pnl, level)
        out["levels"][f"{level * 100:g}"] = {"var": v, "cvar": c}
    return out, returns


def clean(value: Any) -> Any:
    """JSON-safe: NaN/inf become None, numpy scalars become Python numbers, floats rounded to 6 places."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, (np.floating, float)):
        f = float(value)
        return round(f, 6) if math.isfinite(f) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


# ---- the thin layer: gathering data, the ops -----------------------------------------------


BarsFn = Callable[[str, str, int], Candles]  # (market, timeframe, limit) -> bars, oldest first


class RiskAnalytics:
    def __init__(
        self,
        venue: Any,
        bars: BarsFn | None = None,
        store: Any = None,
        monitor: Any = None,
        trading_state: Any = None,
        *,
        history_days: int = 120,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.venue = venue
        self.bars = bars
        self.store = store
        self.monitor = monitor
        self.trading_state = trading_state
        self.history_days = history_days
        self.clock = clock

    def report(self, authority: str = "paper", sub: int | None = None) -> dict[str, Any]:
        subs = [s for a, s in self.venue.accounts() if a == authority and (sub is None or s == sub)]
        accounts = [a for a in (self.venue.account_view(authority, s) for s in subs) if a is not None]
        positions = [p for s in subs for p in self.venue.positions_view(authority, s)]
        markets = sorted({p.market for p in positions if p.base})
        prices = oracle_prices(self.venue, markets)
        notionals = notionals_of(positions, prices)
        equity = sum(a.equity for a in accounts) / PRICE
        bars_1d, bars_1h = {}, {}
        if self.bars is not None:
            for m in markets:
                bars_1d[m] = self.bars(m, "1d", self.history_days + 1)
                bars_1h[m] = self.bars(m, "1h", min(5000, self.history_days * 24 + 1))
        var, returns = var_report(bars_1d, bars_1h, notionals)
        gross = sum(abs(n) for n in notionals.values())
        report = {
            "ts": self.clock(),
            "authority": authority,
            "sub_accounts": subs,
            "equity": equity,
            "exposure": {
                "by_market": exposure_by_market(notionals, equity),
                "by_collateral": exposure_by_collateral(accounts),
                "gross": gross,
                "net": sum(notionals.values()),
                "gross_leverage": gross / equity if equity > 0 else None,
            },
            "var": var,
            "stress": {
                "shocks": stress(notionals, equity),
                "crash": correlated_crash(notionals, equity),
                "betas": {m: CRASH_BETAS.get(m, DEFAULT_BETA) for m in markets},
            },
            "correlation": correlation(returns),
            "pnl": pnl_attribution(positions),
            "equity_curve": self.equity_curve(authority, sub),
        }
        if self.monitor is not None:
            report["accounts"] = [to_builtins(r) for r in self.monitor.snapshot(authority, sub)]
        if self.trading_state is not None:
            report["trading_state"] = self.trading_state.view()
        return clean(report)

    def equity_curve(self, authority: str, sub: int | None = None, limit: int = 2000) -> dict[str, Any]:
        if self.store is None:
            return {"points": [], **drawdown(pd.Series(dtype=float))}
        sql = "SELECT ts, SUM(equity) AS equity FROM equity_history WHERE authority = ?"
        params: list[Any] = [authority]
        if sub is not None:
            sql += " AND sub_account = ?"
            params.append(sub)
        rows = self.store.query(sql + " GROUP BY ts ORDER BY ts DESC LIMIT ?", (*params, limit))
        rows.reverse()
        series = pd.Series([r["equity"] / PRICE for r in rows], index=[r["ts"] for r in rows], dtype=float)
        return {"points": [[int(t), float(e)] for t, e in series.items()], **drawdown(series)}


class AccountArgs(msgspec.Struct, forbid_unknown_fields=True):
    authority: str = "paper"
    sub_account: int | None = None


class ReasonArgs(msgspec.Struct, forbid_unknown_fields=True):
    reason: str = ""


def register_risk_ops(
    api: Any, *, monitor: Any = None, analytics: RiskAnalytics | None = None, trading_state: Any = None
) -> None:
    """Ops `risk.monitor`, `risk.report`, `risk.kill`, `risk.resume`, `risk.state`; streams "risk", "trading_state"."""
    if monitor is not None:

        async def risk_monitor(session: Any, args: dict[str, Any]) -> Any:
            a = parse_args(args, AccountArgs)
            return {
                "accounts": to_builtins(monitor.snapshot(a.authority, a.sub_account)),
                "thresholds": dataclasses.asdict(monitor.thresholds),
            }

        api.op("risk.monitor", risk_monitor)
        api.stream("risk", "risk", key=lambda r: (r.authority, r.sub_account))
    if analytics is not None:

        async def risk_report(session: Any, args: dict[str, Any]) -> Any:
            a = parse_args(args, AccountArgs)
            return analytics.report(a.authority, a.sub_account)

        api.op("risk.report", risk_report)
    if trading_state is not None:

        def actor(session: Any) -> str:
            return f"api:{getattr(session, 'client', 'unknown')}"

        async def kill(session: Any, args: dict[str, Any]) -> Any:
            reason = parse_args(args, ReasonArgs).reason or "manual kill switch"
            return await trading_state.kill(actor(session), reason)

        async def resume(session: Any, args: dict[str, Any]) -> Any:
            reason = parse_args(args, ReasonArgs).reason or "resumed"
            return await trading_state.resume(actor(session), reason)

        async def state(session: Any, args: dict[str, Any]) -> Any:
            return trading_state.view()

        api.op("risk.kill", kill)
        api.op("risk.resume", resume)
        api.op("risk.state", state)
        api.stream("trading_state", "trading_state", key=lambda _m: "state")

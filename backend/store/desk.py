"""The desk view: every trader on a store, read from the database alone (no trading backend needed).

Each backend publishes its accounts' risk into `desk_accounts` about once a second (see
backend/risk/desk_feed.py); open orders and today's fills come from the orders and fills tables. A
trader whose row is older than `STALE_S` has no live backend: its numbers are the last ones known.

Every number is an integer in the risk monitor's units (backend/risk/monitor.py): money and exposure in
QUOTE_PRECISION, `leverage` and `margin_ratio` in MARGIN_PRECISION, `liq_distance` in PERCENTAGE_PRECISION,
instants in unix milliseconds (`ts_ms`, `updated_ms`); `backend/units.py` writes them for people. A trader's
and the desk's leverage (gross exposure / equity) rounds up, like the monitor's ratios, and is None when
the equity is not positive.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from backend.api.protocol import OPEN_STATUSES
from programs.quantdesk_perp.math.fixed import div_ceil
from programs.vocabulary import MARGIN_PRECISION, MS_PER_S

STALE_MS = 30 * MS_PER_S
LARGEST_POSITIONS = 3
Query = Callable[[str, tuple[Any, ...]], list[dict[str, Any]]]

_ACCOUNTS = (
    "SELECT trader, authority, sub_account, ts_ms, equity, unrealized_pnl, total_collateral, margin_used, "
    "maintenance_margin, leverage, margin_ratio, liq_distance, day_start_equity, level, positions "
    "FROM desk_accounts ORDER BY trader, authority, sub_account"
)


def utc_day_start(now: float) -> int:
    return int(now) - int(now) % 86_400


def _per_trader_counts(query: Query, sql: str, params: tuple[Any, ...], by_trader: bool) -> dict[str | None, int]:
    column = "trader" if by_trader else "NULL"
    rows = query(sql.format(trader=column), params)
    return {r["trader"]: int(r["n"]) for r in rows}


def desk_view(query: Query, *, by_trader: bool, now_ms: int | None = None) -> dict[str, Any]:
    """Every trader's risk, the desk's totals and its exposure per market, in the units above.

    by_trader: the tables carry a trader column (PostgreSQL). A SQLite home holds one trader, so its
    order and fill counts belong to the trader its desk_accounts rows name.
    """
    now_ms = int(time.time() * MS_PER_S) if now_ms is None else now_ms
    marks = ", ".join("?" * len(OPEN_STATUSES))
    open_orders = _per_trader_counts(
        query,
        f"SELECT {{trader}} AS trader, COUNT(*) AS n FROM orders WHERE status IN ({marks}) GROUP BY 1",
        tuple(OPEN_STATUSES),
        by_trader,
    )
    fills_today = _per_trader_counts(
        query,
        "SELECT {trader} AS trader, COUNT(*) AS n FROM fills WHERE ts >= ? GROUP BY 1",
        (utc_day_start(now_ms // MS_PER_S),),
        by_trader,
    )
    traders: dict[str, dict[str, Any]] = {}
    for row in query(_ACCOUNTS, ()):
        trader = traders.setdefault(row["trader"], _empty_trader(row["trader"]))
        _add_account(trader, row, now_ms)
    for name, trader in traders.items():
        key = name if by_trader else None
        trader["open_orders"] = open_orders.get(key, 0)
        trader["fills_today"] = fills_today.get(key, 0)
        _finish_trader(trader)
    return {
        "ts_ms": now_ms,
        "traders": list(traders.values()),
        "totals": _totals(list(traders.values())),
        "exposure": _exposure(list(traders.values())),
    }


def _empty_trader(name: str) -> dict[str, Any]:
    return {
        "trader": name,
        "accounts": 0,
        "equity": 0,
        "unrealized_pnl": 0,
        "margin_used": 0,
        "maintenance_margin": 0,
        "today_pnl": 0,
        "leverage": 0,
        "margin_ratio": None,
        "liq_distance": None,
        "level": "ok",
        "updated_ms": 0,
        "stale": False,
        "positions": [],
    }


def _add_account(trader: dict[str, Any], row: dict[str, Any], now_ms: int) -> None:
    trader["accounts"] += 1
    for field in ("equity", "unrealized_pnl", "margin_used", "maintenance_margin"):
        trader[field] += int(row[field])
    trader["today_pnl"] += int(row["equity"]) - int(row["day_start_equity"])
    trader["updated_ms"] = max(trader["updated_ms"], int(row["ts_ms"]))
    trader["liq_distance"] = _lowest(trader["liq_distance"], row["liq_distance"])
    trader["margin_ratio"] = _lowest(trader["margin_ratio"], row["margin_ratio"])
    if ("ok", "warning", "critical").index(row["level"]) > ("ok", "warning", "critical").index(trader["level"]):
        trader["level"] = row["level"]
    trader["positions"].extend(json.loads(row["positions"]))
    trader["stale"] = now_ms - trader["updated_ms"] > STALE_MS


def _lowest(a: int | None, b: int | None) -> int | None:
    values = [int(v) for v in (a, b) if v is not None]
    return min(values) if values else None


def leverage(gross: int, equity: int) -> int | None:
    """gross exposure / equity in MARGIN_PRECISION, rounded up; None when the equity is not positive."""
    return div_ceil(gross * MARGIN_PRECISION, equity) if equity > 0 else None


def _finish_trader(trader: dict[str, Any]) -> None:
    gross = sum(abs(p["notional"]) for p in trader["positions"])
    trader["gross_exposure"] = gross
    trader["leverage"] = leverage(gross, trader["equity"])
    trader["positions"] = sorted(trader["positions"], key=lambda p: -abs(p["notional"]))
    trader["largest_positions"] = trader["positions"][:LARGEST_POSITIONS]


def _totals(traders: list[dict[str, Any]]) -> dict[str, Any]:
    totals = {
        field: sum(t[field] for t in traders)
        for field in (
            "equity",
            "unrealized_pnl",
            "margin_used",
            "today_pnl",
            "gross_exposure",
            "open_orders",
            "fills_today",
        )
    }
    totals["traders"] = len(traders)
    totals["net_exposure"] = sum(p["notional"] for t in traders for p in t["positions"])
    totals["leverage"] = leverage(totals["gross_exposure"], totals["equity"])
    return totals


def _exposure(traders: list[dict[str, Any]]) -> list[dict[str, Any]]:
    markets: dict[str, dict[str, Any]] = {}
    for trader in traders:
        for p in trader["positions"]:
            m = markets.setdefault(
                p["market"], {"market": p["market"], "long": 0, "short": 0, "net": 0, "gross": 0, "traders": 0}
            )
            side = "long" if p["notional"] > 0 else "short"
            m[side] += abs(p["notional"])
            m["net"] += p["notional"]
            m["gross"] += abs(p["notional"])
            m["traders"] += 1
    return sorted(markets.values(), key=lambda m: -m["gross"])

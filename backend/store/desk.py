"""The desk view: every trader on a store, read from the database alone (no trading backend needed).

Each backend publishes its accounts' risk into `desk_accounts` about once a second (see
backend/risk/desk_feed.py); open orders and today's fills come from the orders and fills tables. A
trader whose row is older than `STALE_S` has no live backend: its numbers are the last ones known.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from backend.api.protocol import OPEN_STATUSES

STALE_S = 30.0
LARGEST_POSITIONS = 3
Query = Callable[[str, tuple[Any, ...]], list[dict[str, Any]]]

_ACCOUNTS = (
    "SELECT trader, authority, sub_account, ts, equity, unrealized_pnl, total_collateral, margin_used, "
    "maintenance_margin, leverage, margin_ratio_pct, liq_distance_pct, day_start_equity, level, positions "
    "FROM desk_accounts ORDER BY trader, authority, sub_account"
)


def utc_day_start(now: float) -> int:
    return int(now) - int(now) % 86_400


def _per_trader_counts(query: Query, sql: str, params: tuple[Any, ...], by_trader: bool) -> dict[str | None, int]:
    column = "trader" if by_trader else "NULL"
    rows = query(sql.format(trader=column), params)
    return {r["trader"]: int(r["n"]) for r in rows}


def desk_view(query: Query, *, by_trader: bool, now: float | None = None) -> dict[str, Any]:
    """Every trader's risk, the desk's totals and its exposure per market (USD floats, for display).

    by_trader: the tables carry a trader column (PostgreSQL). A SQLite home holds one trader, so its
    order and fill counts belong to the trader its desk_accounts rows name.
    """
    now = time.time() if now is None else now
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
        (utc_day_start(now),),
        by_trader,
    )
    traders: dict[str, dict[str, Any]] = {}
    for row in query(_ACCOUNTS, ()):
        trader = traders.setdefault(row["trader"], _empty_trader(row["trader"]))
        _add_account(trader, row, now)
    for name, trader in traders.items():
        key = name if by_trader else None
        trader["open_orders"] = open_orders.get(key, 0)
        trader["fills_today"] = fills_today.get(key, 0)
        _finish_trader(trader)
    return {
        "ts": now,
        "traders": list(traders.values()),
        "totals": _totals(list(traders.values())),
        "exposure": _exposure(list(traders.values())),
    }


def _empty_trader(name: str) -> dict[str, Any]:
    return {
        "trader": name,
        "accounts": 0,
        "equity": 0.0,
        "unrealized_pnl": 0.0,
        "margin_used": 0.0,
        "maintenance_margin": 0.0,
        "today_pnl": 0.0,
        "leverage": 0.0,
        "margin_ratio_pct": None,
        "liq_distance_pct": None,
        "level": "ok",
        "updated": 0.0,
        "stale": False,
        "positions": [],
    }


def _add_account(trader: dict[str, Any], row: dict[str, Any], now: float) -> None:
    trader["accounts"] += 1
    for field in ("equity", "unrealized_pnl", "margin_used", "maintenance_margin"):
        trader[field] += float(row[field])
    trader["today_pnl"] += float(row["equity"]) - float(row["day_start_equity"])
    trader["updated"] = max(trader["updated"], float(row["ts"]))
    trader["liq_distance_pct"] = _lowest(trader["liq_distance_pct"], row["liq_distance_pct"])
    trader["margin_ratio_pct"] = _lowest(trader["margin_ratio_pct"], row["margin_ratio_pct"])
    if ("ok", "warning", "critical").index(row["level"]) > ("ok", "warning", "critical").index(trader["level"]):
        trader["level"] = row["level"]
    trader["positions"].extend(json.loads(row["positions"]))
    trader["stale"] = now - trader["updated"] > STALE_S


def _lowest(a: float | None, b: float | None) -> float | None:
    values = [v for v in (a, b) if v is not None]
    return min(values) if values else None


def _finish_trader(trader: dict[str, Any]) -> None:
    gross = sum(abs(p["notional"]) for p in trader["positions"])
    trader["gross_exposure"] = gross
    trader["leverage"] = gross / trader["equity"] if trader["equity"] > 0 else 0.0
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
    totals["leverage"] = totals["gross_exposure"] / totals["equity"] if totals["equity"] > 0 else 0.0
    return totals


def _exposure(traders: list[dict[str, Any]]) -> list[dict[str, Any]]:
    markets: dict[str, dict[str, Any]] = {}
    for trader in traders:
        for p in trader["positions"]:
            m = markets.setdefault(
                p["market"], {"market": p["market"], "long": 0.0, "short": 0.0, "net": 0.0, "gross": 0.0, "traders": 0}
            )
            side = "long" if p["notional"] > 0 else "short"
            m[side] += abs(p["notional"])
            m["net"] += p["notional"]
            m["gross"] += abs(p["notional"])
            m["traders"] += 1
    return sorted(markets.values(), key=lambda m: -m["gross"])

"""A backend client that answers from fixed data, so snapshots of the screens are the same on every run."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import msgspec

from backend.api.protocol import ApiError, Candles, ErrorCode
from quantdesk_tui.app import QuantDeskApp
from quantdesk_tui.config import Config

NOW = 1_767_225_600  # 2026-01-01 00:00:00 UTC
URL = "ws://127.0.0.1:8765"
MARKETS = [
    {
        "market_index": 0,
        "symbol": "SOL-PERP",
        "base": "SOL",
        "quote": "USD",
        "tick_size": 1_000,  # 0.001 at PRICE_PRECISION
        "step_size": 10_000_000,  # 0.01 at BASE_PRECISION
        "min_size": 10_000_000,
        "max_leverage": 20,
        "pyth_feed_id": "0xef0d",
    },
    {
        "market_index": 1,
        "symbol": "BTC-PERP",
        "base": "BTC",
        "quote": "USD",
        "tick_size": 100_000,
        "step_size": 100_000,
        "min_size": 100_000,
        "max_leverage": 20,
        "pyth_feed_id": "0xe62d",
    },
    {
        "market_index": 2,
        "symbol": "ETH-PERP",
        "base": "ETH",
        "quote": "USD",
        "tick_size": 10_000,
        "step_size": 1_000_000,
        "min_size": 1_000_000,
        "max_leverage": 20,
        "pyth_feed_id": "0xff61",
    },
]
PRICES = {
    "SOL-PERP": (14_250_000_000, 14_010_000_000),
    "BTC-PERP": (9_712_345_000_000, 9_650_000_000_000),
    "ETH-PERP": (345_678_000_000, 351_000_000_000),
}  # (price, open 24h) at expo -8


def quote(market: str) -> dict[str, Any]:
    price, open_24h = PRICES[market]
    return {
        "market": market,
        "price": price,
        "conf": price // 10_000,
        "expo": -8,
        "publish_time": NOW - 1,
        "slot": 1000,
        "ema_price": price,
        "source": "sim",
        "open_24h": open_24h,
        "high_24h": max(price, open_24h) * 101 // 100,
        "low_24h": min(price, open_24h) * 99 // 100,
    }


def candles(market: str, tf: str, count: int = 60) -> Candles:
    """A deterministic walk from 140.1, prices at expo -3 (exact), 100..149 base of volume a bar."""
    bars, close = Candles(market, tf, -3), 140_100
    for i in range(count):
        open_, close = close, close + ((i * 37) % 11 - 5) * 80
        bar = (NOW - (count - i) * 60, open_, max(open_, close) + 50, min(open_, close) - 50, close)
        for column, value in zip((bars.ts_s, bars.open, bars.high, bars.low, bars.close), bar, strict=True):
            column.append(value)
        bars.volume.append((100 + (i * 13) % 50) * 10**9)
        bars.count.append(10)
    return bars


def _candle_reply(market: str, tf: str, limit: int = 300, **_: Any) -> dict[str, Any]:
    return msgspec.to_builtins(candles(market, tf).window(-limit))


ACCOUNT = {
    "sub_account": 0,
    "collateral": [
        {
            "asset": "USDC",
            "amount": 100_000_000_000,
            "decimals": 6,
            "value": 100_000_000_000,
            "weight_initial": 10_000,
        },
        {
            "asset": "SOL",
            "amount": 10_000_000_000,
            "decimals": 9,
            "value": 1_425_000_000,
            "weight_initial": 8_000,
        },
    ],
    "total_collateral": 101_425_000_000,
    "initial_margin": 1_425_000_000,
    "maintenance_margin": 712_500_000,
    "free_collateral": 100_242_000_000,
    "equity": 101_667_000_000,
    "unrealized_pnl": 242_000_000,
    "leverage": 2_800,
    "margin_ratio": 70,
    "trading_state": "ACTIVE",
}
POSITIONS = [
    {
        "market": "SOL-PERP",
        "sub_account": 0,
        "base": 100_000_000_000,
        "entry_price": 140_080_000,
        "mark_price": 142_500_000,
        "unrealized_pnl": 242_000_000,
        "realized_pnl": 12_500_000,
        "liq_price": 45_120_000,
        "notional": 14_250_000_000,
        "initial_margin": 1_425_000_000,
    },
    {
        "market": "ETH-PERP",
        "sub_account": 0,
        "base": -2_000_000_000,
        "entry_price": 3_460_000_000,
        "mark_price": 3_456_780_000,
        "unrealized_pnl": 6_440_000,
        "realized_pnl": -3_100_000,
        "liq_price": 5_210_000_000,
        "notional": -6_913_560_000,
        "initial_margin": 691_356_000,
    },
]
ORDERS = [
    {
        "order_id": 7,
        "market": "SOL-PERP",
        "side": "buy",
        "order_type": "limit",
        "status": "open",
        "size": 5_000_000_000,
        "price": 138_500_000,
        "created_ts": NOW - 300,
    },
    {
        "order_id": 6,
        "market": "SOL-PERP",
        "side": "buy",
        "order_type": "market",
        "status": "filled",
        "size": 100_000_000_000,
        "filled": 100_000_000_000,
        "avg_fill_price": 140_080_000,
        "created_ts": NOW - 900,
    },
    {
        "order_id": 5,
        "market": "ETH-PERP",
        "side": "sell",
        "order_type": "limit",
        "status": "cancelled",
        "size": 1_000_000_000,
        "price": 3_600_000_000,
        "created_ts": NOW - 1200,
    },
]
FILLS = [
    {
        "fill_id": 11,
        "order_id": 6,
        "market": "SOL-PERP",
        "side": "buy",
        "price": 140_080_000,
        "size": 100_000_000_000,
        "fee": 7_004_000,
        "role": "taker",
        "ts": NOW - 900,
    },
    {
        "fill_id": 10,
        "order_id": 4,
        "market": "ETH-PERP",
        "side": "sell",
        "price": 3_460_000_000,
        "size": 2_000_000_000,
        "fee": 3_460_000,
        "role": "taker",
        "ts": NOW - 1800,
        "realized_pnl": -3_100_000,
    },
]
STATUS = {
    "version": "0.1.0",
    "protocol": 1,
    "pid": 4242,
    "url": URL,
    "uptime_s": 3725.0,
    "clients": 2,
    "feed": "sim",
    "venue": "paper",
    "ticks_in": 1_234_567,
    "feeds": [
        {"source": "sim", "state": "healthy", "active": True},
        {"source": "pyth", "state": "down", "reason": "offline mode"},
    ],
}
PARAMS = {
    "margin_ratio_initial": 500,
    "margin_ratio_maintenance": 250,
    "taker_fee": 500,
    "maker_fee": -100,
    "funding_interval": 3600,
    "max_funding_rate": 1_250_000,
    "max_open_interest": 0,
    "max_leverage": 20,
    "circuit_breaker_pct": 1_000,
}
PRECISION = {
    "margin_ratio_initial": "1e4 = 100%",
    "margin_ratio_maintenance": "1e4 = 100%",
    "taker_fee": "1e6 = 100%",
    "maker_fee": "1e6 = 100%",
    "funding_interval": "seconds",
    "max_funding_rate": "1e9 per interval",
    "max_open_interest": "base 1e9 (0 = uncapped)",
    "max_leverage": "x",
    "circuit_breaker_pct": "1e4 = 100%",
}
UNITS = {  # what admin.markets types each parameter's integer as (backend/api/param_units.py)
    "margin_ratio_initial": {"kind": "percent", "one": 10_000},
    "margin_ratio_maintenance": {"kind": "percent", "one": 10_000},
    "taker_fee": {"kind": "percent", "one": 1_000_000},
    "maker_fee": {"kind": "percent", "one": 1_000_000},
    "funding_interval": {"kind": "seconds"},
    "max_funding_rate": {"kind": "percent", "one": 10**9},
    "max_open_interest": {"kind": "base", "one": 10**9, "zero": "uncapped"},
    "max_leverage": {"kind": "multiple"},
    "circuit_breaker_pct": {"kind": "percent", "one": 10_000},
}
ADMIN = {
    "markets": [
        {
            "market": m["symbol"],
            "status": "PAUSED" if i == 2 else "ACTIVE",
            "circuit_breaker_tripped": i == 1,
            "params": PARAMS,
            "open_interest_long": 120_000_000_000 >> i,
            "open_interest_short": 95_000_000_000 >> i,
            "last_funding_rate": 12_500 * (1 - i),
        }
        for i, m in enumerate(MARKETS)
    ],
    "precision": PRECISION,
    "units": UNITS,
    "insurance_fund": 250_000_000_000,
    "socialized_loss": 0,
}
AUDIT = [
    {
        "ts": NOW - 600,
        "actor": "api:tui",
        "action": "market.update",
        "detail": '{"market": "SOL-PERP", "taker_fee": 500}',
    }
]
ALERTS = [
    {
        "id": 1,
        "kind": "above",
        "market": "SOL-PERP",
        "level": "150",
        "level_fixed": 150_000_000,
        "level_in": "USD",
        "status": "active",
        "repeat": False,
        "fire_count": 0,
        "note": "breakout",
        "last_fired_ms": None,
    },
    {
        "id": 2,
        "kind": "below",
        "market": "BTC-PERP",
        "level": "90000",
        "level_fixed": 90_000_000_000,
        "level_in": "USD",
        "status": "fired",
        "repeat": False,
        "fire_count": 1,
        "note": "",
        "last_fired_ms": (NOW - 3600) * 1000,
    },
    {
        "id": 3,
        "kind": "oracle_stale",
        "market": None,
        "level": None,
        "level_fixed": None,
        "level_in": None,
        "status": "disabled",
        "repeat": True,
        "fire_count": 0,
        "note": "",
        "last_fired_ms": None,
    },
]
HISTORY = [
    {
        "id": 1,
        "alert_id": 2,
        "ts_ms": (NOW - 3600) * 1000,
        "kind": "below",
        "market": "BTC-PERP",
        "level": "90000",
        "value": "89950.5",
        "level_fixed": 90_000_000_000,
        "value_fixed": 89_950_500_000,
        "level_in": "USD",
        "message": "BTC-PERP 89,950.50 is below 90,000",
    }
]
RISK_REPORT = {  # the shape of backend/risk/analytics.py's report
    "ts": NOW,
    "authority": "paper",
    "sub_accounts": [0],
    "equity": 101_667.0,
    "exposure": {
        "by_market": [
            {"market": "SOL-PERP", "notional": 14_250.0, "side": "long", "pct_of_equity": 14.02},
            {"market": "ETH-PERP", "notional": -6_913.56, "side": "short", "pct_of_equity": 6.8},
        ],
        "by_collateral": [
            {"asset": "USDC", "amount": 100_000.0, "value": 100_000.0, "pct": 98.6},
            {"asset": "SOL", "amount": 10.0, "value": 1_425.0, "pct": 1.4},
        ],
        "gross": 21_163.56,
        "net": 7_336.44,
    },
    "var": {
        "method": "1-day simple returns of daily closes (sim)",
        "observations": 90,
        "levels": {"95": {"var": 1_840.5, "cvar": 2_410.0}, "99": {"var": 2_960.25, "cvar": 3_720.75}},
    },
    "stress": {
        "shocks": [
            {"market": "SOL-PERP", "shock_pct": -10.0, "pnl": -1_425.0, "equity_after": 100_242.0},
            {"market": "ETH-PERP", "shock_pct": -10.0, "pnl": 691.36, "equity_after": 102_358.36},
        ],
        "crash": [{"crash_pct": 30.0, "pnl": -3_200.0, "equity_after": 98_467.0, "by_market": {}}],
    },
    "correlation": {"markets": ["ETH-PERP", "SOL-PERP"], "matrix": [[1.0, 0.62], [0.62, 1.0]]},
    "pnl": {
        "by_market": [
            {"market": "ETH-PERP", "trading": 3.34, "funding": 0.4, "fees": -3.46, "total": 0.28},
            {"market": "SOL-PERP", "trading": 254.5, "funding": -1.2, "fees": -7.0, "total": 246.3},
        ],
        "total": {"trading": 257.84, "funding": -0.8, "fees": -10.46, "total": 246.58},
    },
    "equity_curve": {
        "points": [[NOW - 60 * i, 101_000.0 + i] for i in range(30)],
        "current_pct": -0.4,
        "max_pct": -1.85,
        "peak": 102_050.0,
    },
}
RISK_MONITOR = {
    "accounts": [{"sub_account": 0, "equity": 101_667.0, "margin_ratio_pct": 0.7, "leverage": 0.28, "level": "ok"}],
    "thresholds": {"warn_margin_ratio_pct": 50.0, "critical_margin_ratio_pct": 80.0},
}


class FakeClient:
    """What QuantDeskApp needs of a BackendClient: request, subscribe, run_reconnecting, close, on_state."""

    def __init__(self) -> None:
        self.on_state = None
        self.connected = False
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.replies: dict[str, Any] = {
            "markets.list": {"markets": MARKETS},
            "status": STATUS,
            "orders": {"orders": ORDERS},
            "fills": {"fills": FILLS},
            "positions": {"positions": POSITIONS},
            "account": {"account": ACCOUNT},
            "account.list": {"sub_accounts": [0, 1]},
            "risk.state": {"state": "ACTIVE"},
            "alert.list": {"alerts": ALERTS, "active": 1},
            "alert.history": {"history": HISTORY},
            "admin.markets": ADMIN,
            "admin.audit": {"audit": AUDIT},
            "risk.report": RISK_REPORT,
            "risk.monitor": RISK_MONITOR,
            "link.set": {},
            # the wire shape: funding 1e9 per interval, open interest in base 1e9 -> 0.12%/h and $1.25M
            "markets.stats": {
                "markets": [
                    {
                        "market": "SOL-PERP",
                        "funding_rate": 1_200_000,
                        "funding_interval": 3600,
                        "open_interest": 10_000 * 10**9,
                        "oracle_price": 125_000_000,
                    }
                ]
            },
            "book": {
                "market": "SOL-PERP",
                "oracle_price": 142_500_000,
                "slot": 1000,
                "bids": [[142_490_000 - i * 10_000, (i + 1) * 2_000_000_000] for i in range(8)],
                "asks": [[142_510_000 + i * 10_000, (i + 1) * 1_500_000_000] for i in range(8)],
            },
        }

    async def request(self, op: str, **args: Any) -> Any:
        self.requests.append((op, args))
        if op == "quote":
            return quote(args["market"])
        if op == "candles":
            return _candle_reply(**args)
        if op not in self.replies:
            raise ApiError(ErrorCode.UNKNOWN_OP, f"unknown op {op!r}")
        return self.replies[op]

    async def subscribe(self, stream: str, on_push: Any, markets: list[str] | None = None) -> None:
        pass

    async def run_reconnecting(self) -> None:
        self.connected = True
        if self.on_state:
            self.on_state(True, f"connected to {URL}")
        await asyncio.Event().wait()

    async def close(self) -> None:
        self.connected = False


class FixedApp(QuantDeskApp):
    """The app on the fake client with every clock fixed; no latency pings (their timing is real)."""

    def _ping(self) -> None:
        pass


def fixed_app(theme: str = "quantdesk-dark", config: Config | None = None) -> QuantDeskApp:
    app = FixedApp(
        FakeClient(),
        config=config or Config(theme=theme),
        clock=lambda: float(NOW),  # type: ignore[arg-type]
        status_clock=lambda: datetime.fromtimestamp(NOW, UTC),
    )
    hub = app.hub
    hub.clock = lambda: float(NOW)
    hub.rtt_ms = 1.8
    hub.equity.extend(
        (NOW - (60 - i) * 600, 100_000_000_000 + ((i * 7) % 13 - 4) * 150_000_000 + i * 25_000_000) for i in range(60)
    )
    return app

"""A backend client that answers from fixed data, so snapshots of the screens are the same on every run.

Every reply is built the way the real op builds it: a protocol struct (`OrderView`, `AccountView`,
`Status`, ...) or the backend's own record (`Alert`, `FundingView`, the risk code in fake_risk.py)
encoded with `to_builtins`, so a renamed field breaks this module, not a screen silently. Replies
without a struct follow the real op's keys; tests/tui/test_fakes.py checks every reply against the
struct the TUI decodes it into and against a real backend's reply to the same op.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from backend.alerts.engine import Alert, Kind
from backend.api.protocol import (
    AccountView,
    ApiError,
    BookLevel,
    BookView,
    Candles,
    CollateralView,
    ErrorCode,
    FillView,
    MarketInfo,
    OrderView,
    PositionView,
    Quote,
    Status,
    to_builtins,
)
from backend.domain.observations import FeedHealth
from backend.ops import market_infos
from backend.venues.admin_ops import EDITABLE, PRECISION, UNITS
from programs.quantdesk_perp.config import default_config
from programs.quantdesk_perp.markets import MARKETS as MARKET_SPECS
from programs.quantdesk_perp.queries import FundingView, InsuranceView, MarketInsuranceView
from programs.vocabulary import MS_PER_S
from quantdesk_tui.app import QuantDeskApp
from quantdesk_tui.config import Config
from tests.tui.fake_risk import risk_replies

NOW = 1_767_225_600  # 2026-01-01 00:00:00 UTC
URL = "ws://127.0.0.1:8765"
MARKETS: list[MarketInfo] = market_infos()[:3]  # the real SOL, BTC and ETH specs
PRICES = {
    "SOL-PERP": (14_250_000_000, 14_010_000_000),
    "BTC-PERP": (9_712_345_000_000, 9_650_000_000_000),
    "ETH-PERP": (345_678_000_000, 351_000_000_000),
}  # (price, open 24h) at expo -8


def quote(market: str) -> Quote:
    price, open_24h = PRICES[market]
    return Quote(
        market=market,
        price=price,
        conf=price // 10_000,
        expo=-8,
        publish_time=NOW - 1,
        slot=1000,
        ema_price=price,
        source="sim",
        open_24h=open_24h,
        high_24h=max(price, open_24h) * 101 // 100,
        low_24h=min(price, open_24h) * 99 // 100,
    )


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
    return to_builtins(candles(market, tf).window(-limit))


ACCOUNT = AccountView(
    sub_account=0,
    collateral=[
        CollateralView(asset="USDC", amount=100_000_000_000, decimals=6, value=100_000_000_000, weight_initial=10_000),
        CollateralView(asset="SOL", amount=10_000_000_000, decimals=9, value=1_425_000_000, weight_initial=8_000),
    ],
    total_collateral=101_425_000_000,
    initial_margin=1_425_000_000,
    maintenance_margin=712_500_000,
    free_collateral=100_242_000_000,
    equity=101_667_000_000,
    unrealized_pnl=242_000_000,
    leverage=2_086,  # gross notional 21,163.56 / collateral 101,425
    margin_ratio=47_925,  # its inverse: collateral / notional, as the engine reports it
    trading_state="ACTIVE",
)
POSITIONS = [
    PositionView(
        market="SOL-PERP",
        sub_account=0,
        base=100_000_000_000,
        entry_price=140_080_000,
        mark_price=142_500_000,
        unrealized_pnl=242_000_000,
        realized_pnl=12_500_000,
        liq_price=45_120_000,
        notional=14_250_000_000,
        initial_margin=1_425_000_000,
    ),
    PositionView(
        market="ETH-PERP",
        sub_account=0,
        base=-2_000_000_000,
        entry_price=3_460_000_000,
        mark_price=3_456_780_000,
        unrealized_pnl=6_440_000,
        realized_pnl=-3_100_000,
        liq_price=5_210_000_000,
        notional=-6_913_560_000,
        initial_margin=691_356_000,
    ),
]
ORDERS = [
    OrderView(
        order_id=7,
        market="SOL-PERP",
        side="buy",
        order_type="limit",
        status="open",
        size=5_000_000_000,
        price=138_500_000,
        created_ts=NOW - 300,
        updated_ts=NOW - 300,
    ),
    OrderView(
        order_id=6,
        market="SOL-PERP",
        side="buy",
        order_type="market",
        status="filled",
        size=100_000_000_000,
        filled=100_000_000_000,
        avg_fill_price=140_080_000,
        created_ts=NOW - 900,
        updated_ts=NOW - 900,
    ),
    OrderView(
        order_id=5,
        market="ETH-PERP",
        side="sell",
        order_type="limit",
        status="cancelled",
        size=1_000_000_000,
        price=3_600_000_000,
        created_ts=NOW - 1200,
        updated_ts=NOW - 1100,
    ),
]
FILLS = [
    FillView(
        fill_id=11,
        order_id=6,
        market="SOL-PERP",
        side="buy",
        price=140_080_000,
        size=100_000_000_000,
        fee=7_004_000,
        role="taker",
        ts=NOW - 900,
    ),
    FillView(
        fill_id=10,
        order_id=4,
        market="ETH-PERP",
        side="sell",
        price=3_460_000_000,
        size=2_000_000_000,
        fee=3_460_000,
        role="taker",
        ts=NOW - 1800,
        realized_pnl=-3_100_000,
    ),
]
STATUS = Status(
    version="0.1.0",
    protocol=1,
    pid=4242,
    url=URL,
    uptime_s=3725.0,
    clients=2,
    feed="sim",
    feeds=[
        FeedHealth(source="sim", state="healthy", active=True),
        FeedHealth(source="pyth", state="down", reason="offline mode"),
    ],
    venue="paper",
    ticks_in=1_234_567,
)
BOOK = BookView(
    market="SOL-PERP",
    bids=[BookLevel(142_490_000 - i * 10_000, (i + 1) * 2_000_000_000) for i in range(8)],
    asks=[BookLevel(142_510_000 + i * 10_000, (i + 1) * 1_500_000_000) for i in range(8)],
    oracle_price=142_500_000,
    slot=1000,
)
TRADING_STATE = {  # backend/risk/trading_state.py: TradingStateService.view()
    "state": "ACTIVE",
    "set_state": "ACTIVE",
    "holds": {},
    "actor": "system",
    "reason": "default",
    "ts_ms": 0,
    "daily_loss_limit": None,
    "day_start_equity": None,
    "day": None,
}


def _funding(market_index: int, rate: int, now: int = NOW) -> dict[str, Any]:
    """The `funding` record of `markets.stats` (programs/quantdesk_perp/queries.py: FundingView)."""
    return to_builtins(
        FundingView(
            market_index=market_index,
            contract_tier=0,
            funding_rate=rate,
            funding_rate_long=rate,
            funding_rate_short=rate,
            cumulative_funding_rate_long=rate * 24,
            cumulative_funding_rate_short=rate * 24,
            price_spread=0,
            offset=0,
            clamped_spread=0,
            max_price_spread=4_275_000,
            oracle_twap=125_000_000,
            mark_twap=125_000_000,
            amm_revenue=0,
            last_funding_time=now - 600,
            next_funding_time=now + 3000,
        )
    )


# the wire shape: funding 1e9 per interval, open interest in base 1e9 -> 0.12%/h and $1.25M
MARKET_STATS = {
    "markets": [
        {
            "market": "SOL-PERP",
            "status": "ACTIVE",
            "funding_rate": 1_200_000,
            "funding": _funding(0, 150_000_000),  # quote per base: 1.2e-3 of the 125 TWAP
            "funding_interval": 3600,
            "open_interest": 10_000 * 10**9,
            "open_interest_long": 6_000 * 10**9,
            "open_interest_short": 4_000 * 10**9,
            "mark_price": 125_000_000,
            "mark_twap": 125_000_000,
            "oracle_price": 125_000_000,
            "oracle_twap": 125_000_000,
            "insurance_fund": 250_000_000_000,
        }
    ]
}


def _params(market_index: int) -> dict[str, int]:
    """A market's editable parameters as `admin.markets` lists them: the engine's defaults."""
    config = to_builtins(default_config(MARKET_SPECS[market_index]))
    return {name: config[name] for name in EDITABLE if name in config}


def _amm(price: int, depth: int) -> dict[str, int]:
    """The curve of `admin.markets` (programs/quantdesk_perp/repeg.py: amm_state) of a flat AMM."""
    return {
        "amm_peg": price,
        "reserve_price": price,
        "base_asset_reserve": depth,
        "quote_asset_reserve": depth,
        "sqrt_k": depth,
        "amm_base": 0,
        "fee_pool": 1_250_000,
        "last_repeg_cost": 0,
        "total_repeg_cost": 0,
    }


ADMIN = {
    "markets": [
        {
            "market": m.symbol,
            "status": "PAUSED" if i == 2 else "ACTIVE",
            "circuit_breaker_tripped": i == 1,
            "params": _params(i),
            "open_interest_long": 120_000_000_000 >> i,
            "open_interest_short": 95_000_000_000 >> i,
            "last_funding_rate": 12_500 * (1 - i),
            "amm": _amm(PRICES[m.symbol][0] // 100, _params(i)["amm_depth"]),
        }
        for i, m in enumerate(MARKETS)
    ],
    "precision": PRECISION,
    "units": to_builtins(UNITS),
    "insurance_fund": 250_000_000_000,
    "socialized_loss": 0,
    "insurance": to_builtins(
        InsuranceView(
            insurance_fund=250_000_000_000,
            insurance_paid=0,
            socialized_loss=0,
            markets=[
                MarketInsuranceView(i, _params(i)["quote_max_insurance"], 0, 1_250_000, 0) for i in range(len(MARKETS))
            ],
        )
    ),
}
AUDIT = [  # backend/store/audit.py: RECENT
    {
        "ts_ms": (NOW - 600) * MS_PER_S,
        "actor": "api:tui",
        "action": "market.update",
        "detail": '{"market": "SOL-PERP", "taker_fee": 500}',
    }
]
ALERTS = [
    Alert(
        1,
        Kind.PRICE_ABOVE,
        "SOL-PERP",
        150_000_000,
        note="breakout",
        created_ms=(NOW - 7200) * 1000,
        updated_ms=(NOW - 7200) * 1000,
    ),
    Alert(
        2,
        Kind.PRICE_BELOW,
        "BTC-PERP",
        90_000_000_000,
        status="fired",
        created_ms=(NOW - 7200) * 1000,
        updated_ms=(NOW - 3600) * 1000,
        last_fired_ms=(NOW - 3600) * 1000,
        fire_count=1,
    ),
    Alert(
        3,
        Kind.ORACLE_STALE,
        None,
        None,
        repeat=True,
        status="disabled",
        created_ms=(NOW - 7200) * 1000,
        updated_ms=(NOW - 7200) * 1000,
    ),
]
HISTORY = [  # rows of the alert_history table, as `alert.history` returns them
    {
        "id": 1,
        "alert_id": 2,
        "ts_ms": (NOW - 3600) * 1000,
        "kind": "price_below",
        "market": "BTC-PERP",
        "level": "90000",
        "value": "89950.5",
        "level_fixed": 90_000_000_000,
        "value_fixed": 89_950_500_000,
        "level_in": "USD",
        "message": "BTC-PERP is at 89950.5, below 90000",
        "delivery": "",
    }
]
EQUITY = [
    (NOW - (60 - i) * 600, 100_000_000_000 + ((i * 7) % 13 - 4) * 150_000_000 + i * 25_000_000) for i in range(60)
]  # (ts, equity 1e6): the equity history the hub starts with and the risk report's curve
RISK_REPORT, RISK_MONITOR = risk_replies(ACCOUNT, POSITIONS, EQUITY[-30:], TRADING_STATE, NOW)


def replies() -> dict[str, Any]:
    """Each op's reply as the wire carries it (quote and candles answer per market: FakeClient.request)."""
    return {
        "markets.list": {"markets": to_builtins(MARKETS)},
        "status": to_builtins(STATUS),
        "orders": {"orders": to_builtins(ORDERS)},
        "fills": {"fills": to_builtins(FILLS)},
        "positions": {"positions": to_builtins(POSITIONS)},
        "account": {"account": to_builtins(ACCOUNT), "positions": to_builtins(POSITIONS)},
        "account.list": {"sub_accounts": [0, 1]},
        "risk.state": dict(TRADING_STATE),
        "alert.list": {"alerts": [a.to_dict() for a in ALERTS], "active": 1},
        "alert.history": {"history": HISTORY},
        "admin.markets": ADMIN,
        "admin.audit": {"audit": AUDIT},
        "risk.report": RISK_REPORT,
        "risk.monitor": RISK_MONITOR,
        "link.set": {"group": "1", "market": "SOL-PERP", "origin": "tui"},
        "markets.stats": MARKET_STATS,
        "book": to_builtins(BOOK),
    }


class FakeClient:
    """What QuantDeskApp needs of a BackendClient: request, subscribe, run_reconnecting, close, on_state."""

    def __init__(self) -> None:
        self.on_state = None
        self.connected = False
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.replies: dict[str, Any] = replies()

    async def request(self, op: str, **args: Any) -> Any:
        self.requests.append((op, args))
        if op == "quote":
            return to_builtins(quote(args["market"]))
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
    hub.equity.extend(EQUITY)
    return app

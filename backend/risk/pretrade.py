"""Pre-trade risk: the checks an order passes before the engine sees it. Each refusal has its code.

Inputs are plain integers in engine precision (prices 1e6, sizes 1e9, ratios 1e4), so the checks
are exact and the same for the CLI, the TUI and the SDK.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import msgspec

from backend.domain.errors import DomainError
from programs.vocabulary import BASE_PRECISION, BPS_PER_ONE, MARGIN_PRECISION, PRICE_PRECISION, QUOTE_PRECISION


class TradingState(StrEnum):
    ACTIVE = "ACTIVE"
    REDUCING = "REDUCING"  # only orders that shrink a position
    HALTED = "HALTED"  # kill switch: nothing new


class RiskCode(StrEnum):
    MAX_ORDER_SIZE = "RISK_MAX_ORDER_SIZE"
    MAX_NOTIONAL = "RISK_MAX_NOTIONAL"
    PRICE_BAND = "RISK_PRICE_BAND"
    MAX_LEVERAGE = "RISK_MAX_LEVERAGE"
    MAX_OPEN_ORDERS = "RISK_MAX_OPEN_ORDERS"
    SUBMIT_RATE = "RISK_SUBMIT_RATE"
    HALTED = "HALTED"
    REDUCING = "REDUCING"
    ORACLE_UNHEALTHY = "RISK_ORACLE_UNHEALTHY"


@dataclass(slots=True)
class RiskLimits:
    max_order_notional: int = 5_000_000 * QUOTE_PRECISION  # $5M
    max_order_base: dict[str, int] | None = None  # per market, base units; None = no cap beyond notional
    price_band_bps: int = 1_000  # limit/trigger prices within ±10% of the oracle
    max_leverage: int = 20 * MARGIN_PRECISION  # 20x
    max_open_orders: int = 200
    submit_rate_per_s: float = 100.0


class OrderCheck(msgspec.Struct, frozen=True):
    """What pre-trade risk needs to know about one order (a Struct: built once per order, in C)."""

    market: str
    size: int  # base units
    price: int  # the limit or trigger price, or the oracle price for market orders (1e6)
    oracle_price: int  # 1e6
    has_limit_price: bool
    reduces_position: bool  # the order can only shrink an existing position
    leverage_after: int  # RATIO precision, as the engine previews it
    open_orders: int  # the account's open orders before this one
    oracle_healthy: bool


class SubmitRate:
    """A sliding one-second window of accepted submissions per account."""

    def __init__(self, clock=time.monotonic) -> None:
        self.clock = clock
        self._stamps: dict[Hashable, deque[float]] = {}

    def allow(self, account: Hashable, limit: float) -> bool:
        now = self.clock()
        stamps = self._stamps.get(account)
        if stamps is None:
            stamps = self._stamps[account] = deque()
        while stamps and now - stamps[0] >= 1.0:
            stamps.popleft()
        if len(stamps) >= limit:
            return False
        stamps.append(now)
        return True


def check_price_band(prices: list[tuple[str, int]], oracle_price: int, limits: RiskLimits) -> None:
    """Every limit and trigger price of an order within the band around the oracle (place and preview)."""
    if oracle_price <= 0:
        return
    band = oracle_price * limits.price_band_bps // BPS_PER_ONE
    for name, price in prices:
        if abs(price - oracle_price) > band:
            raise DomainError(
                RiskCode.PRICE_BAND,
                f"{name} {price / PRICE_PRECISION:g} is more than "
                f"{limits.price_band_bps / 100:g}% from the oracle "
                f"{oracle_price / PRICE_PRECISION:g}",
            )


def check_order(order: OrderCheck, limits: RiskLimits, state: TradingState) -> None:
    """Raise DomainError with a RiskCode when the order must not reach the engine."""
    if state is TradingState.HALTED:
        raise DomainError(RiskCode.HALTED, "trading is HALTED (kill switch); `quantdesk resume` re-enables it")
    if state is TradingState.REDUCING and not order.reduces_position:
        raise DomainError(
            RiskCode.REDUCING,
            "the account is REDUCING (the daily loss limit or a store fault; "
            "risk.state says which): only orders that reduce a position are accepted",
        )
    if not order.oracle_healthy:
        raise DomainError(
            RiskCode.ORACLE_UNHEALTHY,
            f"no healthy oracle price for {order.market}; orders are refused until the feed recovers",
        )
    cap = (limits.max_order_base or {}).get(order.market)
    if cap is not None and order.size > cap:
        raise DomainError(RiskCode.MAX_ORDER_SIZE, f"size exceeds the {order.market} cap of {cap / BASE_PRECISION:g}")
    notional = order.size * order.price // BASE_PRECISION  # quote units, rounded down (the cap is a ceiling)
    if notional > limits.max_order_notional:
        raise DomainError(
            RiskCode.MAX_NOTIONAL,
            f"notional ${notional / QUOTE_PRECISION:,.2f} exceeds the cap of "
            f"${limits.max_order_notional / QUOTE_PRECISION:,.0f}",
        )
    if order.has_limit_price and order.oracle_price > 0:
        band = order.oracle_price * limits.price_band_bps // BPS_PER_ONE
        if abs(order.price - order.oracle_price) > band:
            raise DomainError(
                RiskCode.PRICE_BAND,
                f"price {order.price / PRICE_PRECISION:g} is more than "
                f"{limits.price_band_bps / 100:g}% from the oracle "
                f"{order.oracle_price / PRICE_PRECISION:g}",
            )
    if not order.reduces_position and order.leverage_after > limits.max_leverage:
        raise DomainError(
            RiskCode.MAX_LEVERAGE,
            "leverage after this order would be "
            f"{order.leverage_after / MARGIN_PRECISION:.2f}x; "
            f"the limit is {limits.max_leverage / MARGIN_PRECISION:g}x",
        )
    if order.open_orders >= limits.max_open_orders:
        raise DomainError(
            RiskCode.MAX_OPEN_ORDERS, f"{order.open_orders} orders are open; the limit is {limits.max_open_orders}"
        )


# -- the prices an order carries -----------------------------------------------------------------
PRICE_FIELDS = (
    ("price", "limit price"),
    ("trigger_price", "trigger price"),
    ("entry_price", "entry price"),
    ("price_limit", "price limit"),
    ("take_profit_price", "take-profit"),
    ("stop_loss_price", "stop-loss"),
)
# the price pre-trade values an order at, in this order of preference (else the oracle's)
PRE_TRADE_PRICES = ("limit price", "trigger price", "entry price")


_PRICE_FIELDS_OF: dict[type, tuple[tuple[str, str], ...]] = {}  # instruction type -> the PRICE_FIELDS it has


def order_prices(instruction: Any) -> list[tuple[str, int]]:
    """Every limit and trigger price an order instruction carries, by the name a trader knows it."""
    kind = type(instruction)
    fields = _PRICE_FIELDS_OF.get(kind)
    if fields is None:
        fields = _PRICE_FIELDS_OF[kind] = tuple((f, label) for f, label in PRICE_FIELDS if hasattr(instruction, f))
    return [(label, value) for field, label in fields if (value := getattr(instruction, field))]

"""Value types of the engine's vocabulary: sides, order types, statuses (IntEnums, IDL enums by name)."""

from __future__ import annotations

from enum import IntEnum


class Side(IntEnum):
    BUY = 0
    SELL = 1


class OrderType(IntEnum):
    MARKET = 0
    LIMIT = 1
    STOP_MARKET = 2
    STOP_LIMIT = 3
    TAKE_PROFIT_MARKET = 4
    TAKE_PROFIT_LIMIT = 5
    TRAILING_STOP = 6
    TWAP = 7
    ICEBERG = 8


class TimeInForce(IntEnum):
    GTC = 0
    IOC = 1
    FOK = 2
    GTD = 3


class OrderStatus(IntEnum):
    PENDING_ENTRY = 0  # bracket leg waiting for its entry order to fill
    PENDING_TRIGGER = 1  # conditional order waiting for its trigger price
    OPEN = 2
    PARTIALLY_FILLED = 3
    FILLED = 4
    CANCELLED = 5
    EXPIRED = 6
    REJECTED = 7


class MarketStatus(IntEnum):
    ACTIVE = 0
    REDUCE_ONLY = 1
    HALTED = 2


class CollateralAsset(IntEnum):
    USDC = 0
    SOL = 1


class ContractTier(IntEnum):
    """Drift's contract tiers, safest first: they set the funding spread clamp and insurance."""

    A = 0
    B = 1
    C = 2
    SPECULATIVE = 3
    HIGHLY_SPECULATIVE = 4
    ISOLATED = 5


class MarginRequirementType(IntEnum):
    """Which requirement a margin check uses: opening (initial), filling a resting order (fill,
    halfway between), or staying open (maintenance)."""

    INITIAL = 0
    FILL = 1
    MAINTENANCE = 2


CONDITIONAL_TYPES = frozenset(
    {
        OrderType.STOP_MARKET,
        OrderType.STOP_LIMIT,
        OrderType.TAKE_PROFIT_MARKET,
        OrderType.TAKE_PROFIT_LIMIT,
        OrderType.TRAILING_STOP,
    }
)
LIMIT_EXECUTION_TYPES = frozenset({OrderType.LIMIT, OrderType.STOP_LIMIT, OrderType.TAKE_PROFIT_LIMIT})
TERMINAL_STATUSES = frozenset({OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.EXPIRED, OrderStatus.REJECTED})

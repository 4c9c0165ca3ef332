"""The one vocabulary of the project: the names on the wire, the fixed-point precisions, one conversion pair.

Order types, sides, times in force, order statuses, timeframes and error codes are StrEnums whose
values are exactly the strings the API sends and accepts. The engine keeps its IDL encodings as
IntEnums (`programs/quantdesk_perp/enums.py`, error numbers in `errors.py`) with the same member
names, so one converts to the other by name: `OrderType[engine_order.order_type.name]`.

Every layer imports from here: programs and backend directly, widgets and the TUI through
`backend.api.protocol`, which re-exports this module (DESIGN.md lets them import only that).
Pure: no IO, nothing of ours imported.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

# -- precisions: every integer amount lives in exactly one of these scales (Drift v2 names) -----------------------
PRICE_PRECISION = 10**6  # prices (USD per whole base unit)
QUOTE_PRECISION = 10**6  # quote amounts: USD(C), which has 6 decimals
BASE_PRECISION = 10**9  # base amounts: position and order sizes
FUNDING_RATE_PRECISION = 10**9  # funding rates: quote per whole base per period
MARGIN_PRECISION = 10**4  # margin ratios, asset weights and leverage: 10_000 = 100% = 1.0x
PERCENTAGE_PRECISION = 10**6  # fees, spreads, auction bands: 1_000_000 = 100%
BPS_PER_ONE = 10**4  # basis points in a whole
PERCENT_PER_ONE = 100  # percent in a whole: levels typed in % are fractions of one in a precision above
MS_PER_S = 1_000  # timestamps on the wire carry their unit in their name: ts_ms vs ts_s
NS_PER_MS = 1_000_000
LAMPORTS_PER_SOL = 10**9  # SOL's own 9 decimals (on chain); the engine's SOL collateral uses the same


class Asset(StrEnum):
    """Collateral the venue takes; its precision is its own number of decimals on chain."""

    USDC = "USDC"
    SOL = "SOL"


ASSET_PRECISION: dict[Asset, int] = {Asset.USDC: QUOTE_PRECISION, Asset.SOL: LAMPORTS_PER_SOL}


def to_fixed(value: Decimal | int | str, precision: int) -> int:
    """An exact decimal as an integer in `precision` units. A value with more decimals than the precision
    holds is refused (ValueError), never rounded: rounding is the engine's, and always against the user."""
    scaled = Decimal(value) * precision
    if not scaled.is_finite() or scaled != scaled.to_integral_value():
        raise ValueError(f"{value} has more decimals than {decimals_of(precision)}")
    return int(scaled)


def to_decimal(value: int, precision: int) -> Decimal:
    """An integer in `precision` units as the exact decimal it stands for: to_decimal(1_500_000, 10**6) == 1.5."""
    return Decimal(value).scaleb(-decimals_of(precision))


def decimals_of(precision: int) -> int:
    """10**6 -> 6. Precisions are powers of ten."""
    digits = len(str(precision)) - 1
    if precision != 10**digits:
        raise ValueError(f"a precision is a power of ten, not {precision}")
    return digits


# -- trading names: values are the wire strings ----------------------------------------------------------------------
class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


SIDE_ALIASES: dict[str, Side] = {"buy": Side.BUY, "long": Side.BUY, "sell": Side.SELL, "short": Side.SELL}


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    STOP_MARKET = "stop_market"
    STOP_LIMIT = "stop_limit"
    TAKE_PROFIT_MARKET = "take_profit_market"
    TAKE_PROFIT_LIMIT = "take_profit_limit"
    TRAILING_STOP = "trailing_stop"
    TWAP = "twap"  # a parent: its children are market orders
    ICEBERG = "iceberg"  # a parent: its children are limit orders


# Shorter names a person may type; `order_type_of` also takes "-" for "_" ("stop-limit").
ORDER_TYPE_ALIASES: dict[str, OrderType] = {
    "stop": OrderType.STOP_MARKET,
    "take_profit": OrderType.TAKE_PROFIT_MARKET,
    "trailing": OrderType.TRAILING_STOP,
}
# The types a single order request may name (TWAP and iceberg parents have their own ops).
PLACEABLE_ORDER_TYPES = tuple(t for t in OrderType if t not in (OrderType.TWAP, OrderType.ICEBERG))


# every name a request may give as its order type
ORDER_TYPE_NAMES: tuple[str, ...] = tuple(sorted([*PLACEABLE_ORDER_TYPES, *ORDER_TYPE_ALIASES]))


def order_type_of(text: str) -> OrderType | None:
    """A typed or wire order type ("limit", "stop-limit", "trailing") as the OrderType, or None."""
    name = str(text).strip().lower().replace("-", "_")
    if name in ORDER_TYPE_ALIASES:
        return ORDER_TYPE_ALIASES[name]
    try:
        return OrderType(name)
    except ValueError:
        return None


class TimeInForce(StrEnum):
    GTC = "gtc"  # good till cancelled
    IOC = "ioc"  # immediate or cancel: what does not fill at once is cancelled
    FOK = "fok"  # fill or kill: all at once or nothing
    GTD = "gtd"  # good till a date (`expire`, unix seconds)


TIMES_IN_FORCE: tuple[str, ...] = tuple(tif.value for tif in TimeInForce)


class OrderStatus(StrEnum):
    PENDING_ENTRY = "pending_entry"  # a bracket leg waiting for its entry order to fill
    PENDING_TRIGGER = "pending_trigger"  # a conditional order waiting for its trigger price
    OPEN = "open"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REJECTED = "rejected"


OPEN_STATUSES = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED, OrderStatus.PENDING_TRIGGER, OrderStatus.PENDING_ENTRY)
TERMINAL_STATUSES = (OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.EXPIRED, OrderStatus.REJECTED)


class Timeframe(StrEnum):
    """Candle widths, shortest first. `1s` bars live in memory only; the rest are stored."""

    S1 = "1s"
    M1 = "1m"
    M5 = "5m"
    M15 = "15m"
    H1 = "1h"
    H4 = "4h"
    D1 = "1d"

    @property
    def seconds(self) -> int:
        return TIMEFRAME_SECONDS[self]


TIMEFRAME_SECONDS: dict[Timeframe, int] = {
    Timeframe.S1: 1,
    Timeframe.M1: 60,
    Timeframe.M5: 300,
    Timeframe.M15: 900,
    Timeframe.H1: 3_600,
    Timeframe.H4: 14_400,
    Timeframe.D1: 86_400,
}
TIMEFRAMES: tuple[str, ...] = tuple(tf.value for tf in Timeframe)  # as plain strings, for menus and argparse
STORED_TIMEFRAMES: tuple[str, ...] = tuple(tf.value for tf in Timeframe if tf != Timeframe.S1)


# -- alert kinds: the wire names, and the one word a trader types and reads for each ---------------------------------
class AlertKind(StrEnum):
    PRICE_ABOVE = "price_above"
    PRICE_BELOW = "price_below"
    PRICE_CROSS = "price_cross"
    MOVE_PCT = "move_pct"  # |move| within `window_s`, in %, direction up/down/any
    FUNDING = "funding"  # funding rate per interval in %; level > 0: rate >= level, level < 0: rate <= level
    LIQ_DISTANCE = "liq_distance"  # a position's distance to its liquidation price in % <= level
    MARGIN_RATIO = "margin_ratio"  # an account's margin ratio (collateral / notional, %) <= level
    DESK_EXPOSURE = "desk_exposure"  # the desk's gross exposure over every trader (USD) >= level
    DESK_MARGIN_RATIO = "desk_margin_ratio"  # the lowest margin ratio of any trader on the desk (%) <= level
    ORACLE_STALE = "oracle_stale"  # a feed stops being healthy
    ORACLE_FAILOVER = "oracle_failover"  # the active feed changes
    ORDER_FILLED = "order_filled"
    ORDER_REJECTED = "order_rejected"
    LIQUIDATION = "liquidation"  # one of our positions liquidated, a bankruptcy covered, or a loss socialized


# What a person types and reads for a kind (`alert SOL-PERP above 150`, the Alerts pane and screen, the
# CLI's tables); the wire, `--json` and the store keep the kind's value. A kind not named here reads as its value.
ALERT_KIND_WORDS: dict[AlertKind, str] = {kind: kind.value for kind in AlertKind} | {
    AlertKind.PRICE_ABOVE: "above",
    AlertKind.PRICE_BELOW: "below",
    AlertKind.PRICE_CROSS: "cross",
    AlertKind.MOVE_PCT: "move",
}
# The one-character shorthands a person may type instead (`alert SOL-PERP > 150`).
ALERT_KIND_SYMBOLS: dict[AlertKind, str] = {
    AlertKind.PRICE_ABOVE: ">",
    AlertKind.PRICE_BELOW: "<",
    AlertKind.PRICE_CROSS: "x",
}
_ALERT_KINDS_TYPED: dict[str, AlertKind] = {
    **{kind.value: kind for kind in AlertKind},  # the wire names, which clients send
    **{word: kind for kind, word in ALERT_KIND_WORDS.items()},
    **{symbol: kind for kind, symbol in ALERT_KIND_SYMBOLS.items()},
    "crossing": AlertKind.PRICE_CROSS,
}


def alert_kind_of(text: str) -> AlertKind | None:
    """A typed or wire alert kind ("above", ">", "price_above", "liq-distance") as the AlertKind, or None."""
    return _ALERT_KINDS_TYPED.get(str(text).strip().lower().replace("-", "_").replace(" ", "_"))


def alert_kind_word(kind: str) -> str:
    """The word a person reads for a wire kind: "price_above" -> "above"; an unknown kind reads as sent."""
    try:
        return ALERT_KIND_WORDS[AlertKind(kind)]
    except ValueError:  # a kind newer than this client
        return kind


# -- error codes: the `code` of every error reply; clients switch on these -----------------------------------------
class ErrorCode(StrEnum):
    # the protocol
    BAD_JSON = "BAD_JSON"
    BAD_REQUEST = "BAD_REQUEST"
    UNKNOWN_OP = "UNKNOWN_OP"
    HELLO_REQUIRED = "HELLO_REQUIRED"
    UNAUTHORIZED = "UNAUTHORIZED"
    VERSION_MISMATCH = "VERSION_MISMATCH"
    MESSAGE_TOO_LARGE = "MESSAGE_TOO_LARGE"
    RATE_LIMITED = "RATE_LIMITED"
    SLOW_CONSUMER = "SLOW_CONSUMER"
    UNKNOWN_MARKET = "UNKNOWN_MARKET"
    UNKNOWN_STREAM = "UNKNOWN_STREAM"
    NO_PRICE = "NO_PRICE"
    NOT_SUPPORTED = "NOT_SUPPORTED"
    STORE_UNAVAILABLE = "STORE_UNAVAILABLE"  # the store cannot write now; nothing of the request was kept
    INTERNAL = "INTERNAL"
    # the client side of the SDK
    NOT_CONNECTED = "NOT_CONNECTED"
    NO_BACKEND = "NO_BACKEND"
    BAD_BACKEND_FILE = "BAD_BACKEND_FILE"
    TIMEOUT = "TIMEOUT"
    # the engine (the names of the IDL's errors, programs/quantdesk_perp/errors.py numbers them 6000+)
    INSUFFICIENT_COLLATERAL = "INSUFFICIENT_COLLATERAL"
    ORACLE_STALE = "ORACLE_STALE"
    ORACLE_TOO_UNCERTAIN = "ORACLE_TOO_UNCERTAIN"
    ORACLE_UNAVAILABLE = "ORACLE_UNAVAILABLE"
    INVALID_PRICE = "INVALID_PRICE"
    INVALID_SIZE = "INVALID_SIZE"
    OFF_TICK = "OFF_TICK"
    OFF_STEP = "OFF_STEP"
    BELOW_MIN_SIZE = "BELOW_MIN_SIZE"
    MARKET_EXISTS = "MARKET_EXISTS"
    UNKNOWN_ACCOUNT = "UNKNOWN_ACCOUNT"
    ACCOUNT_EXISTS = "ACCOUNT_EXISTS"
    UNKNOWN_ORDER = "UNKNOWN_ORDER"
    ORDER_NOT_OPEN = "ORDER_NOT_OPEN"
    ILLEGAL_ORDER_TRANSITION = "ILLEGAL_ORDER_TRANSITION"
    REDUCE_ONLY_INCREASES = "REDUCE_ONLY_INCREASES"
    POST_ONLY_WOULD_CROSS = "POST_ONLY_WOULD_CROSS"
    FOK_NOT_FILLED = "FOK_NOT_FILLED"
    MARKET_HALTED = "MARKET_HALTED"
    MARKET_REDUCE_ONLY = "MARKET_REDUCE_ONLY"
    OI_CAP = "OI_CAP"
    CIRCUIT_BREAKER = "CIRCUIT_BREAKER"
    WITHDRAW_EXCEEDS_FREE = "WITHDRAW_EXCEEDS_FREE"
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    INVALID_ORDER = "INVALID_ORDER"
    INVALID_TRIGGER = "INVALID_TRIGGER"
    INVALID_EXPIRY = "INVALID_EXPIRY"
    NOT_TRIGGERED = "NOT_TRIGGERED"
    NOT_DUE = "NOT_DUE"
    NOT_LIQUIDATABLE = "NOT_LIQUIDATABLE"
    NO_POSITION = "NO_POSITION"
    SELF_LIQUIDATION = "SELF_LIQUIDATION"
    INSURANCE_FUND_INSUFFICIENT = "INSURANCE_FUND_INSUFFICIENT"
    INVALID_PARAMETER = "INVALID_PARAMETER"
    UNKNOWN_ASSET = "UNKNOWN_ASSET"
    TOO_MANY_ORDERS = "TOO_MANY_ORDERS"
    NO_LIQUIDITY = "NO_LIQUIDITY"
    MATH_OVERFLOW = "MATH_OVERFLOW"
    USER_BANKRUPT = "USER_BANKRUPT"
    USER_BEING_LIQUIDATED = "USER_BEING_LIQUIDATED"
    # Solana: keys, RPC, transactions
    WRONG_PASSPHRASE = "WRONG_PASSPHRASE"
    KEY_FILE_CORRUPT = "KEY_FILE_CORRUPT"
    KEY_FILE_PERMISSIONS = "KEY_FILE_PERMISSIONS"
    KEY_NOT_FOUND = "KEY_NOT_FOUND"
    KEY_EXISTS = "KEY_EXISTS"
    KEY_LOCKED = "KEY_LOCKED"
    INVALID_KEY_NAME = "INVALID_KEY_NAME"
    INVALID_SECRET = "INVALID_SECRET"
    INVALID_ADDRESS = "INVALID_ADDRESS"
    UNKNOWN_TOKEN = "UNKNOWN_TOKEN"
    INVALID_NETWORK = "INVALID_NETWORK"
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    INSUFFICIENT_FUNDS_FOR_FEE = "INSUFFICIENT_FUNDS_FOR_FEE"
    BLOCKHASH_EXPIRED = "BLOCKHASH_EXPIRED"
    SIMULATION_FAILED = "SIMULATION_FAILED"
    TRANSACTION_FAILED = "TRANSACTION_FAILED"
    CONFIRM_TIMEOUT = "CONFIRM_TIMEOUT"
    AIRDROP_UNAVAILABLE = "AIRDROP_UNAVAILABLE"
    RPC_TIMEOUT = "RPC_TIMEOUT"
    RPC_BAD_RESPONSE = "RPC_BAD_RESPONSE"
    RPC_ERROR = "RPC_ERROR"
    ACCOUNT_NOT_FOUND = "ACCOUNT_NOT_FOUND"
    ACCOUNT_DECODE_FAILED = "ACCOUNT_DECODE_FAILED"
    PROGRAM_NOT_DEPLOYED = "PROGRAM_NOT_DEPLOYED"
    LOCALNET_FAULT = "LOCALNET_FAULT"

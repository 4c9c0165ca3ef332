"""The wire protocol between the backend and its clients: envelopes, request and reply structs, errors.

Requests `{"id": 7, "op": "quote", "args": {...}}`, replies `{"id": 7, "ok": true, "result": ...}`
or `{"id": 7, "ok": false, "error": {"code": ..., "message": ...}}`, pushes
`{"stream": "prices", "data": {...}}`. The first request on a connection must be `hello`.
Clients build order requests from the structs here (`OrderArgs`, `CancelArgs`, ...); widgets and the
TUI import the data records from here; domain errors become error replies here. Nothing here does IO.
The order requests live in `protocol/orders.py` and the IDL's integer bounds in `protocol/bounds.py`;
both are re-exported here, the one backend module the TUI and widgets may import.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

# the strict number parser and the one vocabulary are part of the wire format; re-exported so the TUI
# and widgets (which may import only this module of the backend) reach them
from backend.api.numbers import NumberError, parse_count, parse_decimal, parse_positive  # noqa: F401
from backend.domain.errors import DomainError
from backend.domain.observations import FeedHealth
from backend.api.protocol.bounds import I64, MAX_TWAP_SECONDS, SUB_ACCOUNT, TWAP_SECONDS, U64, UNIX_TIME  # noqa: F401
from backend.api.protocol.orders import (  # noqa: F401
    CancelArgs,
    IcebergArgs,
    ModifyArgs,
    OcoArgs,
    OrderArgs,
    OrderRequest,
    TwapArgs,
)
from backend.units import to_human  # noqa: F401  (what `--json` prints: the wire's integers in human units)
from backend.api.param_units import ParamUnit, UnitKind  # noqa: F401  (admin.markets `units`)
from programs.vocabulary import (  # noqa: F401
    ALERT_KIND_SYMBOLS,
    ALERT_KIND_WORDS,
    BASE_PRECISION,
    FUNDING_RATE_PRECISION,
    MARGIN_PRECISION,
    MS_PER_S,
    OPEN_STATUSES,
    ORDER_TYPE_NAMES,
    PERCENT_PER_ONE,
    PERCENTAGE_PRECISION,
    PRICE_PRECISION,
    QUOTE_PRECISION,
    STORED_TIMEFRAMES,
    TERMINAL_STATUSES,
    TIMEFRAMES,
    TIMES_IN_FORCE,
    ErrorCode,
    OrderStatus,
    OrderType,
    Side,
    Timeframe,
    TimeInForce,
    AlertKind,
    alert_kind_of,
    alert_kind_word,
    decimals_of,
    order_type_of,
    to_decimal,
    to_fixed,
)

PROTOCOL_VERSION = 1
MAX_MESSAGE_BYTES = 64 * 1024
MAX_NESTING = 32  # no op's arguments nest deeper than a few levels


class ApiError(Exception):
    """An error reply: raised at the API edge (envelope, arguments, ops) and by the SDK for `ok: false`.

    Below the API, refusals are `DomainError`s; the server sends both the same way (`error_info`)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = str(code)
        self.message = message

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


# ---- envelopes -------------------------------------------------------------------------------


class Request(msgspec.Struct, forbid_unknown_fields=True):
    id: I64
    op: str
    args: dict[str, Any] = {}
    # "human": the reply's result in human units (`to_human`: exact decimal strings), as `--json`
    # prints it, so a client that prints it needs no conversion of its own (the thin CLI path)
    units: Literal["wire", "human"] = "wire"


class ErrorInfo(msgspec.Struct):
    code: str
    message: str


def error_info(exc: ApiError | DomainError) -> ErrorInfo:
    """The error a reply carries: a refusal from the domain keeps its code and message, unchanged."""
    return ErrorInfo(exc.code, exc.message)


class Reply(msgspec.Struct, omit_defaults=True):
    id: int | None
    ok: bool
    result: Any = None
    error: ErrorInfo | None = None


def ok_reply(request: Request, result: Any) -> bytes:
    """The encoded reply carrying `result`, in the units the request asked for."""
    if request.units == "human":
        result = to_human(to_builtins(result))
    return encode(Reply(id=request.id, ok=True, result=result))


class Push(msgspec.Struct):
    stream: str
    data: Any


class HelloArgs(msgspec.Struct, forbid_unknown_fields=True):
    token: str
    version: int
    client: str = "unknown"


class MarketArgs(msgspec.Struct, forbid_unknown_fields=True):
    market: str


class SubscribeArgs(msgspec.Struct, forbid_unknown_fields=True):
    stream: str
    markets: list[str] | None = None


# ---- data records ----------------------------------------------------------------------------


class Quote(msgspec.Struct, frozen=True):
    """What the watchlist shows for a market: the latest observation plus the 24h reference."""

    market: str
    price: int
    conf: int
    expo: int
    publish_time: int
    slot: int
    ema_price: int
    source: str
    open_24h: int  # the price 24h ago (same expo), or the first one seen
    high_24h: int
    low_24h: int
    recv_ns: int = 0

    @property
    def price_float(self) -> float:
        return self.price * 10.0**self.expo

    @property
    def change_24h_pct(self) -> float:
        return 0.0 if self.open_24h == 0 else (self.price - self.open_24h) * 100.0 / self.open_24h


class MarketInfo(msgspec.Struct, frozen=True):
    market_index: int
    symbol: str
    base: str
    quote: str
    tick_size: int  # PRICE_PRECISION (0 = none known)
    step_size: int  # BASE_PRECISION
    min_size: int  # BASE_PRECISION
    max_leverage: int
    pyth_feed_id: str


class Candles(msgspec.Struct):
    """OHLCV bars of one market and timeframe as columns, oldest first (a forming bar last).

    The one shape candles have from the store to the chart: prices are Pyth-shaped like a Quote's
    (value = price * 10**expo), volume is traded base in BASE_PRECISION, `count` the oracle
    observations in each bar. The `candles` op adds the requested indicator series (floats, display).
    """

    market: str
    tf: str
    expo: int
    ts_s: list[int] = []  # bucket start, unix seconds
    open: list[int] = []
    high: list[int] = []
    low: list[int] = []
    close: list[int] = []
    volume: list[int] = []
    count: list[int] = []
    indicators: dict[str, Any] = {}

    def __len__(self) -> int:
        return len(self.ts_s)

    def window(self, start: int, end: int | None = None) -> Candles:
        """Bars [start:end] as a new Candles (indicator series are not sliced: they are the caller's)."""
        cut = slice(start, end)
        return Candles(
            self.market,
            self.tf,
            self.expo,
            self.ts_s[cut],
            self.open[cut],
            self.high[cut],
            self.low[cut],
            self.close[cut],
            self.volume[cut],
            self.count[cut],
        )

    def absorb(self, forming: Candles) -> None:
        """Take in a live update: a bar replaces the last one if it has the same start, a newer one is appended."""
        for i, ts_s in enumerate(forming.ts_s):
            if self.ts_s and ts_s < self.ts_s[-1]:
                continue  # a bar this one has already moved past
            at = -1 if self.ts_s and self.ts_s[-1] == ts_s else None
            for mine, theirs in (
                (self.ts_s, forming.ts_s),
                (self.open, forming.open),
                (self.high, forming.high),
                (self.low, forming.low),
                (self.close, forming.close),
                (self.volume, forming.volume),
                (self.count, forming.count),
            ):
                if at is None:
                    mine.append(theirs[i])
                else:
                    mine[at] = theirs[i]


class Status(msgspec.Struct, frozen=True):
    version: str
    protocol: int
    pid: int
    url: str
    uptime_s: float
    clients: int
    feed: str
    feeds: list[FeedHealth]
    venue: str
    ticks_in: int
    spawned_by_tui: bool = False
    live_work: list[str] = []  # why the backend stays up with no terminal: "2 trigger orders", "1 active alert"


_decoder = msgspec.json.Decoder(Request)
_encoder = msgspec.json.Encoder()


def decode_request(raw: str | bytes) -> Request:
    """Parse and validate one request; raises ApiError with BAD_JSON / BAD_REQUEST / MESSAGE_TOO_LARGE."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise ApiError(ErrorCode.MESSAGE_TOO_LARGE, f"message is {len(raw)} bytes; the limit is {MAX_MESSAGE_BYTES}")
    try:
        request = _decoder.decode(raw)
    except msgspec.DecodeError as exc:
        text = str(exc)
        if text.startswith("JSON is malformed") or "Input data was truncated" in text:
            raise ApiError(ErrorCode.BAD_JSON, f"not valid JSON: {text}") from None
        raise ApiError(ErrorCode.BAD_REQUEST, f"bad request: {text}") from None
    except RecursionError:
        raise ApiError(ErrorCode.BAD_JSON, f"not valid JSON: nested deeper than {MAX_NESTING} levels") from None
    except UnicodeError:
        raise ApiError(ErrorCode.BAD_JSON, "not valid JSON: the message is not UTF-8 text") from None
    if _has_containers(request.args) and _nesting_exceeds(request.args, MAX_NESTING):
        raise ApiError(ErrorCode.BAD_JSON, f"not valid JSON: nested deeper than {MAX_NESTING} levels")
    return request


def _has_containers(args: dict[str, Any]) -> bool:
    """False for the usual flat arguments (strings, numbers, booleans): no nesting to measure."""
    for value in args.values():
        kind = type(value)
        if kind is dict or kind is list:
            return True
    return False


def _nesting_exceeds(value: Any, levels: int) -> bool:
    """True when containers nest more than `levels` deep (flat argument dicts return at once)."""
    if levels <= 0:
        return isinstance(value, dict | list)
    if isinstance(value, dict):
        return any(isinstance(v, dict | list) and _nesting_exceeds(v, levels - 1) for v in value.values())
    if isinstance(value, list):
        return any(isinstance(v, dict | list) and _nesting_exceeds(v, levels - 1) for v in value)
    return False


def parse_args(args: dict[str, Any], kind: type[msgspec.Struct]) -> Any:
    """Validate an op's args against its struct; a mismatch is a BAD_REQUEST naming the field."""
    out_of_range = _int_out_of_range(args)
    if out_of_range is not None:  # nothing behind the API (SQLite, msgpack, the chain) holds more than 64 bits
        raise ApiError(
            ErrorCode.BAD_REQUEST, f"bad arguments: {out_of_range} is out of range ({-(2**63)}..{2**63 - 1})"
        )
    try:
        return msgspec.convert(args, kind)
    except msgspec.ValidationError as exc:
        raise ApiError(ErrorCode.BAD_REQUEST, f"bad arguments: {exc}") from None


def parse_order_args(args: dict[str, Any]) -> OrderArgs:
    """`order.place` / `order.preview` arguments; a mismatch is a BAD_REQUEST naming the field."""
    try:
        return msgspec.convert(args, OrderArgs)
    except msgspec.ValidationError as exc:
        raise ApiError(ErrorCode.BAD_REQUEST, f"bad order: {exc}") from None


def _int_out_of_range(value: Any) -> int | None:
    """The first integer outside i64 anywhere in decoded JSON, or None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if not -(2**63) <= value < 2**63 else None
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for child in children:
        found = _int_out_of_range(child)
        if found is not None:
            return found
    return None


def encode(message: msgspec.Struct | dict[str, Any]) -> bytes:
    return _encoder.encode(message)


def to_builtins(value: Any) -> Any:
    return msgspec.to_builtins(value)


# ---- trading records (the paper venue's views; integers in engine precision) -----------------
# prices/quote amounts: PRICE_PRECISION; base sizes: BASE_PRECISION; ratios (leverage, margin
# ratio): MARGIN_PRECISION (see programs/vocabulary.py). Names are the vocabulary's values.


class OrderView(msgspec.Struct, frozen=True):
    order_id: int
    market: str
    side: str  # "buy" | "sell"
    order_type: str  # "market" | "limit" | "stop_market" | "stop_limit" | "take_profit" | ... | "twap" | "iceberg"
    status: str  # "pending_trigger" | "open" | "partially_filled" | "filled" | "cancelled" | "expired" | "rejected"
    size: int
    filled: int = 0
    price: int = 0  # limit price, 0 = none
    trigger_price: int = 0
    avg_fill_price: int = 0
    reduce_only: bool = False
    post_only: bool = False
    tif: str = "gtc"
    expire_ts: int = 0
    sub_account: int = 0
    parent_id: int = 0
    client_id: str = ""
    created_ts: int = 0
    updated_ts: int = 0
    reason: str = ""


class FillView(msgspec.Struct, frozen=True):
    fill_id: int
    order_id: int
    market: str
    side: str
    price: int
    size: int
    fee: int  # quote units, positive = paid
    role: str  # "maker" | "taker" | "liquidation" (the account's position taken over)
    ts: int
    slot: int = 0
    sub_account: int = 0
    realized_pnl: int = 0
    liquidator: str = ""  # for role "liquidation": "keeper" (the AMM took it) or the liquidator's account


class LiquidationView(msgspec.Struct, frozen=True):
    """A liquidation, a bankruptcy the insurance fund covered, or a loss socialized over a market."""

    kind: str  # "liquidation" | "collateral_liquidation" | "bankruptcy_covered" | "socialized_loss"
    market: str  # "" for collateral liquidations and bankruptcies
    ts: int
    seq: int
    sub_account: int = 0
    side: str = ""  # the liquidated account's side of the trade
    size: int = 0  # base 1e9
    price: int = 0  # 1e6
    fee: int = 0  # liquidator fee + insurance fee paid by the account, 1e6
    insurance_fee: int = 0
    liquidator: str = ""
    amount: int = 0  # bankruptcy cover / socialized loss, quote 1e6; collateral taken in its own precision
    insurance_fund: int = 0  # the fund's balance after this event, 1e6


class PositionView(msgspec.Struct, frozen=True):
    market: str
    sub_account: int
    base: int  # signed: > 0 long
    entry_price: int
    mark_price: int
    unrealized_pnl: int
    realized_pnl: int
    funding_pnl: int = 0
    fees: int = 0
    liq_price: int = 0  # 0 = none (no liquidation price reachable)
    notional: int = 0
    initial_margin: int = 0


class CollateralView(msgspec.Struct, frozen=True):
    asset: str
    amount: int  # the asset's own precision (USDC 1e6, SOL 1e9)
    decimals: int
    value: int  # quote units after price, before weight
    weight_initial: int  # MARGIN precision


class AccountView(msgspec.Struct, frozen=True):
    sub_account: int
    collateral: list[CollateralView]
    total_collateral: int
    initial_margin: int
    maintenance_margin: int
    free_collateral: int
    equity: int
    unrealized_pnl: int
    leverage: int  # RATIO precision
    margin_ratio: int  # RATIO precision; maintenance / equity style health measure
    trading_state: str = "ACTIVE"
    fill_margin: int = 0  # Drift's fill requirement: between initial and maintenance
    liquidation_margin: int = 0  # maintenance + buffer: what a liquidation restores
    margin_shortage: int = 0  # 0 unless below maintenance + buffer
    being_liquidated: bool = False
    bankrupt: bool = False


class BookLevel(msgspec.Struct, frozen=True, array_like=True):
    price: int
    size: int


class BookView(msgspec.Struct, frozen=True):
    market: str
    bids: list[BookLevel]  # best first
    asks: list[BookLevel]
    oracle_price: int
    slot: int = 0

"""Human units at the edge: wire/engine fixed-point integers become exact decimal strings.

The wire and the engine keep integers (base 1e9, price/quote 1e6, ratios 1e4, funding 1e9,
Pyth-style `price * 10**expo` for quotes). Everything a person or a script reads through the CLI
(`--json`) or the SDK (`BackendClient.view`) goes through `to_human` here, the one place that
knows which field carries which precision:

    {"price": 144953050, "size": 1000000000}  ->  {"price": "144.95305", "size": "1"}

Strings are exact (no float ever rounds them) and carry no trailing zeros. Only integers under a
known field name change; floats, strings, ids, times and slots pass through untouched.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from programs.vocabulary import (
    BASE_PRECISION,
    FUNDING_RATE_PRECISION,
    MARGIN_PRECISION,
    PERCENTAGE_PRECISION,
    QUOTE_PRECISION,
    decimals_of,
)

BASE_DIGITS, QUOTE_DIGITS, RATIO_DIGITS, FUNDING_DIGITS, PERCENTAGE_DIGITS = (
    decimals_of(p)
    for p in (BASE_PRECISION, QUOTE_PRECISION, MARGIN_PRECISION, FUNDING_RATE_PRECISION, PERCENTAGE_PRECISION)
)

BASE_FIELDS = frozenset(
    {
        "size",
        "step_size",
        "min_size",
        "filled",
        "base",
        "base_filled",
        "resting",
        "open_interest",
        "open_interest_long",
        "open_interest_short",
        "total_size",
        "display_size",
        "base_asset_reserve",
        "quote_asset_reserve",
        "sqrt_k",
        "amm_base",
    }
)
QUOTE_FIELDS = frozenset(
    {
        "price",
        "trigger_price",
        "avg_fill_price",
        "fee",
        "realized_pnl",
        "entry_price",
        "mark_price",
        "unrealized_pnl",
        "funding_pnl",
        "fees",
        "liq_price",
        "liquidation_price",
        "notional",
        "initial_margin",
        "maintenance_margin",
        "total_collateral",
        "free_collateral",
        "equity",
        "value",
        "oracle_price",
        "oracle_twap",
        "mark_twap",
        "insurance_fund",
        "insurance_paid",
        "socialized_loss",
        "quote",
        "average_price",
        "insurance_fee",
        "initial_requirement",
        "maintenance_requirement",
        "fill_margin",
        "liquidation_margin",
        "margin_shortage",
        "amm_peg",
        "reserve_price",
        "fee_pool",
        "last_repeg_cost",
        "total_repeg_cost",
        "tick_size",
        # the risk monitor's and the desk's money (backend/risk/monitor.py, backend/store/desk.py)
        "margin_used",
        "today_pnl",
        "day_start_equity",
        "gross_exposure",
        "net_exposure",
        "long",
        "short",
        "net",
        "gross",
    }
)
RATIO_FIELDS = frozenset(
    {
        "leverage",
        "margin_ratio",
        "weight_initial",
        "margin_usage",
        "margin_ratio_warning",
        "margin_ratio_critical",
        "margin_usage_warning",
        "margin_usage_critical",
        "leverage_warning",
        "leverage_critical",
    }
)
PERCENTAGE_FIELDS = frozenset({"liq_distance", "liq_distance_warning", "liq_distance_critical"})
FUNDING_FIELDS = frozenset({"funding_rate", "last_funding_rate", "rate"})
NONE_WHEN_ZERO = frozenset({"price", "trigger_price", "avg_fill_price", "liq_price", "liquidation_price"})
QUOTE_EXPO_FIELDS = ("price", "conf", "ema_price", "open_24h", "high_24h", "low_24h")

# ops whose results are trading records (the SDK's `view`); others (wallet lamports, candles) differ
HUMAN_OPS = frozenset(
    {
        "order.place",
        "order.twap",
        "order.iceberg",
        "order.oco",
        "order.modify",
        "order.preview",
        "orders",
        "order.history",
        "fills",
        "positions",
        "account",
        "account.deposit",
        "account.withdraw",
        "account.create",
        "book",
        "market.state",
        "markets.stats",
        "liquidations",
        "quote",
        "admin.markets",
        "markets.list",
        "admin.insurance_deposit",
        "admin.insurance_withdraw",
        "risk.monitor",
        "desk.view",
    }
)
HUMAN_STREAMS = frozenset(
    {"orders", "fills", "positions", "account", "liquidations", "book", "funding", "prices", "risk"}
)


def decimal_str(value: int, digits: int) -> str:
    """`value * 10**-digits` written exactly, without exponent or trailing zeros: (1500000, 6) -> '1.5'."""
    text = format(Decimal(value).scaleb(-digits), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _field(key: str, value: Any, record: dict[str, Any]) -> Any:
    if not _is_int(value):
        return to_human(value)
    if value == 0 and key in NONE_WHEN_ZERO and ("order_type" in record or key != "price"):
        return None  # an order without a limit price, a position without a liquidation price
    if key == "amount":  # collateral in its own decimals; liquidation/insurance amounts are quote
        return decimal_str(value, record["decimals"] if _is_int(record.get("decimals")) else QUOTE_DIGITS)
    if key in BASE_FIELDS:
        return decimal_str(value, BASE_DIGITS)
    if key in QUOTE_FIELDS:
        return decimal_str(value, QUOTE_DIGITS)
    if key in RATIO_FIELDS:
        return decimal_str(value, RATIO_DIGITS)
    if key in FUNDING_FIELDS:
        return decimal_str(value, FUNDING_DIGITS)
    if key in PERCENTAGE_FIELDS:
        return decimal_str(value, PERCENTAGE_DIGITS)
    return value


def _quote(record: dict[str, Any]) -> dict[str, Any]:
    """A Pyth-shaped quote (`expo` present): every price field scaled by its own exponent."""
    digits = -record["expo"]
    out = {k: v for k, v in record.items() if k not in ("expo", "recv_ns")}  # recv_ns: a local clock reading
    for key in QUOTE_EXPO_FIELDS:
        if _is_int(out.get(key)):
            out[key] = decimal_str(out[key], digits)
    return out


def _book_level(level: Any) -> Any:
    """A book level travels as [price, size]."""
    if isinstance(level, list) and len(level) == 2 and all(map(_is_int, level)):
        return [decimal_str(level[0], QUOTE_DIGITS), decimal_str(level[1], BASE_DIGITS)]
    return to_human(level)


def to_human(value: Any) -> Any:
    """A wire result (dicts, lists, integers in engine precision) in human units, recursively."""
    if isinstance(value, list):
        return [to_human(v) for v in value]
    if not isinstance(value, dict):
        return value
    if _is_int(value.get("expo")):
        return _quote(value)
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in ("bids", "asks") and isinstance(item, list):
            out[key] = [_book_level(level) for level in item]
        elif key == "params":  # admin parameters keep their integers; `precision` says what each means
            out[key] = item
        else:
            out[key] = _field(key, item, value)
    return out


def human_result(op: str, result: Any) -> Any:
    """The SDK view of an op's result: human units for trading records, unchanged otherwise."""
    return to_human(result) if op in HUMAN_OPS else result


def human_push(stream: str, data: Any) -> Any:
    return to_human(data) if stream in HUMAN_STREAMS else data

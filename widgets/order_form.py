"""The order ticket's rules, apart from the widget: parse what the user typed, say what to fix,
and produce the integer order (sizes in BASE_PRECISION, prices in PRICE_PRECISION)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from backend.api.protocol import BASE_PRECISION, PRICE_PRECISION, MarketInfo, OrderType, TimeInForce, to_decimal
from widgets.format import decimal_text, fmt_usd, on_grid, parse_decimal

ORDER_TYPES: dict[str, str] = {  # wire name -> label
    OrderType.MARKET: "Market",
    OrderType.LIMIT: "Limit",
    OrderType.STOP_MARKET: "Stop",
    OrderType.STOP_LIMIT: "Stop-limit",
    OrderType.TAKE_PROFIT_MARKET: "Take-profit",
    OrderType.TRAILING_STOP: "Trailing",
}
TIFS = (TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK)  # GTD needs an expiry the ticket does not ask for
NEEDS_PRICE = frozenset({OrderType.LIMIT, OrderType.STOP_LIMIT})
NEEDS_TRIGGER = frozenset({OrderType.STOP_MARKET, OrderType.STOP_LIMIT, OrderType.TAKE_PROFIT_MARKET})
NEEDS_OFFSET = frozenset({OrderType.TRAILING_STOP})


@dataclass(slots=True)
class TicketForm:
    """What the user typed, as text, plus the toggles."""

    side: str = "buy"
    order_type: str = "market"
    size: str = ""
    size_in_usd: bool = False
    price: str = ""
    trigger: str = ""
    offset: str = ""
    tp: str = ""
    sl: str = ""
    reduce_only: bool = False
    post_only: bool = False
    tif: str = "gtc"
    sub_account: str = "0"


@dataclass(slots=True)
class Validation:
    order: dict[str, Any] | None
    errors: dict[str, str] = field(default_factory=dict)  # field name -> what to fix
    notional: int = 0  # PRICE_PRECISION quote units, 0 when unknown


def _positive(text: str, label: str, errors: dict[str, str], key: str) -> Decimal | None:
    value = parse_decimal(text)
    if value is None or value <= 0:
        errors[key] = f"{label} must be a positive number"
        return None
    return value


def _price(
    text: str, label: str, key: str, market: MarketInfo, errors: dict[str, str], required_for: str | None
) -> int:
    """A price field as PRICE_PRECISION int (0 = empty); records what to fix."""
    if not text.strip():
        if required_for:
            errors[key] = f"{label} is required for a {required_for} order"
        return 0
    value = _positive(text, label, errors, key)
    if value is None:
        return 0
    price = on_grid(value, PRICE_PRECISION, market.tick_size)
    if price is None:
        errors[key] = f"{label} must be a multiple of {decimal_text(market.tick_size, PRICE_PRECISION)}"
        return 0
    return price


def validate(form: TicketForm, market: MarketInfo | None, reference_price: int = 0, equity: int = 0) -> Validation:
    """Check the form against the market's tick/step/min size. `reference_price` (PRICE_PRECISION,
    0 = unknown) prices market orders for USD sizing, bracket checks and notional; `equity`
    (PRICE_PRECISION) turns a size typed as `25%` into that share of equity as notional."""
    errors: dict[str, str] = {}
    if market is None:
        return Validation(None, {"market": "no market selected"})
    kind = form.order_type
    label = ORDER_TYPES.get(kind, kind).lower()
    price = _price(form.price, "price", "price", market, errors, label if kind in NEEDS_PRICE else None)
    trigger = _price(form.trigger, "trigger price", "trigger", market, errors, label if kind in NEEDS_TRIGGER else None)
    offset = 0
    if kind in NEEDS_OFFSET:
        value = _positive(form.offset, "trailing offset", errors, "offset")
        on_tick = None if value is None else on_grid(value, PRICE_PRECISION, market.tick_size)
        if value is not None and on_tick is None:
            errors["offset"] = (
                f"trailing offset must be a multiple of {decimal_text(market.tick_size, PRICE_PRECISION)}"
            )
        elif on_tick is not None:
            offset = on_tick
    entry = (price if kind in NEEDS_PRICE else 0) or (trigger if kind in NEEDS_TRIGGER else 0) or reference_price

    size = _size(form, market, entry, errors, equity)
    tp = _price(form.tp, "TP", "tp", market, errors, None)
    sl = _price(form.sl, "SL", "sl", market, errors, None)
    if entry:
        _check_bracket(form.side, entry, tp, sl, errors)

    if form.post_only and kind != "limit":
        errors["post_only"] = "post-only needs a limit order"
    elif form.post_only and form.tif != "gtc":
        errors["post_only"] = "post-only cannot be IOC or FOK"
    sub_text = form.sub_account.strip() or "0"
    if not sub_text.isdigit():
        errors["sub_account"] = "sub-account must be a whole number (0, 1, 2, ...)"
    notional = size * entry // BASE_PRECISION if size and entry else 0
    if errors:
        return Validation(None, errors, notional)
    order = {
        "market": market.symbol,
        "side": form.side,
        "order_type": kind,
        "size": size,
        "price": price if kind in NEEDS_PRICE else 0,
        "trigger_price": trigger if kind in NEEDS_TRIGGER else 0,
        "trail_offset": offset,
        "tp_price": tp,
        "sl_price": sl,
        "reduce_only": form.reduce_only,
        "post_only": form.post_only,
        "tif": form.tif,
        "sub_account": int(sub_text),
    }
    return Validation(order, {}, notional)


def _size(form: TicketForm, market: MarketInfo, entry: int, errors: dict[str, str], equity: int) -> int:
    text = form.size.strip()
    if not text:
        errors["size"] = "size is required"
        return 0
    share = text.endswith("%")
    value = _positive(text.removesuffix("%"), "size", errors, "size")
    if value is None:
        return 0
    step = to_decimal(market.step_size, BASE_PRECISION)
    budget = None  # a quote amount (PRICE_PRECISION) to spend: USD sizing or a share of equity
    if share:
        if not equity:
            errors["size"] = "no equity yet to size by %; enter a size"
            return 0
        budget = value * equity / 100
    elif form.size_in_usd:
        budget = value * PRICE_PRECISION
    if budget is not None:
        if not entry:
            errors["size"] = "no price to convert USD to size; enter a limit price"
            return 0
        # round down to the step: a USD budget is never exceeded
        value = (budget / entry / step).to_integral_value(rounding=ROUND_DOWN) * step
    size = on_grid(value, BASE_PRECISION, market.step_size)
    if size is None:
        errors["size"] = f"size must be a multiple of {decimal_text(market.step_size, BASE_PRECISION)}"
        return 0
    if size < market.min_size:
        errors["size"] = f"size must be at least {decimal_text(market.min_size, BASE_PRECISION)} {market.base}"
        return 0
    return size


def _check_bracket(side: str, entry: int, tp: int, sl: int, errors: dict[str, str]) -> None:
    buy = side == "buy"
    if tp and (tp <= entry if buy else tp >= entry):
        errors["tp"] = f"TP must be {'above' if buy else 'below'} the entry for a {side}"
    if sl and (sl >= entry if buy else sl <= entry):
        errors["sl"] = f"SL must be {'below' if buy else 'above'} the entry for a {side}"


def confirm_text(notional: int, threshold: int) -> str:
    return f"notional {fmt_usd(notional)} is above {fmt_usd(threshold)}: press enter again to confirm"

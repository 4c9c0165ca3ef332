"""Order requests become engine instructions, exactly, or a DomainError that says what to fix.

Sizes and prices arrive as decimal strings ("142.5", in the wire's `OrderArgs` and friends) so no
float ever rounds them; they become integers in engine precision, on the market's tick and step.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from backend.api.numbers import NumberError, parse_positive, plain_fixed
from backend.api.protocol import IcebergArgs, OcoArgs, OrderArgs, TwapArgs
from backend.domain.errors import DomainError
from programs import vocabulary
from programs.quantdesk_perp import instructions as ix
from programs.quantdesk_perp.enums import CollateralAsset, OrderType, Side, TimeInForce
from programs.quantdesk_perp.markets import MARKETS, MARKETS_BY_SYMBOL, MarketSpec, normalize_symbol
from programs.vocabulary import (
    ASSET_PRECISION,
    BASE_PRECISION,
    ORDER_TYPE_NAMES,
    PERCENTAGE_PRECISION,
    PLACEABLE_ORDER_TYPES,
    PRICE_PRECISION,
    SIDE_ALIASES,
    ErrorCode,
    order_type_of,
)

MAX_DECIMAL = Decimal(10) ** 15  # above any price or size a market takes
MAX_WHOLE = 10**15  # the same bound, for the integer fast path
# The optional price fields each order type uses; any other one that is set is refused, not ignored
USED_FIELDS = {
    OrderType.MARKET: {"price", "tp", "sl"},  # price = the worst price a market order takes
    OrderType.LIMIT: {"price", "tp", "sl"},
    OrderType.STOP_MARKET: {"trigger"},
    OrderType.TAKE_PROFIT_MARKET: {"trigger"},
    OrderType.STOP_LIMIT: {"trigger", "price"},
    OrderType.TAKE_PROFIT_LIMIT: {"trigger", "price"},
    OrderType.TRAILING_STOP: {"trail", "trail_pct"},
}


def market_spec(text: str) -> MarketSpec:
    spec = MARKETS_BY_SYMBOL.get(text)  # the symbol itself, as clients send it; else any spelling of it
    if spec is None:
        spec = MARKETS_BY_SYMBOL.get(normalize_symbol(str(text)))
    if spec is None:
        raise DomainError(
            ErrorCode.UNKNOWN_MARKET, f"unknown market {text!r}; markets: {', '.join(m.symbol for m in MARKETS)}"
        )
    return spec


def resolve_market(text: str) -> str:
    """The market's symbol ("sol" -> "SOL-PERP"), or UNKNOWN_MARKET naming the markets there are."""
    return market_spec(text).symbol


def decimal_of(text: Any, what: str) -> Decimal:
    try:
        return parse_positive(text, what, maximum=MAX_DECIMAL)
    except NumberError as exc:
        raise DomainError(ErrorCode.INVALID_AMOUNT, str(exc)) from None


def fixed_of(text: Any, precision: int, what: str, code: ErrorCode = ErrorCode.INVALID_AMOUNT) -> int:
    """An exact decimal string in `precision` units; more decimals than the precision holds is an error."""
    value = plain_fixed(text, precision, MAX_WHOLE)  # the usual "142.5", in integers
    if value is not None:
        return value
    try:
        return vocabulary.to_fixed(decimal_of(text, what), precision)
    except ValueError:
        raise DomainError(
            code, f"{what} {text} has more decimals than allowed ({vocabulary.decimals_of(precision)})"
        ) from None


def price_of(text: Any, spec: MarketSpec, what: str = "price") -> int:
    price = fixed_of(text, PRICE_PRECISION, what, ErrorCode.INVALID_PRICE)
    if price % spec.tick_size:
        raise DomainError(
            ErrorCode.OFF_TICK,
            f"{what} {text} is not a multiple of the {spec.symbol} tick {Decimal(spec.tick_size) / PRICE_PRECISION}",
        )
    return price


def size_of(args: OrderArgs, spec: MarketSpec, reference_price: int) -> int:
    if args.size_in == "usd":
        if reference_price <= 0:
            raise DomainError(ErrorCode.NO_PRICE, f"no price for {spec.symbol} to convert a USD size")
        usd = fixed_of(args.size, PRICE_PRECISION, "size in USD")
        base = usd * BASE_PRECISION // reference_price
        return base - base % spec.step_size  # rounded down to the step: never more than asked
    if args.size_in != "base":
        raise DomainError(ErrorCode.BAD_REQUEST, 'size_in must be "base" or "usd"')
    size = fixed_of(args.size, BASE_PRECISION, "size", ErrorCode.INVALID_SIZE)
    if size % spec.step_size:
        raise DomainError(
            ErrorCode.OFF_STEP,
            f"size {args.size} is not a multiple of the {spec.symbol} step {Decimal(spec.step_size) / BASE_PRECISION}",
        )
    return size


_ENGINE_SIDES = {alias: Side[side.name] for alias, side in SIDE_ALIASES.items()}
_ENGINE_TIFS = {tif.name.lower(): tif for tif in TimeInForce}
_ENGINE_TYPES = {str(named): OrderType[named.name] for named in PLACEABLE_ORDER_TYPES}


def side_of(text: str) -> Side:
    side = _ENGINE_SIDES.get(text)
    if side is None:
        side = _ENGINE_SIDES.get(text.lower())
    if side is None:
        raise DomainError(ErrorCode.BAD_REQUEST, f"side must be buy or sell, not {text!r}")
    return side


def build_order(args: OrderArgs, authority: str, oracle_price: int) -> Any:
    """PlaceOrder, or PlaceBracketOrder when TP/SL ride along with an entry."""
    spec = market_spec(args.market)
    side = side_of(args.side)
    order_type = _ENGINE_TYPES.get(args.type)  # as the wire names it; else every spelling order_type_of takes
    if order_type is None:
        named = order_type_of(args.type)
        if named is None or named not in PLACEABLE_ORDER_TYPES:
            raise DomainError(ErrorCode.INVALID_ORDER, f"order type must be one of {', '.join(ORDER_TYPE_NAMES)}")
        order_type = OrderType[named.name]
    tif = _ENGINE_TIFS.get(args.tif)
    if tif is None:
        tif = TimeInForce.__members__.get(args.tif.upper())
    if tif is None:
        raise DomainError(ErrorCode.INVALID_ORDER, "tif must be gtc, ioc, fok or gtd")
    refuse_unused_fields(args, order_type, tif)
    price = price_of(args.price, spec) if args.price is not None else None
    trigger = price_of(args.trigger, spec, "trigger price") if args.trigger is not None else None
    size = size_of(args, spec, price or trigger or oracle_price)
    if args.tp is not None or args.sl is not None:
        if args.tp is None or args.sl is None:
            raise DomainError(ErrorCode.INVALID_ORDER, "a bracket needs both tp and sl")
        if order_type not in (OrderType.MARKET, OrderType.LIMIT):
            raise DomainError(ErrorCode.INVALID_ORDER, "tp/sl ride on a market or limit entry")
        return ix.PlaceBracketOrder(
            authority=authority,
            sub_account=args.sub_account,
            market_index=spec.market_index,
            side=side,
            size=size,
            take_profit_price=price_of(args.tp, spec, "take-profit"),
            stop_loss_price=price_of(args.sl, spec, "stop-loss"),
            entry_price=price if order_type == OrderType.LIMIT else None,
            client_order_id=args.client_id,
        )
    trailing = None
    if order_type == OrderType.TRAILING_STOP:
        if args.trail is not None:
            trailing = price_of(args.trail, spec, "trailing distance")
        elif args.trail_pct is not None:
            pct = fixed_of(args.trail_pct, PERCENTAGE_PRECISION // 100, "trail percentage")
            trailing = oracle_price * pct // PERCENTAGE_PRECISION  # rounded down, then to the tick
            trailing = max(spec.tick_size, trailing - trailing % spec.tick_size)
        else:
            raise DomainError(
                ErrorCode.INVALID_ORDER, "a trailing stop needs trail (a price distance) or trail_pct (percent)"
            )
    # positional, in PlaceOrder's field order: matching 14 keywords costs ~3.5 µs per order, and
    # tests/backend/domain/test_orders.py compares the result with a keyword-built PlaceOrder
    return ix.PlaceOrder(
        authority,
        args.sub_account,
        spec.market_index,
        side,
        order_type,
        size,
        price,
        trigger,
        tif,
        args.reduce_only,
        args.post_only,
        args.expire,
        trailing,
        args.client_id,
    )


def build_parent(args: TwapArgs | IcebergArgs | OcoArgs, authority: str) -> Any:
    """PlaceTwapOrder, PlaceIcebergOrder or PlaceOcoOrder: an order the engine works in child orders."""
    spec = market_spec(args.market)
    if isinstance(args, TwapArgs) and (args.duration <= 0 or args.interval <= 0 or args.interval > args.duration):
        raise DomainError(ErrorCode.INVALID_ORDER, "TWAP needs duration ≥ interval > 0 (seconds)")
    side = side_of(args.side)
    head = (
        authority,
        args.sub_account,
        spec.market_index,
        side,
        fixed_of(args.size, BASE_PRECISION, "size", ErrorCode.INVALID_SIZE),
    )
    if isinstance(args, TwapArgs):
        limit = price_of(args.price_limit, spec, "price limit") if args.price_limit else None
        return ix.PlaceTwapOrder(*head, args.duration, args.interval, limit, args.reduce_only)
    if isinstance(args, IcebergArgs):
        display = fixed_of(args.display, BASE_PRECISION, "display size", ErrorCode.INVALID_SIZE)
        return ix.PlaceIcebergOrder(*head, display, price_of(args.price, spec), args.reduce_only)
    return ix.PlaceOcoOrder(*head, price_of(args.tp, spec, "take-profit"), price_of(args.sl, spec, "stop-loss"))


def refuse_unused_fields(args: OrderArgs, order_type: OrderType, tif: TimeInForce) -> None:
    """A field the order type does not use is a mistake to report (`trail` on a limit), not to drop."""
    used = USED_FIELDS.get(order_type, set())
    for name in ("price", "trigger", "trail", "trail_pct", "tp", "sl"):
        if getattr(args, name) is not None and name not in used:
            raise DomainError(ErrorCode.INVALID_ORDER, f"a {args.type} order does not use {name}; leave it out")
    if args.trail is not None and args.trail_pct is not None:
        raise DomainError(ErrorCode.INVALID_ORDER, "give trail or trail_pct, not both")
    if args.expire is not None and tif != TimeInForce.GTD:
        raise DomainError(ErrorCode.INVALID_ORDER, "expire is for gtd orders; add tif gtd or leave expire out")


def asset_of(text: str) -> CollateralAsset:
    try:
        return CollateralAsset[text.upper()]
    except KeyError:
        raise DomainError(ErrorCode.UNKNOWN_ASSET, f"unknown collateral {text!r}; use USDC or SOL") from None


def amount_of(text: Any, asset: CollateralAsset) -> int:
    return fixed_of(text, ASSET_PRECISION[vocabulary.Asset[asset.name]], f"{asset.name} amount")

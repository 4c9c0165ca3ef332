"""What an order did, in a trader's words and units: what filled (and at what average), what rests,
and why the rest was cancelled — for the toast after a placement and after its auction ends."""

from __future__ import annotations

from backend.api.protocol import OPEN_STATUSES, FillView, MarketInfo, OrderView
from widgets.format import fmt_price, fmt_size, market_decimals

PARENT_TYPES = {"twap": "TWAP", "iceberg": "iceberg", "oco": "OCO"}
PAST_TENSE = {"buy": "bought", "sell": "sold"}


def _units(market: MarketInfo | None) -> tuple[int, int, str]:
    """(price decimals, size decimals, base asset) of a market (sensible defaults before markets load)."""
    if market is None:
        return 4, 4, ""
    price_decimals, size_decimals = market_decimals(market)
    return price_decimals, size_decimals, market.base


def is_settled(order: OrderView) -> bool:
    """Nothing more will happen to the order right away: it is done, or it rests on the book / waits
    for its trigger. A market order in its auction (open, no price) is not settled yet."""
    if order.status not in OPEN_STATUSES:
        return True
    in_auction = order.order_type == "market" and order.status in ("open", "partially_filled")
    return not in_auction


def describe_outcome(order: OrderView, market: MarketInfo | None) -> str:
    """'SOL-PERP #1: bought 94.79 of 5,000 SOL @ avg 146.4756 · 4,905.21 SOL cancelled: auction ended
    with the rest unfilled'."""
    px, sz, base = _units(market)
    unit = f" {base}" if base else ""
    kind = PARENT_TYPES.get(order.order_type)
    head = f"{order.market} #{order.order_id}: "
    size = fmt_size(order.size, sz)
    if order.status == "rejected":
        return f"{head}{order.side} {size}{unit} rejected: {order.reason or 'no reason given'}"
    parts: list[str] = []
    if kind is not None and order.status in OPEN_STATUSES:
        parts.append(f"{kind} {order.side} {size}{unit} working")
    if order.filled:
        of = "" if order.filled == order.size else f" of {size}"
        avg = f" @ avg {fmt_price(order.avg_fill_price, px)}" if order.avg_fill_price else ""
        parts.append(f"{PAST_TENSE.get(order.side, order.side)} {fmt_size(order.filled, sz)}{of}{unit}{avg}")
    rest = fmt_size(order.size - order.filled, sz)
    if order.status in ("open", "partially_filled") and kind is None:
        at = f" @ {fmt_price(order.price, px)}" if order.price else ""
        parts.append(f"{order.side} {rest}{unit} rests{at}")
    elif order.status == "pending_trigger":
        trigger = f" {fmt_price(order.trigger_price, px)}" if order.trigger_price else ""
        parts.append(f"{order.side} {rest}{unit} waits for its trigger{trigger}")
    elif order.status in ("cancelled", "expired") and order.size > order.filled:
        why = order.reason or ("expired" if order.status == "expired" else "cancelled")
        parts.append(("" if order.filled else "nothing filled · ") + f"{rest}{unit} {order.status}: {why}")
    if not parts:
        parts.append(f"{order.side} {size}{unit} {order.status}")
    return head + " · ".join(parts)


def describe_fills(fills: list[FillView], market: MarketInfo | None) -> str:
    """An order that filled at once and left no order record: its fills, summed, at their average."""
    px, sz, base = _units(market)
    total = sum(f.size for f in fills)
    average = sum(f.price * f.size for f in fills) // total if total else 0
    first = fills[0]
    return (
        f"{first.market} #{first.order_id}: {PAST_TENSE.get(first.side, first.side)} {fmt_size(total, sz)}"
        f"{' ' + base if base else ''} @ avg {fmt_price(average, px)}"
    )

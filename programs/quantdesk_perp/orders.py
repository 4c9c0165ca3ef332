"""An order's life: legal status transitions, open-order accounting, closing and linked orders."""

from __future__ import annotations

from dataclasses import dataclass

from .book import remove_resting
from .enums import OrderStatus, OrderType, Side
from .errors import EngineError, ErrorCode
from .events import Event, OrderCancelled, OrderExpired, OrderFinished, OrderPlaced, OrderRejected
from .positions import reducible
from .state import Order, Position, State

OT_ICEBERG = OrderType.ICEBERG
OT_LIMIT = OrderType.LIMIT
OT_STOP_LIMIT = OrderType.STOP_LIMIT
OT_TAKE_PROFIT_LIMIT = OrderType.TAKE_PROFIT_LIMIT
OT_TWAP = OrderType.TWAP
SIDE_BUY = Side.BUY
ST_CANCELLED = OrderStatus.CANCELLED
ST_EXPIRED = OrderStatus.EXPIRED
ST_FILLED = OrderStatus.FILLED
ST_OPEN = OrderStatus.OPEN
ST_PARTIALLY_FILLED = OrderStatus.PARTIALLY_FILLED
ST_PENDING_ENTRY = OrderStatus.PENDING_ENTRY
ST_PENDING_TRIGGER = OrderStatus.PENDING_TRIGGER
ST_REJECTED = OrderStatus.REJECTED

S = OrderStatus
LEGAL_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    ST_PENDING_ENTRY: frozenset({ST_PENDING_TRIGGER, ST_OPEN, ST_CANCELLED, ST_EXPIRED, ST_REJECTED}),
    ST_PENDING_TRIGGER: frozenset({ST_OPEN, ST_CANCELLED, ST_EXPIRED, ST_REJECTED}),
    ST_OPEN: frozenset({ST_PARTIALLY_FILLED, ST_FILLED, ST_CANCELLED, ST_EXPIRED, ST_REJECTED}),
    ST_PARTIALLY_FILLED: frozenset({ST_PARTIALLY_FILLED, ST_FILLED, ST_CANCELLED, ST_EXPIRED}),
    ST_FILLED: frozenset(),
    ST_CANCELLED: frozenset(),
    ST_EXPIRED: frozenset(),
    ST_REJECTED: frozenset(),
}


def transition(order: Order, new: OrderStatus) -> None:
    if new not in LEGAL_TRANSITIONS[order.status]:
        raise EngineError(
            ErrorCode.ILLEGAL_ORDER_TRANSITION,
            f"order {order.order_id} cannot go from {order.status.name} to {new.name}",
        )
    order.status = new


def count_open(state: State, order: Order, amount: int, pos: Position | None = None) -> None:
    """Add `amount` (may be negative) of this order to its position's open bids/asks for margin."""
    if order.reduce_only or amount == 0 or (order.parent_id and order.order_type == OT_LIMIT):
        return  # reduce-only orders cannot add exposure; an iceberg slice's margin is held by its parent
    if pos is None:
        pos = state.users[(order.authority, order.sub_account)].positions[order.market_index]
    if order.side == SIDE_BUY:
        pos.open_bids += amount
    else:
        pos.open_asks += amount
    order.counted += amount


def order_placed(order: Order) -> OrderPlaced:
    """The OrderPlaced event of an order as it starts its life."""
    return OrderPlaced(
        order.order_id,
        order.authority,
        order.sub_account,
        order.market_index,
        order.side,
        order.order_type,
        order.size,
        order.price,
        order.trigger_price,
        order.status,
        order.client_order_id,
        order.parent_id,
    )


def record_fill(state: State, order: Order, amount: int, pos: Position | None = None) -> None:
    """Count a fill against the order and release its margin reservation (`pos`: its position)."""
    order.filled += amount
    if order.counted:
        count_open(state, order, -min(order.counted, amount), pos)
    new = ST_FILLED if order.filled >= order.size else ST_PARTIALLY_FILLED
    if new in LEGAL_TRANSITIONS[order.status]:  # transition's check, inlined: every fill
        order.status = new
    else:
        transition(order, new)


_TERMINAL = frozenset({ST_FILLED, ST_CANCELLED, ST_EXPIRED, ST_REJECTED})
_RESTING_TYPES = frozenset({OT_LIMIT, OT_STOP_LIMIT, OT_TAKE_PROFIT_LIMIT})


def close_order(state: State, order: Order, status: OrderStatus, events: list[Event], reason: str = "") -> None:
    """Move an order to a terminal status and drop it (and what hangs off it) from the live state."""
    current = order.status
    if current != status:
        if current in _TERMINAL:
            return
        transition(order, status)
    order_id = order.order_id
    market = state.markets[order.market_index]
    if order.counted:
        count_open(state, order, -order.counted)
    # Orders that never rested were never registered (a taker that filled at once): nothing to unlink.
    # Only registered orders are on the book (execution.run_order registers before add_resting).
    if state.orders.pop(order_id, None) is not None:
        if order.order_type in _RESTING_TYPES:
            remove_resting(market, order)
        user = state.users.get((order.authority, order.sub_account))
        if user is not None and order_id in user.order_ids:
            user.order_ids.remove(order_id)
        crank_ids = market.crank_ids
        if crank_ids and order_id in crank_ids:
            crank_ids.remove(order_id)
    if status == ST_FILLED:
        events.append(OrderFinished(order_id))
    elif status == ST_CANCELLED:
        events.append(OrderCancelled(order_id, reason))
    elif status == ST_EXPIRED:
        events.append(OrderExpired(order_id))
    else:
        events.append(OrderRejected(order_id, 0, reason))
    if order.link_id or order.child_ids or order.parent_id:
        _close_linked(state, order, status, events)


def _close_linked(state: State, order: Order, status: OrderStatus, events: list[Event]) -> None:
    sibling = state.orders.get(order.link_id) if order.link_id else None
    if sibling is not None and sibling.status == ST_PENDING_TRIGGER and status == ST_FILLED:
        close_order(state, sibling, ST_CANCELLED, events, "other side of OCO filled")
    for child_id in list(order.child_ids):
        child = state.orders.get(child_id)
        if child is None:
            continue
        if child.status == ST_PENDING_ENTRY and not order.filled:  # the entry is gone unfilled
            close_order(state, child, ST_CANCELLED, events, "bracket entry closed unfilled")
        elif order.order_type in (OT_TWAP, OT_ICEBERG) and status != ST_FILLED:
            close_order(state, child, ST_CANCELLED, events, "parent order closed")
    parent = state.orders.get(order.parent_id) if order.parent_id else None
    if parent is not None and order.order_id in parent.child_ids:
        parent.child_ids.remove(order.order_id)
        if parent.order_type == OT_ICEBERG and status in (ST_CANCELLED, ST_EXPIRED, ST_REJECTED):
            close_order(state, parent, ST_CANCELLED, events, "iceberg slice cancelled")


@dataclass(frozen=True, slots=True)
class ArmBracketLegs:
    """A bracket entry filled (partly): its TP/SL legs start watching their triggers."""

    entry: Order


@dataclass(frozen=True, slots=True)
class RefillIceberg:
    """An iceberg's visible slice filled: the next slice joins the back of its price level."""

    parent: Order


FollowUp = ArmBracketLegs | RefillIceberg


def on_fill(state: State, order: Order, qty: int, events: list[Event]) -> FollowUp | None:
    """Linked-order consequences of a fill: an OCO sibling cancels and an iceberg parent counts the
    fill here; arming bracket legs and showing the next iceberg slice is follow-up work, returned
    for whoever runs the order (matching only reports it, so it never calls back up)."""
    if order.child_ids and order.order_type != OT_ICEBERG and order.order_type != OT_TWAP:
        return ArmBracketLegs(order)
    if order.link_id:
        sibling = state.orders.get(order.link_id)
        if sibling is not None:
            close_order(state, sibling, ST_CANCELLED, events, "other side of OCO filled")
    if order.parent_id:
        parent = state.orders.get(order.parent_id)
        if parent is not None and parent.order_type == OT_ICEBERG:
            record_fill(state, parent, qty)
            if parent.status == ST_FILLED:
                close_order(state, parent, ST_FILLED, events)
            elif order.status == ST_FILLED:
                return RefillIceberg(parent)
    return None


def arm_bracket_legs(state: State, entry: Order) -> None:
    """The entry filled (partly): its TP/SL legs watch their triggers, sized to what filled."""
    market = state.markets[entry.market_index]
    for leg_id in entry.child_ids:
        leg = state.orders.get(leg_id)
        if leg is None:
            continue
        leg.size = entry.filled
        if leg.status == ST_PENDING_ENTRY:
            leg.status = ST_PENDING_TRIGGER
            market.crank_ids.append(leg.order_id)


REDUCE_ONLY_CAPPED = "reduce-only: the position is closed, the rest had nothing to reduce"


def unfilled_reason(state: State, order: Order, otherwise: str) -> str:
    """Why the rest of an order that stops working is cancelled: a reduce-only order capped by its
    position says so, whatever the liquidity was."""
    if order.reduce_only:
        user = state.users.get((order.authority, order.sub_account))
        pos = user.positions.get(order.market_index) if user is not None else None
        if pos is None or reducible(pos.base, order.side == SIDE_BUY) == 0:
            return REDUCE_ONLY_CAPPED
    return otherwise


def new_order_id(state: State) -> int:
    order_id = state.next_order_id
    state.next_order_id = order_id + 1
    return order_id


def live_order(state: State, order_id: int, authority: str | None, sub_account: int | None) -> Order:
    """The live order, or a refusal that says whether it never existed or is already closed."""
    order = state.orders.get(order_id)
    if order is None:
        if 0 < order_id < state.next_order_id:
            raise EngineError(ErrorCode.ORDER_NOT_OPEN, f"order {order_id} is no longer open")
        raise EngineError(ErrorCode.UNKNOWN_ORDER, f"no order {order_id}")
    if authority is not None and (order.authority != authority or order.sub_account != sub_account):
        raise EngineError(ErrorCode.UNKNOWN_ORDER, f"no order {order_id} on this account")
    return order

"""The order and fill views derived from each instruction's events, as the journal writes them.

`TrackedOrders` remembers what the events alone don't say: when an order was created, how much of
it has filled at what average price, a bracket's or TWAP's children, and the last view of every
recent order (so an order that ended within one instruction still gets its final view).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec

from backend.api.protocol import OPEN_STATUSES, FillView, OrderView
from backend.venues import views
from backend.venues.liquidations import liquidation_fill
from programs.quantdesk_perp import events as ev
from programs.quantdesk_perp.context import Context
from programs.quantdesk_perp.enums import OrderStatus
from programs.quantdesk_perp.state import State
from programs.vocabulary import BASE_PRECISION

_order_decoder = msgspec.msgpack.Decoder(OrderView)


@dataclass(slots=True)
class OrderMeta:
    created: int
    base_filled: int = 0
    quote_filled: int = 0
    children: list[int] = field(default_factory=list)  # bracket legs, TWAP/iceberg slices

    @property
    def avg_price(self) -> int:
        return self.quote_filled * BASE_PRECISION // self.base_filled if self.base_filled else 0


class TrackedOrders:
    def __init__(self) -> None:
        self.meta: dict[int, OrderMeta] = {}
        self.recent: dict[int, OrderView] = {}  # views of orders, newest last (terminal ones bounded)
        self.next_fill_id = 1

    def derive(
        self, state: State, events: list[Any], ctx: Context, instruction: Any = None
    ) -> tuple[list[OrderView], list[tuple[str, FillView]]]:
        now = ctx.unix_time
        realized: dict[tuple[str, int, int], int] = {}
        filled: list[Any] = []  # fills and liquidations, in event order: their views need all of `realized`
        ended: dict[int, tuple[OrderStatus, str]] = {}
        placed: dict[int, ev.OrderPlaced] = {}
        touched: dict[int, None] = {}  # the orders the events name, in order (a dict: no repeats)
        meta_of = self.meta
        for event in events:  # one pass; the event types are final classes, so type() is exact
            kind = type(event)
            if kind is ev.PositionChanged:
                key = (event.authority, event.sub_account, event.market_index)
                realized[key] = realized.get(key, 0) + event.realized_pnl
            elif kind is ev.OrderPlaced:
                placed[event.order_id] = event
                touched[event.order_id] = None
                if event.order_id not in meta_of:
                    meta_of[event.order_id] = OrderMeta(created=now)
                if event.parent_id:  # a bracket's legs are announced before their entry
                    parent = meta_of.get(event.parent_id)
                    if parent is None:
                        parent = meta_of[event.parent_id] = OrderMeta(created=now)
                    parent.children.append(event.order_id)
            elif kind is ev.OrderFilled:
                for order_id in (event.taker_order_id, event.maker_order_id):
                    if order_id:
                        touched[order_id] = None
                    meta = meta_of.get(order_id)
                    if meta is not None:
                        meta.base_filled += event.base
                        meta.quote_filled += event.quote
                filled.append(event)
            elif kind is ev.Liquidated:  # names no order
                filled.append(event)
            else:
                order_id = getattr(event, "order_id", 0)
                if order_id:
                    touched[order_id] = None
                status = views.STATUS_OF_EVENT.get(kind)
                if status is not None:
                    ended[order_id] = (status, getattr(event, "reason", "") or views.REASON_OF_EVENT.get(kind, ""))
        fills: list[tuple[str, FillView]] = []
        for event in filled:
            if type(event) is ev.OrderFilled:
                made = views.fill_views(state, event, self.next_fill_id, now, realized)
                self.next_fill_id += len(made)
                fills.extend(made)
            else:
                fills.append(liquidation_fill(state, event, self.next_fill_id, now, ctx.slot))
                self.next_fill_id += 1
        orders = []
        for order_id in list(touched):  # children change with their parent (bracket legs arm and resize)
            meta = meta_of.get(order_id)
            if meta is not None and meta.children:
                for child in meta.children:
                    if child not in touched and child in state.orders:
                        touched[child] = None
        for order_id in touched:
            meta = meta_of.get(order_id)
            if meta is None:
                meta = meta_of[order_id] = OrderMeta(created=now)
            order = state.orders.get(order_id)
            if order is not None:
                view = views.order_view(state, order, now, meta.created, meta.avg_price)
            else:
                status, reason = ended.get(order_id, (OrderStatus.FILLED, ""))
                previous = self.recent.get(order_id)
                if previous is not None:
                    view = msgspec.structs.replace(
                        previous,
                        status=views.wire_status(status),
                        filled=previous.size if status == OrderStatus.FILLED else meta.base_filled or previous.filled,
                        avg_fill_price=meta.avg_price,
                        updated_ts=now,
                        reason=reason,
                    )
                elif order_id in placed:  # placed and finished within this instruction (IOC, FOK, a crossing fill)
                    view = views.placed_order_view(
                        state, placed[order_id], instruction, meta.created, status, meta, now, reason
                    )
                else:
                    continue
                meta_of.pop(order_id, None)
            self.recent[order_id] = view
            orders.append(view)
        self._trim()
        return orders, fills

    def _trim(self, keep: int = 5_000) -> None:
        if len(self.recent) > keep + 500:
            for order_id in [i for i, v in self.recent.items() if v.status not in OPEN_STATUSES][:500]:
                self.recent.pop(order_id, None)

    def reload(self, conn: Any) -> None:
        """The views the store holds: open orders and the newest 2,000, and the next fill id."""
        rows = conn.execute(
            "SELECT view FROM orders WHERE status IN (?, ?, ?, ?) OR order_id IN "
            "(SELECT order_id FROM orders ORDER BY updated_ts DESC LIMIT 2000)",
            OPEN_STATUSES,
        ).fetchall()
        for (blob,) in rows:
            view = _order_decoder.decode(blob)
            self.recent[view.order_id] = view
            if view.status in OPEN_STATUSES:
                meta = self.meta.setdefault(view.order_id, OrderMeta(created=view.created_ts))
                meta.base_filled = view.filled
                meta.quote_filled = view.avg_fill_price * view.filled // BASE_PRECISION
        self.recent = dict(sorted(self.recent.items()))
        row = conn.execute("SELECT MAX(fill_id) FROM fills").fetchone()
        self.next_fill_id = (row[0] or 0) + 1

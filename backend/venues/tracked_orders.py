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
        for event in events:
            if isinstance(event, ev.PositionChanged):
                key = (event.authority, event.sub_account, event.market_index)
                realized[key] = realized.get(key, 0) + event.realized_pnl
        fills: list[tuple[str, FillView]] = []
        ended: dict[int, tuple[OrderStatus, str]] = {}
        placed: dict[int, ev.OrderPlaced] = {}
        for event in events:
            if isinstance(event, ev.OrderPlaced):
                placed[event.order_id] = event
                self.meta.setdefault(event.order_id, OrderMeta(created=now))
                if event.parent_id:  # a bracket's legs are announced before their entry
                    self.meta.setdefault(event.parent_id, OrderMeta(created=now)).children.append(event.order_id)
            elif isinstance(event, ev.OrderFilled):
                for order_id in (event.taker_order_id, event.maker_order_id):
                    meta = self.meta.get(order_id)
                    if meta is not None:
                        meta.base_filled += event.base
                        meta.quote_filled += event.quote
                made = views.fill_views(state, event, self.next_fill_id, now, realized)
                self.next_fill_id += len(made)
                fills.extend(made)
            elif isinstance(event, ev.Liquidated):
                fills.append(liquidation_fill(state, event, self.next_fill_id, now, ctx.slot))
                self.next_fill_id += 1
            elif type(event) in views.STATUS_OF_EVENT:
                reason = getattr(event, "reason", "") or views.REASON_OF_EVENT.get(type(event), "")
                ended[event.order_id] = (views.STATUS_OF_EVENT[type(event)], reason)
        orders = []
        touched = views.touched_order_ids(events)
        for order_id in list(touched):  # children change with their parent (bracket legs arm and resize)
            meta = self.meta.get(order_id)
            if meta is not None:
                touched.extend(i for i in meta.children if i not in touched and i in state.orders)
        for order_id in touched:
            meta = self.meta.get(order_id) or self.meta.setdefault(order_id, OrderMeta(created=now))
            order = state.orders.get(order_id)
            if order is not None:
                view = views.order_view(state, order, now, meta.created, meta.avg_price)
            else:
                previous = self.recent.get(order_id)
                if previous is None:  # placed and finished within this instruction (IOC, FOK, a crossing fill)
                    if order_id not in placed:
                        continue
                    previous = views.placed_order_view(state, placed[order_id], instruction, meta.created)
                status, reason = ended.get(order_id, (OrderStatus.FILLED, ""))
                filled = previous.size if status == OrderStatus.FILLED else meta.base_filled or previous.filled
                view = msgspec.structs.replace(
                    previous,
                    status=views.wire_status(status),
                    filled=filled,
                    avg_fill_price=meta.avg_price,
                    updated_ts=now,
                    reason=reason,
                )
                self.meta.pop(order_id, None)
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

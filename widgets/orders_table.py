"""OrdersTable: working and recent orders with their fill progress; cancel keys post requests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message

from backend.api.protocol import TERMINAL_STATUSES, MarketInfo, OrderView
from widgets.format import fmt_price, fmt_size, market_decimals
from widgets.live_table import Cell, Column, LiveTable

COLUMNS = [
    Column("id", "ID", 7, "right", drop=1),
    Column("market", "Market", 11),
    Column("side", "Side", 6),
    Column("type", "Type", 12, drop=2),
    Column("status", "Status", 16),
    Column("size", "Size", 11, "right"),
    Column("filled", "Filled", 11, "right", drop=3),
    Column("price", "Price", 11, "right"),
    Column("trigger", "Trigger", 11, "right", drop=4),
    Column("flags", "Flags", 5, drop=5),
    Column("tif", "TIF", 4, drop=6),
]


class OrdersTable(LiveTable):
    """Rows keyed by order_id. With `hide_done` (the default) terminal orders drop out."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c,delete", "cancel_order", "Cancel order", id="orders.cancel"),
        Binding("C", "cancel_all", "Cancel all", id="orders.cancel_all"),
    ]

    class CancelRequested(Message):
        def __init__(self, order_id: int, market: str) -> None:
            super().__init__()
            self.order_id = order_id
            self.market = market

    class CancelAllRequested(Message):
        """Cancel every shown order (market = None) — the owner asks for confirmation."""

        def __init__(self, market: str | None) -> None:
            super().__init__()
            self.market = market

    def __init__(
        self,
        *,
        hide_done: bool = True,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(COLUMNS, empty_text="no open orders", name=name, id=id, classes=classes)
        self.hide_done = hide_done
        self._decimals: dict[str, tuple[int, int]] = {}
        self._orders: dict[int, OrderView] = {}

    def set_markets(self, markets: Iterable[MarketInfo]) -> None:
        self._decimals = {m.symbol: market_decimals(m) for m in markets}
        for order in list(self._orders.values()):
            self.upsert(order.order_id, self._row(order))

    def set_orders(self, orders: Iterable[OrderView]) -> None:
        self._orders = {o.order_id: o for o in orders if self._shown(o)}
        self.update_rows({order_id: self._row(o) for order_id, o in self._orders.items()})

    def update_order(self, order: OrderView) -> None:
        if self._shown(order):
            self._orders[order.order_id] = order
            self.upsert(order.order_id, self._row(order))
        else:
            self._orders.pop(order.order_id, None)
            self.remove_row(order.order_id)

    def action_cancel_order(self) -> None:
        key = self.cursor_key
        order = self._orders.get(key) if isinstance(key, int) else None
        if order is not None:
            self.post_message(self.CancelRequested(order.order_id, order.market))

    def action_cancel_all(self) -> None:
        if self._orders:
            markets = {o.market for o in self._orders.values()}
            self.post_message(self.CancelAllRequested(markets.pop() if len(markets) == 1 else None))

    def _shown(self, order: OrderView) -> bool:
        return not (self.hide_done and order.status in TERMINAL_STATUSES)

    def _row(self, o: OrderView) -> tuple[Any, ...]:
        px, sz = self._decimals.get(o.market, (2, 4))
        buy = o.side == "buy"
        flags = ("R" if o.reduce_only else "") + ("P" if o.post_only else "")
        status_tone = {"rejected": "down", "pending_trigger": "warn", "partially_filled": "warn"}.get(o.status)
        return (
            o.order_id,
            o.market,
            Cell(o.side, "▲ BUY" if buy else "▼ SELL", "up" if buy else "down"),
            o.order_type.replace("_", " "),
            Cell(
                o.status,
                o.status.replace("_", " "),
                status_tone or ("dim" if o.status in TERMINAL_STATUSES else None),
            ),
            Cell(o.size, fmt_size(o.size, sz)),
            Cell(o.filled, fmt_size(o.filled, sz), "dim" if o.filled == 0 else None),
            Cell(o.price, fmt_price(o.price, px) if o.price else "market"),
            Cell(o.trigger_price, fmt_price(o.trigger_price, px) if o.trigger_price else "—"),
            flags or "—",
            o.tif.upper(),
        )

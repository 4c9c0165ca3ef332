"""The TUI's copy of backend state, fed by pushes; screens read it when told it changed.

Pushes land here at any rate; each change is told through `post` as a typed message (changes.py)
that Textual coalesces, so the widgets whose data moved repaint once however many pushes arrived.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from textual.message import Message

from backend.api.protocol import (
    OPEN_STATUSES,
    AccountView,
    BookView,
    Candles,
    FillView,
    MarketInfo,
    OrderView,
    PositionView,
    Quote,
    Status,
)
from quantdesk_tui.changes import (
    AccountChanged,
    BookChanged,
    CandlesChanged,
    FillsChanged,
    FocusedMarketChanged,
    LogChanged,
    OrdersChanged,
    PositionsChanged,
    QuoteChanged,
)


def _nowhere(_change: Message) -> None:
    pass


@dataclass
class Hub:
    markets: list[MarketInfo] = field(default_factory=list)
    quotes: dict[str, Quote] = field(default_factory=dict)
    status: Status | None = None
    trading_state: str | None = None
    market: str = "SOL-PERP"  # the focused market (shared with the link group)
    timeframe: str = "1m"
    indicators: set[str] = field(default_factory=set)  # what the chart overlays (sma, ema, ...)
    sub_account: int = 0
    groups: dict[str, list[str]] = field(default_factory=dict)
    market_stats: dict[str, dict[str, Any]] = field(default_factory=dict)
    orders: dict[int, OrderView] = field(default_factory=dict)
    fills: deque[FillView] = field(default_factory=lambda: deque(maxlen=500))
    positions: dict[tuple[int, str], PositionView] = field(default_factory=dict)
    accounts: dict[int, AccountView] = field(default_factory=dict)
    book: BookView | None = None
    candles: Candles | None = None  # the focused chart's bars, None until loaded
    overlays: dict[str, list[float | None]] = field(default_factory=dict)
    forming_bar: Candles | None = None  # the focused chart's live bar, from the candles stream
    alerts: list[dict[str, Any]] = field(default_factory=list)
    fired: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=200))
    liquidations: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=200))
    equity: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=2000))
    log: deque[tuple[str, str]] = field(default_factory=lambda: deque(maxlen=2000))
    log_total: int = 0  # lines ever noted, so a log view knows how many are new
    keys: list[dict[str, Any]] = field(default_factory=list)  # public key info only; secrets never leave the backend
    wallet: dict[str, Any] = field(default_factory=dict)
    transactions: list[dict[str, Any]] = field(default_factory=list)
    connected: bool = False
    connection_note: str = "connecting…"
    rtt_ms: float | None = None
    ticks: int = 0
    # what the Portfolio, Risk, Alerts and Admin screens load on demand (plain dicts as the ops return them)
    sub_accounts: list[int] = field(default_factory=lambda: [0])
    admin: dict[str, Any] | None = None
    audit: list[dict[str, Any]] = field(default_factory=list)
    risk_report: dict[str, Any] | None = None
    risk_monitor: dict[str, Any] | None = None
    alert_history: list[dict[str, Any]] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)  # op -> why it failed last time
    clock: Callable[[], float] = field(default=time.time, repr=False)  # stamps equity points
    post: Callable[[Message], None] = field(default=_nowhere, repr=False)  # where changes go (the app's deliver)

    @property
    def market_info(self) -> MarketInfo | None:
        return next((m for m in self.markets if m.symbol == self.market), None)

    def focus(self, market: str) -> None:
        """Make `market` the focused one: what belonged to the previous market is dropped at once,
        so no pane can draw one market's data under another's title."""
        self.market = market
        self.book = None
        self.candles = None
        self.overlays = {}
        self.forming_bar = None
        for change in (FocusedMarketChanged(), CandlesChanged(), BookChanged()):
            self.post(change)

    def open_orders(self, market: str | None = None) -> list[OrderView]:
        return [o for o in self.orders.values() if o.status in OPEN_STATUSES and (market is None or o.market == market)]

    def on_quote(self, quote: Quote) -> None:
        self.quotes[quote.market] = quote
        self.ticks += 1
        self.post(QuoteChanged(quote))

    def on_order(self, order: OrderView) -> None:
        if order.order_id:
            self.orders[order.order_id] = order
            if len(self.orders) > 2000:
                for order_id in [i for i, o in self.orders.items() if o.status not in OPEN_STATUSES][:200]:
                    del self.orders[order_id]
        self.post(OrdersChanged())

    def on_fill(self, fill: FillView) -> None:
        self.fills.append(fill)
        self.post(FillsChanged())

    def on_position(self, position: PositionView) -> None:
        key = (position.sub_account, position.market)
        if position.base == 0:
            self.positions.pop(key, None)
        else:
            self.positions[key] = position
        self.post(PositionsChanged())

    def on_account(self, account: AccountView) -> None:
        self.accounts[account.sub_account] = account
        if account.sub_account == self.sub_account:
            self.equity.append((self.clock(), account.equity))
        self.post(AccountChanged())

    def note(self, text: str, level: str = "info") -> None:
        self.log.append((level, text))
        self.log_total += 1
        self.post(LogChanged())

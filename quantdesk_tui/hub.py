"""The TUI's copy of backend state, fed by pushes; screens read it on each frame.

Pushes land here at any rate; `dirty` collects what changed since the last frame so a frame
touches only the widgets whose data moved (the coalescing that keeps the TUI at ≤ 60 fps).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

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

# every kind of change a screen can be told about: a screen coming back (or a pane just mounted)
# repaints from all of them, since the frames it missed went to another screen
ALL_CHANGES = frozenset(
    {
        "markets",
        "market",
        "orders",
        "fills",
        "positions",
        "account",
        "book",
        "candles",
        "alerts",
        "log",
        "alert_fired",
        "market_stats",
        "groups",
        "status",
        "trading_state",
        "connection",
        "preview",
        "wallet",
        "sub_accounts",
        "admin",
        "risk",
        "alert_history",
        "unavailable",
    }
)


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
    dirty_quotes: set[str] = field(default_factory=set)
    dirty: set[str] = field(default_factory=set)
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
        for what in ("market", "candles", "book"):
            self.mark(what)

    def open_orders(self, market: str | None = None) -> list[OrderView]:
        return [o for o in self.orders.values() if o.status in OPEN_STATUSES and (market is None or o.market == market)]

    def on_quote(self, quote: Quote) -> None:
        self.quotes[quote.market] = quote
        self.dirty_quotes.add(quote.market)
        self.ticks += 1

    def on_order(self, order: OrderView) -> None:
        if order.order_id:
            self.orders[order.order_id] = order
            if len(self.orders) > 2000:
                for order_id in [i for i, o in self.orders.items() if o.status not in OPEN_STATUSES][:200]:
                    del self.orders[order_id]
        self.mark("orders")

    def on_fill(self, fill: FillView) -> None:
        self.fills.append(fill)
        self.mark("fills")

    def on_position(self, position: PositionView) -> None:
        key = (position.sub_account, position.market)
        if position.base == 0:
            self.positions.pop(key, None)
        else:
            self.positions[key] = position
        self.mark("positions")

    def on_account(self, account: AccountView) -> None:
        self.accounts[account.sub_account] = account
        if account.sub_account == self.sub_account:
            self.equity.append((self.clock(), account.equity))
        self.mark("account")

    def note(self, text: str, level: str = "info") -> None:
        self.log.append((level, text))
        self.log_total += 1
        self.mark("log")

    def take_dirty(self) -> tuple[set[str], set[str]]:
        quotes, other = self.dirty_quotes, self.dirty
        self.dirty_quotes, self.dirty = set(), set()
        return quotes, other

    def mark(self, what: str) -> None:
        self.dirty.add(what)

"""What the Hub tells the TUI when its data moves: one Textual message class per kind of change.

A change carries no copy of the data (a quote carries its own `Quote`): the handler reads the Hub,
so a newer message of the same kind makes a queued one redundant and Textual drops the older one
(`can_replace`). A burst of pushes that lands while the screen is busy costs one repaint.
Changes go to the screen on top (`QuantDeskApp.deliver`); notices (toasts, notices.py) go to the app.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from textual.message import Message

from backend.api.protocol import Quote


class HubChanged(Message, bubble=False):
    """Some part of the Hub changed; a subclass names which. Latest-value: the newest one suffices."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        kwargs.setdefault("bubble", False)  # from the screen it would reach the app, which repaints nothing
        super().__init_subclass__(**kwargs)

    def can_replace(self, message: Message) -> bool:
        return type(message) is type(self)


class QuoteChanged(HubChanged):
    """Prices moved: `quotes` holds the newest quote of each market that moved.

    A newer QuoteChanged supersedes a queued one of any market and takes over the quotes it alone
    holds, so quotes of several markets arriving interleaved still cost one handling.
    """

    def __init__(self, *quotes: Quote) -> None:
        super().__init__()
        self.quotes = {quote.market: quote for quote in quotes}

    def can_replace(self, message: Message) -> bool:
        if not isinstance(message, QuoteChanged):
            return False
        message.quotes = self.quotes | message.quotes
        return True


class MarketsChanged(HubChanged):
    """The market table (symbols, tick and step sizes)."""


class FocusedMarketChanged(HubChanged):
    """The focused market or the chart's timeframe."""


class OrdersChanged(HubChanged):
    pass


class FillsChanged(HubChanged):
    pass


class PositionsChanged(HubChanged):
    pass


class AccountChanged(HubChanged):
    """An account's balances, or which sub-account is shown."""


class BookChanged(HubChanged):
    pass


class CandlesChanged(HubChanged):
    """The focused chart's bars and indicator series."""


class FormingBarChanged(HubChanged):
    """The focused chart's live bar, from the candles stream."""


class AlertsChanged(HubChanged):
    pass


class FiredChanged(HubChanged):
    """An alert fired (`Hub.fired` grew)."""


class LogChanged(HubChanged):
    pass


class MarketStatsChanged(HubChanged):
    """Funding and open interest of every market."""


class StatusChanged(HubChanged):
    """The backend's status (feeds, uptime) or its round-trip time."""


class TradingStateChanged(HubChanged):
    pass


class ConnectionChanged(HubChanged):
    pass


class PreviewChanged(HubChanged):
    """The ticket's order preview (`QuantDeskApp.preview`)."""


class WalletChanged(HubChanged):
    pass


class SubAccountsChanged(HubChanged):
    pass


class AdminChanged(HubChanged):
    """The venue's markets and parameters, and the admin audit."""


class RiskChanged(HubChanged):
    """The risk report and monitor."""


class AlertHistoryChanged(HubChanged):
    pass


class UnavailableChanged(HubChanged):
    """An on-demand op failed or works again (`Hub.unavailable`)."""


# every change without data: a screen coming back (or a pane just mounted) repaints from all of them
DATA_CHANGES: tuple[type[HubChanged], ...] = (
    MarketsChanged,
    FocusedMarketChanged,
    OrdersChanged,
    FillsChanged,
    PositionsChanged,
    AccountChanged,
    BookChanged,
    CandlesChanged,
    AlertsChanged,
    FiredChanged,
    LogChanged,
    MarketStatsChanged,
    StatusChanged,
    TradingStateChanged,
    ConnectionChanged,
    PreviewChanged,
    WalletChanged,
    SubAccountsChanged,
    AdminChanged,
    RiskChanged,
    AlertHistoryChanged,
    UnavailableChanged,
)


def every_change(quotes: dict[str, Quote]) -> Iterator[HubChanged]:
    """All the changes there are: what repaints a screen or pane from the Hub as it is now."""
    for change in DATA_CHANGES:
        yield change()
    if quotes:
        yield QuoteChanged(*quotes.values())


def deliver(target: object, change: HubChanged) -> None:
    """Call `target`'s handler for `change` (`on_orders_changed`, ...) now, if it has one."""
    handler = getattr(target, change.handler_name, None)
    if handler is not None:
        handler(change)

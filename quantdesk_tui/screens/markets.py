"""Markets: the live watchlist of every market with 24h change, funding, open interest, confidence, age."""

from __future__ import annotations

from textual.app import ComposeResult

from quantdesk_tui.hub import Hub
from quantdesk_tui.screens.base import WorkspaceScreen
from widgets.watchlist import Watchlist


class MarketsScreen(WorkspaceScreen):
    def compose_body(self) -> ComposeResult:
        yield Watchlist(id="watchlist", show_funding=True, show_oi=True, clock=self.app.clock)  # type: ignore[attr-defined]

    _primed = False

    def on_mount(self) -> None:
        self.query_one(Watchlist).table.focus()
        self.refresh_body(self.app.hub, set(self.app.hub.quotes), {"markets", "groups"})  # type: ignore[attr-defined]

    def refresh_body(self, hub: Hub, quotes: set[str], other: set[str]) -> None:
        watchlist = self.query_one(Watchlist)
        if "markets" in other or not self._primed:  # rows in market-table order before any quote
            watchlist.set_markets(hub.markets)
            self._primed = bool(hub.markets)
        if "groups" in other:
            watchlist.set_groups(hub.groups)
        for market in quotes:
            watchlist.update_quote(hub.quotes[market])
        if "market_stats" in other:
            for market, stats in hub.market_stats.items():
                watchlist.update_stats(
                    market, funding_rate=stats.get("funding_rate_hourly"), open_interest=stats.get("open_interest_usd")
                )

    def on_watchlist_market_selected(self, event: Watchlist.MarketSelected) -> None:
        self.app.focus_market(event.market)  # type: ignore[attr-defined]

"""Markets: the live watchlist of every market with 24h change, funding, open interest, confidence, age."""

from __future__ import annotations

from textual.app import ComposeResult

from quantdesk_tui.desk_app import desk_app
from quantdesk_tui.changes import MarketsChanged, MarketStatsChanged, QuoteChanged
from quantdesk_tui.screens.base import WorkspaceScreen
from widgets.watchlist import Watchlist


class MarketsScreen(WorkspaceScreen):
    def compose_body(self) -> ComposeResult:
        yield Watchlist(id="watchlist", show_funding=True, show_oi=True, clock=desk_app(self.app).clock)

    def on_mount(self) -> None:
        watchlist = self.query_one(Watchlist)
        watchlist.table.focus()
        watchlist.set_groups(self.hub.groups)  # from config.toml: they do not change while the app runs
        watchlist.set_markets(self.hub.markets)  # rows in market-table order before any quote

    def on_markets_changed(self, _change: MarketsChanged) -> None:
        self.query_one(Watchlist).set_markets(self.hub.markets)

    def on_quote_changed(self, change: QuoteChanged) -> None:
        watchlist = self.query_one(Watchlist)
        for quote in change.quotes.values():
            watchlist.update_quote(quote)

    def on_market_stats_changed(self, _change: MarketStatsChanged) -> None:
        watchlist = self.query_one(Watchlist)
        for market, stats in self.hub.market_stats.items():
            watchlist.update_stats(
                market, funding_rate=stats.get("funding_rate_hourly"), open_interest=stats.get("open_interest_usd")
            )

    def on_watchlist_market_selected(self, event: Watchlist.MarketSelected) -> None:
        desk_app(self.app).focus_market(event.market)

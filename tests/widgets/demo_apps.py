"""Small deterministic demo apps of the main widgets, for SVG snapshots (fixed data, frozen clocks)."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tests.widgets.fixtures import FEEDS, FROZEN_DATETIME, FROZEN_NOW, MARKETS, QUOTES
from themes import register_themes
from widgets.status_bar import StatusBar
from widgets.watchlist import Watchlist


class DemoApp(App[None]):
    def __init__(self, theme: str = "quantdesk-dark") -> None:
        super().__init__()
        register_themes(self, activate=theme)


class MarketsDemo(DemoApp):
    def compose(self) -> ComposeResult:
        yield Watchlist(id="wl", show_funding=True, show_oi=True, clock=lambda: FROZEN_NOW)
        yield StatusBar(id="status", clock=lambda: FROZEN_DATETIME)

    def on_mount(self) -> None:
        watchlist = self.query_one(Watchlist)
        watchlist.set_markets(MARKETS)
        for quote in QUOTES:
            watchlist.update_quote(quote)
        watchlist.update_stats("SOL-PERP", funding_rate=0.000125, open_interest=12_345_678)
        watchlist.update_stats("BTC-PERP", funding_rate=-0.00005, open_interest=456_000_000)
        watchlist.table.focus()
        self.query_one(StatusBar).set_state(
            connection="connected", latency_ms=2.4, trading_state="ACTIVE", feeds=FEEDS
        )

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
        self.query_one(StatusBar).set_state(connection="connected", latency_ms=2.4, trading_state="ACTIVE", feeds=FEEDS)


class TradeDemo(DemoApp):
    """Ticket beside the book, positions and orders below."""

    CSS = """
    #top { height: 24; }
    #top OrderTicket { width: 44; }
    #bottom { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        from textual.containers import Horizontal, Vertical

        from widgets.order_book import OrderBook
        from widgets.order_ticket import OrderTicket
        from widgets.orders_table import OrdersTable
        from widgets.positions_table import PositionsTable

        with Horizontal(id="top"):
            yield OrderTicket(id="ticket")
            yield OrderBook(id="book")
        with Vertical(id="bottom"):
            yield PositionsTable(id="positions")
            yield OrdersTable(id="orders")

    def on_mount(self) -> None:
        from tests.widgets.fixtures import BOOK, ORDERS, POSITIONS
        from widgets.order_book import OrderBook
        from widgets.order_ticket import OrderTicket
        from widgets.orders_table import OrdersTable
        from widgets.positions_table import PositionsTable

        ticket = self.query_one(OrderTicket)
        ticket.set_market(MARKETS[0])
        ticket.set_reference_price(142_500_000)
        ticket.set_preview(
            {
                "margin": 21_375_000,
                "leverage": 25_000,
                "fill": 142_642_500,
                "resting": 0,
                "liq_price": 98_765_000,
                "fee": 106_875,
            }
        )
        book = self.query_one(OrderBook)
        book.set_market(MARKETS[0])
        book.set_book(BOOK)
        book.set_own_orders(ORDERS)
        for table in (self.query_one(PositionsTable), self.query_one(OrdersTable)):
            table.set_markets(MARKETS)
        self.query_one(PositionsTable).set_positions(POSITIONS)
        self.query_one(OrdersTable).set_orders(ORDERS)
        book.focus()


class ChartDemo(DemoApp):
    """Candle chart with SMA and RSI, an entry, an order and a liquidation level; equity below."""

    CSS = "#equity { height: 10; }"

    def compose(self) -> ComposeResult:
        from widgets.candle_chart import CandleChart
        from widgets.equity_chart import EquityChart

        yield CandleChart(id="chart", market="SOL-PERP", timeframe="1m")
        yield EquityChart(id="equity")

    def on_mount(self) -> None:
        from tests.widgets.fixtures import candles
        from widgets.candle_chart import CandleChart
        from widgets.equity_chart import EquityChart

        rows = candles(90)
        closes = [c / 1000 for c in rows.close]
        sma = [None if i < 9 else sum(closes[i - 9 : i + 1]) / 10 for i in range(len(closes))]
        chart = self.query_one(CandleChart)
        chart.set_candles(rows)
        chart.set_overlays({"sma": sma, "rsi": [50 + (i * 13) % 30 - 15 for i in range(len(rows))]})
        chart.indicators = {"sma", "rsi"}
        chart.set_levels([("entry", 139.0, "entry"), ("buy", 137.5, "order"), ("liq", 98.0, "liq")])
        chart.focus()
        equity = self.query_one(EquityChart)
        equity.set_points(
            [(FROZEN_NOW + 3600 * i, 10_000_000_000 + 25_000_000 * ((i * 7) % 11 - 3) * i) for i in range(48)]
        )


class SystemDemo(DemoApp):
    """Log pane with a search active, the help panel for it, compact status bar."""

    CSS = "HelpPanel { dock: right; width: 60; }"

    def compose(self) -> ComposeResult:
        from widgets.help_panel import HelpPanel
        from widgets.log_pane import LogPane

        yield LogPane(id="log")
        yield HelpPanel(id="help")
        yield StatusBar(id="status", clock=lambda: FROZEN_DATETIME)

    def on_mount(self) -> None:
        from widgets.help_panel import HelpPanel
        from widgets.log_pane import LogPane

        log = self.query_one(LogPane)
        for i in range(30):
            log.write(f"12:00:{i:02d} order {100 + i} filled SOL-PERP", "info")
            if i % 7 == 0:
                log.write(f"12:00:{i:02d} feed coingecko degraded: slow", "warning")
            if i % 11 == 0:
                log.write(f"12:00:{i:02d} rpc error: timeout", "error")
        log.set_search("feed")
        log.view.focus()
        self.query_one(HelpPanel).show_for(log.view)
        self.query_one(StatusBar).set_state(
            connection="reconnecting", latency_ms=120.0, trading_state="REDUCE_ONLY", feeds=FEEDS
        )

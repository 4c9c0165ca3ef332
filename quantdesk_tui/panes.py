"""Panes: the building blocks of a layout. Each wraps one widget and feeds it from the Hub.

A pane knows which Hub changes concern it (`refresh_pane`) and turns its widget's messages
into app actions; the widget itself stays ignorant of the backend.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static, TabbedContent, TabPane

from backend.api.protocol import MARGIN_PRECISION, PRICE_PRECISION, CancelArgs
from backend.api.protocol import QUOTE_PRECISION as Q
from quantdesk_tui.hub import ALL_CHANGES, Hub
from widgets.candle_chart import CandleChart
from widgets.fills_table import FillsTable
from widgets.log_pane import LogPane
from widgets.order_book import OrderBook
from widgets.order_ticket import OrderTicket
from widgets.static_text import set_static
from widgets.orders_table import OrdersTable
from widgets.positions_table import PositionsTable
from widgets.watchlist import Watchlist

W = TypeVar("W", bound=Widget)


class Pane(Vertical):
    """A titled box around one widget; `refresh_pane` is called each frame with what changed."""

    title: ClassVar[str] = ""
    DEFAULT_CSS = """
    Pane { border: round $surface-lighten-2; border-title-color: $text-muted; height: 1fr; width: 1fr; }
    Pane:focus-within { border: round $primary; border-title-color: $primary; }
    """

    ready = False  # set once the pane's own widgets are mounted; frames skip it until then
    _found: dict[str, Widget] | None = None

    def one(self, selector: str, kind: type[W]) -> W:
        """The pane's widget matching `selector`, found once: frames ask for it many times a second, and a
        pane's widgets are composed once and never replaced."""
        found = self._found if self._found is not None else {}
        self._found = found
        widget = found.get(selector)
        if widget is None:
            widget = found[selector] = self.query_one(selector, kind)
        return widget  # type: ignore[return-value]

    def on_mount(self) -> None:
        self.border_title = self.title
        self.ready = True
        self.prime(self.app.hub)  # type: ignore[attr-defined]

    def refresh_pane(self, hub: Hub, quotes: set[str], other: set[str]) -> None:
        pass

    def prime(self, hub: Hub) -> None:
        """Fill the widget from the Hub right after mounting."""
        self.refresh_pane(hub, set(hub.quotes), set(ALL_CHANGES))

    @property
    def actions(self) -> Any:
        return self.app.trading  # type: ignore[attr-defined]


class ChartPane(Pane):
    title = "Chart"

    def compose(self) -> ComposeResult:
        hub: Hub = self.app.hub  # type: ignore[attr-defined]
        yield CandleChart(id="chart", market=hub.market, timeframe=hub.timeframe)

    def on_mount(self) -> None:
        self.one("CandleChart", CandleChart).set_indicators(self.app.hub.indicators)  # type: ignore[attr-defined]

    def refresh_pane(self, hub: Hub, quotes: set[str], other: set[str]) -> None:
        chart = self.one("CandleChart", CandleChart)
        if "market" in other:
            chart.set_market(hub.market)
            chart.set_timeframe(hub.timeframe)
            self.border_title = f"Chart {hub.market} {hub.timeframe}"
        if "candles" in other:
            chart.set_candles(hub.candles)
            chart.set_overlays(hub.overlays)
        elif "candle_tick" in other and hub.forming_bar is not None and hub.candles is not None:
            chart.update_candle(hub.forming_bar)
        if other & {"orders", "positions", "alerts", "market"}:
            chart.set_levels(chart_levels(hub))

    def on_candle_chart_timeframe_changed(self, event: CandleChart.TimeframeChanged) -> None:
        self.actions.set_timeframe(event.timeframe)

    def on_candle_chart_indicators_changed(self, event: CandleChart.IndicatorsChanged) -> None:
        self.actions.set_indicators(event.indicators)


def chart_levels(hub: Hub) -> list[tuple[str, float, str]]:
    levels: list[tuple[str, float, str]] = []
    for order in hub.open_orders(hub.market):
        price = order.price or order.trigger_price
        if price:
            levels.append((f"{order.side} #{order.order_id}", price / PRICE_PRECISION, "order"))
    position = hub.positions.get((hub.sub_account, hub.market))
    if position is not None:
        levels.append(("entry", position.entry_price / PRICE_PRECISION, "entry"))
        if position.liq_price:
            levels.append(("liq", position.liq_price / PRICE_PRECISION, "liq"))
    for alert in hub.alerts:  # a fired one-shot or disabled alert is no longer a level to watch
        if (
            alert.get("market") == hub.market
            and alert.get("level") is not None
            and alert.get("status", "active") == "active"
            and alert.get("active", True)
        ):
            try:
                levels.append((f"alert #{alert.get('id')}", float(alert["level"]), "alert"))
            except (TypeError, ValueError):
                continue
    return levels


class TicketPane(Pane):
    title = "Order ticket"

    def compose(self) -> ComposeResult:
        yield OrderTicket(id="ticket")  # large orders are confirmed by the app's one rule (trading.submit)

    def refresh_pane(self, hub: Hub, quotes: set[str], other: set[str]) -> None:
        ticket = self.one("OrderTicket", OrderTicket)
        if other & {"markets", "market"} and hub.market_info is not None:
            if ticket.market is not None and ticket.market.symbol != hub.market:
                ticket.clear()  # one market's prices and sizes never carry over to another
                ticket.set_reference_price(0)
            ticket.set_market(hub.market_info)
            self.border_title = f"Order ticket {hub.market}"
        if hub.market in quotes:
            quote = hub.quotes[hub.market]
            ticket.set_reference_price(round(quote.price * 10 ** (quote.expo + 6)))
        if "account" in other and (account := hub.accounts.get(hub.sub_account)) is not None:
            ticket.set_equity(account.equity)
        if "preview" in other:
            ticket.set_preview(self.app.preview)  # type: ignore[attr-defined]

    def on_order_ticket_submitted(self, event: OrderTicket.Submitted) -> None:
        self.actions.submit_ticket(event.order)

    def on_order_ticket_changed(self, event: OrderTicket.Changed) -> None:
        self.actions.request_preview(event.order)


class BookPane(Pane):
    title = "Book"

    def compose(self) -> ComposeResult:
        yield OrderBook(id="book")

    def refresh_pane(self, hub: Hub, quotes: set[str], other: set[str]) -> None:
        book = self.one("OrderBook", OrderBook)
        if other & {"markets", "market"} and hub.market_info is not None:
            book.set_market(hub.market_info)
            self.border_title = f"Book {hub.market}"
        if "book" in other and hub.book is not None and hub.book.market == hub.market:
            book.set_book(hub.book)
        if other & {"orders", "market"}:
            book.set_own_orders(hub.open_orders(hub.market))

    def on_order_book_price_picked(self, event: OrderBook.PricePicked) -> None:
        ticket = self.screen.query(OrderTicket)
        if ticket:
            ticket.first().set_price(event.price)
            ticket.first().focus()


class BlotterPane(Pane):
    """Positions | orders | fills in tabs."""

    title = "Positions · Orders · Fills"

    def compose(self) -> ComposeResult:
        with TabbedContent(id="blotter-tabs"):
            with TabPane("Positions", id="tab-positions"):
                yield PositionsTable(id="positions")
            with TabPane("Orders", id="tab-orders"):
                yield OrdersTable(id="orders")
            with TabPane("Fills", id="tab-fills"):
                yield FillsTable(id="fills")

    def refresh_pane(self, hub: Hub, quotes: set[str], other: set[str]) -> None:
        positions = self.one("PositionsTable", PositionsTable)
        if "markets" in other:
            for table in (PositionsTable, OrdersTable, FillsTable):
                self.one(table.__name__, table).set_markets(hub.markets)
        if "positions" in other:
            positions.set_positions(list(hub.positions.values()))
        if other & {"positions", "market"} and (hub.sub_account, hub.market) in hub.positions:
            positions.move_cursor((hub.market, hub.sub_account))  # the focused market's row
        if "orders" in other:
            self.one("OrdersTable", OrdersTable).set_orders(hub.open_orders())
        if "fills" in other:
            self.one("FillsTable", FillsTable).set_fills(list(hub.fills))

    def on_orders_table_cancel_requested(self, event: OrdersTable.CancelRequested) -> None:
        self.actions.cancel(CancelArgs(order_id=event.order_id))

    def on_orders_table_cancel_all_requested(self, event: OrdersTable.CancelAllRequested) -> None:
        self.actions.cancel(CancelArgs(all=True))

    def on_positions_table_close_requested(self, event: PositionsTable.CloseRequested) -> None:
        self.actions.close_position(event.market, event.sub_account)


class TradesPane(Pane):
    """The tape of the focused market: recent fills, newest first."""

    title = "Trades"

    def compose(self) -> ComposeResult:
        yield FillsTable(id="trades")

    def refresh_pane(self, hub: Hub, quotes: set[str], other: set[str]) -> None:
        table = self.one("FillsTable", FillsTable)
        if "markets" in other:
            table.set_markets(hub.markets)
        if other & {"fills", "market"}:
            table.set_fills([f for f in hub.fills if f.market == hub.market])
            self.border_title = f"Trades {hub.market}"


class AlertsPane(Pane):
    """The focused market's alerts (and those on no market), what fired last on top."""

    title = "Alerts"

    def compose(self) -> ComposeResult:
        yield Static("", id="alerts-body", markup=False)

    def refresh_pane(self, hub: Hub, quotes: set[str], other: set[str]) -> None:
        if not other & {"alerts", "alert_fired", "market"}:
            return
        self.border_title = f"Alerts {hub.market}"
        set_static(self.one("#alerts-body", Static), alerts_text(hub))


def alerts_text(hub: Hub) -> str:
    mine = [a for a in hub.alerts if a.get("market") in (hub.market, None)]
    lines = [
        f"#{a.get('id')} {a.get('market') or 'any'} {a.get('kind')} {a.get('level') or ''}".rstrip()
        + ("" if a.get("status", "active") == "active" else f" ({a.get('status')})")
        for a in mine[-20:]
    ]
    fired = [f"! {f.get('message', f)}" for f in list(hub.fired)[-5:] if f.get("market") in (hub.market, None)]
    return "\n".join(fired + lines) or f"no {hub.market} alerts — `:alert {hub.market} > PRICE` adds one"


class WatchlistPane(Pane):
    title = "Watchlist"

    def compose(self) -> ComposeResult:
        yield Watchlist(id="pane-watchlist", clock=self.app.clock)  # type: ignore[attr-defined]

    def refresh_pane(self, hub: Hub, quotes: set[str], other: set[str]) -> None:
        watchlist = self.one("Watchlist", Watchlist)
        if "markets" in other:
            watchlist.set_markets(hub.markets)
        for market in quotes:
            watchlist.update_quote(hub.quotes[market])

    def on_watchlist_market_selected(self, event: Watchlist.MarketSelected) -> None:
        self.app.focus_market(event.market)  # type: ignore[attr-defined]


class AccountPane(Pane):
    title = "Account"

    def compose(self) -> ComposeResult:
        yield Static("", id="account-body")

    def refresh_pane(self, hub: Hub, quotes: set[str], other: set[str]) -> None:
        if "account" not in other:
            return
        account = hub.accounts.get(hub.sub_account)
        if account is None:
            set_static(self.one("#account-body", Static), "no account yet")
            return
        balances = "  ".join(f"{c.amount / 10**c.decimals:,.4f} {c.asset}" for c in account.collateral)
        set_static(
            self.one("#account-body", Static),
            f"sub {account.sub_account} [{account.trading_state}]  {balances}\n"
            f"equity {account.equity / Q:,.2f}  uPnL {account.unrealized_pnl / Q:+,.2f}  "
            f"free {account.free_collateral / Q:,.2f}  lev {account.leverage / MARGIN_PRECISION:.2f}x",
        )


class LogPaneBox(Pane):
    title = "Log"

    def compose(self) -> ComposeResult:
        yield LogPane(id="log")

    def refresh_pane(self, hub: Hub, quotes: set[str], other: set[str]) -> None:
        if "log" not in other:
            return
        log = self.one("LogPane", LogPane)
        new = min(hub.log_total - self._seen, len(hub.log))
        for level, text in list(hub.log)[len(hub.log) - new :]:
            log.write(text, level)
        self._seen = hub.log_total

    _seen = 0


class WalletPane(Pane):
    """Solana keys (public), balances and the transaction history of the backend's signer."""

    title = "Wallet"

    def compose(self) -> ComposeResult:
        yield Static("", id="wallet-body")

    def on_mount(self) -> None:
        self.set_interval(5.0, self._reload)
        self._reload()

    def _reload(self) -> None:
        self.app.run_worker(
            self.app.feed.load_wallet,
            group="wallet",
            exclusive=True,  # type: ignore[attr-defined]
            exit_on_error=False,
        )

    def refresh_pane(self, hub: Hub, quotes: set[str], other: set[str]) -> None:
        if "connection" in other and hub.connected:
            self._reload()
        if "wallet" not in other:
            return
        if not hub.keys:
            text = "no keys — `quantdesk keys new default`, then `quantdesk airdrop 1` on localnet"
        else:
            lines = [
                f"{k['name']:<10} {k['pubkey'][:12]}…  {'unlocked' if k.get('unlocked') else 'locked'}"
                for k in hub.keys
            ]
            wallet = hub.wallet
            if wallet:
                lines.append(f"{wallet.get('key')}: {wallet.get('sol')} SOL on {wallet.get('network')}")
                lines += [
                    f"  {t.get('ui_amount')} {t.get('symbol') or t.get('mint', '')[:8]}"
                    for t in wallet.get("tokens", [])
                ]
            lines.append("recent transactions:" if hub.transactions else "no transactions yet")
            lines += [
                f"  {t.get('status', '?'):<9} {t.get('purpose', t.get('kind', ''))} {str(t.get('signature', ''))[:16]}…"
                for t in hub.transactions[:10]
            ]
            text = "\n".join(lines)
        set_static(self.one("#wallet-body", Static), text)


PANES: dict[str, type[Pane]] = {
    "chart": ChartPane,
    "ticket": TicketPane,
    "book": BookPane,
    "blotter": BlotterPane,
    "trades": TradesPane,
    "alerts": AlertsPane,
    "watchlist": WatchlistPane,
    "account": AccountPane,
    "log": LogPaneBox,
    "wallet": WalletPane,
}

"""The panes a layout is built of (PANES), each wrapping one widget and feeding it from the Hub.

A pane handles the Hub changes that concern it (`on_orders_changed`, ...: changes.py; the Trade
screen tells every pane of every change) and turns its widget's messages into app actions; the
widget itself stays ignorant of the backend. What every pane shares is in pane.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Static

from quantdesk_tui.desk_app import desk_app
from backend.api.protocol import PRICE_PRECISION, AccountView, AlertKind, CancelArgs, alert_kind_word
from quantdesk_tui.changes import (
    AccountChanged,
    AlertsChanged,
    BookChanged,
    CandlesChanged,
    ConnectionChanged,
    FillsChanged,
    FiredChanged,
    FocusedMarketChanged,
    FormingBarChanged,
    LogChanged,
    MarketsChanged,
    OrdersChanged,
    PositionsChanged,
    PreviewChanged,
    QuoteChanged,
    WalletChanged,
)
from quantdesk_tui.hub import Hub
from quantdesk_tui.layout import PANE_TITLES
from quantdesk_tui.pane import Pane
from widgets.format import exact, fmt_alert, fmt_leverage, fmt_number, fmt_pnl, fmt_usd, pyth_to_price
from widgets.static_text import set_static

if TYPE_CHECKING:  # each pane imports its widget's module in `body`: not before the first paint (pane.py)
    from widgets.candle_chart import CandleChart
    from widgets.order_book import OrderBook
    from widgets.order_ticket import OrderTicket
    from widgets.orders_table import OrdersTable
    from widgets.positions_table import PositionsTable
    from widgets.watchlist import Watchlist


class ChartPane(Pane):
    title = PANE_TITLES["chart"]

    def body(self) -> ComposeResult:
        from widgets.candle_chart import CandleChart

        hub: Hub = desk_app(self.app).hub
        yield CandleChart(id="chart", market=hub.market, timeframe=hub.timeframe)

    def body_ready(self) -> None:
        self.chart.set_indicators(self.hub.indicators)
        super().body_ready()

    @property
    def chart(self) -> CandleChart:
        return self.one("CandleChart")

    def on_focused_market_changed(self, _change: FocusedMarketChanged) -> None:
        hub, chart = self.hub, self.chart
        chart.set_market(hub.market)
        chart.set_timeframe(hub.timeframe)
        self.border_title = f"Chart {hub.market} {hub.timeframe}"
        chart.set_levels(chart_levels(hub))

    def on_candles_changed(self, _change: CandlesChanged) -> None:
        self.chart.set_candles(self.hub.candles)
        self.chart.set_overlays(self.hub.overlays)

    def on_forming_bar_changed(self, _change: FormingBarChanged) -> None:
        hub = self.hub
        if hub.forming_bar is not None and hub.candles:
            self.chart.update_candle(hub.forming_bar)

    def on_orders_changed(self, _change: OrdersChanged) -> None:
        self.chart.set_levels(chart_levels(self.hub))

    def on_positions_changed(self, _change: PositionsChanged) -> None:
        self.chart.set_levels(chart_levels(self.hub))

    def on_alerts_changed(self, _change: AlertsChanged) -> None:
        self.chart.set_levels(chart_levels(self.hub))

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
    title = PANE_TITLES["ticket"]

    def body(self) -> ComposeResult:
        from widgets.order_ticket import OrderTicket

        yield OrderTicket(id="ticket")  # large orders are confirmed by the app's one rule (trading.submit)

    @property
    def ticket(self) -> OrderTicket:
        return self.one("OrderTicket")

    def _show_market(self) -> None:
        hub, ticket = self.hub, self.ticket
        if hub.market_info is None:
            return
        if ticket.market is not None and ticket.market.symbol != hub.market:
            ticket.clear()  # one market's prices and sizes never carry over to another
            ticket.set_reference_price(0)
        ticket.set_market(hub.market_info)
        self.border_title = f"Order ticket {hub.market}"

    def on_markets_changed(self, _change: MarketsChanged) -> None:
        self._show_market()

    def on_focused_market_changed(self, _change: FocusedMarketChanged) -> None:
        self._show_market()

    def on_quote_changed(self, change: QuoteChanged) -> None:
        quote = change.quotes.get(self.hub.market)
        if quote is not None:
            self.ticket.set_reference_price(pyth_to_price(quote.price, quote.expo))

    def on_account_changed(self, _change: AccountChanged) -> None:
        if (account := self.hub.accounts.get(self.hub.sub_account)) is not None:
            self.ticket.set_equity(account.equity)

    def on_preview_changed(self, _change: PreviewChanged) -> None:
        self.ticket.set_preview(desk_app(self.app).preview)

    def on_order_ticket_submitted(self, event: OrderTicket.Submitted) -> None:
        self.actions.submit_ticket(event.order)

    def on_order_ticket_changed(self, event: OrderTicket.Changed) -> None:
        self.actions.request_preview(event.order)


class BookPane(Pane):
    title = PANE_TITLES["book"]

    def body(self) -> ComposeResult:
        from widgets.order_book import OrderBook

        yield OrderBook(id="book")

    @property
    def book(self) -> OrderBook:
        return self.one("OrderBook")

    def _show_market(self) -> None:
        if self.hub.market_info is not None:
            self.book.set_market(self.hub.market_info)
            self.border_title = f"Book {self.hub.market}"

    def on_markets_changed(self, _change: MarketsChanged) -> None:
        self._show_market()

    def on_focused_market_changed(self, _change: FocusedMarketChanged) -> None:
        self._show_market()
        self.book.set_own_orders(self.hub.open_orders(self.hub.market))

    def on_book_changed(self, _change: BookChanged) -> None:
        hub = self.hub
        if hub.book is not None and hub.book.market == hub.market:
            self.book.set_book(hub.book)

    def on_orders_changed(self, _change: OrdersChanged) -> None:
        self.book.set_own_orders(self.hub.open_orders(self.hub.market))

    def on_order_book_price_picked(self, event: OrderBook.PricePicked) -> None:
        from widgets.order_ticket import OrderTicket

        ticket = self.screen.query(OrderTicket)
        if ticket:
            ticket.first().set_price(event.price)
            ticket.first().focus()


class BlotterPane(Pane):
    """Positions | orders | fills in tabs."""

    title = PANE_TITLES["blotter"]

    def body(self) -> ComposeResult:
        from textual.widgets import TabbedContent, TabPane

        from widgets.fills_table import FillsTable
        from widgets.orders_table import OrdersTable
        from widgets.positions_table import PositionsTable

        with TabbedContent(id="blotter-tabs"):
            with TabPane("Positions", id="tab-positions"):
                yield PositionsTable(id="positions")
            with TabPane("Orders", id="tab-orders"):
                yield OrdersTable(id="orders")
            with TabPane("Fills", id="tab-fills"):
                yield FillsTable(id="fills")

    def on_markets_changed(self, _change: MarketsChanged) -> None:
        for table in ("PositionsTable", "OrdersTable", "FillsTable"):
            self.one(table).set_markets(self.hub.markets)

    def on_positions_changed(self, _change: PositionsChanged) -> None:
        self.one("PositionsTable").set_positions(list(self.hub.positions.values()))
        self._focus_market_row()

    def on_focused_market_changed(self, _change: FocusedMarketChanged) -> None:
        self._focus_market_row()

    def _focus_market_row(self) -> None:
        hub = self.hub
        if (hub.sub_account, hub.market) in hub.positions:
            self.one("PositionsTable").move_cursor((hub.market, hub.sub_account))

    def on_orders_changed(self, _change: OrdersChanged) -> None:
        self.one("OrdersTable").set_orders(self.hub.open_orders())

    def on_fills_changed(self, _change: FillsChanged) -> None:
        self.one("FillsTable").set_fills(list(self.hub.fills))

    def on_orders_table_cancel_requested(self, event: OrdersTable.CancelRequested) -> None:
        self.actions.cancel(CancelArgs(order_id=event.order_id))

    def on_orders_table_cancel_all_requested(self, event: OrdersTable.CancelAllRequested) -> None:
        self.actions.cancel(CancelArgs(all=True))

    def on_positions_table_close_requested(self, event: PositionsTable.CloseRequested) -> None:
        self.actions.close_position(event.market, event.sub_account)


class TradesPane(Pane):
    """The tape of the focused market: recent fills, newest first."""

    title = PANE_TITLES["trades"]

    def body(self) -> ComposeResult:
        from widgets.fills_table import FillsTable

        yield FillsTable(id="trades")

    def on_markets_changed(self, _change: MarketsChanged) -> None:
        self.one("FillsTable").set_markets(self.hub.markets)

    def on_fills_changed(self, _change: FillsChanged) -> None:
        hub = self.hub
        self.one("FillsTable").set_fills([f for f in hub.fills if f.market == hub.market])
        self.border_title = f"Trades {hub.market}"

    def on_focused_market_changed(self, _change: FocusedMarketChanged) -> None:
        self.on_fills_changed(FillsChanged())


class AlertsPane(Pane):
    """The focused market's alerts (and those on no market), what fired last on top."""

    title = PANE_TITLES["alerts"]

    def body(self) -> ComposeResult:
        yield Static("", id="alerts-body", markup=False)

    def _show(self) -> None:
        self.border_title = f"Alerts {self.hub.market}"
        set_static(self.one("#alerts-body"), alerts_text(self.hub))

    def on_alerts_changed(self, _change: AlertsChanged) -> None:
        self._show()

    def on_fired_changed(self, _change: FiredChanged) -> None:
        self._show()

    def on_focused_market_changed(self, _change: FocusedMarketChanged) -> None:
        self._show()


def alerts_text(hub: Hub) -> str:
    mine = [a for a in hub.alerts if a.get("market") in (hub.market, None)]
    lines = [
        fmt_alert(a) + ("" if a.get("status", "active") == "active" else f" ({a.get('status')})") for a in mine[-20:]
    ]
    fired = [f"! {f.get('message', f)}" for f in list(hub.fired)[-5:] if f.get("market") in (hub.market, None)]
    add = f":alert {hub.market} {alert_kind_word(AlertKind.PRICE_ABOVE)} PRICE"
    return "\n".join(fired + lines) or f"no {hub.market} alerts — `{add}` adds one"


class WatchlistPane(Pane):
    title = PANE_TITLES["watchlist"]

    def body(self) -> ComposeResult:
        from widgets.watchlist import Watchlist

        yield Watchlist(id="pane-watchlist", clock=desk_app(self.app).clock)

    def on_markets_changed(self, _change: MarketsChanged) -> None:
        self.one("Watchlist").set_markets(self.hub.markets)

    def on_quote_changed(self, change: QuoteChanged) -> None:
        watchlist = self.one("Watchlist")
        for quote in change.quotes.values():
            watchlist.update_quote(quote)

    def on_watchlist_market_selected(self, event: Watchlist.MarketSelected) -> None:
        desk_app(self.app).focus_market(event.market)


class AccountPane(Pane):
    title = PANE_TITLES["account"]

    def body(self) -> ComposeResult:
        yield Static("", id="account-body")

    def on_account_changed(self, _change: AccountChanged) -> None:
        hub = self.hub
        account = hub.accounts.get(hub.sub_account)
        if account is None:
            set_static(self.one("#account-body"), "no account yet")
            return
        set_static(self.one("#account-body"), account_text(account))


def account_text(account: AccountView) -> str:
    balances = "  ".join(f"{fmt_number(exact(c.amount, -c.decimals), 4)} {c.asset}" for c in account.collateral)
    return (
        f"sub {account.sub_account} [{account.trading_state}]  {balances}\n"
        f"equity {fmt_usd(account.equity)}  uPnL {fmt_pnl(account.unrealized_pnl)}  "
        f"free {fmt_usd(account.free_collateral)}  lev {fmt_leverage(account.leverage)}"
    )


class LogPaneBox(Pane):
    title = PANE_TITLES["log"]

    def body(self) -> ComposeResult:
        from widgets.log_pane import LogPane

        yield LogPane(id="log")

    def on_log_changed(self, _change: LogChanged) -> None:
        hub, log = self.hub, self.one("LogPane")
        new = min(hub.log_total - self._seen, len(hub.log))
        for level, text in list(hub.log)[len(hub.log) - new :]:
            log.write(text, level)
        self._seen = hub.log_total

    _seen = 0


class WalletPane(Pane):
    """Solana keys (public), balances and the transaction history of the backend's signer."""

    title = PANE_TITLES["wallet"]

    def body(self) -> ComposeResult:
        yield Static("", id="wallet-body")

    def body_ready(self) -> None:
        self.set_interval(5.0, self._reload)
        self._reload()
        super().body_ready()

    def _reload(self) -> None:
        self.app.run_worker(
            desk_app(self.app).feed.load_wallet,  # type: ignore[arg-type]  # Textual's WorkType: an async method also fits Callable[[], T], so mypy infers T = Never
            group="wallet",
            exclusive=True,
            exit_on_error=False,
        )

    def on_connection_changed(self, _change: ConnectionChanged) -> None:
        if self.hub.connected:
            self._reload()

    def on_wallet_changed(self, _change: WalletChanged) -> None:
        hub = self.hub
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
        set_static(self.one("#wallet-body"), text)


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

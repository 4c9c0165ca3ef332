"""Portfolio: balances per collateral, margin usage, positions, equity curve and account history, per sub-account."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.events import Resize
from textual.widgets import Static, TabbedContent, TabPane

from quantdesk_tui.desk_app import desk_app
from backend.api.protocol import MARGIN_PRECISION, AccountView
from quantdesk_tui.changes import (
    AccountChanged,
    FillsChanged,
    MarketsChanged,
    OrdersChanged,
    PositionsChanged,
    SubAccountsChanged,
)
from quantdesk_tui.hub import Hub
from quantdesk_tui.screens.base import WorkspaceScreen
from quantdesk_tui.screens.box import Box, tone_styles, usage_bar
from widgets.equity_chart import EquityChart
from widgets.fills_table import FillsTable
from widgets.format import exact, fmt_leverage, fmt_number, fmt_pnl, fmt_ratio_pct, fmt_usd
from widgets.orders_table import OrdersTable
from widgets.positions_table import PositionsTable

COMPACT = (100, 30)  # below this width or height the equity curve folds away


def balances_text(account: AccountView | None, subs: list[int], sub: int, wide: bool) -> Text:
    text = Text()
    text.append("sub-account ", "dim")
    for s in subs:
        text.append(f" {s} ", "reverse bold" if s == sub else "")
    text.append("   [ ] switch\n", "dim")
    if account is None:
        text.append("no account data yet", "dim italic")
        return text
    for c in account.collateral:
        amount = fmt_number(exact(c.amount, -c.decimals), min(c.decimals, 4))
        weight = f"  weight {fmt_ratio_pct(c.weight_initial, 0)}" if wide else ""
        text.append(f"{c.asset:<5}{amount:>16} {fmt_usd(c.value):>14}{weight}\n")
    text.append(f"{'total':<5}{'':>16} {fmt_usd(account.total_collateral):>14}", "bold")
    return text


def margin_text(account: AccountView | None, realized: int, tones: dict[str, str], wide: bool) -> Text:
    text = Text()
    if account is None:
        return text.append("no account data yet", "dim italic")
    collateral = account.total_collateral

    def line(label: str, value: str, style: str = "") -> None:
        text.append(f"{label:<12}", "dim")
        text.append(value + "\n", style)

    def usage(label: str, used: int) -> None:
        pct = used * 100 / collateral if collateral else 0.0
        style = f"bold {tones['down']}" if pct >= 80 else tones["warn"] if pct >= 50 else ""
        line(
            label,
            f"{fmt_usd(used):>14} {usage_bar(used, collateral, 10 if wide else 5)} {fmt_number(pct, 1):>4}%",
            style,
        )

    line("equity", f"{fmt_usd(account.equity):>14}", "bold")
    line(
        "uPnL / rPnL",
        f"{fmt_pnl(account.unrealized_pnl):>14} / {fmt_pnl(realized)}",
        tones["up"] if account.unrealized_pnl > 0 else tones["down"] if account.unrealized_pnl < 0 else "",
    )
    usage("initial", account.initial_margin)
    usage("maintenance", account.maintenance_margin)
    line("free", f"{fmt_usd(account.free_collateral):>14}")
    text.append(f"{'leverage':<12}", "dim")
    text.append(
        f"{fmt_leverage(account.leverage):>14}"
        + (f"   margin ratio {fmt_margin_ratio(account.margin_ratio)}   [{account.trading_state}]" if wide else "")
    )
    return text


def fmt_margin_ratio(ratio: int) -> str:
    """Maintenance collateral over notional: a tiny position against a large balance makes it huge,
    where only 'far from liquidation' matters."""
    if ratio <= 0:
        return "— (flat)"
    if ratio >= 10 * MARGIN_PRECISION:
        return "> 1,000%"
    return fmt_ratio_pct(ratio)


class PortfolioScreen(WorkspaceScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right_square_bracket", "switch_sub(1)", "Next sub-account", id="portfolio.next_sub"),
        Binding("left_square_bracket", "switch_sub(-1)", "Previous sub-account", id="portfolio.prev_sub"),
        Binding("r", "reload", "Reload", id="portfolio.reload"),
    ]
    DEFAULT_CSS = """
    PortfolioScreen #pf-top { height: 8; }
    PortfolioScreen #pf-equity-box { height: 1fr; min-height: 8; }
    PortfolioScreen #pf-equity { height: 1fr; }
    PortfolioScreen #pf-positions-box { height: 1fr; min-height: 5; }
    PortfolioScreen #pf-history { height: 1fr; min-height: 6; }
    PortfolioScreen.-compact #pf-equity-box { display: none; }
    PortfolioScreen.-compact #pf-top { height: 8; }
    """

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="pf-top"):
            yield Box(Static("", id="pf-balances"), title="Balances", id="pf-balances-box")
            yield Box(Static("", id="pf-margin"), title="Margin", id="pf-margin-box")
        yield Box(EquityChart(id="pf-equity"), title="Equity", id="pf-equity-box")
        yield Box(PositionsTable(id="pf-positions"), title="Positions", id="pf-positions-box")
        with TabbedContent(id="pf-history"):
            with TabPane("Fills", id="pf-tab-fills"):
                yield FillsTable(id="pf-fills")
            with TabPane("Order history", id="pf-tab-orders"):
                yield OrdersTable(hide_done=False, id="pf-orders")

    def on_mount(self) -> None:
        self._fold(self.app.size.width, self.app.size.height)
        self.query_one(PositionsTable).focus()
        self._load()

    def on_resize(self, event: Resize) -> None:
        self._fold(event.size.width, event.size.height)

    def _fold(self, width: int, height: int) -> None:
        compact = width < COMPACT[0] or height < COMPACT[1]
        if compact != self.has_class("-compact"):
            self.set_class(compact, "-compact")
            if self.is_mounted:
                self.post_message(AccountChanged())

    @work(exclusive=True, group="portfolio", exit_on_error=False)
    async def _load(self) -> None:
        feed = desk_app(self.app).feed
        if desk_app(self.app).hub.connected:
            await feed.load_sub_accounts()
            await feed.refresh_account()

    def on_markets_changed(self, _change: MarketsChanged) -> None:
        self.query_one(PositionsTable).set_markets(self.hub.markets)
        self.query_one(FillsTable).set_markets(self.hub.markets)
        self.query_one(OrdersTable).set_markets(self.hub.markets)

    def _show_balances(self) -> None:
        hub = self.hub
        sub = hub.sub_account
        account = hub.accounts.get(sub)
        realized = sum(p.realized_pnl for (s, _m), p in hub.positions.items() if s == sub)
        wide = not self.has_class("-compact")
        tones = tone_styles(self.app.theme_variables)
        self.query_one("#pf-balances", Static).update(balances_text(account, hub.sub_accounts, sub, wide))
        self.query_one("#pf-margin", Static).update(margin_text(account, realized, tones, wide))
        self.query_one("#pf-balances-box", Box).border_title = f"Balances · sub-account {sub}"

    def on_account_changed(self, _change: AccountChanged) -> None:
        self._show_balances()
        self.query_one(EquityChart).set_points(self.hub.equity)

    def on_sub_accounts_changed(self, _change: SubAccountsChanged) -> None:
        self._show_balances()

    def on_positions_changed(self, _change: PositionsChanged) -> None:
        self._show_balances()
        sub = self.hub.sub_account
        self.query_one(PositionsTable).set_positions(p for (s, _m), p in self.hub.positions.items() if s == sub)

    def on_fills_changed(self, _change: FillsChanged) -> None:
        sub = self.hub.sub_account
        self.query_one(FillsTable).set_fills(f for f in self.hub.fills if f.sub_account == sub)

    def on_orders_changed(self, _change: OrdersChanged) -> None:
        sub = self.hub.sub_account
        self.query_one(OrdersTable).set_orders(o for o in self.hub.orders.values() if o.sub_account == sub)

    def action_switch_sub(self, step: int) -> None:
        hub: Hub = desk_app(self.app).hub
        subs = hub.sub_accounts or [0]
        index = subs.index(hub.sub_account) if hub.sub_account in subs else 0
        target = subs[(index + step) % len(subs)]
        if target == hub.sub_account:
            self.notify(f"sub-account {target} is the only one", severity="information")
            return
        hub.sub_account = target
        hub.equity.clear()
        for change in (AccountChanged(), PositionsChanged(), FillsChanged(), OrdersChanged(), SubAccountsChanged()):
            self.post_message(change)
        self._load()

    def action_reload(self) -> None:
        self._load()

"""Admin: the paper venue's markets (fees, margin, funding, status), their parameters, the insurance fund.

Every change asks first: a prompt for the new integer, then a confirm showing old → new with what
the integer means; the backend validates through the engine and its refusal is shown as it says it.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import partial
from collections.abc import Callable
from typing import Any, ClassVar

import msgspec
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Static

from quantdesk_tui.desk_app import desk_app
from backend.api.protocol import FUNDING_RATE_PRECISION, ParamUnit, UnitKind
from quantdesk_tui.changes import AdminChanged, UnavailableChanged
from quantdesk_tui.hub import Hub
from quantdesk_tui.screens.base import WorkspaceScreen
from quantdesk_tui.screens.box import Box
from quantdesk_tui.screens.dialogs import ConfirmScreen, PromptScreen
from quantdesk_tui.screens.requests import send
from quantdesk_tui.screens.status_line import StatusLine
from widgets.format import fmt_number, fmt_price, fmt_size, fmt_time_ms, fmt_usd, parse_decimal
from widgets.live_table import Cell, Column, LiveTable

MARKET_COLUMNS = [
    Column("market", "Market", 10),
    Column("status", "Status", 11),
    Column("breaker", "Breaker", 8),
    Column("taker", "Taker", 8, "right"),
    Column("maker", "Maker", 8, "right"),
    Column("imr", "IMR", 7, "right"),
    Column("mmr", "MMR", 7, "right"),
    Column("lev", "MaxLev", 6, "right"),
    Column("fund_int", "FundInt", 7, "right"),
    Column("fund", "Last fund", 10, "right"),
    Column("oi_long", "OI long", 10, "right"),
    Column("oi_short", "OI short", 10, "right"),
]
PARAM_COLUMNS = [
    Column("param", "Parameter", 24),
    Column("value", "Value", 10, "right"),
    Column("shown", "Means", 12, "right"),
    Column("precision", "Precision", 24),
]
REFRESH_S = 5.0
# the curve's state under the parameters: read-only, it moves with every repeg (programs/quantdesk_perp/repeg.py)
AMM_ROWS: tuple[tuple[str, str, Callable[[int], str]], ...] = (
    ("amm_peg", "price 1e6", partial(fmt_price, decimals=6)),
    ("reserve_price", "price 1e6", partial(fmt_price, decimals=6)),
    ("fee_pool", "USDC 1e6", partial(fmt_usd, decimals=6)),
    ("last_repeg_cost", "USDC 1e6", partial(fmt_usd, decimals=6)),
    ("total_repeg_cost", "USDC 1e6", partial(fmt_usd, decimals=6)),
)
AMM_KEY = "amm."
LAST_FUNDING = ParamUnit(UnitKind.PERCENT, FUNDING_RATE_PRECISION)  # a fraction of the oracle TWAP per interval


def shown(value: int, unit: ParamUnit | None) -> str:
    """An engine integer in human terms, by the unit `admin.markets` types it with."""
    if unit is None:
        return str(value)
    if value == 0 and unit.zero:
        return unit.zero
    match unit.kind:
        case UnitKind.PERCENT:
            return f"{Decimal(value) / (unit.one // 100):f}%"
        case UnitKind.BASE:
            return fmt_number(Decimal(value) / unit.one, 2) if value else "0"
        case UnitKind.USDC:
            return f"{fmt_number(Decimal(value) / unit.one, 2)} USDC"
        case UnitKind.MULTIPLE:
            return f"{value}x"
        case UnitKind.SECONDS:
            return f"{value} s"
        case UnitKind.SLOTS:
            return f"{value} slots"
    return str(value)


def param_units(admin: dict[str, Any] | None) -> dict[str, ParamUnit]:
    """The typed unit of each parameter, as `admin.markets` sends them (none from an older backend)."""
    return msgspec.convert((admin or {}).get("units", {}), dict[str, ParamUnit])


def market_row(row: dict[str, Any], units: dict[str, ParamUnit]) -> tuple[Any, ...]:
    params = row.get("params", {})

    def param(name: str) -> Cell:
        value = params.get(name)
        return Cell(value, "—" if value is None else shown(value, units.get(name)))

    status = str(row.get("status", "?"))
    tripped = bool(row.get("circuit_breaker_tripped"))
    return (
        row["market"],
        Cell(status, status.lower(), None if status.upper() == "ACTIVE" else "warn"),
        Cell(tripped, "TRIPPED" if tripped else "ok", "down" if tripped else "dim"),
        param("taker_fee"),
        param("maker_fee"),
        param("margin_ratio_initial"),
        param("margin_ratio_maintenance"),
        param("max_leverage"),
        param("funding_interval"),
        Cell(row.get("last_funding_rate", 0), shown(row.get("last_funding_rate", 0), LAST_FUNDING)),
        Cell(row.get("open_interest_long", 0), fmt_size(row.get("open_interest_long", 0), 2)),
        Cell(row.get("open_interest_short", 0), fmt_size(row.get("open_interest_short", 0), 2)),
    )


def amm_rows(row: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    """Parameter-table rows for the market's curve (peg, reserve price, fee pool, repeg cost), keyed apart."""
    curve = row.get("amm") or {}
    rows = {}
    for name, unit, means in AMM_ROWS:
        if name in curve:
            value = int(curve[name])
            rows[AMM_KEY + name] = (
                name,
                Cell(value, str(value)),
                means(value),
                Cell(unit, f"{unit}, read-only", "dim"),
            )
    return rows


def fund_text(admin: dict[str, Any] | None, audit: list[dict[str, Any]], unavailable: str | None) -> Text:
    text = Text()
    if unavailable:
        text.append(unavailable + "\n", "bold")
    if admin is None:
        return text.append("no venue data yet", "dim italic")
    text.append(f"{'insurance':<11}", "dim")
    text.append(f"{fmt_usd(int(admin.get('insurance_fund', 0)))}\n", "bold")
    text.append(f"{'socialized':<11}", "dim")
    text.append(f"{fmt_usd(int(admin.get('socialized_loss', 0)))}\n")
    text.append("i deposit · w withdraw\n", "dim")
    if audit:
        text.append("recent changes\n", "dim")
    for entry in audit[:8]:
        text.append(f"{fmt_time_ms(int(entry.get('ts_ms', 0)))} ", "dim")
        text.append(f"{entry.get('action', '')} {audit_detail(entry.get('detail', ''))}\n")
    return text


def audit_detail(detail: Any) -> str:
    """The audit's JSON detail as `SOL-PERP taker_fee=700`."""
    try:
        data = json.loads(detail) if isinstance(detail, str) else detail
    except ValueError:
        return str(detail)
    if not isinstance(data, dict):
        return str(detail)
    market = data.pop("market", "")
    return " ".join([str(market)] * bool(market) + [f"{k}={v}" for k, v in data.items()])


def check_integer(text: str) -> str | None:
    value = parse_decimal(text)
    if value is None or value != value.to_integral_value():
        return f"type a whole number (the engine integer), not {text!r}"
    return None


def check_amount(text: str) -> str | None:
    value = parse_decimal(text)
    return None if value is not None and value > 0 else f"type a positive USDC amount, not {text!r}"


class AdminScreen(WorkspaceScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "edit", "Edit parameter", id="admin.edit"),
        Binding("p", "pause", "Pause market", id="admin.pause"),
        Binding("o", "pause(True)", "Reduce-only market", id="admin.reduce_only"),
        Binding("u", "resume", "Resume market", id="admin.resume"),
        Binding("b", "reset_breaker", "Reset breaker", id="admin.reset_breaker"),
        Binding("i", "insurance('deposit')", "Insurance deposit", id="admin.insurance_deposit"),
        Binding("w", "insurance('withdraw')", "Insurance withdraw", id="admin.insurance_withdraw"),
        Binding("r", "reload", "Reload", id="admin.reload"),
    ]
    DEFAULT_CSS = """
    AdminScreen #adm-markets-box { height: 10; }
    AdminScreen #adm-bottom { height: 1fr; }
    AdminScreen #adm-params-box { width: 3fr; }
    AdminScreen #adm-fund-box { width: 2fr; }
    """

    def compose_body(self) -> ComposeResult:
        yield Box(
            LiveTable(MARKET_COLUMNS, empty_text="loading markets…", id="adm-markets"),
            title="Markets  (Enter: parameters · p pause · o reduce-only · u resume · b breaker)",
            id="adm-markets-box",
        )
        with Horizontal(id="adm-bottom"):
            yield Box(
                LiveTable(PARAM_COLUMNS, empty_text="select a market", id="adm-params"),
                title="Parameters  (e / Enter: edit)",
                id="adm-params-box",
            )
            yield Box(Static("", id="adm-fund"), title="Insurance fund", id="adm-fund-box")
        yield StatusLine(id="adm-status")

    def on_mount(self) -> None:
        self.query_one("#adm-markets", LiveTable).focus()
        self._reload()
        self.set_interval(REFRESH_S, self._tick)

    def _tick(self) -> None:
        if self.app.screen is self:  # open interest and funding move; markets appear with their first price
            self._reload()

    @property
    def markets_table(self) -> LiveTable:
        return self.query_one("#adm-markets", LiveTable)

    @property
    def params_table(self) -> LiveTable:
        return self.query_one("#adm-params", LiveTable)

    @work(exclusive=True, group="admin", exit_on_error=False)
    async def _reload(self) -> None:
        if desk_app(self.app).hub.connected:
            await desk_app(self.app).feed.load_admin()

    def on_admin_changed(self, _change: AdminChanged) -> None:
        self._show()

    def on_unavailable_changed(self, _change: UnavailableChanged) -> None:
        self._show()

    def _show(self) -> None:
        hub = self.hub
        admin = hub.admin
        if admin is not None:
            units = param_units(admin)
            self.markets_table.update_rows({row["market"]: market_row(row, units) for row in admin["markets"]})
            self._show_params()
        self.query_one("#adm-fund", Static).update(fund_text(admin, hub.audit, hub.unavailable.get("admin.markets")))

    # -- selection ----------------------------------------------------------------------------
    def selected_market(self) -> dict[str, Any] | None:
        admin = desk_app(self.app).hub.admin
        key = self.markets_table.cursor_key
        if admin is None:
            return None
        return next((row for row in admin["markets"] if row["market"] == key), None)

    def _show_params(self) -> None:
        row = self.selected_market()
        table = self.params_table
        if row is None:
            table.update_rows({})
            return
        admin = self.hub.admin
        precision, units = (admin or {}).get("precision", {}), param_units(admin)
        table.update_rows(
            {
                name: (
                    name,
                    Cell(value, str(value)),
                    shown(value, units.get(name)),
                    Cell(precision.get(name, ""), precision.get(name, ""), "dim"),
                )
                for name, value in row.get("params", {}).items()
            }
            | amm_rows(row)
        )
        self.query_one("#adm-params-box", Box).border_title = f"Parameters {row['market']}  (e / Enter: edit)"

    def on_live_table_row_highlighted(self, event: LiveTable.RowHighlighted) -> None:
        if event.live_table.id == "adm-markets":
            self._show_params()

    def on_live_table_row_selected(self, event: LiveTable.RowSelected) -> None:
        if event.live_table.id == "adm-markets":
            self.params_table.focus()
        elif event.live_table.id == "adm-params":
            self.action_edit()

    def _say(self, message: str, error: bool = False) -> None:
        self.query_one("#adm-status", StatusLine).say(message, error)

    # -- actions ------------------------------------------------------------------------------
    def action_edit(self) -> None:
        row = self.selected_market()
        name = self.params_table.cursor_key
        if row is None or not isinstance(name, str):  # the parameters table's keys are their names
            self._say("select a market (↑↓) and a parameter (Tab, ↑↓) first", error=True)
            return
        if name not in row.get("params", {}):
            self._say(
                f"{name.removeprefix(AMM_KEY)} is the curve's state, not a parameter: it moves with the repeg",
                error=True,
            )
            return
        market, old = row["market"], row["params"][name]
        admin = self.hub.admin
        precision, unit = (admin or {}).get("precision", {}).get(name, ""), param_units(admin).get(name)

        def confirmed(new: int, yes: bool | None) -> None:
            if yes:
                self._request(
                    "admin.update_market",
                    f"{market} {name}: {old} → {new}",
                    market=market,
                    params={name: new},
                )
            else:
                self._say("edit cancelled")

        def typed(text: str | None) -> None:
            if text is None:
                self._say("edit cancelled")
                return
            new = int(parse_decimal(text) or 0)
            body = f"{market} {name}\n{old} → {new}   ({precision})\n{shown(old, unit)} → {shown(new, unit)}"
            self.app.push_screen(ConfirmScreen("Change a market parameter?", body), partial(confirmed, new))

        self.app.push_screen(
            PromptScreen(
                f"Edit {name} on {market}",
                f"now {old} ({shown(old, unit)}); integer, {precision}",
                str(old),
                check_integer,
            ),
            typed,
        )

    def _market_action(self, op: str, verb: str, **extra: Any) -> None:
        row = self.selected_market()
        if row is None:
            self._say("select a market first", error=True)
            return
        market = row["market"]

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._request(op, f"{verb} {market}", market=market, **extra)
            else:
                self._say(f"{verb} cancelled")

        self.app.push_screen(
            ConfirmScreen(
                f"{verb.capitalize()} {market}?",
                f"{market} is {str(row.get('status', '?')).lower()}"
                f"{', breaker TRIPPED' if row.get('circuit_breaker_tripped') else ''}",
            ),
            confirmed,
        )

    def action_pause(self, reduce_only: bool = False) -> None:
        if reduce_only:
            self._market_action("admin.pause", "set reduce-only on", reduce_only=True)
        else:
            self._market_action("admin.pause", "pause")

    def action_resume(self) -> None:
        self._market_action("admin.resume", "resume")

    def action_reset_breaker(self) -> None:
        self._market_action("admin.reset_breaker", "reset the circuit breaker of")

    def action_insurance(self, direction: str) -> None:
        fund = int((desk_app(self.app).hub.admin or {}).get("insurance_fund", 0))

        def confirmed(amount: str, yes: bool | None) -> None:
            if yes:
                self._request(f"admin.insurance_{direction}", f"insurance {direction} {amount} USDC", amount=amount)
            else:
                self._say(f"insurance {direction} cancelled")

        def typed(text: str | None) -> None:
            if text is None:
                self._say(f"insurance {direction} cancelled")
                return
            amount = format(parse_decimal(text), "f")
            self.app.push_screen(
                ConfirmScreen(
                    f"Insurance {direction}?",
                    f"{direction} {amount} USDC; the fund holds {fmt_usd(fund)} now",
                ),
                partial(confirmed, amount),
            )

        self.app.push_screen(
            PromptScreen(
                f"Insurance fund {direction}",
                f"USDC amount; the fund holds {fmt_usd(fund)}",
                "",
                check_amount,
            ),
            typed,
        )

    def action_reload(self) -> None:
        self._reload()

    def _request(self, op: str, what: str, **args: Any) -> None:
        self.run_worker(self._send(op, what, args), group="admin-change", exclusive=False, exit_on_error=False)

    async def _send(self, op: str, what: str, args: dict[str, Any]) -> None:
        self._say(f"{what}…")
        result, error = await send(self.app, op, **args)
        if error is not None:
            self._say(f"{what}: refused — {error}", error=True)
            return
        self._say(f"done: {what}")
        self.notify(what, title="admin")
        hub: Hub = desk_app(self.app).hub
        if isinstance(result, dict) and "markets" in result:
            hub.admin = result
            self.post_message(AdminChanged())
        await desk_app(self.app).feed.load_admin()

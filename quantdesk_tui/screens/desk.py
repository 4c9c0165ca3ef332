"""Desk: every trader on the store (equity, PnL, margin, leverage, liquidation distance, largest
positions, open orders) and the desk's exposure per market, from the backend's `desk.view`.

The view's numbers are integers in the risk monitor's units (money in QUOTE_PRECISION, leverage in
MARGIN_PRECISION, the liquidation distance in PERCENTAGE_PRECISION); cells sort by the integer and show
it through the widgets' exact decimal formatting.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from quantdesk_tui.desk_app import desk_app
from backend.api.protocol import PERCENT_PER_ONE, PERCENTAGE_PRECISION, QUOTE_PRECISION, to_decimal
from quantdesk_tui.screens.base import WorkspaceScreen
from quantdesk_tui.screens.box import Box, tone_styles
from widgets.columns import Cell, Column
from widgets.format import fmt_leverage, fmt_number
from widgets.live_table import LiveTable

REFRESH_S = 2.0
LEVEL_TONES = {"ok": None, "warning": "warn", "critical": "down"}
LIQ_WARN = 15 * PERCENTAGE_PRECISION // PERCENT_PER_ONE  # a trader this close (15%) to liquidation shows amber

TRADER_COLUMNS = [
    Column("trader", "Trader", 12),
    Column("equity", "Equity", 13, "right"),
    Column("upnl", "uPnL", 11, "right"),
    Column("today", "Today", 11, "right"),
    Column("margin", "Margin", 11, "right"),
    Column("leverage", "Lev", 6, "right"),
    Column("liq", "Liq %", 7, "right"),
    Column("orders", "Orders", 6, "right"),
    Column("largest", "Largest positions", 34),
]
EXPOSURE_COLUMNS = [
    Column("market", "Market", 10),
    Column("long", "Long", 13, "right"),
    Column("short", "Short", 13, "right"),
    Column("net", "Net", 13, "right"),
    Column("gross", "Gross", 13, "right"),
    Column("traders", "Traders", 7, "right"),
]


def _usd(value: int, decimals: int = 2, *, signed: bool = False) -> str:
    return fmt_number(to_decimal(value, QUOTE_PRECISION), decimals, signed=signed)


def _money(value: int, signed: bool = False) -> Cell:
    tone = None if not signed or value == 0 else "up" if value > 0 else "down"
    return Cell(value, _usd(value, signed=signed), tone)


def _leverage(value: int | None) -> str:
    return "—" if value is None else fmt_leverage(value)


def _liq_pct(value: int | None) -> str:
    """A PERCENTAGE_PRECISION distance as a percent: 900_000 -> '90.0'."""
    return "—" if value is None else fmt_number(to_decimal(value * PERCENT_PER_ONE, PERCENTAGE_PRECISION), 1)


def trader_row(t: dict[str, Any]) -> tuple[Any, ...]:
    liq = t["liq_distance"]
    largest = ", ".join(f"{p['market']} {_usd(p['notional'], 0, signed=True)}" for p in t["largest_positions"])
    name = t["trader"] + (" (stale)" if t["stale"] else "")
    return (
        Cell(t["trader"], name, "dim" if t["stale"] else LEVEL_TONES.get(t["level"])),
        _money(t["equity"]),
        _money(t["unrealized_pnl"], signed=True),
        _money(t["today_pnl"], signed=True),
        _money(t["margin_used"]),
        Cell(t["leverage"], _leverage(t["leverage"]), LEVEL_TONES.get(t["level"])),
        Cell(liq, _liq_pct(liq), None if liq is None or liq > LIQ_WARN else "warn"),
        t["open_orders"],
        largest or "flat",
    )


def exposure_row(m: dict[str, Any]) -> tuple[Any, ...]:
    return (
        m["market"],
        _money(m["long"]),
        _money(m["short"]),
        _money(m["net"], signed=True),
        _money(m["gross"]),
        m["traders"],
    )


def totals_text(view: dict[str, Any] | None, note: str, tones: dict[str, str]) -> Text:
    if view is None:
        return Text(note or "loading the desk…", "dim italic")
    t = view["totals"]
    text = Text()
    for label, value, signed in (
        ("traders", t["traders"], False),
        ("equity", t["equity"], False),
        ("uPnL", t["unrealized_pnl"], True),
        ("today", t["today_pnl"], True),
        ("margin", t["margin_used"], False),
        ("gross", t["gross_exposure"], False),
        ("net", t["net_exposure"], True),
    ):
        text.append(f"{label} ", "dim")
        shown = str(value) if label == "traders" else _usd(value, signed=signed)
        tone = "" if not signed or value == 0 else tones["up"] if value > 0 else tones["down"]
        text.append(shown + "   ", tone)
    text.append("lev ", "dim")
    text.append(f"{_leverage(t['leverage'])}   ")
    text.append("orders ", "dim")
    text.append(str(t["open_orders"]))
    return text


class DeskScreen(WorkspaceScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", "Reload desk", id="desk.reload"),
    ]
    DEFAULT_CSS = """
    DeskScreen #desk-totals-box { height: 3; }
    DeskScreen #desk-traders-box { height: 2fr; }
    DeskScreen #desk-exposure-box { height: 1fr; }
    """

    view: dict[str, Any] | None = None
    note = ""

    def compose_body(self) -> ComposeResult:
        yield Box(Static("", id="desk-totals"), title="Desk", id="desk-totals-box")
        yield Box(
            LiveTable(TRADER_COLUMNS, empty_text="no trader has published to this store yet", id="desk-traders"),
            title="Traders",
            id="desk-traders-box",
        )
        yield Box(
            LiveTable(EXPOSURE_COLUMNS, empty_text="the desk is flat", id="desk-exposure"),
            title="Exposure by market",
            id="desk-exposure-box",
        )

    def on_mount(self) -> None:
        self.query_one("#desk-traders", LiveTable).focus()
        self.show()
        self._reload()
        self.set_interval(REFRESH_S, self._reload)

    @work(exclusive=True, group="desk")
    async def _reload(self) -> None:
        if not desk_app(self.app).hub.connected:
            return
        result = await desk_app(self.app).feed.fetch("desk.view")
        if result is None:
            self.note = desk_app(self.app).hub.unavailable.get("desk.view", "")
        else:
            self.view, self.note = result, ""
        self.show()

    def show(self) -> None:
        tones = tone_styles(self.app.theme_variables)
        self.query_one("#desk-totals", Static).update(totals_text(self.view, self.note, tones))
        traders = self.view["traders"] if self.view else []
        exposure = self.view["exposure"] if self.view else []
        self.query_one("#desk-traders", LiveTable).update_rows({t["trader"]: trader_row(t) for t in traders})
        self.query_one("#desk-exposure", LiveTable).update_rows({m["market"]: exposure_row(m) for m in exposure})

    def action_reload(self) -> None:
        self._reload()

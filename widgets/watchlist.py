"""Watchlist: the Markets table of quotes — last, change, 24h %, confidence, age, funding, OI —
with a fuzzy filter (`/`) and named groups."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input

from backend.api.protocol import PRICE_PRECISION, MarketInfo, Quote
from widgets.field_input import FieldInput
from widgets.format import (
    decimals_for_price,
    decimals_for_tick,
    exact,
    fmt_age,
    fmt_compact,
    fmt_number,
    fmt_pct,
    tone,
)
from widgets.live_table import Cell, Column, LiveTable

STALE_AFTER_S = 10.0


def fuzzy_match(query: str, text: str) -> bool:
    """Case-insensitive subsequence match: 'sol' and 'sp' both match 'SOL-PERP'."""
    remaining = iter(text.lower())
    return all(char in remaining for char in query.lower() if not char.isspace())


def _fmt_funding(rate: float) -> str:
    return fmt_number(rate * 100, 4, signed=True) + "%"


class Watchlist(Vertical):
    """Markets watchlist. Feed it `set_markets(...)` once and `update_quote(q)` on every tick."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "start_filter", "Filter", id="watchlist.filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="watchlist.clear_filter"),
        Binding("g", "next_group", "Next group", id="watchlist.next_group"),
    ]

    DEFAULT_CSS = """
    Watchlist { height: 1fr; }
    Watchlist > #watchlist-filter { display: none; height: 3; border: tall $primary; }
    Watchlist.-filtering > #watchlist-filter { display: block; }
    Watchlist > LiveTable { height: 1fr; }
    """

    class MarketSelected(Message):
        """Enter on a market row."""

        def __init__(self, market: str) -> None:
            super().__init__()
            self.market = market

    class MarketHighlighted(Message):
        """The cursor moved to a market row."""

        def __init__(self, market: str | None) -> None:
            super().__init__()
            self.market = market

    def __init__(
        self,
        *,
        show_funding: bool = False,
        show_oi: bool = False,
        clock: Callable[[], float] = time.time,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._clock = clock
        self._markets: dict[str, MarketInfo] = {}
        self._quotes: dict[str, Quote] = {}
        self._stats: dict[str, tuple[float | None, float | None]] = {}
        self._groups: dict[str, list[str]] = {}
        self._group: str | None = None
        self._filter_text = ""
        self._show_funding, self._show_oi = show_funding, show_oi
        columns = [
            Column("symbol", "Market", 12),
            Column("last", "Last", 12, "right", flash=True),
            Column("change", "Change", 12, "right"),
            Column("pct", "24h %", 10, "right", formatter=fmt_pct, tone=tone),
            Column("conf", "Conf ±", 11, "right"),
            Column("age", "Age", 6, "right"),
        ]
        if show_funding:
            columns.append(Column("funding", "Fund/h", 10, "right", formatter=_fmt_funding, tone=tone))
        if show_oi:
            columns.append(Column("oi", "OI $", 8, "right", formatter=fmt_compact))
        self.table = LiveTable(columns, empty_text="no markets", id="watchlist-table")

    def compose(self) -> ComposeResult:
        yield FieldInput(placeholder="filter markets (fuzzy), enter to keep, esc to clear", id="watchlist-filter")
        yield self.table

    def on_mount(self) -> None:
        self.set_interval(1.0, self._refresh_ages, name="watchlist-ages")

    def focus(self, scroll_visible: bool = True) -> Watchlist:
        """Focusing the watchlist focuses its table (the container itself takes no keys)."""
        self.table.focus(scroll_visible)
        return self

    # ---- data in ------------------------------------------------------------------------------

    def set_markets(self, markets: Iterable[MarketInfo]) -> None:
        """The markets to list, in the venue's order (a row each, even before the first quote; markets
        quoted before the list came follow it); sets price decimals from ticks."""
        self._markets = {market.symbol: market for market in markets}
        self.table.clear()  # rows were added as quotes arrived: list them again in the markets' order
        for symbol in [*self._markets, *(s for s in self._quotes if s not in self._markets)]:
            self._upsert(symbol)

    def update_quote(self, quote: Quote) -> None:
        self._quotes[quote.market] = quote
        self._upsert(quote.market)

    def update_stats(
        self, market: str, *, funding_rate: float | None = None, open_interest: float | None = None
    ) -> None:
        """Funding rate per hour (fraction, 0.0001 = 0.01%) and open interest in USD."""
        old_funding, old_oi = self._stats.get(market, (None, None))
        self._stats[market] = (
            funding_rate if funding_rate is not None else old_funding,
            open_interest if open_interest is not None else old_oi,
        )
        self._upsert(market)

    def set_groups(self, groups: dict[str, list[str]]) -> None:
        self._groups = {name: list(symbols) for name, symbols in groups.items()}
        if self._group not in self._groups:
            self._group = None
        self._apply_filter()

    def show_group(self, name: str | None) -> None:
        """Show only the symbols of group `name` (None: every market)."""
        if name is not None and name not in self._groups:
            raise KeyError(f"no watchlist group {name!r}")
        self._group = name
        self.table.border_subtitle = name or ""
        self._apply_filter()

    @property
    def group(self) -> str | None:
        return self._group

    def set_filter_text(self, text: str) -> None:
        self._filter_text = text.strip()
        self._apply_filter()

    @property
    def filter_text(self) -> str:
        return self._filter_text

    @property
    def symbols(self) -> list[str]:
        """Markets shown, in display order."""
        return [str(key) for key in self.table.row_keys]

    # ---- actions ------------------------------------------------------------------------------

    def action_start_filter(self) -> None:
        self.add_class("-filtering")
        self.query_one("#watchlist-filter", Input).focus()

    def action_clear_filter(self) -> None:
        field = self.query_one("#watchlist-filter", Input)
        field.value = ""
        self.set_filter_text("")
        self.remove_class("-filtering")
        self.table.focus()

    def action_next_group(self) -> None:
        names: list[str | None] = [None, *self._groups]
        self.show_group(names[(names.index(self._group) + 1) % len(names)])

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.set_filter_text(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip():
            self.remove_class("-filtering")
        self.table.focus()

    def on_live_table_row_selected(self, event: LiveTable.RowSelected) -> None:
        self.post_message(self.MarketSelected(str(event.row_key)))

    def on_live_table_row_highlighted(self, event: LiveTable.RowHighlighted) -> None:
        self.post_message(self.MarketHighlighted(None if event.row_key is None else str(event.row_key)))

    # ---- rows ---------------------------------------------------------------------------------

    def _apply_filter(self) -> None:
        text = self._filter_text
        members = set(self._groups[self._group]) if self._group is not None else None
        if not text and members is None:
            self.table.set_filter(None)
            return

        def keep(key: Any, row: tuple[Any, ...]) -> bool:
            return (members is None or key in members) and (not text or fuzzy_match(text, str(key)))

        self.table.set_filter(keep)

    def _decimals(self, symbol: str, quote: Quote) -> int:
        market = self._markets.get(symbol)
        if market is not None and market.tick_size > 0:
            return decimals_for_tick(market.tick_size, PRICE_PRECISION)
        return decimals_for_price(quote.price_float, quote.expo)

    def _refresh_ages(self) -> None:
        for symbol in self._quotes:
            self._upsert(symbol)

    def _upsert(self, symbol: str) -> None:
        funding, oi = self._stats.get(symbol, (None, None))
        extras = (funding,) * self._show_funding + (oi,) * self._show_oi
        quote = self._quotes.get(symbol)
        if quote is None:
            self.table.upsert(symbol, (symbol, None, None, None, None, None, *extras))
            return
        decimals = self._decimals(symbol, quote)
        change = quote.price - quote.open_24h
        age = self._clock() - quote.publish_time
        row = (
            symbol,
            Cell(quote.price_float, fmt_number(exact(quote.price, quote.expo), decimals)),
            Cell(change, fmt_number(exact(change, quote.expo), decimals, signed=True), tone(change)),
            quote.change_24h_pct,
            Cell(quote.conf, fmt_number(exact(quote.conf, quote.expo), decimals), "dim"),
            Cell(int(age * 10), fmt_age(age), "warn" if age > STALE_AFTER_S else "dim"),
            *extras,
        )
        self.table.upsert(symbol, row)

"""PositionsTable: open perp positions with entry, mark, PnL and liquidation price."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message

from backend.api.protocol import MarketInfo, PositionView
from widgets.format import fmt_pnl, fmt_price, fmt_size, market_decimals, tone
from widgets.live_table import Cell, Column, LiveTable

COLUMNS = [  # what a trader checks first stays when the pane is narrow; the rest drop (Column.drop)
    Column("market", "Market", 8),
    Column("side", "Side", 7, drop=3),
    Column("size", "Size", 9, "right"),
    Column("entry", "Entry", 9, "right"),
    Column("mark", "Mark", 9, "right", flash=True),
    Column("upnl", "uPnL", 10, "right", flash=True),
    Column("liq", "Liq", 9, "right"),
    Column("margin", "Margin", 10, "right"),
    Column("rpnl", "rPnL", 10, "right", drop=2),
    Column("notional", "Notional", 11, "right", drop=4),
    Column("sub", "Sub", 3, "right", drop=5),
]


class PositionsTable(LiveTable):
    """Rows keyed by (market, sub_account); positions with zero size are not shown."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "close_position", "Close position", id="positions.close"),
    ]

    class CloseRequested(Message):
        """The user asked to close the highlighted position (the owner confirms and sends it)."""

        def __init__(self, market: str, sub_account: int, base: int) -> None:
            super().__init__()
            self.market = market
            self.sub_account = sub_account
            self.base = base

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(COLUMNS, empty_text="no open positions", name=name, id=id, classes=classes)
        self._decimals: dict[str, tuple[int, int]] = {}
        self._positions: dict[tuple[str, int], PositionView] = {}

    def set_markets(self, markets: Iterable[MarketInfo]) -> None:
        """Price and size decimals per market (from tick and step sizes)."""
        self._decimals = {m.symbol: market_decimals(m) for m in markets}
        for position in list(self._positions.values()):
            self.upsert(self._key(position), self._row(position))

    def set_positions(self, positions: Iterable[PositionView]) -> None:
        self._positions = {self._key(p): p for p in positions if p.base != 0}
        self.update_rows({key: self._row(p) for key, p in self._positions.items()})

    def update_position(self, position: PositionView) -> None:
        key = self._key(position)
        if position.base == 0:
            self._positions.pop(key, None)
            self.remove_row(key)
        else:
            self._positions[key] = position
            self.upsert(key, self._row(position))

    def action_close_position(self) -> None:
        key = self.cursor_key
        position = self._positions.get(key) if isinstance(key, tuple) else None
        if position is not None:
            self.post_message(self.CloseRequested(position.market, position.sub_account, position.base))

    @staticmethod
    def _key(position: PositionView) -> tuple[str, int]:
        return (position.market, position.sub_account)

    def _row(self, p: PositionView) -> tuple[Any, ...]:
        px, sz = self._decimals.get(p.market, (2, 4))
        long = p.base > 0
        return (
            p.market,
            Cell(long, "▲ LONG" if long else "▼ SHORT", "up" if long else "down"),
            Cell(p.base, fmt_size(p.base, sz, signed=True), tone(p.base)),
            Cell(p.entry_price, fmt_price(p.entry_price, px)),
            Cell(p.mark_price, fmt_price(p.mark_price, px)),
            Cell(p.unrealized_pnl, fmt_pnl(p.unrealized_pnl), tone(p.unrealized_pnl)),
            Cell(
                p.liq_price,
                fmt_price(p.liq_price, px) if p.liq_price else "—",
                "warn" if p.liq_price else "dim",
            ),
            Cell(p.initial_margin, fmt_price(p.initial_margin, 2)),
            Cell(p.realized_pnl, fmt_pnl(p.realized_pnl), tone(p.realized_pnl)),
            Cell(p.notional, fmt_price(abs(p.notional), 2)),
            p.sub_account,
        )

"""FillsTable: executions, newest first, bounded to the most recent `max_rows`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from backend.api.protocol import BASE_PRECISION, QUOTE_PRECISION, FillView, MarketInfo
from widgets.format import fmt_pnl, fmt_price, fmt_size, fmt_time, market_decimals, tone
from widgets.live_table import Cell, Column, LiveTable

COLUMNS = [
    Column("time", "Time", 8, drop=1),
    Column("market", "Market", 11, drop=2),
    Column("side", "Side", 6),
    Column("price", "Price", 11, "right"),
    Column("size", "Size", 11, "right"),
    Column("notional", "Notional", 12, "right", drop=4),
    Column("fee", "Fee", 9, "right", drop=5),
    Column("role", "Role", 5, drop=6),
    Column("rpnl", "rPnL", 10, "right", drop=3),
]


class FillsTable(LiveTable):
    """Rows keyed by fill_id, sorted newest first (`s`/`S` re-sort as in any LiveTable)."""

    def __init__(
        self,
        *,
        max_rows: int = 500,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(COLUMNS, empty_text="no fills yet", name=name, id=id, classes=classes)
        self.max_rows = max_rows
        self._decimals: dict[str, tuple[int, int]] = {}
        self._fills: dict[int, FillView] = {}
        self.sort_by("time", reverse=True)

    def set_markets(self, markets: Iterable[MarketInfo]) -> None:
        self._decimals = {m.symbol: market_decimals(m) for m in markets}
        for fill in list(self._fills.values()):
            self.upsert(fill.fill_id, self._row(fill))

    def set_fills(self, fills: Iterable[FillView]) -> None:
        newest = sorted(fills, key=lambda f: (f.ts, f.fill_id))[-self.max_rows :]
        self._fills = {f.fill_id: f for f in newest}
        self.update_rows({fill_id: self._row(f) for fill_id, f in self._fills.items()})

    def add_fill(self, fill: FillView) -> None:
        self._fills[fill.fill_id] = fill
        self.upsert(fill.fill_id, self._row(fill))
        if len(self._fills) > self.max_rows:
            oldest = min(self._fills.values(), key=lambda f: (f.ts, f.fill_id))
            del self._fills[oldest.fill_id]
            self.remove_row(oldest.fill_id)

    def _row(self, f: FillView) -> tuple[Any, ...]:
        px, sz = self._decimals.get(f.market, (2, 4))
        buy = f.side == "buy"
        notional = f.price * f.size // BASE_PRECISION
        return (
            Cell((f.ts, f.fill_id), fmt_time(f.ts), "dim"),
            f.market,
            Cell(f.side, "▲ BUY" if buy else "▼ SELL", "up" if buy else "down"),
            Cell(f.price, fmt_price(f.price, px)),
            Cell(f.size, fmt_size(f.size, sz)),
            Cell(notional, fmt_price(notional, 2)),
            Cell(f.fee, fmt_price(f.fee, 4 if abs(f.fee) < QUOTE_PRECISION else 2, signed=f.fee < 0)),
            f.role,
            Cell(f.realized_pnl, fmt_pnl(f.realized_pnl) if f.realized_pnl else "—", tone(f.realized_pnl)),
        )

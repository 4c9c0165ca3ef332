"""PositionsTable, OrdersTable, FillsTable: rows from protocol records, keys, request messages."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.message import Message
from textual.widget import Widget

from backend.api.protocol import FillView
from tests.tui.pilot import wait_for
from tests.widgets.fixtures import FILLS, MARKETS, ORDERS, POSITIONS
from themes import register_themes
from widgets.fills_table import FillsTable
from widgets.orders_table import OrdersTable
from widgets.positions_table import PositionsTable


class OneWidgetApp(App[None]):
    def __init__(self, widget: Widget) -> None:
        super().__init__()
        register_themes(self)
        self.widget = widget
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield self.widget

    def on_mount(self) -> None:
        self.widget.focus()

    def on_positions_table_close_requested(self, message: Message) -> None:
        self.messages.append(message)

    def on_orders_table_cancel_requested(self, message: Message) -> None:
        self.messages.append(message)

    def on_orders_table_cancel_all_requested(self, message: Message) -> None:
        self.messages.append(message)


@asynccontextmanager
async def _showing(
    table: Widget, show: Callable[[Any], None], rows: Any, size: tuple[int, int] = (130, 10), markets: bool = True
) -> AsyncIterator[tuple[OneWidgetApp, Pilot[None]]]:
    """`table` alone on screen, focused, showing `rows` (through its `show` setter), with the markets' specs."""
    app = OneWidgetApp(table)
    async with app.run_test(size=size) as pilot:
        if markets:
            table.set_markets(MARKETS)
        show(rows)
        await _flushed(pilot, table)
        yield app, pilot


async def _flushed(pilot: Pilot[None], table: Any) -> None:
    """Until the table's throttled repaint has run: it orders and filters the rows it shows (a single
    pause may come before its timer on a loaded machine)."""
    await wait_for(pilot, lambda: table._flush_timer is None, what="the table's repaint")


def _rows(table: Widget) -> list[str]:
    return [" ".join(table.render_line(y).text.split()) for y in range(1, table.row_count + 1)]


async def test_positions_show_side_signed_size_pnl_and_liq_and_skip_flat() -> None:
    table = PositionsTable()
    async with _showing(table, table.set_positions, POSITIONS) as (app, pilot):
        assert _rows(table) == [
            "SOL-PERP ▲ LONG +2.50 140.000 142.500 +6.25 98.765 35.63 +1.00 356.25 0",
            "BTC-PERP ▼ SHORT -0.0100 68,000.0 67,123.5 +8.77 — 67.12 0.00 671.24 0",
        ]


async def test_narrow_positions_keep_entry_mark_upnl_liq_and_margin() -> None:
    table = PositionsTable()
    async with _showing(table, table.set_positions, POSITIONS, size=(72, 10)) as (app, pilot):
        assert table.shown_columns == ["market", "size", "entry", "mark", "upnl", "liq", "margin"]
        assert _rows(table)[0] == "SOL-PERP +2.50 140.000 142.500 +6.25 98.765 35.63"
        await pilot.resize_terminal(82, 10)
        await pilot.pause()
        assert table.shown_columns[-1] == "rpnl"  # the next least droppable column that fits; Side (drop 3) waits


async def test_x_requests_closing_the_highlighted_position() -> None:
    table = PositionsTable()
    async with _showing(table, table.set_positions, POSITIONS, markets=False) as (app, pilot):
        await pilot.press("down", "x")
        await pilot.pause()
        (message,) = app.messages
        assert isinstance(message, PositionsTable.CloseRequested)
        assert (message.market, message.sub_account, message.base) == ("BTC-PERP", 0, -10_000_000)


async def test_orders_hide_terminal_ones_and_show_flags_and_progress() -> None:
    table = OrdersTable()
    async with _showing(table, table.set_orders, ORDERS) as (app, pilot):
        assert _rows(table) == [
            "101 SOL-PERP ▲ BUY limit open 1.00 0.00 140.000 — P GTC",
            "102 SOL-PERP ▼ SELL stop market pending trigger 2.50 0.00 market 135.000 R GTC",
            "103 BTC-PERP ▲ BUY limit partially filled 0.0200 0.0050 66,000.0 — — IOC",
        ]
        table.update_order(ORDERS[0].__class__(101, "SOL-PERP", "buy", "limit", "cancelled", 1))
        await _flushed(pilot, table)
        assert table.row_keys == [102, 103]


async def test_c_cancels_highlighted_order_and_shift_c_cancels_all() -> None:
    table = OrdersTable()
    async with _showing(table, table.set_orders, ORDERS, markets=False) as (app, pilot):
        await pilot.press("down", "c", "C")
        await pilot.pause()
        cancel, cancel_all = app.messages
        assert isinstance(cancel, OrdersTable.CancelRequested)
        assert (cancel.order_id, cancel.market) == (102, "SOL-PERP")
        assert isinstance(cancel_all, OrdersTable.CancelAllRequested)
        assert cancel_all.market is None


async def test_fills_newest_first_and_bounded() -> None:
    table = FillsTable(max_rows=3)
    async with _showing(table, table.set_fills, FILLS) as (app, pilot):
        assert _rows(table) == [
            "12:35:05 SOL-PERP ▼ SELL 142.500 0.50 71.25 0.0356 taker +1.25",
            "12:35:00 BTC-PERP ▲ BUY 66,000.0 0.0050 330.00 -0.0660 maker —",
            "12:34:56 ETH-PERP ▼ SELL 3,500.12 1.000 3,500.12 1.75 taker —",
        ]
        table.add_fill(FillView(4, 106, "SOL-PERP", "buy", 143_000_000, 10_000_000, 0, "maker", 1_767_270_999))
        await _flushed(pilot, table)
        assert table.row_keys == [4, 3, 2]

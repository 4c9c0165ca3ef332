"""End to end through the keyboard against a real backend: a bracket order from the ticket, then the
same kind of trading from the command bar — orders, fills, position and PnL on screen."""

from __future__ import annotations

from tests.tui.monkey import run_command
from tests.tui.pilot import make_app, wait_for
from widgets.order_ticket import OrderTicket
from widgets.orders_table import OrdersTable
from widgets.positions_table import PositionsTable


def sol_price(app) -> float:
    quote = app.hub.quotes["SOL-PERP"]
    return quote.price * 10.0**quote.expo


async def type_into(pilot, app, selector: str, text: str) -> None:
    app.screen.query_one(selector).focus()
    await pilot.pause()
    await pilot.press(*text)


async def test_bracket_from_the_ticket_fills_and_shows_position_and_pnl(backend):
    app = make_app(backend)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(
            pilot,
            lambda: app.hub.connected and app.hub.markets and "SOL-PERP" in app.hub.quotes and 0 in app.hub.accounts,
        )
        price = sol_price(app)
        # TP and SL inside the backend's price band (10% of the oracle by default): further out, the
        # backend refuses the bracket with RISK_PRICE_BAND and the TUI toasts the refusal
        await type_into(pilot, app, "#ticket-size", "1")
        await type_into(pilot, app, "#ticket-tp", f"{price * 1.05:.2f}")
        await type_into(pilot, app, "#ticket-sl", f"{price * 0.95:.2f}")
        await pilot.press("ctrl+s")
        # the bracket: a market entry, then TP and SL waiting for it
        await wait_for(pilot, lambda: len(app.hub.orders) >= 3)
        kinds = sorted(o.order_type for o in app.hub.orders.values())
        assert kinds == ["market", "stop_market", "take_profit_market"]
        # the entry fills over the auction; TP and SL become live legs
        await wait_for(pilot, lambda: ("SOL-PERP" in {m for _, m in app.hub.positions}))
        position = app.hub.positions[(0, "SOL-PERP")]
        assert position.base == 10**9 and position.entry_price > 0
        await wait_for(pilot, lambda: {o.status for o in app.hub.open_orders("SOL-PERP")} == {"pending_trigger"})
        assert len(app.hub.fills) >= 1 and all(f.side == "buy" for f in app.hub.fills)
        positions_table = app.screen.query_one(PositionsTable)
        await wait_for(pilot, lambda: positions_table.row_count == 1)
        orders_table = app.screen.query_one(OrdersTable)
        await wait_for(pilot, lambda: orders_table.row_count == 2)
        await wait_for(pilot, lambda: app.hub.accounts[0].unrealized_pnl != 0)


async def test_command_bar_buys_then_reduces_at_market_with_fills_and_realized_pnl(backend):
    """Each command goes in through the bar and Enter (typing it key by key is test_command_bar_visible's)."""
    app = make_app(backend)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, lambda: app.hub.connected and "SOL-PERP" in app.hub.quotes and 0 in app.hub.accounts)
        await run_command(pilot, "buy 2 SOL-PERP mkt")
        await wait_for(
            pilot,
            lambda: app.hub.positions.get((0, "SOL-PERP")) is not None
            and app.hub.positions[(0, "SOL-PERP")].base == 2 * 10**9,
        )
        await run_command(pilot, "sell 0.5 sol mkt reduce")
        await wait_for(pilot, lambda: app.hub.positions[(0, "SOL-PERP")].base == 15 * 10**8)
        sides = {"buy": 2 * 10**9, "sell": 5 * 10**8}  # a market order may fill in several legs (book, curve)
        await wait_for(
            pilot,
            lambda: all(sum(f.size for f in app.hub.fills if f.side == side) == size for side, size in sides.items()),
        )
        assert all(f.realized_pnl == 0 for f in app.hub.fills if f.side == "buy")  # opening realizes nothing
        sold = sum(f.realized_pnl for f in app.hub.fills if f.side == "sell")
        assert sold != 0 and app.hub.positions[(0, "SOL-PERP")].realized_pnl == sold


async def test_command_bar_rests_a_limit_order_then_cancels_all(backend):
    app = make_app(backend)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, lambda: app.hub.connected and "SOL-PERP" in app.hub.quotes and 0 in app.hub.accounts)
        low = round(sol_price(app) * 0.95, 1)
        await run_command(pilot, f"buy 1 SOL-PERP @ {low}")
        await wait_for(pilot, lambda: len(app.hub.open_orders("SOL-PERP")) == 1)
        assert app.hub.open_orders("SOL-PERP")[0].price == round(low * 10**6)
        await run_command(pilot, "cancel all")
        await wait_for(pilot, lambda: not app.hub.open_orders())
        assert [o.status for o in app.hub.orders.values()] == ["cancelled"]


async def test_ticket_refuses_what_cannot_be_an_order_and_sends_nothing(backend):
    app = make_app(backend)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, lambda: app.hub.connected and app.hub.markets and "SOL-PERP" in app.hub.quotes)
        await type_into(pilot, app, "#ticket-size", "-3")
        await pilot.press("ctrl+s")
        ticket = app.screen.query_one(OrderTicket)
        await wait_for(pilot, lambda: "size" in ticket.errors, what="the ticket's refusal of size -3")
        assert not app.hub.orders

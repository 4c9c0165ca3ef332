"""OrderTicket: inline validation messages, exact integer payloads, brackets, confirm step."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import Input, Select, Static

from tests.widgets.fixtures import MARKETS
from themes import register_themes
from widgets.order_form import TicketForm, validate
from widgets.order_ticket import OrderTicket

SOL = MARKETS[0]


class TicketApp(App[None]):
    def __init__(self, confirm_above: int | None = None) -> None:
        super().__init__()
        register_themes(self)
        self.ticket = OrderTicket(confirm_above=confirm_above)
        self.submitted: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield self.ticket

    def on_mount(self) -> None:
        self.ticket.set_market(SOL)
        self.ticket.set_reference_price(142_500_000)
        self.ticket.query_one("#ticket-size", Input).focus()

    def on_order_ticket_submitted(self, message: OrderTicket.Submitted) -> None:
        self.submitted.append(message.order)


def _errors(app: TicketApp) -> str:
    return str(app.ticket.query_one("#ticket-errors", Static).render())


async def _type(pilot: Any, field: str, text: str) -> None:
    pilot.app.ticket.query_one(f"#ticket-{field}", Input).focus()
    await pilot.press(*text)


async def test_market_buy_submits_exact_integer_size() -> None:
    app = TicketApp()
    async with app.run_test(size=(60, 40)) as pilot:
        await pilot.press("1", ".", "5", "enter")
        await pilot.pause()
        assert app.submitted == [
            {
                "market": "SOL-PERP",
                "side": "buy",
                "order_type": "market",
                "size": 1_500_000_000,
                "price": 0,
                "trigger_price": 0,
                "trail_offset": 0,
                "tp_price": 0,
                "sl_price": 0,
                "reduce_only": False,
                "post_only": False,
                "tif": "gtc",
                "sub_account": 0,
            }
        ]


async def test_invalid_size_says_what_to_fix_and_sends_nothing() -> None:
    app = TicketApp()
    async with app.run_test(size=(60, 40)) as pilot:
        await pilot.press("-", "2")
        await pilot.pause()
        assert _errors(app) == "✗ size must be a positive number"
        await pilot.press("enter")
        await pilot.pause()
        assert app.submitted == []
        app.ticket.set_size("1.005")
        await pilot.pause()
        assert _errors(app) == "✗ size must be a multiple of 0.01"


async def test_empty_size_is_reported_only_on_submit() -> None:
    app = TicketApp()
    async with app.run_test(size=(60, 40)) as pilot:
        await pilot.pause()
        assert _errors(app) == ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert _errors(app) == "✗ size is required"
        assert app.submitted == []


async def test_limit_sell_with_brackets_and_tick_check() -> None:
    app = TicketApp()
    async with app.run_test(size=(60, 40)) as pilot:
        await pilot.press("ctrl+t")
        app.ticket.query_one("#ticket-type", Select).value = "limit"
        await pilot.pause()
        await _type(pilot, "size", "2")
        await _type(pilot, "price", "150.0005")
        await pilot.pause()
        assert _errors(app) == "✗ price must be a multiple of 0.001"
        await pilot.press("backspace")
        await _type(pilot, "tp", "155")
        await _type(pilot, "sl", "140")
        await pilot.pause()
        assert _errors(app) == "✗ TP must be below the entry for a sell\n✗ SL must be above the entry for a sell"
        app.ticket.query_one("#ticket-tp", Input).value = "145.5"
        app.ticket.query_one("#ticket-sl", Input).value = "152.25"
        await pilot.pause()
        assert _errors(app) == ""
        await pilot.press("enter")
        await pilot.pause()
        (order,) = app.submitted
        assert (order["side"], order["order_type"], order["size"], order["price"]) == (
            "sell",
            "limit",
            2_000_000_000,
            150_000_000,
        )
        assert (order["tp_price"], order["sl_price"]) == (145_500_000, 152_250_000)


async def test_buy_tp_below_entry_is_rejected_with_exact_text() -> None:
    app = TicketApp()
    async with app.run_test(size=(60, 40)) as pilot:
        await _type(pilot, "size", "1")
        await _type(pilot, "tp", "140")
        await pilot.pause()
        assert _errors(app) == "✗ TP must be above the entry for a buy"


async def test_large_order_needs_a_second_enter_to_confirm() -> None:
    app = TicketApp(confirm_above=1_000 * 10**6)
    async with app.run_test(size=(60, 40)) as pilot:
        await pilot.press("1", "0", "enter")
        await pilot.pause()
        assert app.submitted == []
        confirm = str(app.ticket.query_one("#ticket-confirm", Static).render())
        assert confirm == "notional $1,425.00 is above $1,000.00: press enter again to confirm"
        await pilot.press("enter")
        await pilot.pause()
        assert [o["size"] for o in app.submitted] == [10_000_000_000]


async def test_editing_cancels_a_pending_confirmation() -> None:
    app = TicketApp(confirm_above=1_000 * 10**6)
    async with app.run_test(size=(60, 40)) as pilot:
        await pilot.press("1", "0", "enter", "0", "enter")
        await pilot.pause()
        assert app.submitted == []


async def test_usd_sizing_rounds_down_to_the_step() -> None:
    app = TicketApp()
    async with app.run_test(size=(60, 40)) as pilot:
        await pilot.press("ctrl+b", "1", "0", "0", "0", "enter")
        await pilot.pause()
        assert [o["size"] for o in app.submitted] == [7_010_000_000]


async def test_price_picked_from_book_turns_market_into_limit() -> None:
    app = TicketApp()
    async with app.run_test(size=(60, 40)) as pilot:
        app.ticket.set_price(142_510_000)
        await pilot.pause()
        assert app.ticket.form.order_type == "limit"
        assert app.ticket.query_one("#ticket-price", Input).value == "142.510"


async def test_summary_shows_size_share_of_equity_margin_leverage_fill_slippage_and_liq() -> None:
    app = TicketApp()
    async with app.run_test(size=(60, 40)) as pilot:
        app.ticket.set_equity(10_000 * 10**6)
        await _type(pilot, "size", "1.5")
        app.ticket.set_preview(
            {
                "margin": 21_375_000,
                "leverage": 25_000,
                "fill": 142_642_500,  # 0.1% above the 142.500 reference
                "resting": 0,
                "liq_price": 98_765_000,
                "fee": 106_875,
            }
        )
        await pilot.pause()
        text = str(app.ticket.query_one("#ticket-preview", Static).render())
        assert text.splitlines() == [
            "Size      1.50 SOL · 2.1% eq",
            "Margin    $21.38 req.",
            "Lev after 2.50x",
            "Est. fill 142.643 slip +0.10%",
            "Liq after 98.765",
            "Fee       $0.11",
        ]


async def test_a_sell_filling_above_the_reference_has_negative_slippage_and_a_reduce_frees_margin() -> None:
    app = TicketApp()
    async with app.run_test(size=(60, 40)) as pilot:
        await pilot.press("ctrl+t")
        await _type(pilot, "size", "1")
        app.ticket.set_preview({"margin": -5_000_000, "leverage": 0, "fill": 142_785_000, "liq_price": 0, "fee": 0})
        await pilot.pause()
        lines = str(app.ticket.query_one("#ticket-preview", Static).render()).splitlines()
        assert lines[1:4] == ["Margin    frees $5.00", "Lev after 0.00x", "Est. fill 142.785 slip -0.20%"]
        assert lines[4] == "Liq after none"


async def test_share_buttons_size_the_order_to_a_share_of_equity_rounded_down_to_the_step() -> None:
    app = TicketApp()
    async with app.run_test(size=(60, 40)) as pilot:
        app.ticket.set_equity(10_000 * 10**6)
        await pilot.click("#ticket-share-25")
        await pilot.pause()
        assert app.ticket.query_one("#ticket-size", Input).value == "25%"
        await pilot.press("ctrl+s")
        await pilot.pause()
        # 25% of $10,000 = $2,500 at 142.50 = 17.543... SOL -> 17.54 (step 0.01, rounded down)
        assert [o["size"] for o in app.submitted] == [17_540_000_000]


async def test_a_share_size_without_equity_says_what_to_do() -> None:
    app = TicketApp()
    async with app.run_test(size=(60, 40)) as pilot:
        await _type(pilot, "size", "50%")
        await pilot.pause()
        assert _errors(app) == "✗ no equity yet to size by %; enter a size"


async def test_submit_and_summary_stay_visible_in_a_short_ticket() -> None:
    app = TicketApp()
    async with app.run_test(size=(40, 14)) as pilot:
        await _type(pilot, "size", "1")
        app.ticket.set_preview({"margin": 1, "leverage": 1, "fill": 0, "resting": 0, "liq_price": 0, "fee": 0})
        await pilot.pause()
        submit = app.ticket.query_one("#ticket-submit")
        assert submit.region.bottom <= 14 and submit.region.height == 1
        assert app.screen.get_widget_at(submit.region.x + 1, submit.region.y)[0] is submit


def test_stop_orders_need_a_trigger_and_post_only_needs_limit() -> None:
    result = validate(TicketForm(order_type="stop_market", size="1", post_only=True), SOL, 142_500_000)
    assert result.errors == {
        "trigger": "trigger price is required for a stop order",
        "post_only": "post-only needs a limit order",
    }
    result = validate(TicketForm(order_type="stop_limit", size="1", trigger="140", price="139.5"), SOL)
    assert result.order is not None
    assert (result.order["trigger_price"], result.order["price"]) == (140_000_000, 139_500_000)
    result = validate(TicketForm(order_type="trailing_stop", size="1", offset="2.5", side="sell"), SOL)
    assert result.order is not None and result.order["trail_offset"] == 2_500_000
    result = validate(TicketForm(size="0.001"), SOL)
    assert result.errors == {"size": "size must be a multiple of 0.01"}
    result = validate(TicketForm(size="1", sub_account="x"), SOL)
    assert result.errors == {"sub_account": "sub-account must be a whole number (0, 1, 2, ...)"}


async def test_reduce_only_box_shows_its_mark_only_when_checked() -> None:
    app = TicketApp()
    async with app.run_test(size=(60, 40)) as pilot:
        box = app.ticket.query_one("#ticket-reduce_only")
        assert str(box.render()).startswith("▐ ▌")
        box.toggle()
        await pilot.pause()
        assert str(box.render()).startswith("▐X▌")
        assert app.ticket.form.reduce_only is True

"""One confirm rule for every order path, and toasts that say what filled, what rests and why the rest
was cancelled — in the market's own units."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import msgspec

from backend.api.protocol import FillView, MarketInfo, OrderArgs, OrderView
from backend.domain.orders import price_of, size_of
from quantdesk_tui.order_confirm import OrderIntent, confirm_reasons, estimate_notional
from quantdesk_tui.order_outcome import describe_fills, describe_outcome, is_settled
from programs.quantdesk_perp.markets import MARKETS_BY_SYMBOL
from quantdesk_tui.palette import QuantDeskCommands
from quantdesk_tui.pane import Pane
from quantdesk_tui.screens.dialogs import ConfirmScreen
from quantdesk_tui.trading import ticket_request
from tests.tui.monkey import monkey_app, run_command
from tests.tui.pilot import wait_for
from widgets.order_form import TicketForm, validate

SOL = MarketInfo(
    market_index=0,
    symbol="SOL-PERP",
    base="SOL",
    quote="USD",
    tick_size=1_000,
    step_size=10_000_000,
    min_size=10_000_000,
    max_leverage=20,
    pyth_feed_id="0xef0d",
)


def test_notional_is_the_size_at_the_orders_own_price_else_at_the_last_price():
    limit = OrderIntent(OrderArgs(market="SOL-PERP", side="buy", size="2", price="140.5"), "t")
    market = OrderIntent(OrderArgs(market="SOL-PERP", side="buy", size="5000", type="market"), "t")
    usd = OrderIntent(OrderArgs(market="SOL-PERP", side="buy", size="500", size_in="usd", type="market"), "t")
    assert estimate_notional(limit, Decimal("145")) == Decimal("281.0")
    assert estimate_notional(market, Decimal("145.2")) == Decimal("726000.0")
    assert estimate_notional(usd, None) == Decimal("500")
    assert estimate_notional(market, None) is None


def test_the_rule_asks_above_the_notional_limit_and_above_a_share_of_free_collateral():
    assert confirm_reasons(Decimal("9999"), Decimal("100000"), 10_000, 0.5) == []
    assert confirm_reasons(Decimal("726000"), Decimal("100000"), 10_000, 0.5) == [
        "its notional $726,000.00 is above your confirm limit $10,000.00 (confirm_notional)",
        "it is 7.3× your free collateral $100,000.00 (confirm above 50%: confirm_free_fraction)",
    ]
    assert confirm_reasons(Decimal("600"), Decimal("1000"), 10_000, 0.5) == [
        "it is 0.6× your free collateral $1,000.00 (confirm above 50%: confirm_free_fraction)"
    ]
    assert confirm_reasons(None, Decimal("1000"), 10_000, 0.5) == ["there is no price yet to value it"]


def test_the_outcome_says_what_filled_and_why_the_rest_was_cancelled_in_base_units():
    cut = OrderView(
        order_id=1,
        market="SOL-PERP",
        side="buy",
        order_type="market",
        status="cancelled",
        size=5_000 * 10**9,
        filled=91_700_000_000,
        avg_fill_price=146_475_606,
        reason="auction ended with the rest unfilled",
    )
    assert describe_outcome(cut, SOL) == (
        "SOL-PERP #1: bought 91.70 of 5,000.00 SOL @ avg 146.476 · "
        "4,908.30 SOL cancelled: auction ended with the rest unfilled"
    )
    resting = OrderView(
        order_id=5,
        market="SOL-PERP",
        side="sell",
        order_type="limit",
        status="partially_filled",
        size=3 * 10**9,
        filled=10**9,
        price=150_000_000,
        avg_fill_price=150_000_000,
    )
    assert (
        describe_outcome(resting, SOL)
        == "SOL-PERP #5: sold 1.00 of 3.00 SOL @ avg 150.000 · sell 2.00 SOL rests @ 150.000"
    )
    twap = OrderView(order_id=3, market="SOL-PERP", side="buy", order_type="twap", status="open", size=10**10)
    assert describe_outcome(twap, SOL) == "SOL-PERP #3: TWAP buy 10.00 SOL working"
    fills = [
        FillView(
            fill_id=n, order_id=4, market="SOL-PERP", side="buy", price=price, size=10**9, fee=0, role="taker", ts=0
        )
        for n, price in ((1, 148_000_000), (2, 150_000_000))
    ]
    assert describe_fills(fills, SOL) == "SOL-PERP #4: bought 2.00 SOL @ avg 149.000"
    in_auction = OrderView(order_id=2, market="SOL-PERP", side="buy", order_type="market", status="open", size=1)
    assert not is_settled(in_auction) and is_settled(resting) and is_settled(cut)


def confirm_shown(app) -> bool:
    """The confirm modal is up and composed: pushing it comes a frame before its body exists."""
    return isinstance(app.screen, ConfirmScreen) and bool(app.screen.query("#confirm-body"))


def places(app) -> list[tuple[str, dict]]:
    return [(op, args) for op, args in app.client.requests if op.startswith("order.") and op != "order.preview"]


async def started(pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.hub.markets and app.hub.accounts and len(app.screen.query(Pane)) == 6)


async def test_a_large_command_bar_order_is_asked_about_and_a_small_one_goes_straight_through():
    app = monkey_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        # command bar: $730k on $100k is asked about; n sends nothing, y sends it
        await run_command(pilot, "buy 5000 SOL-PERP")
        await wait_for(pilot, lambda: confirm_shown(app))
        body = str(app.screen.query_one("#confirm-body").render())
        assert body.startswith("buy 5000 SOL-PERP market\n") and "above your confirm limit $10,000.00" in body
        await pilot.press("n")
        assert places(app) == []
        await run_command(pilot, "buy 5000 SOL-PERP")
        await wait_for(pilot, lambda: confirm_shown(app))
        await pilot.press("y")
        await wait_for(pilot, lambda: len(places(app)) == 1)
        assert places(app)[0] == (
            "order.place",
            {"side": "buy", "size": "5000", "market": "SOL-PERP", "type": "market"},
        )
        # a small one goes straight through
        await run_command(pilot, "buy 0.1 sol")
        await wait_for(pilot, lambda: len(places(app)) == 2)
        assert places(app)[1] == ("order.place", {"side": "buy", "size": "0.1", "market": "SOL-PERP", "type": "market"})


async def test_x_on_a_position_asks_then_sends_a_reduce_only_market_close():
    app = monkey_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        # `x` on the SOL position ($14k): asked, then a reduce-only market sell of all of it
        app.screen.query_one("#positions").focus()
        await pilot.press("x")
        await wait_for(pilot, lambda: confirm_shown(app))
        assert str(app.screen.query_one("#confirm-body").render()).startswith("sell 100 SOL-PERP market reduce-only\n")
        await pilot.press("y")
        await wait_for(pilot, lambda: len(places(app)) == 1)
        assert places(app)[0][1] == {
            "market": "SOL-PERP",
            "side": "sell",
            "type": "market",
            "size": "100",
            "reduce_only": True,
        }


async def test_a_twap_over_half_the_free_collateral_and_the_palettes_close_are_asked_about():
    app = monkey_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        # a TWAP parent under the notional limit but above half the free collateral ($71k of $100k)
        app.config.confirm_notional = 1e9
        await run_command(pilot, "twap buy 500 SOL-PERP 10m")
        await wait_for(pilot, lambda: confirm_shown(app))
        body = str(app.screen.query_one("#confirm-body").render())
        assert "confirm_notional" not in body and "(confirm above 50%: confirm_free_fraction)" in body
        await pilot.press("escape")
        await wait_for(pilot, lambda: not confirm_shown(app), what="the confirm modal gone")
        # the palette's close entry asks too
        close = next(
            cb
            for title, _help, cb in QuantDeskCommands(app.screen)._entries()
            if title == "Close SOL-PERP position (sub 0)"
        )
        app.config.confirm_notional = 10_000
        close()
        await wait_for(pilot, lambda: confirm_shown(app))
        assert str(app.screen.query_one("#confirm-body").render()).startswith("sell 100 SOL-PERP market reduce-only\n")
        await pilot.press("n")
        assert places(app) == []


def test_a_ticket_price_reaches_the_engine_as_the_exact_integer_typed():
    fine = msgspec.structs.replace(SOL, tick_size=1)  # a 0.000001 tick, so every decimal the wire holds counts
    result = validate(TicketForm(order_type="limit", size="1.23", price="145.123456"), fine)
    assert result.order is not None
    assert (result.order["price"], result.order["size"]) == (145_123_456, 1_230_000_000)
    request = ticket_request(result.order)
    assert (request.price, request.size) == ("145.123456", "1.23")
    spec = dataclasses.replace(MARKETS_BY_SYMBOL["SOL-PERP"], tick_size=1)
    assert price_of(request.price, spec) == 145_123_456
    assert size_of(request, spec, 0) == 1_230_000_000
    assert validate(TicketForm(order_type="limit", size="1", price="145.1234567"), fine).errors == {
        "price": "price must be a multiple of 0.000001"
    }

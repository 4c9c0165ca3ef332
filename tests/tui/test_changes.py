"""Hub changes are typed messages: the Hub says what moved, Textual drops the superseded ones, and a
burst costs each pane one repaint."""

from __future__ import annotations

import msgspec

from backend.api.protocol import Quote
from quantdesk_tui.changes import (
    BookChanged,
    CandlesChanged,
    FocusedMarketChanged,
    OrdersChanged,
    QuoteChanged,
)
from quantdesk_tui.hub import Hub
from quantdesk_tui.pane import Pane
from quantdesk_tui.panes import BookPane, TicketPane
from tests.tui.fakes import ORDERS, fixed_app, quote
from tests.tui.pilot import wait_for


def sol_quote(price: int) -> Quote:
    return msgspec.structs.replace(quote("SOL-PERP"), price=price)


def test_the_hub_tells_each_change_as_its_own_message_kind():
    told: list[object] = []
    hub = Hub(post=told.append)
    hub.on_quote(sol_quote(14_300_000_000))
    hub.on_order(ORDERS[0])
    hub.focus("ETH-PERP")
    assert [type(m) for m in told] == [QuoteChanged, OrdersChanged, FocusedMarketChanged, CandlesChanged, BookChanged]
    assert told[0].quotes["SOL-PERP"].price == 14_300_000_000  # type: ignore[attr-defined]


def test_only_a_newer_change_of_the_same_kind_supersedes_one_and_a_quote_keeps_every_market():
    assert OrdersChanged().can_replace(OrdersChanged())
    assert not OrdersChanged().can_replace(BookChanged())
    assert not QuoteChanged(sol_quote(1)).can_replace(OrdersChanged())
    eth = quote("ETH-PERP")
    older, newer = QuoteChanged(sol_quote(1), eth), QuoteChanged(sol_quote(2))
    assert older.can_replace(newer)
    assert {m: q.price for m, q in newer.quotes.items()} == {"SOL-PERP": 2, "ETH-PERP": eth.price}


async def started(pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.hub.markets and app.hub.alerts and len(app.screen.query(Pane)) == 6)
    await pilot.pause()  # the first repaint handled: the screen's queue is empty


async def test_a_burst_of_500_quotes_of_two_markets_repaints_the_ticket_once_with_the_last_prices():
    app = fixed_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        pane = app.screen.query_one(TicketPane)
        seen: list[dict[str, int]] = []
        handler = pane.on_quote_changed

        def spy(change: QuoteChanged) -> None:
            seen.append({market: q.price for market, q in change.quotes.items()})
            handler(change)

        pane.on_quote_changed = spy  # type: ignore[method-assign]
        eth = quote("ETH-PERP")
        for i in range(250):  # no await between: the burst is queued before the screen handles any
            app.hub.on_quote(sol_quote(14_300_000_000 + 2 * i + 1))
            app.hub.on_quote(msgspec.structs.replace(eth, price=eth.price + i))
        await pilot.pause()
        await pilot.pause()
        assert seen == [{"SOL-PERP": 14_300_000_499, "ETH-PERP": eth.price + 249}]
        assert pane.ticket.reference_price == 143_000_005
        assert app.hub.ticks >= 500


async def test_a_burst_of_book_and_order_changes_repaints_each_once():
    app = fixed_app()
    app._poll_market = lambda: None  # type: ignore[method-assign]  # no book of its own in between
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        pane = app.screen.query_one(BookPane)
        calls: list[str] = []
        book, orders = pane.on_book_changed, pane.on_orders_changed
        pane.on_book_changed = lambda change: (calls.append("book"), book(change))  # type: ignore[method-assign]
        pane.on_orders_changed = lambda change: (calls.append("orders"), orders(change))  # type: ignore[method-assign]
        for _ in range(100):
            app.hub.post(BookChanged())
        for _ in range(100):
            app.hub.post(OrdersChanged())
        await pilot.pause()
        await pilot.pause()
        assert calls == ["book", "orders"]

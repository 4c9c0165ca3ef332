"""One focused market drives every pane of the Trade screen and the status bar; the ticket trades it."""

from __future__ import annotations

from backend.alerts.engine import Alert, Kind
from quantdesk_tui.changes import AlertsChanged
from quantdesk_tui.pane import Pane
from widgets.candle_chart import CandleChart
from tests.tui.monkey import monkey_app, run_command, shown_markets
from tests.tui.pilot import wait_for
from widgets.order_ticket import OrderTicket


def order_requests(app) -> list[dict]:
    return [args for op, args in app.client.requests if op == "order.place"]


async def started(pilot) -> None:
    app = pilot.app
    # alerts are the snapshot's last read: a test that sets hub.alerts before it would be overwritten
    await wait_for(
        pilot, lambda: app.hub.markets and app.hub.accounts and app.hub.alerts and len(app.screen.query(Pane)) == 6
    )


async def test_markets_enter_then_f2_every_trade_pane_shows_eth():
    app = monkey_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await pilot.press("f3")
        await wait_for(
            pilot,
            lambda: type(app.screen).__name__ == "MarketsScreen"
            and app.focused is not None
            and app.focused.row_count == len(app.hub.markets),
        )  # the watchlist, filled
        await pilot.press("j", "j", "enter")
        await wait_for(pilot, lambda: app.hub.market == "ETH-PERP")
        await pilot.press("f2")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TradeScreen")
        shown = shown_markets(app)
        assert set(shown.values()) == {"ETH-PERP"}
        assert {
            "status bar",
            "ticket",
            "ticket unit",
            "chart",
            "pane-chart title",
            "pane-ticket title",
            "pane-book title",
            "pane-trades title",
            "pane-alerts title",
        } <= set(shown)
        assert str(app.screen.query_one(OrderTicket).query_one("#ticket-unit").label) == "ETH"


async def test_ctrl_s_in_the_ticket_buys_the_market_on_screen():
    app = monkey_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await run_command(pilot, "eth")
        await wait_for(pilot, lambda: set(shown_markets(app).values()) == {"ETH-PERP"})
        app.screen.query_one("#ticket-size").focus()
        await pilot.press("2", "ctrl+s")
        await wait_for(pilot, lambda: order_requests(app))
        assert order_requests(app) == [
            {"market": "ETH-PERP", "side": "buy", "type": "market", "size": "2"}  # defaults (gtc, sub 0) are not sent
        ]


async def test_a_ticket_order_for_a_market_no_longer_on_screen_is_not_sent():
    app = monkey_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await run_command(pilot, "btc")
        await wait_for(pilot, lambda: app.hub.market == "BTC-PERP")
        app.trading.submit_ticket({"market": "SOL-PERP", "side": "buy", "order_type": "market", "size": 10**9})
        await pilot.pause()
        assert order_requests(app) == []
        assert any("the ticket is for SOL-PERP but the screen shows BTC-PERP" in n.message for n in app._notifications)


async def test_a_market_switch_clears_the_ticket_and_the_old_book():
    app = monkey_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await wait_for(pilot, lambda: app.screen.query_one("#book").symbol == "SOL-PERP")
        app.screen.query_one("#ticket-size").focus()
        await pilot.press("5")
        await run_command(pilot, "btc")
        await wait_for(pilot, lambda: app.hub.market == "BTC-PERP")
        assert app.screen.query_one("#ticket-size").value == ""  # 5 SOL is not 5 BTC
        book = app.screen.query_one("#book")
        assert book.symbol == "BTC-PERP" and book._book is None  # the fake serves only a SOL book


async def test_the_alerts_pane_repaints_when_the_trade_screen_comes_back():
    app = monkey_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await pilot.press("f4")
        alerts = [Alert(9, Kind.PRICE_ABOVE, "SOL-PERP", 222_000_000).to_dict()]
        app.client.replies["alert.list"] = {"alerts": alerts, "active": 1}  # what the 5 s alerts poll reads too
        app.hub.alerts = alerts
        app.hub.post(AlertsChanged())
        await pilot.pause()  # the Portfolio screen takes the change (and ignores it): its queue is handled
        await pilot.press("f2")
        await wait_for(pilot, lambda: "#9 SOL-PERP above 222" in str(app.screen.query_one("#alerts-body").render()))


async def test_the_chart_drops_the_previous_markets_bars_at_the_switch():
    app = monkey_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        chart = app.screen.query_one(CandleChart)
        await wait_for(pilot, lambda: chart.spec().candles is not None)
        assert chart.spec().candles.market == chart.market == "SOL-PERP"
        app.hub.focus("BTC-PERP")  # what a market switch does first, before BTC's bars arrive
        await wait_for(pilot, lambda: chart.spec().candles is None)
        app.load_candles()  # what focus_market does next (a `btc` command now would find BTC focused already)
        await wait_for(pilot, lambda: chart.spec().candles is not None and chart.spec().candles.market == "BTC-PERP")
        assert chart.market == "BTC-PERP"

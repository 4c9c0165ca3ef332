"""What the next start restores (theme, market, timeframe, indicators, layout, link group) and the one
line printed on quit."""

from __future__ import annotations

import tomllib

from backend.api.protocol import Status
from quantdesk_tui.config import load_config
from quantdesk_tui.layout import panes_of
from quantdesk_tui.pane import Pane
from quantdesk_tui.quit_note import quit_note
from quantdesk_tui.session import Session, link_group_for, load_session, save_session
from tests.tui.monkey import monkey_app, run_command
from tests.tui.pilot import wait_for
from widgets.candle_chart import CandleChart


async def started(pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.hub.markets and len(app.screen.query(Pane)) >= 5)


async def test_quit_saves_theme_market_timeframe_indicators_layout_and_link_group(quantdesk_home):
    app = monkey_app()
    app.link_group = "B"
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        for command in ("theme light", "eth", "tf 5m"):
            await run_command(pilot, command)
        app.screen.query_one(CandleChart).focus()
        await pilot.press("1", "5")  # SMA and RSI on
        app.screen.query_one("#pane-trades").query_one("#trades").focus()
        await pilot.press("ctrl+x")
        await wait_for(pilot, lambda: "trades" not in panes_of(app.screen.layout_tree))
        await app.action_quit()
    assert tomllib.loads((quantdesk_home / "config.toml").read_text())["theme"] == "quantdesk-light"
    assert link_group_for(None, quantdesk_home) == "B" and link_group_for("none", quantdesk_home) is None
    session = load_session(quantdesk_home)
    assert (session.market, session.timeframe, sorted(session.indicators)) == ("ETH-PERP", "5m", ["rsi", "sma"])
    assert session.layout == WITHOUT_TRADES


WITHOUT_TRADES = {  # the Trade layout with its Trades pane hidden, as the session file keeps it
    "split": "h",
    "sizes": [5, 2],
    "children": [
        {"split": "v", "sizes": [3, 2], "children": ["chart", "blotter"]},
        {"split": "v", "sizes": [4, 3, 1], "children": ["ticket", "book", "alerts"]},
    ],
}


async def test_a_start_restores_the_saved_theme_market_timeframe_indicators_and_layout(quantdesk_home):
    (quantdesk_home / "config.toml").write_text('theme = "quantdesk-light"\n')
    save_session(
        quantdesk_home,
        Session(market="ETH-PERP", timeframe="5m", indicators=["sma", "rsi"], layout=WITHOUT_TRADES, link_group="B"),
    )
    again = monkey_app(config=load_config(quantdesk_home))  # as a fresh start reads it
    async with again.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        assert again.theme == "quantdesk-light"
        assert (again.hub.market, again.hub.timeframe, again.hub.indicators) == ("ETH-PERP", "5m", {"sma", "rsi"})
        assert again.screen.query_one(CandleChart).indicators == {"sma", "rsi"}
        assert panes_of(again.screen.layout_tree) == ["chart", "blotter", "ticket", "book", "alerts"]
    assert load_session(quantdesk_home).market == "ETH-PERP"


def status(**changes) -> Status:
    fields = {
        "version": "0.1.0",
        "protocol": 1,
        "pid": 1,
        "url": "ws://127.0.0.1:1",
        "uptime_s": 1.0,
        "clients": 1,
        "feed": "sim",
        "feeds": [],
        "venue": "paper",
        "ticks_in": 0,
        "spawned_by_tui": True,
    }
    return Status(**(fields | changes))


def test_the_quit_line_says_whether_the_backend_stays_up_why_and_for_how_long():
    assert quit_note(status(), True, 0, 0) == (
        "quantdesk: the backend stops in 30 s (no other terminal, no live alerts); `quantdesk stop` stops it now"
    )
    assert quit_note(status(), True, 0, 2) == (
        "quantdesk: the backend stops in 30 s (no other terminal, no live alerts); your 2 open orders cannot fill "
        "while it is down; `quantdesk stop` stops it now"
    )
    assert quit_note(status(), True, 3, 1) == (
        "quantdesk: the backend keeps running to watch 3 live alerts until they are done; `quantdesk stop` stops it"
    )
    assert quit_note(status(clients=3), True, 0, 0) == (
        "quantdesk: the backend keeps running for 2 other terminals, then stops 30 s after the last one leaves "
        "unless alerts are live; `quantdesk stop` stops it"
    )
    assert quit_note(status(spawned_by_tui=False), True, 0, 0) == (
        "quantdesk: the backend keeps running (it was started by hand) until `quantdesk stop` stops it"
    )
    assert quit_note(None, False, 0, 0) == (
        "quantdesk: the backend was not reachable; `quantdesk status` checks it, `quantdesk stop` stops it"
    )

"""The app against a real in-process backend, driven with Pilot."""

from __future__ import annotations

import asyncio

from quantdesk_tui.command_bar import CommandBar
from tests.tui.pilot import make_app, wait_for
from widgets.watchlist import Watchlist


async def test_watchlist_shows_moving_prices(backend):
    app = make_app(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: len(app.hub.quotes) == 6)
        await pilot.press("f3")
        first = app.hub.quotes["SOL-PERP"].price
        await wait_for(pilot, lambda: app.hub.quotes["SOL-PERP"].price != first)
        assert app.screen.query_one(Watchlist).symbols[0] == "SOL-PERP"


async def test_command_bar_shows_what_to_fix_and_sends_nothing(backend):
    app = make_app(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.hub.connected and app.hub.markets)
        await pilot.press("colon")
        bar = app.screen.query_one(CommandBar)
        assert bar.has_class("-open")
        await pilot.press(*"buy 1 sol @ abc", "enter")
        assert "price must be a number, not 'abc'" in str(bar.query_one("#command-error").render())
        await pilot.press("escape")
        assert not bar.has_class("-open")


async def test_backend_restart_while_attached_reconnects_without_a_traceback(backend, quantdesk_home):
    from backend.app import Backend, BackendConfig

    app = make_app(backend)
    port = int(backend.url.rsplit(":", 1)[1])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.hub.connected)
        backend.request_stop()
        await wait_for(pilot, lambda: not app.hub.connected)
        # the old backend releases the home (record, then lock) after its connections close
        await wait_for(pilot, lambda: not (quantdesk_home / "backend.json").exists())
        assert any("closed" in text for _level, text in app.hub.log)
        again = Backend(BackendConfig(home=quantdesk_home, port=port, token=backend.token, tick_rate=100.0))
        task = asyncio.create_task(again.run())
        try:
            await wait_for(pilot, lambda: app.hub.connected, timeout=10)
            ticks = app.hub.ticks
            await wait_for(pilot, lambda: app.hub.ticks > ticks)
        finally:
            again.request_stop()
            await asyncio.wait_for(task, 10)

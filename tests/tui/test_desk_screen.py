"""The Desk screen (F9) over a backend on PostgreSQL shows every trader on the store and the desk totals."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from backend.app import Backend, BackendConfig
from backend.risk.desk_feed import UPSERT
from backend.store.postgres import PgStore
from quantdesk_tui.screens.desk import DeskScreen
from tests.tui.pilot import make_app, wait_for
from widgets.live_table import LiveTable
from tests.polling import wait_until

BOB_POSITION = {
    "market": "BTC-PERP",
    "base": -0.5,
    "notional": -50_000.0,
    "entry_price": 100_000.0,
    "mark_price": 100_000.0,
    "unrealized_pnl": 250.0,
    "liq_price": 190_000.0,
    "liq_distance_pct": 90.0,
}


@pytest.fixture
async def desk_backend(quantdesk_home, pg_url):
    bob = PgStore(pg_url, trader="bob")  # another trader's backend, as the desk sees it: its published row
    bob.start()
    await bob.write(
        lambda c: c.execute(
            UPSERT,
            (
                "bob",
                "paper",
                0,
                time.time(),
                80_000.0,
                250.0,
                80_000.0,
                5_000.0,
                2_500.0,
                0.625,
                160.0,
                90.0,
                79_000.0,
                "ok",
                json.dumps([BOB_POSITION]),
            ),
        )
    )
    instance = Backend(BackendConfig(home=quantdesk_home, tick_rate=200.0, seed=3, store=pg_url, trader="alice"))
    task = asyncio.create_task(instance.run())
    await wait_until(lambda: instance.url or task.done(), what="alice's backend to listen", timeout=20.0)
    assert instance.url, f"alice's backend exited before it listened: {task}"
    yield instance
    instance.request_stop()
    await asyncio.wait_for(task, 60)
    bob.stop()


async def test_f9_desk_lists_both_traders_and_totals_match_the_desk_view(desk_backend):
    app = make_app(desk_backend)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.hub.connected)
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, DeskScreen) and bool(app.screen.query("#desk-traders")))
        screen = app.screen
        traders = screen.query_one("#desk-traders", LiveTable)
        await wait_for(
            pilot, lambda: traders.get_row("alice") is not None and traders.get_row("bob") is not None, timeout=30
        )
        view = await app.client.request("desk.view")
        assert [t["trader"] for t in view["traders"]] == ["alice", "bob"]
        bob_row = traders.get_row("bob")
        assert bob_row[1].text == "80,000.00" and bob_row[3].text == "+1,000.00"  # today = 80,000 - 79,000
        assert "BTC-PERP -50,000" in bob_row[8]
        totals = str(screen.query_one("#desk-totals").render())
        assert "traders 2" in totals
        exposure = screen.query_one("#desk-exposure", LiveTable)
        assert exposure.get_row("BTC-PERP")[2].text == "50,000.00"

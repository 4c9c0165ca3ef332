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

USD = 10**6  # QUOTE_PRECISION
BOB_POSITION = {  # the monitor's integers (backend/risk/monitor.py: PositionRisk)
    "market": "BTC-PERP",
    "base": -500_000_000,
    "notional": -50_000 * USD,
    "entry_price": 100_000 * USD,
    "mark_price": 100_000 * USD,
    "unrealized_pnl": 250 * USD,
    "liq_price": 190_000 * USD,
    "liq_distance": 900_000,  # 90%
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
                int(time.time() * 1_000),
                80_000_004_999,  # $80,000.004999
                250 * USD,
                80_000 * USD,
                5_000 * USD,
                2_500 * USD,
                6_250,  # 0.625x
                16_000,  # 160%
                900_000,  # 90%
                79_000 * USD,
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
        # the integers, sorted by and shown exactly to the cent: today = 80,000.004999 - 79,000
        assert (bob_row[1].value, bob_row[1].text, bob_row[3].text) == (80_000_004_999, "80,000.00", "+1,000.00")
        assert (bob_row[5].text, bob_row[6].text, bob_row[6].value) == ("0.63x", "90.0", 900_000)
        assert "BTC-PERP -50,000" in bob_row[8]
        [bob] = [t for t in view["traders"] if t["trader"] == "bob"]
        assert (bob["equity"], bob["today_pnl"], bob["liq_distance"]) == (80_000_004_999, 1_000_004_999, 900_000)
        human = await app.client.view("desk.view")  # what `--json` and the SDK read: exact decimal strings
        [bob] = [t for t in human["traders"] if t["trader"] == "bob"]
        assert (bob["equity"], bob["today_pnl"], bob["leverage"], bob["liq_distance"]) == (
            "80000.004999",
            "1000.004999",
            "0.625",
            "0.9",
        )
        totals = str(screen.query_one("#desk-totals").render())
        assert "traders 2" in totals
        exposure = screen.query_one("#desk-exposure", LiveTable)
        assert exposure.get_row("BTC-PERP")[2].text == "50,000.00"

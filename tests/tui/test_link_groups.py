"""Link groups across terminals: a market picked in one terminal of a group is followed by the others."""

from __future__ import annotations

from tests.tui.monkey import run_command
from tests.tui.pilot import make_app, wait_for


async def test_a_terminal_follows_its_link_group_and_ignores_others(backend, client):
    app = make_app(backend)  # group "A"
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.hub.connected and app.hub.markets)
        assert app.hub.market == "SOL-PERP"
        await client.request("link.set", group="B", market="ETH-PERP")  # another group: ignored
        await client.request("link.set", group="A", market="btc")
        await wait_for(pilot, lambda: app.hub.market == "BTC-PERP")
        await wait_for(pilot, lambda: app.hub.book is not None and app.hub.book.market == "BTC-PERP")
        received = []  # and it tells its group when the trader picks one (typing it key by key is
        await client.subscribe("link", lambda _s, m: received.append(m), markets=["A"])  # test_command_bar_visible's)
        await run_command(pilot, "SOL-PERP")
        await wait_for(pilot, lambda: any(m["market"] == "SOL-PERP" for m in received))
        assert received[-1]["origin"] == "pilot"

"""The Wallet pane (in the built-in monitor layout) shows keys, balances and transactions."""

from __future__ import annotations

from textual.widgets import Static

from tests.tui.pilot import make_app


async def test_wallet_pane_shows_the_airdrop(backend, client):
    made = await client.request("keys.new", name="default")
    await client.request("wallet.airdrop", name="default", sol="1.5")
    app = make_app(backend, layout="monitor")
    async with app.run_test(size=(160, 50)) as pilot:
        for _ in range(200):
            if app.hub.wallet.get("sol") == "1.5":
                break
            await pilot.pause(0.05)
        assert app.hub.wallet["sol"] == "1.5"
        await pilot.pause(0.2)
        body = str(app.screen.query_one("#wallet-body", Static).render())
        assert "default" in body and made["pubkey"][:12] in body and "1.5 SOL on localnet" in body

"""The Wallet pane (in the built-in monitor layout) shows keys, balances and transactions."""

from __future__ import annotations

from textual.widgets import Static

from tests.tui.pilot import make_app, wait_for


async def test_wallet_pane_shows_the_airdrop(backend, client):
    made = await client.request("keys.new", name="default")
    await client.request("wallet.airdrop", name="default", sol="1.5")
    app = make_app(backend, layout="monitor")

    def body() -> str:
        return str(app.screen.query_one("#wallet-body", Static).render())

    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, lambda: app.hub.wallet.get("sol") == "1.5", what="the airdropped balance")
        await wait_for(pilot, lambda: "1.5 SOL on localnet" in body(), what="the Wallet pane painting the balance")
        assert "default" in body() and made["pubkey"][:12] in body()

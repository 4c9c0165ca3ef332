"""The Wallet pane (in the built-in monitor layout) shows keys, balances and transactions."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.widgets import Static

from backend.client import BackendClient
from quantdesk_tui.app import QuantDeskApp
from quantdesk_tui.config import Config


async def test_wallet_pane_shows_the_airdrop(backend, client):
    made = await client.request("keys.new", name="default")
    await client.request("wallet.airdrop", name="default", sol="1.5")
    app = QuantDeskApp(BackendClient.for_url(backend.url, backend.token, client_name="pilot"), layout="monitor",
                       config=Config(), status_clock=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    async with app.run_test(size=(160, 50)) as pilot:
        for _ in range(200):
            if app.hub.wallet.get("sol") == "1.5":
                break
            await pilot.pause(0.05)
        assert app.hub.wallet["sol"] == "1.5"
        await pilot.pause(0.2)
        body = str(app.screen.query_one("#wallet-body", Static).render())
        assert "default" in body and made["pubkey"][:12] in body and "1.5 SOL on localnet" in body

"""The solana venue on localnet: resting orders live in the program's account and cancel on chain."""

from __future__ import annotations

import asyncio

import pytest

from backend.api.protocol import ApiError
from backend.app import Backend, BackendConfig
from backend.client import BackendClient
from backend.solana.keystore import Keystore


@pytest.fixture
async def solana_client(quantdesk_home):
    Keystore(quantdesk_home, audit=lambda event: None).create("default")
    backend = Backend(BackendConfig(home=quantdesk_home, tick_rate=50.0, seed=5, venue="solana"))
    task = asyncio.create_task(backend.run())
    for _ in range(2000):
        if backend.url:
            break
        await asyncio.sleep(0.01)
    client = BackendClient.for_url(backend.url, backend.token, client_name="test")
    await client.connect()
    await asyncio.wait_for(backend.services.solana_venue.localnet.account_ready.wait(), 60)
    yield backend, client
    await client.close()
    backend.request_stop()
    await asyncio.wait_for(task, 60)


async def test_a_resting_limit_order_lives_on_chain_until_cancelled_there(solana_client):
    backend, client = solana_client
    placed = await client.request("order.place", market="SOL-PERP", side="buy", type="limit", size="2", price="50")
    order = placed["orders"][0]
    assert (order["status"], order["filled"], order["price"], placed["fills"]) == ("open", 0, 50_000_000, [])
    venue = backend.services.solana_venue
    user = await venue._user_account(0)
    assert [(o["order_id"], o["size"]) for o in user["orders"]] == [(order["order_id"], 2_000_000_000)]
    assert user["positions"][0]["open_bids"] == 2_000_000_000
    cancelled = await client.request("order.cancel", order_id=order["order_id"])
    assert cancelled["cancelled"] == [order["order_id"]] and cancelled["status"] == "confirmed"
    user = await venue._user_account(0)
    assert user["orders"] == [] and user["positions"][0]["open_bids"] == 0
    with pytest.raises(ApiError) as refused:
        await client.request("order.cancel", order_id=order["order_id"])
    assert refused.value.code == "SIMULATION_FAILED" and "OrderNotOpen: order not open" in refused.value.message
    assert venue.compute_units["CancelOrder"] > 0 and "CU CancelOrder" in venue.status

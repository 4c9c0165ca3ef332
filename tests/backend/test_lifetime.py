"""A TUI-spawned backend stays up while orders or alerts need it, and says why."""

from __future__ import annotations

import asyncio

from backend.client import BackendClient
from tests.polling import wait_until


async def test_a_spawned_backend_stays_up_for_a_resting_order_and_status_says_why(quantdesk_home, idle_decisions):
    from backend.app import Backend, BackendConfig

    instance = Backend(
        BackendConfig(home=quantdesk_home, tick_rate=50.0, idle_exit_s=1.0)
    )  # long enough for a loaded machine to connect
    task = asyncio.create_task(instance.run())
    await wait_until(lambda: instance.url, what="the backend to listen")
    async with BackendClient.for_url(instance.url, instance.token, client_name="test") as client:
        await wait_until(lambda: 0 in instance.services.venue.state.markets, what="the SOL-PERP market")
        placed = await client.request("order.place", market="SOL-PERP", side="buy", size="1", price="140")
        status = await client.request("status")
    assert status["live_work"] == ["1 resting order"]
    decisions = idle_decisions()
    await wait_until(lambda: len(decisions) >= 2, what="two idle checks past the grace with no client")
    assert decisions[:2] == [["1 resting order"]] * 2
    assert not task.done(), "exited although an order rests on the book"
    await instance.services.trading.op_cancel(None, {"order_id": placed["orders"][0]["order_id"]})  # nothing left: exit
    await asyncio.wait_for(task, 5)

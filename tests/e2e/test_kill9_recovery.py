"""kill -9 while a client streams orders: after a restart every acked order and fill is still there."""

from __future__ import annotations

import asyncio
import os
import signal

from backend.api.protocol import ApiError
from backend.client import BackendClient
from tests.polling import wait_until
from tests.e2e.backend_proc import spawn_backend, stop_backend


BACKEND_ARGS = ("--tick-rate", "60", "--seed", "5")


async def stream_orders(client: BackendClient, acked: dict[int, dict], stop: asyncio.Event) -> None:
    n = 0
    while not stop.is_set():
        n += 1
        side = "buy" if n % 2 else "sell"
        kind = {"type": "market"} if n % 3 == 0 else {"price": "140" if side == "buy" else "150"}  # within the band
        await asyncio.sleep(0.012)  # under the venue's 100 orders/s submit limit, as a well-behaved client
        try:
            result = await client.request("order.place", market="SOL-PERP", side=side, size="0.1", **kind)
        except ApiError as exc:
            if exc.code in ("NOT_CONNECTED", "TIMEOUT"):
                return
            if exc.code == "TOO_MANY_ORDERS":  # 64 resting: clear the book and go on
                try:
                    await client.request("order.cancel", all=True)
                except ApiError:
                    return
            continue  # a refusal (e.g. no price yet) is fine: nothing was acked
        for order in result["orders"]:
            acked[order["order_id"]] = order


async def venue_has_sol_perp(client: BackendClient) -> bool:
    markets = (await client.request("admin.markets"))["markets"]
    return any(m["market"] == "SOL-PERP" for m in markets)


async def test_every_acked_order_and_fill_survives_sigkill(quantdesk_home):
    proc, url = spawn_backend(*BACKEND_ARGS)
    record = (quantdesk_home / "backend.json").read_text()
    import json

    token = json.loads(record)["token"]
    client = BackendClient.for_url(url, token, client_name="e2e", timeout=5)
    await client.connect()
    # the first price creates the market and funds the account
    await wait_until(lambda: venue_has_sol_perp(client), what="the venue's SOL-PERP market", timeout=30.0)
    acked: dict[int, dict] = {}
    stop = asyncio.Event()
    streamer = asyncio.create_task(stream_orders(client, acked, stop))
    await wait_until(lambda: len(acked) > 100, what="more than 100 acked orders", timeout=30.0)
    fills_before = (await client.request("fills", limit=5000))["fills"]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    stop.set()
    await asyncio.wait_for(streamer, 10)
    await client.close()
    assert len(acked) > 20, "the client should have been acked many orders"

    proc2, url2 = spawn_backend(*BACKEND_ARGS)
    try:
        token2 = json.loads((quantdesk_home / "backend.json").read_text())["token"]
        async with BackendClient.for_url(url2, token2, client_name="e2e-after") as after:
            orders = {o["order_id"]: o for o in (await after.request("orders", status="all", limit=5000))["orders"]}
            missing = sorted(set(acked) - set(orders))
            assert not missing, f"acked orders lost: {missing[:10]}"
            fills_after = {f["fill_id"] for f in (await after.request("fills", limit=5000))["fills"]}
            assert {f["fill_id"] for f in fills_before} <= fills_after
            recovery = after.hello["venue"]["recovery"]
            assert recovery["consistent"] is True and recovery["failed"] == 0 and recovery["replayed"] > 0
    finally:
        stop_backend(proc2)

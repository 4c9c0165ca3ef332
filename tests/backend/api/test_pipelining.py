"""Requests pipelined on one connection: applied in the order sent, replies in that order, each order
acked after its commit (their waits for durability overlap, so they share group commits)."""

from __future__ import annotations

import json
from decimal import Decimal

from websockets.asyncio.client import connect

from backend.api.protocol import PROTOCOL_VERSION, ApiError
from tests.polling import wait_until


async def _priced(client) -> dict:
    return await wait_until(
        lambda: client.request("market.state", market="SOL-PERP"), what="a SOL-PERP price", ignore=(ApiError,)
    )


async def test_pipelined_requests_apply_and_reply_in_the_order_sent(backend, client):
    state = await _priced(client)
    below = str(Decimal(state["oracle_price"] * 97 // 100 // 10_000 * 10_000) / 10**6)  # rests, never fills
    order = {"market": "SOL-PERP", "side": "buy", "size": "0.1", "price": below, "sub_account": 3}
    requests = [{"id": 1, "op": "account.deposit", "args": {"amount": "1000", "sub_account": 3}}]  # two commits
    requests += [{"id": 2 + i, "op": "order.place", "args": order} for i in range(10)]
    requests.append({"id": 12, "op": "orders", "args": {"sub_account": 3}})
    async with connect(backend.url) as ws:
        await ws.send(
            json.dumps({"id": 0, "op": "hello", "args": {"token": backend.token, "version": PROTOCOL_VERSION}})
        )
        assert json.loads(await ws.recv())["ok"] is True
        for request in requests:  # all sent before any reply is read
            await ws.send(json.dumps(request))
        replies = [json.loads(await ws.recv()) for _ in requests]
    assert [r["id"] for r in replies] == list(range(1, 13))
    assert all(r["ok"] for r in replies), [r.get("error") for r in replies if not r["ok"]]
    placed = [r["result"]["orders"][0]["order_id"] for r in replies[1:11]]
    assert placed == sorted(placed) and len(set(placed)) == 10  # applied in the order sent, after the deposit
    listed = sorted(o["order_id"] for o in replies[11]["result"]["orders"])
    assert listed == placed


async def test_a_client_leaving_with_orders_in_flight_still_gets_them_committed(backend, client):
    state = await _priced(client)
    below = str(Decimal(state["oracle_price"] * 97 // 100 // 10_000 * 10_000) / 10**6)
    await client.request("account.deposit", amount="1000", sub_account=4)
    async with connect(backend.url) as ws:
        await ws.send(
            json.dumps({"id": 0, "op": "hello", "args": {"token": backend.token, "version": PROTOCOL_VERSION}})
        )
        assert json.loads(await ws.recv())["ok"] is True
        for i in range(5):
            await ws.send(
                json.dumps(
                    {
                        "id": 1 + i,
                        "op": "order.place",
                        "args": {"market": "SOL-PERP", "side": "buy", "size": "0.1", "price": below, "sub_account": 4},
                    }
                )
            )

    def stored() -> list[dict]:  # the server reads what was sent before the close; each is applied and committed
        rows = backend.services.venue.store.query("SELECT order_id, status FROM orders WHERE sub_account = 4")
        return rows if len(rows) == 5 else []

    rows = await wait_until(stored, what="the 5 orders sent before the close, stored")
    assert [r["status"] for r in rows] == ["open"] * 5
    listed = (await client.request("orders", sub_account=4))["orders"]
    assert sorted(o["order_id"] for o in listed) == sorted(r["order_id"] for r in rows)

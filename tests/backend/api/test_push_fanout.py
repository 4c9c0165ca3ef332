"""A message published once is encoded once, however many connections subscribe to its stream."""

from __future__ import annotations

import asyncio
import json

from websockets.asyncio.client import connect

import backend.api.server as server_module
from backend.api.protocol import PROTOCOL_VERSION, OrderView
from backend.api.server import ApiServer
from backend.bus import Bus
from backend.metrics import Metrics


async def _subscribed(url: str) -> object:
    ws = await connect(url)
    for request in (
        {"id": 1, "op": "hello", "args": {"token": "t", "version": PROTOCOL_VERSION}},
        {"id": 2, "op": "subscribe", "args": {"stream": "orders"}},
    ):
        await ws.send(json.dumps(request))
        assert json.loads(await ws.recv())["ok"] is True
    return ws


async def test_one_order_event_is_encoded_once_for_three_subscribers(monkeypatch):
    encoded: list[object] = []
    real_encode = server_module.encode

    def counting_encode(message):
        encoded.append(message)
        return real_encode(message)

    bus = Bus()
    api = ApiServer(bus, Metrics(), "t")
    api.stream("orders", "orders")
    port = await api.start("127.0.0.1", 0)
    try:
        sockets = [await _subscribed(f"ws://127.0.0.1:{port}") for _ in range(3)]
        monkeypatch.setattr(server_module, "encode", counting_encode)
        view = OrderView(order_id=7, market="SOL-PERP", side="buy", order_type="limit", status="open", size=10**9)
        bus.publish("orders", view)
        pushes = [json.loads(await asyncio.wait_for(ws.recv(), 2)) for ws in sockets]
        assert [p["stream"] for p in pushes] == ["orders", "orders", "orders"]
        assert {p["data"]["order_id"] for p in pushes} == {7}
        assert pushes[0] == pushes[1] == pushes[2]
        assert len(encoded) == 1
        bus.publish("orders", view)  # a later turn encodes again: nothing is held past the turn it was sent in
        await asyncio.gather(*(asyncio.wait_for(ws.recv(), 2) for ws in sockets))
        assert len(encoded) == 2 and api._pushes == {}
        for ws in sockets:
            await ws.close()
    finally:
        await api.stop()

"""The API over a real socket: auth, versioning, every error code, pushes, isolation between clients."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from backend.api.protocol import MAX_MESSAGE_BYTES, PROTOCOL_VERSION, ApiError, to_human
from backend.client import BackendClient
from tests.polling import wait_until


async def _raw(url):
    return await connect(url, max_size=2**24)


async def _ask(ws, message):
    await ws.send(message if isinstance(message, str) else json.dumps(message))
    while True:
        reply = json.loads(await ws.recv())
        if "stream" not in reply:
            return reply


async def test_hello_with_token_and_version_then_status(backend):
    async with await _raw(backend.url) as ws:
        hello = await _ask(ws, {"id": 1, "op": "hello", "args": {"token": backend.token, "version": PROTOCOL_VERSION}})
        assert hello["ok"] is True and hello["result"]["protocol"] == PROTOCOL_VERSION
        status = await _ask(ws, {"id": 2, "op": "status"})
        assert status["id"] == 2 and status["result"]["feed"] == "sim"


async def test_requests_before_hello_are_refused(backend):
    async with await _raw(backend.url) as ws:
        reply = await _ask(ws, {"id": 1, "op": "status"})
        assert reply == {
            "id": 1,
            "ok": False,
            "error": {"code": "HELLO_REQUIRED", "message": "send hello with your token first"},
        }


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ({"token": "wrong", "version": PROTOCOL_VERSION}, "UNAUTHORIZED"),
        ({"version": PROTOCOL_VERSION}, "BAD_REQUEST"),
    ],
)
async def test_bad_hello_gets_error(backend, args, code):
    async with await _raw(backend.url) as ws:
        reply = await _ask(ws, {"id": 1, "op": "hello", "args": args})
        assert reply["ok"] is False and reply["error"]["code"] == code


async def test_wrong_protocol_version_is_refused_and_closed(backend):
    async with await _raw(backend.url) as ws:
        reply = await _ask(ws, {"id": 1, "op": "hello", "args": {"token": backend.token, "version": 999}})
        assert reply["error"]["code"] == "VERSION_MISMATCH"
        assert "backend speaks 1" in reply["error"]["message"]
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 2)
        assert ws.close_code == 4001 and ws.close_reason == "VERSION_MISMATCH"


async def test_each_bad_input_gets_its_code_and_the_connection_survives(backend):
    async with await _raw(backend.url) as ws:
        await _ask(ws, {"id": 1, "op": "hello", "args": {"token": backend.token, "version": PROTOCOL_VERSION}})
        assert (await _ask(ws, "{nope"))["error"]["code"] == "BAD_JSON"
        assert (await _ask(ws, {"id": 2, "op": "fly"}))["error"]["code"] == "UNKNOWN_OP"
        assert (await _ask(ws, {"id": "x", "op": "status"}))["error"]["code"] == "BAD_REQUEST"
        assert (await _ask(ws, {"id": 3, "op": "quote", "args": {"market": 5}}))["error"]["code"] == "BAD_REQUEST"
        assert (await _ask(ws, {"id": 4, "op": "quote", "args": {"market": "DOGE"}}))["error"][
            "code"
        ] == "UNKNOWN_MARKET"
        assert (await _ask(ws, {"id": 5, "op": "subscribe", "args": {"stream": "gossip"}}))["error"][
            "code"
        ] == "UNKNOWN_STREAM"
        big = json.dumps({"id": 6, "op": "status", "args": {"pad": "a" * (MAX_MESSAGE_BYTES + 10)}})
        assert (await _ask(ws, big))["error"]["code"] == "MESSAGE_TOO_LARGE"
        assert (await _ask(ws, {"id": 7, "op": "status"}))["ok"] is True


async def test_units_human_replies_with_the_wire_result_in_human_units_for_plain_and_quick_ops(backend):
    async with await _raw(backend.url) as ws:
        await _ask(ws, {"id": 1, "op": "hello", "args": {"token": backend.token, "version": PROTOCOL_VERSION}})
        wire = await _ask(ws, {"id": 2, "op": "account"})
        human = await _ask(ws, {"id": 3, "op": "account", "units": "human"})
        assert human == {"id": 3, "ok": True, "result": to_human(wire["result"])}
        assert human["result"]["account"]["free_collateral"] == "100000"  # the paper account's deposit, USDC
        assert human["result"]["account"]["margin_shortage"] == "0"
        order = {"market": "SOL-PERP", "side": "buy", "size": "0.5", "price": "135", "tif": "ioc"}
        placed = await _ask(ws, {"id": 4, "op": "order.place", "args": order, "units": "human"})
        assert placed["ok"] is True and placed["result"]["fills"] == []
        (ioc,) = placed["result"]["orders"]
        assert (ioc["size"], ioc["filled"], ioc["price"], ioc["status"]) == ("0.5", "0", "135", "cancelled")
        bad = await _ask(ws, {"id": 5, "op": "account", "units": "fixed"})
        assert bad["ok"] is False and bad["error"]["code"] == "BAD_REQUEST"
        assert "units" in bad["error"]["message"]


async def test_flooding_is_rate_limited_without_hurting_other_clients(backend, client):
    backend.api.rate_per_s = 50.0
    async with await _raw(backend.url) as ws:
        await _ask(ws, {"id": 0, "op": "hello", "args": {"token": backend.token, "version": PROTOCOL_VERSION}})
        for i in range(300):
            await ws.send(json.dumps({"id": i + 1, "op": "markets.list"}))
        codes = []
        while len(codes) < 300:
            msg = json.loads(await ws.recv())
            if "id" in msg:
                codes.append(msg["error"]["code"] if not msg["ok"] else "OK")
        assert "RATE_LIMITED" in codes and "OK" in codes
        assert (await client.request("status"))["clients"] == 2


async def test_errors_are_counted_in_metrics(backend, client):
    with pytest.raises(ApiError) as refused:
        await client.request("quote", market="DOGE")
    assert refused.value.code == "UNKNOWN_MARKET"
    async with httpx.AsyncClient() as http:
        text = (await http.get(backend.url.replace("ws://", "http://") + "/metrics")).text
    assert 'quantdesk_errors_total{code="UNKNOWN_MARKET"} 1.0' in text
    assert "quantdesk_request_seconds_bucket" in text
    assert "quantdesk_ticks_in_total" in text


async def test_health_endpoint_reports_uptime_feeds_clients(backend, client):
    async with httpx.AsyncClient() as http:
        health = (await http.get(backend.url.replace("ws://", "http://") + "/health")).json()
    assert health["status"] == "ok" and health["clients"] == 1
    assert health["feeds"][0]["source"] == "sim" and health["feeds"][0]["state"] == "healthy"


async def test_price_pushes_arrive_after_subscribe_and_stop_after_unsubscribe(backend, client):
    got: list = []
    await client.subscribe("prices", lambda stream, quote: got.append(quote), markets=["SOL-PERP"])
    await wait_until(lambda: len(got) >= 3, what="three SOL-PERP price pushes")
    assert {q.market for q in got} == {"SOL-PERP"}
    await client.unsubscribe("prices")
    count = len(got)  # replies and pushes leave one socket in order: none sent before the reply is still due
    ticks = (await client.request("status"))["ticks_in"]

    async def ticked_on() -> bool:  # its reply leaves after any push of those ticks would have
        return (await client.request("status"))["ticks_in"] >= ticks + 30

    await wait_until(ticked_on, what="30 more prices published after the unsubscribe")
    assert len(got) == count


async def test_two_clients_are_served_at_once(backend):
    a = BackendClient.for_url(backend.url, backend.token, client_name="a")
    b = BackendClient.for_url(backend.url, backend.token, client_name="b")
    await asyncio.gather(a.connect(), b.connect())
    qa, qb = await asyncio.gather(a.request("markets.list"), b.request("markets.list"))
    assert qa == qb and len(qa["markets"]) == 6
    assert (await a.request("status"))["clients"] == 2
    await asyncio.gather(a.close(), b.close())

"""The hostile inputs found by hand, each with its exact code, each changing nothing, over a real socket."""

from __future__ import annotations

import json

import pytest
from websockets.asyncio.client import connect

from backend.api.protocol import PROTOCOL_VERSION
from tests.polling import wait_until
from tests.fakes.hostile import venue_digest


@pytest.fixture
async def ws(backend):
    async with connect(backend.url, max_size=2**24) as sock:
        await sock.send(
            json.dumps({"id": 0, "op": "hello", "args": {"token": backend.token, "version": PROTOCOL_VERSION}})
        )
        assert json.loads(await sock.recv())["ok"] is True
        # wait for prices, then stop the clock-driven work so digests compare
        await wait_until(lambda: len(backend.services.venue.state.markets) >= 3, what="three markets priced")
        await backend.oracle.stop()
        backend.services.venue._keeper.cancel()
        await backend.services.store.write(lambda conn: None)
        yield sock


async def ask(sock, message: dict | str | bytes) -> dict:
    await sock.send(message if isinstance(message, str | bytes) else json.dumps(message))
    while True:
        reply = json.loads(await sock.recv())
        if "stream" not in reply:
            return reply


def sol_price(backend) -> float:
    return backend.services.venue.oracle_price(0) / 1e6


async def refused(sock, backend, message, code: str) -> dict:
    before = venue_digest(backend)
    reply = await ask(sock, message)
    assert reply["ok"] is False and reply["error"]["code"] == code, reply
    assert venue_digest(backend) == before
    return reply


async def test_client_id_over_64_bits_is_refused_and_preview_and_oco_still_work(ws, backend):
    price = sol_price(backend)
    reply = await refused(
        ws,
        backend,
        {
            "id": 1,
            "op": "order.place",
            "args": {"market": "SOL-PERP", "side": "buy", "size": "1", "type": "market", "client_id": 2**70},
        },
        "BAD_REQUEST",
    )
    assert "client_order_id" in reply["error"]["message"] and "u64" in reply["error"]["message"]
    assert backend.services.venue.state.users[("paper", 0)].positions.get(0) is None
    preview = await ask(
        ws,
        {"id": 2, "op": "order.preview", "args": {"market": "SOL-PERP", "side": "buy", "size": "1", "type": "market"}},
    )
    assert preview["ok"] is True
    oco = await ask(
        ws,
        {
            "id": 3,
            "op": "order.oco",
            "args": {
                "market": "SOL-PERP",
                "side": "sell",
                "size": "0.1",
                "tp": f"{price * 1.03:.2f}",
                "sl": f"{price * 0.97:.2f}",
            },
        },
    )
    assert oco["error"]["code"] == "REDUCE_ONLY_INCREASES"  # the engine's own answer (INTERNAL before), no position


async def test_twap_durations_beyond_the_limits_are_refused(ws, backend):
    for duration in (10**30, 31 * 86_400, 0, -5):
        await refused(
            ws,
            backend,
            {
                "id": 1,
                "op": "order.twap",
                "args": {"market": "SOL-PERP", "side": "buy", "size": "1", "duration": duration, "interval": 10},
            },
            "BAD_REQUEST",
        )


async def test_loose_numbers_are_not_sizes(ws, backend):
    for size in ("1_0", "١", "１", "+1", "1e0", " 1", "0x1", "1.2.3", "NaN", "-1"):
        reply = await refused(
            ws,
            backend,
            {
                "id": 1,
                "op": "order.place",
                "args": {"market": "SOL-PERP", "side": "buy", "size": size, "type": "market"},
            },
            "INVALID_AMOUNT",
        )
        assert repr(size) in reply["error"]["message"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"trail": "NaN"}, "a limit order does not use trail; leave it out"),
        ({"trigger": "150"}, "a limit order does not use trigger; leave it out"),
        ({"expire": 1_900_000_000}, "expire is for gtd orders; add tif gtd or leave expire out"),
    ],
)
async def test_fields_a_limit_order_does_not_use_are_refused(ws, backend, extra, message):
    price = f"{sol_price(backend) * 0.98:.2f}"
    reply = await refused(
        ws,
        backend,
        {
            "id": 1,
            "op": "order.place",
            "args": {"market": "SOL-PERP", "side": "buy", "size": "1", "price": price, **extra},
        },
        "INVALID_ORDER",
    )
    assert reply["error"]["message"] == message


async def test_stop_triggers_and_preview_prices_are_band_checked(ws, backend):
    await refused(
        ws,
        backend,
        {
            "id": 1,
            "op": "order.place",
            "args": {"market": "SOL-PERP", "side": "sell", "size": "1", "type": "stop", "trigger": "1000000"},
        },
        "RISK_PRICE_BAND",
    )
    reply = await refused(
        ws,
        backend,
        {
            "id": 2,
            "op": "order.preview",
            "args": {"market": "SOL-PERP", "side": "buy", "size": "1", "price": f"{sol_price(backend) * 10:.2f}"},
        },
        "RISK_PRICE_BAND",
    )
    assert reply["error"]["message"].startswith("limit price ")


async def test_deep_nesting_and_non_utf8_binary_frames_are_bad_json_and_the_connection_lives(ws, backend):
    deep = '{"id": 1, "op": "order.place", "args": {"size": ' + "[" * 1000 + "]" * 1000 + "}}"
    await refused(ws, backend, deep, "BAD_JSON")
    await refused(ws, backend, b'{"id": 2, "op": "status", "args": {"x": "\xff\xfe"}}', "BAD_JSON")
    await refused(ws, backend, b"\xc3\x28", "BAD_JSON")
    assert (await ask(ws, {"id": 3, "op": "status"}))["ok"] is True

"""The Pyth Hermes source against a local fake: transports, snapshot, reconnects, rate limits, bad input."""

from __future__ import annotations

import json
import logging
import time

import pytest

from backend.oracle.pyth_hermes import PythHermesSource, parse_update, retry_after_seconds, search_feeds
from programs.quantdesk_perp.markets import MARKETS_BY_SYMBOL

SOL = MARKETS_BY_SYMBOL["SOL-PERP"].pyth_feed_id


def pyth(hermes, **kw) -> PythHermesSource:
    kw.setdefault("transport", "sse")
    return PythHermesSource(
        hermes.url,
        ws_url=hermes.ws_url,
        idle_timeout=kw.pop("idle_timeout", 2.0),
        backoff_base=0.05,
        backoff_cap=0.2,
        **kw,
    )


def feed(price="15000000000", conf="3000000", expo=-8, publish_time=None, feed_id=SOL, **extra) -> dict:
    block = {
        "price": price,
        "conf": conf,
        "expo": expo,
        "publish_time": int(time.time()) if publish_time is None else publish_time,
    }
    return {"id": feed_id, "price": block, "ema_price": dict(block), "metadata": {"slot": 1}, **extra}


async def test_sse_stream_publishes_the_fake_price_with_snapshot_and_binary(hermes, harness_factory):
    source = pyth(hermes)
    h = await harness_factory([source])
    await h.wait_for(lambda: h.prices("SOL-PERP"), what="SOL price")
    assert h.prices("SOL-PERP")[0] == 150 * 10**8
    await h.wait_for(lambda: len(h.prices("BTC-PERP")) >= 3)
    assert hermes.latest_requests == 1 and hermes.sse_connections == 1  # the snapshot at start, then the stream
    assert h.health("pyth").state == "healthy" and h.health("pyth").active
    assert source.latest_binary["SOL-PERP"].startswith("504e4155")
    assert h.service.latest_update("SOL-PERP") == source.latest_binary["SOL-PERP"]
    assert {o.source for o in h.observations} == {"pyth"}
    # BONK/USD (expo -10) is priced per million BONK for 1MBONK-PERP: same mantissa, expo -4
    assert next(o for o in h.observations if o.market == "1MBONK-PERP").expo == -4


async def test_websocket_transport_streams_price_updates(hermes, harness_factory):
    source = pyth(hermes, transport="ws")
    h = await harness_factory([source])
    hermes.set_price("ETH-PERP", 3500.0)
    await h.wait_for(
        lambda: 3500 * 10**8 in h.prices("ETH-PERP") and h.health("pyth").reason == "streaming over ws",
        what="ETH via ws",
    )
    assert hermes.ws_connections == 1 and hermes.sse_connections == 0
    await h.wait_for(lambda: source.latest_binary["ETH-PERP"] == "504e4155", what="binary from the ws vaa")


async def test_auto_transport_falls_back_to_websocket_when_sse_keeps_failing(hermes, harness_factory):
    source = pyth(hermes, transport="auto")
    source.hermes_url = "http://127.0.0.1:9"  # SSE unreachable, WS fine
    h = await harness_factory([source])
    await h.wait_for(lambda: h.prices("SOL-PERP"), timeout=5, what="prices over ws")
    assert source.current_transport == "ws"


async def test_api_key_goes_out_as_bearer_and_is_never_logged(hermes, harness_factory, monkeypatch, caplog):
    monkeypatch.setenv("PYTH_API_KEY", "sekrit-key-123")
    caplog.set_level(logging.DEBUG)
    source = pyth(hermes)
    h = await harness_factory([source])
    await h.wait_for(lambda: h.prices("SOL-PERP") and h.health("pyth").state == "healthy")  # the stream is up
    assert all(r.headers.get("authorization") == "Bearer sekrit-key-123" for r in hermes.http.requests)
    hermes.drop()
    await h.wait_for(lambda: hermes.sse_connections >= 2, what="reconnect")
    assert "sekrit" not in caplog.text and "sekrit" not in repr(source)


async def test_dropped_connection_reconnects_with_a_fresh_snapshot(hermes, harness_factory):
    h = await harness_factory([pyth(hermes)])
    await h.wait_for(lambda: hermes.updates_sent >= 2)  # streaming, not just the snapshot
    hermes.drop()
    hermes.set_price("SOL-PERP", 151.0)
    await h.wait_for(lambda: 151 * 10**8 in h.prices("SOL-PERP"), what="price after reconnect")
    await h.wait_for(lambda: hermes.sse_connections >= 2 and hermes.latest_requests >= 2, what="new stream")
    await h.wait_for(lambda: h.health("pyth").state == "healthy")


async def test_http_429_is_honoured_then_streaming_resumes(hermes, harness_factory):
    hermes.mode, hermes.retry_after = "429", 0
    h = await harness_factory([pyth(hermes)])
    await h.wait_for(lambda: "rate limited" in h.health("pyth").reason, what="429 reported")
    assert h.health("pyth").state == "down" and not h.observations
    hermes.mode = "ok"
    await h.wait_for(lambda: h.prices("SOL-PERP"), what="prices after 429")


def test_retry_after_accepts_seconds_and_dates_and_is_capped():
    assert retry_after_seconds("7", 1.0) == 7.0
    assert retry_after_seconds(None, 3.0) == 3.0
    assert retry_after_seconds("junk", 2.0) == 2.0
    assert retry_after_seconds("99999", 1.0) == 300.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", 1.0) == 0.0


async def test_stalled_stream_hits_the_idle_timeout_and_reconnects(hermes, harness_factory):
    h = await harness_factory([pyth(hermes, idle_timeout=0.3)])
    await h.wait_for(lambda: h.prices("SOL-PERP"))
    hermes.mode = "stall"
    await h.wait_for(lambda: "idle" in h.health("pyth").reason, what="idle timeout")
    hermes.mode = "ok"
    before = len(h.observations)
    await h.wait_for(lambda: len(h.observations) > before + 6, what="resumed")


async def test_stream_rollover_reconnects_at_once_without_going_down(hermes, harness_factory):
    source = pyth(hermes, max_stream_s=0.25)
    h = await harness_factory([source])
    await h.wait_for(lambda: h.prices("SOL-PERP"))
    states = []
    source.on_health = lambda s: states.append(s.state)
    await h.wait_for(lambda: hermes.sse_connections >= 3, what="two rollovers")
    assert "down" not in states


async def test_search_feeds_finds_sol_and_maps_it_to_our_market(hermes):
    results = await search_feeds(hermes.url, "SOL")
    assert results[0]["id"] == SOL and results[0]["market"] == "SOL-PERP"
    assert results[0]["symbol"] == "Crypto.SOL/USD"
    assert hermes.http.requests[-1].query == {"query": ["SOL"], "asset_type": ["crypto"]}


BAD_INPUT = [
    ("garbage_json", lambda: b"{not json", "bad_json"),
    ("truncated_json", lambda: b'{"parsed": [{"id": "ef0d8b', "truncated"),
    ("missing_parsed", lambda: b'{"binary": {"data": []}}', "missing_field"),
    ("missing_price", lambda: json.dumps({"parsed": [{"id": SOL}]}).encode(), "missing_field"),
    ("nan_price", lambda: json.dumps({"parsed": [feed(price="NaN")]}).encode(), "nan"),
    ("nan_literal", lambda: b'{"parsed": [{"id": "x", "price": {"price": NaN}}]}', "bad_json"),
    ("non_numeric_price", lambda: json.dumps({"parsed": [feed(price="12abc")]}).encode(), "bad_number"),
    ("negative_price", lambda: json.dumps({"parsed": [feed(price="-15000000000")]}).encode(), "non_positive_price"),
    ("zero_price", lambda: json.dumps({"parsed": [feed(price="0")]}).encode(), "non_positive_price"),
    ("negative_conf", lambda: json.dumps({"parsed": [feed(conf="-1")]}).encode(), "negative_conf"),
    ("expo_too_big", lambda: json.dumps({"parsed": [feed(expo=3)]}).encode(), "bad_expo"),
    ("expo_too_small", lambda: json.dumps({"parsed": [feed(expo=-40)]}).encode(), "bad_expo"),
    ("future_time", lambda: json.dumps({"parsed": [feed(publish_time=int(time.time()) + 3600)]}).encode(), "future"),
    ("stale_time", lambda: json.dumps({"parsed": [feed(publish_time=int(time.time()) - 3600)]}).encode(), "stale"),
    (
        "backwards_time",
        lambda: json.dumps({"parsed": [feed(publish_time=int(time.time()) - 20)]}).encode(),
        "backwards",
    ),
    ("unknown_feed", lambda: json.dumps({"parsed": [feed(feed_id="ab" * 32)]}).encode(), "unknown_feed"),
    ("wide_conf", lambda: json.dumps({"parsed": [feed(conf="5000000000")]}).encode(), "conf_ratio"),
    ("jump", lambda: json.dumps({"parsed": [feed(price="30000000000")]}).encode(), "jump"),
]


@pytest.mark.parametrize("payload,reason", [(p, r) for _, p, r in BAD_INPUT], ids=[i for i, _, _ in BAD_INPUT])
async def test_bad_input_is_rejected_counted_and_never_published(hermes, harness_factory, payload, reason):
    source = pyth(hermes)
    h = await harness_factory([source])
    await h.wait_for(lambda: len(h.prices("SOL-PERP")) >= 2)
    published = len(h.observations)
    hermes.inject(payload())
    await h.wait_for(lambda: h.rejects("pyth", reason) >= 1, what=f"reject {reason}")
    await h.wait_for(lambda: len(h.observations) > published + 12, what="stream continues")
    good = {150 * 10**8}
    assert set(h.prices("SOL-PERP")) == good, "a rejected SOL price reached observations"
    assert h.health("pyth").state == "healthy"
    assert hermes.sse_connections == 1, "bad input must not cost the connection"


async def test_truncated_sse_frame_at_disconnect_is_counted_and_discarded(hermes, harness_factory):
    source = pyth(hermes)
    h = await harness_factory([source])
    await h.wait_for(lambda: h.health("pyth").state == "healthy")  # streaming
    hermes.mode = "stall"  # nothing after the partial frame
    hermes.inject(b'data: {"parsed": [{"id": "' + SOL.encode(), raw=True)
    await h.wait_for(lambda: source.pending_event_bytes > 0, what="the partial frame received")
    hermes.mode = "ok"
    hermes.drop()
    await h.wait_for(lambda: h.rejects("pyth", "truncated") >= 1, what="truncated frame")
    await h.wait_for(lambda: hermes.sse_connections >= 2)


def test_parse_update_keeps_good_feeds_when_one_in_the_message_is_bad():
    raw = json.dumps(
        {
            "binary": {"encoding": "hex", "data": ["abcd"]},
            "parsed": [feed(), feed(feed_id="cd" * 32), feed(price="NaN")],
        }
    ).encode()
    observations, rejects, binary = parse_update(raw, 5)
    assert [o.market for o in observations] == ["SOL-PERP"] and observations[0].recv_ns == 5
    assert sorted(r.reason for r in rejects) == ["nan", "unknown_feed"] and binary == "abcd"

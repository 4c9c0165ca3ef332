"""The Pyth stream's reconnect loop: httpx-sse framing, a backoff that REST cannot reset, probing while covered."""

from __future__ import annotations

import json
import random
import time

from backend.oracle.coingecko import CoinGeckoSource
from backend.oracle.pyth_hermes import PythHermesSource
from programs.quantdesk_perp.markets import MARKETS_BY_SYMBOL

SOL = MARKETS_BY_SYMBOL["SOL-PERP"].pyth_feed_id


def pyth(hermes, **kw) -> PythHermesSource:
    kw.setdefault("backoff_base", 0.05)
    kw.setdefault("backoff_cap", 0.4)
    return PythHermesSource(hermes.url, transport="sse", idle_timeout=2.0, **kw)


def update(price: int) -> bytes:
    block = {"price": str(price), "conf": "3000000", "expo": -8, "publish_time": int(time.time())}
    return json.dumps({"parsed": [{"id": SOL, "price": block, "ema_price": block}]}).encode()


async def test_sse_fields_follow_the_spec_one_space_stripped_multiline_data_id_and_retry(hermes, harness_factory):
    source = pyth(hermes)
    h = await harness_factory([source])
    await h.wait_for(lambda: h.health("pyth").state == "healthy")
    body = update(15_100_000_000).decode()
    half = len(body) // 2
    # CRLF line ends, the data split over two `data:` lines (joined by a newline), `id:` keeping all
    # but one leading space, and a `retry:` event that carries no data (so nothing is dispatched)
    frame = f"id:   seven\r\ndata: {body[:half]}\r\ndata:{body[half:]}\r\n\r\nretry: 700\n\n"
    hermes.inject(frame.encode(), raw=True)
    await h.wait_for(lambda: 151 * 10**8 in h.prices("SOL-PERP"), what="the two-line event")
    await h.wait_for(lambda: source.server_retry_s == 0.7, what="retry honoured")
    assert source.last_event_id == "  seven"
    assert h.rejects("pyth", "bad_json") == 0 and h.rejects("pyth", "truncated") == 0
    hermes.drop()  # the reconnect sends the last event id back and waits at least `retry`
    await h.wait_for(lambda: hermes.sse_connections >= 2, what="reconnect")
    stream_requests = [r for r in hermes.http.requests if r.path == "/v2/updates/price/stream"]
    assert stream_requests[-1].headers["last-event-id"] == "seven"  # HTTP trims the header's leading spaces
    assert "last-event-id" not in stream_requests[0].headers


async def test_rest_snapshots_that_work_do_not_reset_the_stream_backoff(hermes, harness_factory):
    hermes.stream_status = 503
    source = pyth(hermes)
    h = await harness_factory([source])
    await h.wait_for(lambda: source.backoff.attempt >= 6, what="six refused streams")  # never reset by REST
    assert hermes.stream_refusals >= 6
    assert hermes.latest_requests == 1  # the snapshot at start worked; none per failed reconnect
    assert h.health("pyth").state == "down" and "HTTP 503" in h.health("pyth").reason
    hermes.stream_status = 200
    await h.wait_for(lambda: h.health("pyth").state == "healthy", what="stream back")
    assert source.backoff.attempt == 0  # the stream's own prices reset it


def test_while_covered_the_reconnect_delay_is_capped_at_the_probe_interval():
    source = PythHermesSource("http://127.0.0.1:9", backoff_base=0.5, backoff_cap=30.0, probe_s=1.0)
    source.backoff._rng = random.Random(4)
    source.backoff.attempt = 12  # a long outage: the ceiling is at its 30 s cap
    source.set_covered(True)
    assert max(source._reconnect_delay() for _ in range(200)) <= 1.0
    source.set_covered(False)
    assert max(source._reconnect_delay() for _ in range(200)) > 20.0


async def test_primary_is_probed_while_the_fallback_carries_and_fails_back_after_an_outage(
    hermes, coingecko, harness_factory
):
    primary = PythHermesSource(hermes.url, transport="sse", idle_timeout=2.0)  # default backoff: 0.5 s .. 30 s
    fallback = CoinGeckoSource(coingecko.url, interval=0.2)
    h = await harness_factory([primary, fallback])
    await h.wait_for(lambda: h.health("pyth").state == "healthy" and h.service.active is primary)
    await hermes.stop()
    await h.wait_for(lambda: h.service.active is fallback, what="failover")
    assert primary.covered
    await h.wait_for(lambda: primary.backoff.attempt >= 4, timeout=10, what="several probes while down")
    probes = primary.backoff.attempt
    await hermes.start()  # the same port
    back = time.monotonic()
    await h.wait_for(lambda: h.service.active is primary, timeout=10, what="failback")
    print(
        f"\nfailback to pyth {time.monotonic() - back:.2f}s after Hermes came back (probed {probes} times while down)"
    )
    assert not primary.covered
    await h.wait_for(lambda: not fallback.wanted)

"""CoinGecko as a source and as the fallback: failover within 2 s, failback, deviation guard."""

from __future__ import annotations

import pytest

from backend.oracle.coingecko import CoinGeckoSource
from backend.oracle.pyth_hermes import PythHermesSource


def pyth(hermes, **kw) -> PythHermesSource:
    return PythHermesSource(
        hermes.url, transport="sse", idle_timeout=kw.pop("idle_timeout", 2.0), backoff_base=0.05, backoff_cap=0.3, **kw
    )


def gecko(coingecko, **kw) -> CoinGeckoSource:
    kw.setdefault("interval", 0.2)
    return CoinGeckoSource(coingecko.url, **kw)


async def test_coingecko_alone_publishes_usd_prices_in_pyth_units(coingecko, harness_factory):
    source = gecko(coingecko)
    h = await harness_factory([source])
    await h.wait_for(lambda: h.prices("SOL-PERP") and h.prices("1MBONK-PERP"))
    sol = next(o for o in h.observations if o.market == "SOL-PERP")
    assert (sol.price, sol.expo, sol.source) == (149_50000000, -8, "coingecko")
    assert sol.conf == sol.price // 1000
    assert next(o for o in h.observations if o.market == "1MBONK-PERP").price == 250_000
    assert h.health("coingecko").state == "healthy"
    query = coingecko.requests[0].query
    assert query["vs_currencies"] == ["usd"] and query["include_last_updated_at"] == ["true"]
    assert set(query["ids"][0].split(",")) == {
        "solana",
        "bitcoin",
        "ethereum",
        "jupiter-exchange-solana",
        "bonk",
        "dogwifcoin",
    }


@pytest.mark.parametrize("pro,header", [(False, "x-cg-demo-api-key"), (True, "x-cg-pro-api-key")])
async def test_coingecko_key_goes_in_the_demo_or_pro_header(coingecko, harness_factory, monkeypatch, pro, header):
    monkeypatch.setenv("COINGECKO_API_KEY", "cg-key")
    h = await harness_factory([gecko(coingecko, pro=pro)])
    await h.wait_for(lambda: h.observations)
    assert coingecko.requests[0].headers[header] == "cg-key"


async def test_coingecko_429_backs_off_and_reports_rate_limit(coingecko, harness_factory):
    coingecko.mode, coingecko.retry_after = "429", 0
    h = await harness_factory([gecko(coingecko)])
    await h.wait_for(lambda: "rate limited" in h.health("coingecko").reason)
    polls = coingecko.polls
    coingecko.mode = "ok"
    await h.wait_for(lambda: h.observations, what="recovery after 429")
    assert coingecko.polls <= polls + 2, "must not hammer a rate-limited API"


@pytest.mark.parametrize("mode,reason", [("garbage", "bad_json")])
async def test_coingecko_garbage_is_rejected(coingecko, harness_factory, mode, reason):
    coingecko.mode = mode
    h = await harness_factory([gecko(coingecko)])
    await h.wait_for(lambda: h.rejects("coingecko", reason) >= 1)
    assert not h.observations


async def test_coingecko_stale_and_jumping_prices_are_rejected(coingecko, harness_factory):
    coingecko.time_offset = -3600
    h = await harness_factory([gecko(coingecko)])
    await h.wait_for(lambda: h.rejects("coingecko", "stale") >= 6)
    assert not h.observations
    coingecko.time_offset = 0
    await h.wait_for(lambda: h.prices("SOL-PERP"))
    coingecko.prices["solana"] = 300.0
    await h.wait_for(lambda: h.rejects("coingecko", "jump") >= 1)
    assert max(h.prices("SOL-PERP")) == 149_50000000


async def test_coingecko_drop_and_stall_mark_it_down_without_crashing(coingecko, harness_factory):
    coingecko.mode = "drop"
    source = gecko(coingecko, timeout=0.3)
    h = await harness_factory([source])
    await h.wait_for(lambda: h.health("coingecko").state == "down" and coingecko.polls >= 1)
    coingecko.mode = "stall"
    await h.wait_for(lambda: "Timeout" in h.health("coingecko").reason, what="stall timeout")
    coingecko.mode = "ok"
    await h.wait_for(lambda: h.observations, timeout=6)


async def test_failover_to_coingecko_within_2s_of_pyth_dying_and_failback(hermes, coingecko, harness_factory):
    pyth_source, cg = pyth(hermes), gecko(coingecko)
    h = await harness_factory([pyth_source, cg], failback_after_s=0.3)
    await h.wait_for(lambda: h.prices("SOL-PERP", "pyth"))
    assert h.service.active is pyth_source and not cg.wanted
    await hermes.stop()
    n = len(h.observations)
    took = await h.wait_for(lambda: any(o.source == "coingecko" for o in h.observations[n:]), what="fallback")
    assert took < 2.0
    assert h.service.active is cg and h.health("coingecko").active
    assert h.health("pyth").state in ("down", "degraded") and not h.health("pyth").active
    scraped = h.metrics.render().decode()
    assert any(f'quantdesk_feed_healthy{{source="pyth"}} {v}' in scraped for v in ("0.0", "0.5"))  # down or degraded
    await hermes.start()  # same port
    n = len(h.observations)
    await h.wait_for(lambda: any(o.source == "pyth" for o in h.observations[n:]), timeout=5, what="failback")
    assert h.service.active is pyth_source
    await h.wait_for(lambda: not cg.wanted)
    m = len(h.observations)
    await h.wait_for(lambda: len(h.observations) > m + 10)
    assert {o.source for o in h.observations[m:]} == {"pyth"}


async def test_failover_when_pyth_stalls_without_closing(hermes, coingecko, harness_factory):
    pyth_source = pyth(hermes, idle_timeout=10.0)
    h = await harness_factory([pyth_source, gecko(coingecko)])
    await h.wait_for(lambda: h.health("pyth").state == "healthy" and h.service.active is pyth_source)  # streaming
    n = len(h.observations)
    hermes.mode = "stall"
    took = await h.wait_for(lambda: any(o.source == "coingecko" for o in h.observations[n:]), what="fallback on stall")
    assert took < 2.0
    assert h.health("pyth").state == "degraded" and "no valid prices" in h.health("pyth").reason


async def test_fallback_that_deviates_from_live_pyth_is_rejected(hermes, coingecko, harness_factory):
    coingecko.prices["solana"] = 180.0  # 20% above pyth's 150
    pyth_source, cg = pyth(hermes), gecko(coingecko)
    h = await harness_factory([pyth_source, cg])
    await h.wait_for(lambda: h.prices("SOL-PERP", "pyth"))
    cg.set_wanted(True)  # poll now although pyth is fine
    await h.wait_for(lambda: h.rejects("coingecko", "deviation") >= 1)


async def test_starts_on_the_fallback_when_pyth_is_unreachable(coingecko, harness_factory):
    dead = PythHermesSource("http://127.0.0.1:9", transport="sse", backoff_base=0.05, backoff_cap=0.2)
    h = await harness_factory([dead, gecko(coingecko)])
    took = await h.wait_for(lambda: h.prices("SOL-PERP", "coingecko"))
    assert took < 2.0 and h.health("pyth").state == "down"


async def test_a_scrape_of_metrics_shows_each_feeds_health_as_of_the_scrape(coingecko, harness_factory):
    coingecko.mode = "drop"
    h = await harness_factory([gecko(coingecko, timeout=0.3)], evaluate_every_s=3600.0)  # no evaluation between
    await h.wait_for(lambda: h.health("coingecko").state == "down")
    assert 'quantdesk_feed_healthy{source="coingecko"} 0.0' in h.metrics.render().decode()
    coingecko.mode = "ok"
    await h.wait_for(lambda: h.health("coingecko").state == "healthy", timeout=6)
    assert 'quantdesk_feed_healthy{source="coingecko"} 1.0' in h.metrics.render().decode()

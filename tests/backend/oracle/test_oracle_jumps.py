"""Oracle guards that cannot be walked away: a jump is judged by an independent, healthy, fresh source."""

from __future__ import annotations

import time

from backend.domain.observations import PriceObservation
from backend.oracle.aggregator import Aggregator
from backend.oracle.base import OracleSource
from backend.oracle.coingecko import CoinGeckoSource
from backend.oracle.pyth_hermes import PythHermesSource
from backend.oracle.validate import Rejected

NOW = int(time.time())


class Stub(OracleSource):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.fresh_after_s = 2.0
        self.wakes = 0

    def set_wanted(self, wanted: bool) -> None:
        self.wakes += wanted and not self.wanted
        super().set_wanted(wanted)

    async def run(self, emit) -> None:  # driven by the test
        return None


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def obs(source: str, usd: float, conf_bps: int = 2) -> PriceObservation:
    price = round(usd * 10**8)
    return PriceObservation(
        market="SOL-PERP",
        price=price,
        conf=price * conf_bps // 10_000,
        expo=-8,
        publish_time=NOW,
        slot=1,
        ema_price=price,
        source=source,
    )


def make(*names: str, witness_wait_s: float = 5.0):
    clock = Clock(1000.0)
    wall = Clock(float(NOW))
    decisions: list[tuple[str, str]] = []
    sources = [Stub(n) for n in names]
    agg = Aggregator(
        sources,
        clock=clock,
        witness_wait_s=witness_wait_s,
        on_jump=lambda source, decision, detail: decisions.append((source, decision)),
    )
    for slot in agg.slots:
        slot.validator.clock = wall
    return agg, sources, clock, wall, decisions


def offer(agg, source, usd: float) -> bool | str:
    """True/False as the aggregator answers, or the reject detail."""
    try:
        return agg.offer(source, obs(source.name, usd))
    except Rejected as exc:
        return f"{exc.reason}: {exc.detail}"


def test_a_persistent_10x_primary_price_is_refuted_by_a_healthy_fallback_and_never_accepted():
    agg, (pyth, gecko), clock, _, decisions = make("pyth", "coingecko")
    assert offer(agg, pyth, 150.0) is True and offer(agg, gecko, 149.5) is False
    for _ in range(20):  # far more than the three observations that used to make a jump real
        clock.now += 0.1
        assert "refuted by coingecko" in offer(agg, pyth, 1500.0)
        offer(agg, gecko, 149.5)
    assert decisions == [("pyth", "refuted")] * 20
    assert agg.slots[0].latest["SOL-PERP"].price == 150 * 10**8
    clock.now += 2.0  # pyth has had nothing accepted for longer than it stays live
    assert offer(agg, gecko, 149.6) is True  # the fallback now carries the market
    assert agg.active.source is gecko and pyth.covered


def test_a_real_move_is_confirmed_by_the_other_source_at_once_in_both_directions():
    agg, (pyth, gecko), _clock, _, decisions = make("pyth", "coingecko")
    offer(agg, pyth, 150.0), offer(agg, gecko, 150.0)
    # the fallback moves first: the primary still quotes 150, so its jump is refuted ...
    assert "refuted by pyth" in offer(agg, gecko, 200.0)
    # ... then the primary moves too, and the fallback's fresh quote at 200 confirms it at once
    assert offer(agg, pyth, 200.0) is True
    assert offer(agg, gecko, 200.5) is False  # and now the primary confirms the fallback's jump
    assert decisions == [("coingecko", "refuted"), ("pyth", "confirmed"), ("coingecko", "confirmed")]
    assert agg.slots[1].latest["SOL-PERP"].price == 200_50000000


def test_a_jumping_fallback_is_refuted_by_another_healthy_fallback_while_the_primary_is_dead():
    agg, (pyth, first, second), _clock, _, decisions = make("pyth", "first", "second")
    pyth.set_health("down", "dead")
    offer(agg, first, 150.0), offer(agg, second, 150.1)
    assert agg.active.source is first
    assert "refuted by second" in offer(agg, first, 15.0)
    assert decisions == [("first", "refuted")]


def test_the_tightest_fresh_witness_is_trusted_and_stale_ones_cannot_vote():
    agg, (pyth, wide, tight), clock, _, _ = make("pyth", "wide", "tight")
    offer(agg, pyth, 150.0)
    agg.offer(wide, obs("wide", 150.0, conf_bps=100))
    agg.offer(tight, obs("tight", 150.0, conf_bps=1))
    try:  # wide moves to 200: refused (tight says 150), yet it is what wide now quotes
        agg.offer(wide, obs("wide", 200.0, conf_bps=100))
        raise AssertionError("wide's jump was accepted")
    except Rejected as exc:
        assert "refuted by tight" in exc.detail
    assert agg.slots[1].validator.seen["SOL-PERP"].price == 200 * 10**8
    assert "refuted by tight" in offer(agg, pyth, 200.0)  # wide agrees with pyth, but tight is the more certain
    clock.now += 3.0  # both witnesses are now older than their fresh_after_s
    assert "awaiting confirmation" in offer(agg, pyth, 200.0)


def test_a_single_source_accepts_a_sustained_jump_unverified_after_three_observations():
    agg, (sim,), _clock, _, decisions = make("sim")
    offer(agg, sim, 150.0)
    assert "awaiting confirmation" in offer(agg, sim, 300.0)
    assert "awaiting confirmation" in offer(agg, sim, 300.0)
    assert offer(agg, sim, 300.0) is True
    assert decisions == [("sim", "pending"), ("sim", "pending"), ("sim", "unverified")]


def test_with_a_fallback_configured_but_silent_a_jump_waits_for_it_and_wakes_it():
    agg, (pyth, gecko), _clock, wall, decisions = make("pyth", "coingecko", witness_wait_s=5.0)
    offer(agg, pyth, 150.0)
    wakes = gecko.wakes
    for _ in range(5):  # enough observations, but no witness and not held for witness_wait_s yet
        assert "awaiting confirmation" in offer(agg, pyth, 300.0)
    assert gecko.wakes > wakes and gecko.wanted  # asked for a fresh quote
    agg.evaluate()
    assert gecko.wanted  # stays awake while the jump is being judged
    wall.now += 5.0
    assert offer(agg, pyth, 300.0) is True  # nobody could vouch either way: accepted, flagged
    assert decisions[-1] == ("pyth", "unverified")


async def test_e2e_persistent_10x_on_hermes_never_reaches_observations_and_the_fallback_carries(
    hermes, coingecko, harness_factory
):
    primary = PythHermesSource(hermes.url, transport="sse", idle_timeout=2.0, backoff_base=0.05, backoff_cap=0.3)
    fallback = CoinGeckoSource(coingecko.url, interval=0.2)
    h = await harness_factory([primary, fallback])
    await h.wait_for(lambda: h.health("pyth").state == "healthy" and h.service.active is primary)
    hermes.set_price("SOL-PERP", 1500.0)  # 10x from now on, every update
    n = len(h.observations)
    await h.wait_for(
        lambda: any(o.source == "coingecko" and o.market == "SOL-PERP" for o in h.observations[n:]),
        what="the fallback carries SOL-PERP",
    )
    refuted = h.metrics.registry.get_sample_value(
        "quantdesk_oracle_jump_decisions_total", {"source": "pyth", "decision": "refuted"}
    )
    assert refuted >= 3 and h.service.active is primary  # the other markets stay on Pyth
    await h.wait_for(
        lambda: hermes.updates_sent > 60 and len(h.prices("SOL-PERP", "coingecko")) >= 3, what="time passes"
    )
    assert all(abs(p - 150 * 10**8) < 10**8 for p in h.prices("SOL-PERP")), "the jump reached the oracle"
    assert h.rejects("pyth", "jump") >= refuted
    hermes.set_price("SOL-PERP", 150.0)  # Hermes is right again
    n = len(h.observations)
    await h.wait_for(
        lambda: any(o.source == "pyth" and o.market == "SOL-PERP" for o in h.observations[n:]),
        what="pyth carries SOL-PERP again",
    )

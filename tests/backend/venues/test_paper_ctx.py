"""The venue's Context is reused while nothing it holds changes, and never once something has."""

from __future__ import annotations

from programs.quantdesk_perp.context import OraclePrice
from tests.backend.venues.conftest import observation


async def test_the_context_is_shared_until_the_second_the_slot_or_an_oracle_changes(venue):
    first = venue.ctx()
    assert venue.ctx() is first
    venue.test_clock.now += 0.4  # the same second (the fixture's clock starts on a whole second)
    assert venue.ctx() is first
    venue.test_clock.now += 0.6
    second = venue.ctx()
    assert second is not first and second.unix_time == first.unix_time + 1
    venue.on_observation(observation("SOL-PERP", 151.0, slot=1000, ts=int(venue.test_clock.now)))
    third = venue.ctx()
    assert third is not second and third.oracles[0].price == 151_000_000 and second.oracles[0].price == 150_000_000
    venue.on_observation(observation("SOL-PERP", 151.0, slot=1001, ts=int(venue.test_clock.now)))
    fourth = venue.ctx()
    assert fourth is not third and fourth.slot == 1001


async def test_an_oracle_set_directly_is_seen_at_once(venue):
    before = venue.ctx()
    venue.oracles = {**venue.oracles, 0: OraclePrice(price=99_000_000, conf=10_000, publish_slot=1000)}
    after = venue.ctx()
    assert after is not before and after.oracles[0].price == 99_000_000
    assert before.oracles[0].price == 150_000_000  # a context already handed out never changes

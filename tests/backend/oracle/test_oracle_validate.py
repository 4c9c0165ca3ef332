"""The validator's stateful checks and once-per-burst reject logging, in isolation."""

from __future__ import annotations

import logging

import pytest

from backend.domain.observations import PriceObservation
from backend.oracle.validate import Reject, Rejected, RejectLog, ValidationConfig, Validator

NOW = 1_800_000_000


def obs(price: int, t: int = NOW, conf: int = 10, expo: int = -8) -> PriceObservation:
    return PriceObservation(
        market="SOL-PERP", price=price, conf=conf, expo=expo, publish_time=t, slot=1, ema_price=price, source="pyth"
    )


def test_a_jump_is_held_back_until_three_observations_confirm_the_new_level():
    v = Validator(ValidationConfig(), clock=lambda: NOW)
    v.check(obs(100_000))
    for _ in range(2):
        with pytest.raises(Rejected) as err:
            v.check(obs(150_000))
        assert err.value.reason == "jump"
    assert v.check(obs(151_000)).price == 151_000  # third at the new level: real move
    assert v.check(obs(152_000)).price == 152_000


def _refusal(v: Validator, observation: PriceObservation) -> tuple[str, str]:
    """The reason and message of the Rejected that checking `observation` must raise."""
    with pytest.raises(Rejected) as refused:
        v.check(observation)
    return refused.value.reason, str(refused.value)


def test_a_single_outlier_between_normal_prices_never_gets_through():
    v = Validator(ValidationConfig(), clock=lambda: NOW)
    v.check(obs(100_000))
    assert _refusal(v, obs(300_000)) == (Reject.JUMP, "jump: SOL-PERP: 100000 -> 300000, awaiting confirmation")
    v.check(obs(100_100))
    assert _refusal(v, obs(300_000)) == (Reject.JUMP, "jump: SOL-PERP: 100100 -> 300000, awaiting confirmation")


def test_equal_publish_times_pass_and_older_ones_are_rejected():
    v = Validator(ValidationConfig(), clock=lambda: NOW)
    v.check(obs(100_000, NOW))
    v.check(obs(100_001, NOW))
    with pytest.raises(Rejected) as err:
        v.check(obs(100_002, NOW - 1))
    assert err.value.reason == "backwards"


def test_replay_config_skips_staleness_and_future_checks():
    v = Validator(ValidationConfig(max_age_s=None, max_future_s=None), clock=lambda: NOW)
    assert v.check(obs(100_000, 1000)).publish_time == 1000
    assert v.check(obs(100_000, NOW * 2)).publish_time == NOW * 2


def test_reject_log_writes_one_line_per_burst(caplog):
    caplog.set_level(logging.WARNING)
    log = RejectLog(quiet_s=60.0)
    for _ in range(500):
        log.note("pyth", "bad_json", "garbage")
    log.note("pyth", "nan", "NaN")
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2 and "bad_json" in lines[0] and "nan" in lines[1]

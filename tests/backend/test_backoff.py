"""The one backoff helper: capped exponential ceiling, full jitter, reset, a temporary lower cap."""

from __future__ import annotations

import random

import pytest

from backend.backoff import Backoff


class _Top(random.Random):
    """Always draws the top of the range, so the ceiling is what the test sees."""

    def uniform(self, a: float, b: float) -> float:
        return b


class _Bottom(random.Random):
    def uniform(self, a: float, b: float) -> float:
        return a


def test_ceiling_doubles_per_attempt_up_to_the_cap():
    backoff = Backoff(0.5, 4.0, rng=_Top())
    assert [backoff.next() for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_full_jitter_can_draw_zero():
    backoff = Backoff(0.5, 4.0, rng=_Bottom())
    assert [backoff.next() for _ in range(3)] == [0.0, 0.0, 0.0]


def test_draws_stay_within_zero_and_the_ceiling():
    backoff = Backoff(0.1, 1.0, rng=random.Random(3))
    draws = [backoff.next() for _ in range(200)]
    assert all(0.0 <= d <= 1.0 for d in draws)
    assert max(draws[10:]) > 0.9 and min(draws[10:]) < 0.1  # spread over the whole range


def test_reset_starts_again_from_the_base():
    backoff = Backoff(0.5, 30.0, rng=_Top())
    for _ in range(5):
        backoff.next()
    backoff.reset()
    assert backoff.next() == 0.5


def test_a_lower_cap_for_one_draw_keeps_the_attempt_count():
    backoff = Backoff(0.5, 30.0, rng=_Top())
    for _ in range(5):
        backoff.next()
    assert backoff.next(cap=1.0) == 1.0
    assert backoff.next() == 30.0  # 0.5 * 2**6 capped at 30


def test_thousands_of_attempts_do_not_overflow():
    backoff = Backoff(0.5, 30.0, rng=_Top())
    backoff.attempt = 5000
    assert backoff.next() == 30.0


def test_nonsense_parameters_are_refused():
    with pytest.raises(ValueError):
        Backoff(0.0, 1.0)
    with pytest.raises(ValueError):
        Backoff(2.0, 1.0)

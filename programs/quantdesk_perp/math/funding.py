"""Funding: TWAPs, the capped rate from mark vs oracle TWAP, and per-position payments."""

from __future__ import annotations

from ..constants import BASE_PRECISION, FUNDING_RATE_PRECISION


def update_twap(twap: int, twap_time: int, price: int, now: int, period: int) -> int:
    """Time-weighted average over `period` seconds; each observation weighs at least one second."""
    if twap_time == 0 or twap == 0:
        return price
    elapsed = min(max(now - twap_time, 1), period)
    return (twap * (period - elapsed) + price * elapsed) // period  # floor: a reference, not a balance


def funding_rate(mark_twap: int, oracle_twap: int, period_divisor: int, max_rate: int) -> int:
    """Fraction of the oracle TWAP longs pay shorts this interval (FUNDING_RATE_PRECISION), capped.

    Rounded toward zero: both sides use the same rate; payments round against each user below.
    """
    if oracle_twap <= 0:
        return 0
    premium = mark_twap - oracle_twap
    magnitude = abs(premium) * FUNDING_RATE_PRECISION // (oracle_twap * period_divisor)
    rate = magnitude if premium >= 0 else -magnitude
    return max(-max_rate, min(max_rate, rate))


def cumulative_increment(rate: int, oracle_twap: int) -> int:
    """Quote per whole base in PRICE_PRECISION * FUNDING_RATE_PRECISION: exact, no division."""
    return rate * oracle_twap


def funding_owed(base: int, cumulative: int, last_cumulative: int) -> int:
    """Quote the position owes (negative = receives); rounded up, i.e. against the user."""
    scale = BASE_PRECISION * FUNDING_RATE_PRECISION
    return -((-base * (cumulative - last_cumulative)) // scale)

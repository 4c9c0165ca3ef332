"""The one reconnect/retry delay of the backend: capped exponential backoff with full jitter.

Full jitter (a uniform draw between 0 and the capped exponential ceiling) spreads the retries of
many clients so they never come back in lock step, and keeps the mean delay at half the ceiling.
`next(cap=...)` lowers the ceiling for one draw: a source that should be probed often (the primary
oracle while a fallback carries the prices) keeps its attempt count but never waits long.
"""

from __future__ import annotations

import random


class Backoff:
    """`next()` is the delay before the next attempt; `reset()` after an attempt that really worked."""

    def __init__(self, base: float = 0.5, cap: float = 30.0, rng: random.Random | None = None) -> None:
        if base <= 0 or cap < base:
            raise ValueError(f"backoff needs 0 < base <= cap, not base={base} cap={cap}")
        self.base, self.cap = base, cap
        self.attempt = 0
        self._rng = rng or random.Random()

    def ceiling(self, cap: float | None = None) -> float:
        """The largest delay the next draw can give."""
        limit = self.cap if cap is None else min(cap, self.cap)
        return min(limit, self.base * 2 ** min(self.attempt, 64))  # the exponent is bounded: no overflow

    def next(self, cap: float | None = None) -> float:
        ceiling = self.ceiling(cap)
        self.attempt += 1
        return self._rng.uniform(0.0, ceiling)

    def reset(self) -> None:
        self.attempt = 0

"""Oracle input checks: the reject reasons, the per-source Validator, and once-per-burst reject logging.

Structural checks (garbage JSON, missing fields, NaN, ...) happen where a source parses its wire
format and are reported with `OracleSource.reject`; semantic checks (non-positive price, negative
conf, exponent range, future/backwards/stale publish time, confidence ratio, jump filter) run here
for every observation of every source before the aggregator may publish it.

A jump (a move beyond `max_jump` from the last accepted price) is judged by an independent source:
the aggregator's witness says whether another healthy, fresh source confirms the new level or
still quotes the old one (then the jump is refused for as long as it says so). Only when no
independent source can be asked does persistence decide: `jump_confirm` observations at the new
level, held for at least the witness's `min_unverified_s`; such a jump is accepted *unverified*.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from backend.domain.observations import PriceObservation

log = logging.getLogger(__name__)


class Reject(StrEnum):
    BAD_JSON = "bad_json"
    TRUNCATED = "truncated"
    MISSING_FIELD = "missing_field"
    BAD_NUMBER = "bad_number"
    NAN = "nan"
    UNKNOWN_FEED = "unknown_feed"
    NON_POSITIVE_PRICE = "non_positive_price"
    NEGATIVE_CONF = "negative_conf"
    BAD_EXPO = "bad_expo"
    FUTURE = "future"
    BACKWARDS = "backwards"
    STALE = "stale"
    CONF_RATIO = "conf_ratio"
    JUMP = "jump"
    DEVIATION = "deviation"


class Rejected(Exception):
    """Raised by parsers and the validator; carries the reason label used in metrics."""

    def __init__(self, reason: Reject, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else str(reason))
        self.reason = reason
        self.detail = detail


@dataclass(slots=True, frozen=True)
class ValidationConfig:
    max_age_s: float | None = 60.0  # older publish_time is stale; None = no check (replay)
    max_future_s: float | None = 5.0  # clock skew allowed; None = no check
    max_conf_ratio: float = 0.02  # conf / price
    max_jump: float = 0.20  # relative move vs the last accepted price that needs confirmation
    jump_confirm: int = 3  # consecutive observations at the new level that make a jump real
    expo_range: tuple[int, int] = (-18, 0)
    max_deviation: float = 0.05  # lower-priority source vs a fresh higher-priority one


class Witness(StrEnum):
    """What an independent source says about a jump."""

    CONFIRMS = "confirmed"
    REFUTES = "refuted"
    NONE = "none"  # no healthy, fresh independent source to ask


@dataclass(slots=True, frozen=True)
class JumpVerdict:
    witness: Witness
    source: str = ""  # the independent source that answered
    min_unverified_s: float = 0.0  # without a witness, how long a jump must persist before it is accepted


WitnessFn = Callable[[PriceObservation, int], JumpVerdict]  # (the jumping observation, the last accepted price)


@dataclass(slots=True)
class _MarketState:
    publish_time: int = 0
    price: int = 0
    expo: int = 0
    pending_price: int = 0
    pending_count: int = 0
    pending_since: float = 0.0


@dataclass(slots=True)
class Validator:
    """Per-source, per-market state for the monotonic-time and jump checks."""

    config: ValidationConfig = field(default_factory=ValidationConfig)
    clock: object = time.time  # a () -> float; injectable for tests
    _markets: dict[str, _MarketState] = field(default_factory=dict)
    seen: dict[str, PriceObservation] = field(default_factory=dict)  # newest per market past all checks but the jump
    last_jump: str = ""  # how the jump of the last accepted observation was judged ("" when it was no jump)

    def check(self, obs: PriceObservation, witness: WitnessFn | None = None) -> PriceObservation:
        """Return obs if it may be published; raise Rejected otherwise. Updates state only on accept."""
        cfg = self.config
        if not isinstance(obs.price, int) or not isinstance(obs.conf, int):
            raise Rejected(Reject.BAD_NUMBER, f"{obs.market}: price/conf must be integers")
        if obs.price <= 0:
            raise Rejected(Reject.NON_POSITIVE_PRICE, f"{obs.market}: price {obs.price}")
        if obs.conf < 0:
            raise Rejected(Reject.NEGATIVE_CONF, f"{obs.market}: conf {obs.conf}")
        lo, hi = cfg.expo_range
        if not lo <= obs.expo <= hi:
            raise Rejected(Reject.BAD_EXPO, f"{obs.market}: expo {obs.expo} outside {lo}..{hi}")
        now = self.clock()  # type: ignore[operator]
        if cfg.max_future_s is not None and obs.publish_time > now + cfg.max_future_s:
            raise Rejected(
                Reject.FUTURE, f"{obs.market}: publish_time {obs.publish_time} is {obs.publish_time - now:.0f}s ahead"
            )
        if cfg.max_age_s is not None and obs.publish_time < now - cfg.max_age_s:
            raise Rejected(Reject.STALE, f"{obs.market}: publish_time is {now - obs.publish_time:.0f}s old")
        state = self._markets.get(obs.market)
        if state is None:
            state = self._markets[obs.market] = _MarketState()
        if obs.publish_time < state.publish_time:
            raise Rejected(Reject.BACKWARDS, f"{obs.market}: publish_time {obs.publish_time} < {state.publish_time}")
        if obs.conf > obs.price * cfg.max_conf_ratio:
            raise Rejected(Reject.CONF_RATIO, f"{obs.market}: conf/price {obs.conf / obs.price:.4f}")
        self.seen[obs.market] = obs
        self.last_jump = ""
        if state.price and state.expo == obs.expo and _moved(state.price, obs.price, cfg.max_jump):
            self._judge_jump(state, obs, witness)
        state.pending_count = 0
        state.publish_time, state.price, state.expo = obs.publish_time, obs.price, obs.expo
        return obs

    def _judge_jump(self, state: _MarketState, obs: PriceObservation, witness: WitnessFn | None) -> None:
        """Return when the jump may be accepted (setting `last_jump`); raise Rejected(JUMP) when not."""
        cfg = self.config
        verdict = witness(obs, state.price) if witness is not None else JumpVerdict(Witness.NONE)
        move = f"{obs.market}: {state.price} -> {obs.price}"
        if verdict.witness is Witness.CONFIRMS:
            self.last_jump = f"confirmed by {verdict.source}"
            return
        if verdict.witness is Witness.REFUTES:
            state.pending_count = 0
            raise Rejected(Reject.JUMP, f"{move}, refuted by {verdict.source}")
        now = float(self.clock())  # type: ignore[operator]
        if state.pending_count and not _moved(state.pending_price, obs.price, cfg.max_jump):
            state.pending_count += 1
        else:
            state.pending_price, state.pending_count, state.pending_since = obs.price, 1, now
        if state.pending_count < cfg.jump_confirm or now - state.pending_since < verdict.min_unverified_s:
            raise Rejected(Reject.JUMP, f"{move}, awaiting confirmation")
        self.last_jump = "unverified"

    def reset(self) -> None:
        self._markets.clear()
        self.seen.clear()


def _moved(reference: int, price: int, limit: float) -> bool:
    return abs(price - reference) > reference * limit


def deviation(a: PriceObservation, b: PriceObservation) -> float:
    """Relative difference of two observations of one market, whatever their exponents."""
    fa, fb = a.price_float, b.price_float
    return abs(fa - fb) / fb if fb > 0 else math.inf


class RejectLog:
    """Logs the first reject of a burst per (source, reason); the rest of the burst is counted, not logged."""

    def __init__(self, quiet_s: float = 10.0, summary_s: float = 60.0, what: str = "rejected input") -> None:
        self.what = what
        self.quiet_s = quiet_s  # a gap this long ends a burst
        self.summary_s = summary_s  # a burst that never ends still gets one line per summary_s
        self._seen: dict[tuple[str, str], float] = {}
        self._logged: dict[tuple[str, str], float] = {}
        self._suppressed: dict[tuple[str, str], int] = {}

    def note(self, source: str, reason: str, detail: str) -> None:
        key = (source, reason)
        now = time.monotonic()
        last_seen = self._seen.get(key)
        self._seen[key] = now
        in_burst = last_seen is not None and now - last_seen < self.quiet_s
        if in_burst and now - self._logged.get(key, 0.0) < self.summary_s:
            self._suppressed[key] = self._suppressed.get(key, 0) + 1
            return
        more = self._suppressed.pop(key, 0)
        self._logged[key] = now
        suffix = f" ({more} more since the last report)" if more else ""
        log.warning("oracle %s %s (%s): %s%s", source, self.what, reason, detail[:200], suffix)

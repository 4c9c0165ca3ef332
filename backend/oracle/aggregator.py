"""Chooses which source's observations reach the bus: validation, cross-source deviation, failover.

Sources are in priority order (the first is the primary). A source is *live* when it is not down
and has had an observation accepted within its `fresh_after_s`. The active source is the
highest-priority live one: when the active source stops being live the next live one takes over
at once (the fallbacks are woken as soon as the primary falters); a higher-priority source takes
back over only after it has been live for `failback_after_s` without interruption.

A lower-priority source's observation must agree with a live higher-priority source's fresh price
for the market within `max_deviation`; that guards the engine against a wrong fallback. Failover is
also per market: when no higher-priority source has a fresh accepted price for a market (its
prices are refused, or it stopped quoting that market), the next source's prices for it are
published, so one bad market does not take the others off the primary.

A jump in any source (primary or fallback) is put to an independent witness: the other sources'
newest quotes for the market that passed validation (jumping or not), from sources that are not
down and were heard within their `fresh_after_s`. The tightest confidence ratio is trusted first,
then the freshest publish time. Agreement within `max_deviation` confirms the jump; a witness
still quoting the old level refutes it, for as long as it does, so a persistent wrong price can
never walk the oracle away while a healthy source disagrees; the primary's prices are then refused,
the fallback carries that market. While a jump waits, every other source is
woken to give a fresh quote. Each decision (confirmed, refuted, pending, unverified) goes to
`on_jump` to be logged and counted.

While a lower-priority source carries the prices, the higher ones are `covered`: they reconnect at
a short, capped interval (a probe) so failback follows within about two seconds of their recovery.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from backend.domain.observations import FeedHealth, PriceObservation
from backend.oracle.base import OracleSource
from backend.oracle.validate import JumpVerdict, Reject, Rejected, Validator, Witness, deviation

log = logging.getLogger(__name__)
STATE_VALUE = {"healthy": 1.0, "degraded": 0.5, "down": 0.0}


@dataclass(slots=True)
class FeedSlot:
    source: OracleSource
    priority: int
    validator: Validator
    last_accept: float = -math.inf  # monotonic seconds
    live_since: float | None = None
    latest: dict[str, PriceObservation] = field(default_factory=dict)
    seen_at: dict[str, float] = field(default_factory=dict)  # market -> when validator.seen[market] arrived
    accepted_at: dict[str, float] = field(default_factory=dict)  # market -> when latest[market] was accepted
    accepted: int = 0


class Aggregator:
    def __init__(
        self,
        sources: list[OracleSource],
        *,
        failback_after_s: float = 0.5,
        witness_wait_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        on_switch: Callable[[OracleSource | None, OracleSource], None] | None = None,
        on_jump: Callable[[str, str, str], None] | None = None,
    ) -> None:
        if not sources:
            raise ValueError("at least one oracle source is needed")
        self.slots = [FeedSlot(s, i, Validator(s.validation)) for i, s in enumerate(sources)]
        self._by_source = {id(s.source): s for s in self.slots}
        self.failback_after_s = failback_after_s
        self.clock = clock
        self.on_switch = on_switch
        self.on_jump = on_jump  # (source, decision, detail)
        self.witness_wait_s = witness_wait_s
        self.witnesses_wanted_until = -math.inf  # monotonic: standby sources stay awake to judge a jump
        self.active: FeedSlot = self.slots[0]
        self.switches = 0
        self.slots[0].source.set_wanted(True)
        for slot in self.slots[1:]:
            slot.source.set_wanted(False)

    # -- per observation ----------------------------------------------------------------------
    def offer(self, source: OracleSource, obs: PriceObservation) -> bool:
        """Validate obs; True when it comes from the active source and may be published.

        Raises Rejected for anything that failed a check.
        """
        slot = self._by_source[id(source)]
        try:
            slot.validator.check(obs, lambda o, reference: self._witness(slot, o))
        except Rejected as exc:
            if exc.reason is Reject.JUMP:
                self._jump(slot, "refuted" if "refuted" in exc.detail else "pending", exc.detail)
            raise
        finally:
            if slot.validator.seen.get(obs.market) is obs:
                slot.seen_at[obs.market] = self.clock()
        if slot.validator.last_jump:
            decision = "unverified" if slot.validator.last_jump == "unverified" else "confirmed"
            self._jump(slot, decision, f"{obs.market} -> {obs.price_float:.6g}, {slot.validator.last_jump}")
        now = self.clock()
        for higher in self.slots[: slot.priority]:
            ref = higher.latest.get(obs.market)
            fresh = self._live(higher, now) and self._fresh(higher, obs.market, now)
            if ref is not None and fresh and deviation(obs, ref) > slot.validator.config.max_deviation:
                raise Rejected(
                    Reject.DEVIATION,
                    f"{obs.market}: {obs.price_float:.6g} vs {higher.source.name} "
                    f"{ref.price_float:.6g} ({deviation(obs, ref):.1%})",
                )
        slot.latest[obs.market] = obs
        slot.accepted_at[obs.market] = now
        slot.last_accept = now
        slot.accepted += 1
        if slot is not self.active and (slot.priority < self.active.priority or not self._live(self.active, now)):
            self.evaluate()  # a failback is due as soon as the primary has been live long enough
        return slot is self.active or (slot.priority > self.active.priority and self._carries(slot, obs.market, now))

    def _fresh(self, slot: FeedSlot, market: str, now: float) -> bool:
        return now - slot.accepted_at.get(market, -math.inf) <= slot.source.fresh_after_s

    def _carries(self, slot: FeedSlot, market: str, now: float) -> bool:
        """True when no source above slot has a fresh accepted price for the market: slot carries it."""
        return not any(self._fresh(higher, market, now) for higher in self.slots[: slot.priority])

    # -- jumps ----------------------------------------------------------------------------------
    def _witness(self, slot: FeedSlot, obs: PriceObservation) -> JumpVerdict:
        """What the most trusted independent source says about obs, a jump in slot's source."""
        now = self.clock()
        others = [s for s in self.slots if s is not slot]
        if others:
            self._wake_witnesses(now)
        quotes = []
        for other in others:
            quote = other.validator.seen.get(obs.market)
            heard = other.seen_at.get(obs.market, -math.inf)
            if quote is None or other.source.state == "down" or now - heard > other.source.fresh_after_s:
                continue  # a stale or dead source cannot vouch for anything
            quotes.append((quote.conf / quote.price, -quote.publish_time, other.priority, other, quote))
        if not quotes:
            return JumpVerdict(Witness.NONE, min_unverified_s=self.witness_wait_s if others else 0.0)
        *_, other, quote = min(quotes, key=lambda q: q[:3])  # tightest confidence, then freshest, then priority
        agrees = deviation(obs, quote) <= slot.validator.config.max_deviation
        return JumpVerdict(Witness.CONFIRMS if agrees else Witness.REFUTES, other.source.name)

    def _wake_witnesses(self, now: float) -> None:
        self.witnesses_wanted_until = now + 2 * self.witness_wait_s
        for other in self.slots[1:]:
            other.source.set_wanted(True)

    def _jump(self, slot: FeedSlot, decision: str, detail: str) -> None:
        if self.on_jump is not None:
            self.on_jump(slot.source.name, decision, detail)

    # -- periodic and on health changes -------------------------------------------------------
    def _live(self, slot: FeedSlot, now: float) -> bool:
        return slot.source.state != "down" and now - slot.last_accept <= slot.source.fresh_after_s

    def evaluate(self) -> bool:
        """Re-pick the active source; True if it changed."""
        now = self.clock()
        best: FeedSlot | None = None
        for slot in self.slots:
            if self._live(slot, now):
                if slot.live_since is None:
                    slot.live_since = now
                best = best or slot
            else:
                slot.live_since = None
        active = self.active
        active_live = active.live_since is not None
        chosen = active
        if best is not None and best is not active:
            if best.priority > active.priority:  # failover: only when the active one is not live
                chosen = best if not active_live else active
            elif not active_live or now - (best.live_since or now) >= self.failback_after_s:
                chosen = best
        # the fallbacks run hot while the primary is not live, while one of them is active, or while
        # a jump waits for a witness; sources above the chosen one probe to take back over
        primary_live = self.slots[0].live_since is not None
        judging = now < self.witnesses_wanted_until
        for slot in self.slots[1:]:
            slot.source.set_wanted(not primary_live or slot.priority <= chosen.priority or judging)
        for slot in self.slots:
            slot.source.set_covered(slot.priority < chosen.priority)
        if chosen is active:
            return False
        previous = active.source
        self.active = chosen
        self.switches += 1
        log.warning("oracle: switching from %s to %s", previous.name, chosen.source.name)
        if self.on_switch is not None:
            self.on_switch(previous, chosen.source)
        return True

    def health(self) -> list[FeedHealth]:
        now = self.clock()
        out = []
        for slot in self.slots:
            source = slot.source
            state, reason = source.state, source.reason
            age = now - slot.last_accept
            if state == "healthy" and source.wanted and age > source.fresh_after_s:
                state = "degraded"
                reason = "no valid prices yet" if math.isinf(age) else f"no valid prices for {age:.1f}s"
            out.append(FeedHealth(source=source.name, state=state, reason=reason, active=slot is self.active))
        return out

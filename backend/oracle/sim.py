"""The simulated oracle, the offline default: seeded, deterministic, Pyth-shaped observations.

Each market follows a geometric random walk with its own volatility, occasional jumps and
confidence that widens after a jump and decays back. The path is a pure function of the seed
and the step number, so two runs with one seed emit the same prices in the same order.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from dataclasses import dataclass, field

from backend.domain.observations import PriceObservation
from backend.oracle.base import Emit, OracleSource
from backend.oracle.scenario import Scenario, ScriptedPath
from programs.quantdesk_perp.markets import MARKETS

SLOT_SECONDS = 0.4
STEP_SECONDS = 0.4  # model time per step of one feed
SECONDS_PER_YEAR = 365 * 24 * 3600
SLOT_EPOCH = 1_577_836_800  # slots are counted from 2020-01-01 so a slot follows from a time


DEFAULT_EXPO = -8  # Pyth's exponent for the crypto/USD feeds


@dataclass(slots=True, frozen=True)
class SimParams:
    start_price: float
    annual_vol: float
    expo: int = DEFAULT_EXPO
    jump_prob: float = 0.002  # per step
    jump_size: float = 0.012  # typical jump as a fraction of price
    base_conf_bps: float = 3.0


SIM_PARAMS: dict[str, SimParams] = {
    "SOL-PERP": SimParams(145.0, 0.85),
    "BTC-PERP": SimParams(97_000.0, 0.50),
    "ETH-PERP": SimParams(3_400.0, 0.65),
    "JUP-PERP": SimParams(0.92, 1.10),
    "1MBONK-PERP": SimParams(25.0, 1.40),
    "WIF-PERP": SimParams(2.10, 1.30),
}


def market_expo(symbol: str) -> int:
    """The exponent a market's prices carry (quotes and candles): its feed's, Pyth's by default."""
    params = SIM_PARAMS.get(symbol)
    return params.expo if params is not None else DEFAULT_EXPO


@dataclass(slots=True)
class _Walk:
    market: str
    params: SimParams
    rng: random.Random
    price: float
    ema: float
    conf_mult: float = 1.0
    steps: int = 0
    script: ScriptedPath | None = None  # scripted moves (--scenario)
    pending: float = 0.0  # a shock's log-return, applied at the next step
    sigma_step: float = field(init=False)

    def __post_init__(self) -> None:
        self.sigma_step = self.params.annual_vol * math.sqrt(STEP_SECONDS / SECONDS_PER_YEAR)

    def step(self) -> tuple[float, float, float]:
        """Advance one step: (price, conf, ema) as floats."""
        rng = self.rng
        extra, vol, widen = self.script.step(self.steps + 1) if self.script is not None else (0.0, 1.0, False)
        ret = rng.gauss(0.0, self.sigma_step * vol) + extra + self.pending
        if widen or self.pending:
            self.conf_mult = max(self.conf_mult, 6.0)
        self.pending = 0.0
        if rng.random() < self.params.jump_prob:
            ret += rng.choice((-1.0, 1.0)) * self.params.jump_size * rng.uniform(0.5, 2.0)
            self.conf_mult = rng.uniform(4.0, 10.0)
        self.price *= math.exp(ret)
        self.ema += (self.price - self.ema) * 0.02
        self.conf_mult = 1.0 + (self.conf_mult - 1.0) * 0.97
        conf = self.price * self.params.base_conf_bps * 1e-4 * self.conf_mult * rng.uniform(0.8, 1.2)
        self.steps += 1
        return self.price, conf, self.ema


class SimOracle(OracleSource):
    name = "sim"

    def __init__(
        self,
        seed: int = 7,
        tick_rate: float | None = None,
        markets: list[str] | None = None,
        scenario: Scenario | None = None,
    ) -> None:
        super().__init__()
        symbols = markets or [m.symbol for m in MARKETS]
        self.seed = seed
        self.walks = [
            _Walk(s, SIM_PARAMS[s], random.Random(f"{seed}:{s}"), SIM_PARAMS[s].start_price, SIM_PARAMS[s].start_price)
            for s in symbols
        ]
        # default: one observation per feed every ~400 ms
        self.tick_rate = tick_rate or len(self.walks) / STEP_SECONDS
        self._cursor = 0
        self.scenario = scenario
        if scenario is not None:
            step_seconds = len(self.walks) / self.tick_rate  # model seconds between two steps of one feed
            for walk in self.walks:
                walk.script = ScriptedPath(scenario.for_market(walk.market), step_seconds)

    def resume_from(self, prices: dict[str, float]) -> None:
        """Continue each walk from its last recorded price (a restart must not jump back to the start)."""
        for walk in self.walks:
            price = prices.get(walk.market)
            if price is not None and price > 0 and math.isfinite(price):
                walk.price = walk.ema = price

    def shock(self, market: str, pct: float) -> float:
        """Move a market by `pct` percent at its next step (paper only); returns the price it aims at."""
        walk = next((w for w in self.walks if w.market == market), None)
        if walk is None:
            raise KeyError(market)
        walk.pending += math.log1p(pct / 100.0)
        return walk.price * math.exp(walk.pending)

    def next_observations(self, count: int, now: float | None = None) -> list[PriceObservation]:
        """The next `count` observations, round-robin over the markets (deterministic for a seed)."""
        now = time.time() if now is None else now
        slot = int((now - SLOT_EPOCH) / SLOT_SECONDS)
        recv = time.monotonic_ns()
        out = []
        walks = self.walks
        n = len(walks)
        for _ in range(count):
            walk = walks[self._cursor % n]
            self._cursor += 1
            price, conf, ema = walk.step()
            scale = 10.0**-walk.params.expo
            out.append(
                PriceObservation(
                    market=walk.market,
                    price=max(1, round(price * scale)),
                    conf=max(1, round(conf * scale)),
                    expo=walk.params.expo,
                    publish_time=int(now),
                    slot=slot,
                    ema_price=round(ema * scale),
                    source="sim",
                    recv_ns=recv,
                )
            )
        return out

    async def run(self, emit: Emit) -> None:
        self.set_health("healthy")
        interval = 0.01 if self.tick_rate > 100 else min(1.0 / self.tick_rate, STEP_SECONDS)
        owed = 0.0
        last = time.monotonic()
        while True:
            await asyncio.sleep(interval)
            now = time.monotonic()
            owed += (now - last) * self.tick_rate
            last = now
            count = int(owed)
            if count <= 0:
                continue
            owed -= count
            for obs in self.next_observations(count):
                emit(obs)

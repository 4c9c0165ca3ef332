"""`python -m bench alerts [--alerts N] [--rate R] [--seconds S]`: alert evaluation cost per observation.

10,000 active alerts (price above/below/cross and % moves over three windows, spread over every
market, levels within a few % of the price so some fire) in an AlertService on a real store, fed
5,000 observations/s through the bus as the oracle would. Reports the time spent in the bus
publish of one observation (which runs the alert listener) at p50/p99, the firings, and the CPU
used by the process over the run.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path

from backend.alerts.service import AlertService
from backend.alerts.spec import AlertArgs
from backend.bus import Bus
from backend.domain.observations import PriceObservation
from backend.notify import Notifier
from backend.oracle.sim import SIM_PARAMS
from backend.store.db import Store
from bench._table import percentile, print_table


async def _populate(service: AlertService, count: int, rng: random.Random) -> None:
    markets = list(SIM_PARAMS)
    kinds = ["price_above", "price_below", "price_cross", "move_pct"]
    for i in range(count):
        market = markets[i % len(markets)]
        price = SIM_PARAMS[market].start_price
        kind = kinds[i % len(kinds)]
        repeat = i % 2 == 0
        if kind == "move_pct":
            args = AlertArgs(
                kind=kind,
                market=market,
                level=round(rng.uniform(0.2, 5.0), 2),
                window=rng.choice(["1m", "5m", "1h"]),
                direction=rng.choice(["up", "down", "any"]),
                repeat=repeat,
                cooldown="1m",
            )
        else:
            level = f"{price * (1 + rng.uniform(-0.05, 0.05)):.6f}"  # exact text, at PRICE_PRECISION
            args = AlertArgs(kind=kind, market=market, level=level, repeat=repeat, cooldown="1m")
        await service.add(args)


async def run(alerts: int, rate: float, seconds: float) -> None:
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.db")
        store.start()
        bus = Bus()
        service = AlertService(bus, store, notifier=Notifier(desktop=False))
        await service.start()
        await _populate(service, alerts, rng)
        markets = list(SIM_PARAMS)
        prices = {m: SIM_PARAMS[m].start_price for m in markets}
        expo = {m: SIM_PARAMS[m].expo for m in markets}
        samples: list[float] = []
        quiet: list[float] = []  # observations that fired nothing
        tick_s = 0.01
        per_tick = max(1, round(rate * tick_s))
        total = int(rate * seconds)
        sent = 0
        t0 = 1_800_000_000.0
        wall0, cpu0 = time.perf_counter(), time.process_time()
        next_tick = wall0
        perf = time.perf_counter_ns
        while sent < total:
            for _ in range(per_tick):
                market = markets[sent % len(markets)]
                price = prices[market] = prices[market] * (1 + rng.gauss(0, 0.0015))
                model_t = t0 + sent / rate * 20  # model time runs 20x so the move windows roll over
                obs = PriceObservation(
                    market=market,
                    price=round(price / 10.0 ** expo[market]),
                    conf=1,
                    expo=expo[market],
                    publish_time=int(model_t),
                    slot=sent,
                    ema_price=0,
                    source="bench",
                )
                fired = service.fired
                started = perf()
                bus.publish("observations", obs)
                us = (perf() - started) / 1000.0
                samples.append(us)
                if service.fired == fired:
                    quiet.append(us)
                sent += 1
            next_tick += tick_s
            delay = next_tick - time.perf_counter()
            await asyncio.sleep(max(0.0, delay))
        wall = time.perf_counter() - wall0
        cpu = time.process_time() - cpu0
        await service.stop()
        store.stop()
    print_table(
        f"alerts: {alerts:,} active alerts, {rate:,.0f} observations/s for {seconds:g}s",
        ["what", "value"],
        [
            ["observations", sent],
            ["achieved rate /s", sent / wall],
            ["evaluation p50 µs", percentile(samples, 50)],
            ["evaluation p99 µs", percentile(samples, 99)],
            ["evaluation max µs", max(samples)],
            ["p50 µs, observations that fired nothing", percentile(quiet, 50)],
            ["p99 µs, observations that fired nothing", percentile(quiet, 99)],
            ["observations that fired", len(samples) - len(quiet)],
            ["firings", service.fired],
            ["backend CPU % (one core)", cpu * 100.0 / wall],
        ],
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench alerts")
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=5_000.0)
    parser.add_argument("--seconds", type=float, default=5.0)
    a = parser.parse_args()
    asyncio.run(run(a.alerts, a.rate, a.seconds))
    return 0

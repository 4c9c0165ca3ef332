"""`python -m bench perp_properties [-n N]`: the engine's property tests at full size.

The test suite runs each property on 150 random scripts; this runs the conservation and Drift
liquidation checks (escalating fees, per-call caps, bankruptcy resolved, socialized loss on both
sides) on N scripts (default 2,000) and counts how often each liquidation path was exercised.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from hypothesis import HealthCheck, given, settings

from bench._table import print_table
from programs.quantdesk_perp.events import Liquidated, SocializedLoss
from tests.programs.engine.strategies import scripts
from tests.programs.test_engine_properties import conservation_check, run


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench perp_properties")
    parser.add_argument("-n", type=int, default=2_000, help="random scripts")
    args = parser.parse_args()
    seen: Counter[str] = Counter()

    def check(state, instruction, c, before, events) -> None:
        conservation_check(state, instruction, c, before, events)
        seen["instructions"] += 1
        for event in events:
            if isinstance(event, Liquidated):
                seen["liquidations"] += 1
                seen["capped below 100%"] += event.max_pct < 10_000
                seen["fee escalated"] += event.liquidator_fee_rate > 10_000
                seen["IF fee reduced"] += event.if_fee_rate < 5_000
            elif isinstance(event, SocializedLoss):
                seen["socialized through funding"] += event.funding_rate_delta > 0

    @settings(max_examples=args.n, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(scripts)
    def conservation(script) -> None:
        run(script, check)

    start = time.perf_counter()
    conservation()
    elapsed = time.perf_counter() - start
    rows = [[name, count] for name, count in sorted(seen.items())]
    rows.append(["scripts", args.n])
    rows.append(["seconds", elapsed])
    print_table("perp engine properties (python -m bench perp_properties)", ["what", "count"], rows)
    return 0

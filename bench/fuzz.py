"""`python -m bench fuzz [MESSAGES] [SEED]`: the hostile-input fuzz of the test suite, at size.

Every reply must carry a stable code (never INTERNAL) and a refusal must change nothing; the
table gives the counts per code and per accepted op. Default: 200,000 messages.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from bench._table import print_table
from programs.vocabulary import PRICE_PRECISION
from tests.fakes.hostile import HostileMessages, quiet_backend, run_fuzz, templates_for


async def fuzz(count: int, seed: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        backend, task = await quiet_backend(Path(tmp))
        price = backend.services.venue.oracle_price(0) / PRICE_PRECISION
        messages = HostileMessages(seed, sorted(backend.api.ops), templates_for(price))
        started = time.perf_counter()
        report = await run_fuzz(backend, messages, count)
        seconds = time.perf_counter() - started
        verified = backend.services.venue.verify()
        backend.request_stop()
        await task
    print_table(
        f"fuzz: {report.messages:,} hostile messages, seed {seed}, {seconds:.1f} s "
        f"({report.messages / seconds:,.0f}/s), live state = journal replay: {verified['consistent']}",
        ["outcome", "count"],
        [
            ["accepted", report.accepted],
            ["refused", report.refused],
            ["problems", len(report.problems)],
            *[[f"  {code}", n] for code, n in report.codes.most_common()],
        ],
    )
    print_table("accepted by op", ["op", "count"], report.by_op.most_common())
    for problem in report.problems[:20]:
        print("PROBLEM:", problem)
    return 1 if report.problems or not verified["consistent"] else 0


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    return asyncio.run(fuzz(count, seed))

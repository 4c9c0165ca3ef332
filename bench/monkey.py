"""`python -m bench monkey [--seeds 1,2,3] [--actions 2000]`: the seeded Pilot monkey of
tests/tui/monkey.py at full size — every binding, command-bar commands (malformed too) and resizes
from 60x20 to 200x60 over every screen, the Trade panes checked to agree after each market change.
Prints one row per seed; exits 1 on the first failure (with the seed to replay)."""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import traceback

import textual.screen

from bench._table import print_table


async def one(seed: int, actions: int) -> tuple:
    from tests.tui.monkey import monkey_app, run_monkey

    app = monkey_app()
    async with app.run_test(size=(120, 40)) as pilot:
        report = await run_monkey(pilot, seed, actions)
    return (
        seed,
        report.actions,
        report.keys,
        report.commands,
        report.resizes,
        report.market_changes,
        report.agreement_checks,
        f"{report.seconds:.1f}",
        f"{report.cpu_seconds:.1f}",
    )


def main() -> int:
    p = argparse.ArgumentParser(prog="bench monkey", description=__doc__.splitlines()[0])
    p.add_argument("--seeds", default="1,2,3")
    p.add_argument("--actions", type=int, default=2000)
    a = p.parse_args()
    textual.screen.UPDATE_PERIOD = 0.1  # paint at 10 fps: the monkey tests behaviour, not frame rate
    rows = []
    for seed in (int(s) for s in a.seeds.split(",")):
        os.environ["QUANTDESK_HOME"] = tempfile.mkdtemp(prefix="qd-monkey-")
        try:
            rows.append(asyncio.run(one(seed, a.actions)))
            print(f"seed {seed}: {rows[-1][1]} actions survived, {rows[-1][6]} agreement checks", flush=True)
        except Exception as exc:  # an assertion of the monkey, or the app's own crash
            traceback.print_exc()
            print(
                f"monkey: seed {seed} FAILED: {type(exc).__name__}: {exc}\nreplay: python -m bench monkey --seeds {seed} "
                f"--actions {a.actions}"
            )
            return 1
    print_table(
        f"TUI monkey: {a.actions} random actions per seed (Pilot, fixed-data client)",
        ("seed", "actions", "keys", "commands", "resizes", "market changes", "agreement checks", "s", "cpu s"),
        rows,
    )
    return 0

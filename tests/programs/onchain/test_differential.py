"""The on-chain program and the Python engine agree, unit for unit, after every instruction of a
seeded stream (differential.py); the longer run is `python -m bench solana --differential`."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("onchain_differential", Path(__file__).with_name("differential.py"))
differential = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = differential
_spec.loader.exec_module(differential)

STEPS = 120


def run(seed: int, steps: int) -> Counter:
    d = differential.Differential(seed)
    d.setup()
    outcomes: Counter = Counter()
    assert d.engine_view() == d.chain_view()
    for number in range(steps):
        d.advance()
        step = d.random_step()
        outcomes[(type(step.instruction).__name__, step.chain.error)] += 1
        where = f"step {number}: {step.instruction}\n{step.chain.logs[-2:]}"
        if step.engine_error != step.chain.error:
            assert d.documented_difference(step), where
        assert d.engine_view() == d.chain_view(), where
    return outcomes


@pytest.mark.parametrize("seed", [11, 12])
def test_engine_and_program_agree_after_every_instruction_of_a_seeded_stream(seed):
    outcomes = run(seed, STEPS)
    # the stream exercised fills, refusals, cancels and withdrawals, not just one path
    assert outcomes[("PlaceOrder", None)] >= 30
    assert sum(n for (name, err), n in outcomes.items() if name == "PlaceOrder" and err) >= 3
    assert outcomes[("CancelOrder", None)] >= 1
    assert outcomes[("WithdrawTokens", None)] >= 1
    assert outcomes[("CalculateFundingRate", None)] >= 1  # funding accrued, and positions settled it

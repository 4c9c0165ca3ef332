"""The on-chain program and the Python engine agree, unit for unit, after every instruction of a
seeded stream (tools/perp_differential.py); the longer run is `python -m bench solana --differential N`."""

from __future__ import annotations

from collections import Counter

import pytest

from tools import perp_differential as differential

STEPS = 100


@pytest.mark.parametrize("seed", [16, 17])
def test_engine_and_program_agree_after_every_instruction_of_a_seeded_stream(seed):
    outcomes = differential.run(seed, STEPS)  # raises Disagreement at the first difference
    # the stream exercised fills, refusals, cancels and withdrawals, not just one path
    assert outcomes[("PlaceOrder", None)] >= 30
    assert sum(n for (name, err), n in outcomes.items() if name == "PlaceOrder" and err) >= 3
    assert outcomes[("CancelOrder", None)] >= 1
    assert outcomes[("WithdrawTokens", None)] >= 1
    assert outcomes[("CalculateFundingRate", None)] >= 1  # funding accrued, and positions settled it

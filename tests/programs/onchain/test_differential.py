"""The on-chain program and the Python engine agree, unit for unit, after every instruction of a
seeded stream (tools/perp_differential.py); the longer run is `python -m bench solana --differential N`."""

from __future__ import annotations


import pytest
from solders.account import Account

from programs.quantdesk_perp import instructions as ix
from programs.quantdesk_perp.enums import CollateralAsset, OrderType, Side
from tools import perp_differential as differential

USDC = 10**6

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


def _drain_fee_pool(d: differential.Differential) -> None:
    """Both machines' fee pool to 0 (the engine's state and the market account's IDL field), so the
    AMM can pay no funding: the branch no random stream reaches, since fees only grow on chain."""
    d.state.markets[differential.SOL.market_index].fee_pool = 0
    address = d.chain.client.market_pda_by_index(differential.SOL.market_index)
    account = d.chain.svm.get_account(address)
    data = bytearray(account.data)
    offset = differential.fee_pool_offset(differential.SOL.symbol)
    data[offset : offset + 8] = (0).to_bytes(8, "little")
    d.chain.svm.set_account(address, Account(account.lamports, bytes(data), account.owner, False, 0))


def test_a_drained_fee_pool_caps_the_receiving_sides_funding_rate_alike_on_both():
    d = differential.Differential(seed=3)
    d.setup()
    long_key, short_key = d.keys[0], d.keys[1]
    for key in (long_key, short_key):
        assert d.apply(ix.DepositTokens(str(key.pubkey()), 0, CollateralAsset.USDC, 50_000 * USDC), key).chain.ok
        d.deposited[str(key.pubkey())] += 50_000 * USDC
    # users net short by a little, so the offset keeps the rate positive and the AMM (long) would pay
    for key, side, size in ((long_key, Side.BUY, 40), (short_key, Side.SELL, 41)):
        order = ix.PlaceOrder(
            str(key.pubkey()),
            0,
            differential.SOL.market_index,
            side,
            OrderType.MARKET,
            size * differential.SOL.step_size * 100,
            auction_duration_slots=0,
        )
        step = d.apply(order, key)
        assert step.engine_error is None and step.chain.ok, step.chain.logs[-2:]
    _drain_fee_pool(d)
    d.unix_time += 3_700
    d.slot += 1
    d.publish_slot = d.slot
    d._post_oracle()
    step = d.apply(ix.CalculateFundingRate(differential.SOL.market_index), long_key)
    assert step.engine_error is None and step.chain.ok, step.chain.logs[-2:]
    market = d.state.markets[differential.SOL.market_index]
    assert market.last_funding_rate > 0 and market.last_funding_rate_long == market.last_funding_rate
    assert market.last_funding_rate_short != market.last_funding_rate  # the receiving side's rate was capped
    assert d.engine_view() == d.chain_view()
    settle = d.apply(
        ix.SettleFunding(str(short_key.pubkey()), 0),
        short_key,
        extra=d.chain.position_accounts([differential.SOL.market_index], writable=True, oracles=False),
    )
    assert settle.engine_error is None and settle.chain.ok
    assert d.engine_view() == d.chain_view()

"""Drift's liquidation over several calls: the per-call cap, the escalating liquidator fee, the
being-liquidated status and what it blocks."""

from __future__ import annotations

import pytest

from programs.quantdesk_perp.enums import CollateralAsset
from programs.quantdesk_perp.errors import EngineError, ErrorCode
from programs.quantdesk_perp.events import BankruptcyCovered, Liquidated, LiquidationStatusChanged, OrderCancelled
from programs.quantdesk_perp.queries import account_margin, collateral_ledger, liquidation_status

from .engine.helpers import SLOT0, SOL, B, P, Side, ctx, fund, ix, limit, new_state, position, process, usdc


def _long_90_sol(**params):
    s = new_state(liquidator_fee=10_000, if_liquidation_fee=10_000, **params)
    fund(s, "alice", 1000 * P)
    fund(s, "bob", 100_000 * P)
    fund(s, "liq", 100_000 * P)
    process(s, limit("bob", Side.SELL, 90 * B, 100 * P), ctx())
    process(s, limit("alice", Side.BUY, 90 * B, 100 * P), ctx())
    return s


def _liquidate(s, slot):
    events = process(s, ix.LiquidatePosition("liq", 0, "alice", 0, SOL), ctx(93 * P, slot=slot))
    [liq] = [e for e in events if isinstance(e, Liquidated)]
    return liq


def test_each_call_frees_its_share_of_the_shortage_and_the_fee_escalates_with_slots():
    s = _long_90_sol(initial_pct_to_liquidate=1_000, liquidation_duration=150)
    # at 93: maintenance 5% of 8_370 = 418.5 + 2% buffer 167.4 = 585.9 against 1_000 - 630 - 2% of
    # the 630 loss = 357.4: the shortage is 228.5
    first = _liquidate(s, SLOT0)
    assert (first.margin_shortage, first.max_pct, first.liquidator_fee_rate, first.if_fee_rate) == (
        228_500_000,
        1_000,
        10_000,
        10_000,
    )
    # covering it all takes 228.5 / (93 * 6% - 93 * 1%) = 49.14 SOL; the first call may take 10%:
    # 4.914 -> 4.92 (a step up); fees 1% each of 457.56
    assert first.base == -4_920_000_000 and first.liquidator_fee == first.if_fee == 4_575_600
    # realized 4.92 * -7 = -34.44: 1_000 - 34.44 - 9.1512; the shortage is now 204.9332 (23.5668 freed)
    assert usdc(s, "alice") == 956_408_800 and first.margin_freed == 23_566_800
    alice = s.users[("alice", 0)]
    assert alice.being_liquidated and alice.liquidation_start_slot == SLOT0
    # 75 slots later 10% + 75 / 150 = 60% of the 228.5 may be freed in all: 137.1 - 23.5668 of the
    # 204.9332 left = 55.40%
    second = _liquidate(s, SLOT0 + 75)
    assert (second.margin_shortage, second.max_pct, second.liquidator_fee_rate) == (204_933_200, 5_540, 10_000)
    assert alice.liquidation_margin_freed == 23_566_800 + second.margin_freed
    # after the 1_500-slot grace the liquidator fee climbs 0.01 bps a slot: 1% + 1_600 * 1e-6
    third = _liquidate(s, SLOT0 + 1_600)
    assert (third.max_pct, third.liquidator_fee_rate) == (10_000, 11_600)
    assert not alice.being_liquidated and alice.liquidation_margin_freed == 228_500_000
    assert position(s, "alice").base == 90 * B - 4_920_000_000 + second.base + third.base
    assert collateral_ledger(s)[0] == collateral_ledger(s)[1]


def test_an_account_in_liquidation_cannot_trade_or_withdraw_until_above_maintenance_plus_buffer():
    s = _long_90_sol(initial_pct_to_liquidate=1_000, liquidation_duration=150)
    _liquidate(s, SLOT0)
    status = liquidation_status(s, "alice", 0, ctx(93 * P, slot=SLOT0 + 10))
    assert status.being_liquidated and status.slots_in_liquidation == 10
    assert status.margin_shortage == 204_933_200 and status.margin_freed == 23_566_800
    # 10% + 10 / 150 = 16.66% (1_666 in 1e4) of 228.5 = 38.0681 in all; 14.5013 of the 204.9332 left
    assert status.max_pct == 707 and status.liquidator_fee_rates == {SOL: 10_000}
    for refused in (
        limit("alice", Side.SELL, B, 120 * P, reduce_only=True),
        ix.WithdrawTokens("alice", 0, CollateralAsset.USDC, P),
    ):
        with pytest.raises(EngineError) as err:
            process(s, refused, ctx(93 * P))
        assert err.value.code == ErrorCode.USER_BEING_LIQUIDATED
    # back above maintenance + buffer the account may trade again, and a liquidation call only
    # takes it out of liquidation
    assert not account_margin(s, "alice", 0, ctx(99 * P)).liquidatable
    process(s, limit("alice", Side.SELL, B, 120 * P, reduce_only=True), ctx(99 * P))
    events = process(s, ix.LiquidatePosition("liq", 0, "alice", 0, SOL), ctx(99 * P, slot=SLOT0 + 20))
    assert events == [LiquidationStatusChanged("alice", 0, False, SLOT0 + 20)]


def test_cancelling_orders_can_end_a_liquidation_without_taking_the_position():
    s = new_state()
    fund(s, "alice", 150 * P)
    fund(s, "bob", 10_000 * P)
    process(s, limit("bob", Side.SELL, 8 * B, 100 * P), ctx())
    process(s, limit("alice", Side.BUY, 8 * B, 100 * P), ctx())
    process(s, limit("alice", Side.BUY, 6 * B, 50 * P), ctx())  # a resting bid: worst case 14 SOL
    # at 88.5, like Drift the requirement counts the bid: 150 - 92 = 58 < 14 * 88.5 * 5% = 61.95
    assert account_margin(s, "alice", 0, ctx(88_500_000)).liquidatable
    events = process(s, ix.LiquidatePosition("", 0, "alice", 0, SOL), ctx(88_500_000))
    # without it: 58 - 2% of the 92 loss = 56.16 >= 8 * 88.5 * 7% = 49.56: out of liquidation
    assert [type(e) for e in events] == [LiquidationStatusChanged, OrderCancelled, LiquidationStatusChanged]
    assert events[-1] == LiquidationStatusChanged("alice", 0, False, SLOT0)
    assert position(s, "alice").base == 8 * B and s.users[("alice", 0)].order_ids == []


def test_a_flat_account_left_in_debt_is_resolved_as_a_bankruptcy():
    s = new_state()
    process(s, ix.DepositInsuranceFund(50 * P), ctx())
    fund(s, "alice", 100 * P)
    fund(s, "bob", 100_000 * P)
    process(s, limit("bob", Side.SELL, 9 * B, 100 * P), ctx())
    process(s, limit("alice", Side.BUY, 9 * B, 100 * P), ctx())
    process(s, limit("bob", Side.BUY, 9 * B, 85 * P), ctx(85 * P))
    process(s, limit("alice", Side.SELL, 9 * B, 85 * P, reduce_only=True), ctx(85 * P))
    assert usdc(s, "alice") == -35 * P and position(s, "alice").base == 0  # 100 - 9 * 15
    events = process(s, ix.LiquidatePosition("", 0, "alice", 0, SOL), ctx(85 * P))
    assert events == [
        LiquidationStatusChanged("alice", 0, True, SLOT0),
        BankruptcyCovered("alice", 0, 35 * P, SOL, 0),
        LiquidationStatusChanged("alice", 0, False, SLOT0),
    ]
    assert usdc(s, "alice") == 0 and s.insurance_fund == 15 * P
    assert collateral_ledger(s)[0] == collateral_ledger(s)[1]

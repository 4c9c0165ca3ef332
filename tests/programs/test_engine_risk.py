"""Funding, margin, a margin call, partial liquidation, bankruptcy (insurance fund, socialized loss)."""

from __future__ import annotations

import pytest

from programs.quantdesk_perp.enums import CollateralAsset, ContractTier, MarketStatus
from programs.quantdesk_perp.errors import EngineError, ErrorCode
from programs.quantdesk_perp.events import (
    BankruptcyCovered,
    CircuitBreakerTriggered,
    CollateralLiquidated,
    FundingRateUpdated,
    FundingSettled,
    Liquidated,
    LiquidationStatusChanged,
    OrderCancelled,
    SocializedLoss,
)
from programs.quantdesk_perp.processor import crank_state
from programs.quantdesk_perp.queries import (
    account_margin,
    collateral_ledger,
    liquidation_price,
    preview_order,
)
from programs.quantdesk_perp.state import state_to_bytes

from .engine.helpers import (
    SLOT0,
    SOL,
    T0,
    B,
    P,
    Side,
    ctx,
    fund,
    ix,
    limit,
    market,
    new_state,
    position,
    process,
    usdc,
)


def open_pair(state, long="alice", short="bob", size=B, price=100 * P):
    process(state, limit(short, Side.SELL, size, price), ctx())
    process(state, limit(long, Side.BUY, size, price), ctx())


def test_funding_accrues_from_twaps_and_settles_against_each_user():
    s = new_state()
    fund(s, "alice", 1000 * P)
    fund(s, "bob", 1000 * P)
    open_pair(s)
    m = s.markets[SOL]
    m.mark_twap, m.oracle_twap = 101_000_007, 100 * P
    with pytest.raises(EngineError) as err:
        process(s, ix.CalculateFundingRate(SOL), ctx(t=T0 + 3599))
    assert err.value.code == ErrorCode.NOT_DUE
    [update] = process(s, ix.CalculateFundingRate(SOL), ctx(t=T0 + 3600))
    # Drift: spread 1.000007 + offset 100 / 5000 = 1.020007 (under the 3% tier-A cap);
    # rate = 1_020_007 * 1e3 / 24 = 42_500_291.6 -> 42_500_291 (toward zero), both sides alike
    assert isinstance(update, FundingRateUpdated) and update.funding_rate == 42_500_291
    assert (update.price_spread, update.offset, update.clamped_spread) == (1_000_007, 20_000, 1_020_007)
    assert (update.funding_rate_long, update.funding_rate_short) == (42_500_291, 42_500_291)
    assert m.cumulative_funding_rate_long == m.cumulative_funding_rate_short == 42_500_291
    events = process(s, ix.SettleFunding("alice", 0), ctx(t=T0 + 3600))
    # 1 SOL * 42_500_291 / 1e12 = 42_500.291: the long pays 42_501 (up; Drift truncates to 42_500)
    assert events == [FundingSettled("alice", 0, SOL, 42_501)]
    events = process(s, ix.SettleFunding("bob", 0), ctx(t=T0 + 3600))
    assert events == [FundingSettled("bob", 0, SOL, -42_500)]  # the short receives 42_500 (down)
    assert usdc(s, "alice") == 1000 * P - 42_501 and usdc(s, "bob") == 1000 * P + 42_500
    assert m.amm_balance == 1
    assert position(s, "alice").funding_paid == 42_501


@pytest.mark.parametrize(
    ("tier", "cap", "rate"),
    [(ContractTier.A, 3_030_303, 126_262_625), (ContractTier.C, 5_000_000, 208_333_333)],
)
def test_funding_spread_is_clamped_per_contract_tier(tier, cap, rate):
    s = new_state(contract_tier=int(tier))
    m = s.markets[SOL]
    m.mark_twap, m.oracle_twap = 150 * P, 100 * P
    [update] = process(s, ix.CalculateFundingRate(SOL), ctx(t=T0 + 3600))
    # spread 50 + offset 0.02 clamps to 100 / 33 (A) or 100 / 20 (C); rate = cap * 1e3 / 24
    assert (update.price_spread, update.clamped_spread, m.last_funding_rate) == (50 * P, cap, rate)


def test_margin_summary_values_cross_collateral_and_positions_at_the_oracle():
    s = new_state()
    fund(s, "alice", 50 * P, sol=B)  # 50 USDC + 1 SOL (initial weight 80%, maintenance 90%)
    fund(s, "bob", 1000 * P)
    open_pair(s, size=2 * B)
    summary = account_margin(s, "alice", 0, ctx(99 * P, conf=P))
    # like Drift, the oracle price itself (not the confidence band): SOL 99 * 0.8 = 79.2, * 0.9 = 89.1
    # long 2 at 99: pnl = 198 - 200 = -2; notional 198: initial 10%, fill 7.5%, maintenance 5%
    assert summary.total_collateral == 50 * P + 79_200_000 - 2 * P
    assert summary.maintenance_collateral == 50 * P + 89_100_000 - 2 * P
    assert summary.initial_requirement == 19_800_000 and summary.maintenance_requirement == 9_900_000
    assert summary.fill_requirement == 14_850_000 and summary.fill_collateral == summary.total_collateral
    assert summary.free_collateral == 127_200_000 - 19_800_000
    # liquidation: maintenance + 2% of 198; the -2 pnl loses 2% more on the collateral side
    assert summary.liquidation_requirement == 9_900_000 + 3_960_000
    assert summary.liquidation_collateral == summary.maintenance_collateral - 40_000


def test_order_refused_beyond_initial_margin():
    s = new_state()
    fund(s, "alice", 100 * P)
    fund(s, "bob", 10_000 * P)
    process(s, limit("bob", Side.SELL, 20 * B, 100 * P), ctx())
    with pytest.raises(EngineError) as err:
        process(s, limit("alice", Side.BUY, 10_010_000_000, 100 * P), ctx())  # needs 100.1 of 100
    assert err.value.code == ErrorCode.INSUFFICIENT_COLLATERAL
    process(s, limit("alice", Side.BUY, 10 * B, 100 * P), ctx())  # needs exactly 100: free collateral 0


def _margin_call_setup(**params):
    s = new_state(**params)
    fund(s, "alice", 100 * P)
    fund(s, "bob", 100_000 * P)
    fund(s, "liq", 100_000 * P)
    open_pair(s, size=9 * B)
    return s


def test_margin_call_only_below_maintenance():
    s = _margin_call_setup()
    # at 94: collateral 100 - 54 = 46 >= 9 * 94 * 5% = 42.3
    assert not account_margin(s, "alice", 0, ctx(94 * P)).liquidatable
    with pytest.raises(EngineError) as err:
        process(s, ix.LiquidatePosition("liq", 0, "alice", 0, SOL), ctx(94 * P))
    assert err.value.code == ErrorCode.NOT_LIQUIDATABLE
    # at 93.5: 100 - 58.5 = 41.5 < 42.075
    assert account_margin(s, "alice", 0, ctx(93_500_000)).liquidatable
    # liquidation price: 100 - 9 * (100 - p) < ceil(9 * p * 0.05) -> the highest such p is 93.567251
    assert liquidation_price(s, "alice", 0, SOL, ctx()) == 93_567_251
    assert account_margin(s, "alice", 0, ctx(93_567_251)).liquidatable
    assert not account_margin(s, "alice", 0, ctx(93_567_252)).liquidatable


def test_partial_liquidation_restores_maintenance_plus_buffer():
    s = _margin_call_setup(liquidator_fee=10_000, if_liquidation_fee=10_000)
    process(s, limit("alice", Side.SELL, B, 120 * P, reduce_only=True), ctx())
    events = process(s, ix.LiquidatePosition("liq", 0, "alice", 0, SOL), ctx(93_500_000))
    assert events[0] == LiquidationStatusChanged("alice", 0, True, SLOT0)
    assert isinstance(events[1], OrderCancelled)  # orders go first
    # shortage to maintenance + 2% buffer: 841.5 * 7% = 58.905 against 41.5 - 2% of the 58.5 loss
    # = 40.33 -> 18.575. IF fee: 7% - 1% - 18.575 / 841.5 = 3.79.. % * 95% -> capped at 1%.
    # base = 18.575 / (93.5 * (7% - 1%) - 93.5 * 1%) = 3.97326.. -> 3.98 (a step, rounded up)
    [liq] = [e for e in events if isinstance(e, Liquidated)]
    assert liq.base == -3_980_000_000 and liq.price == 93_500_000
    assert (liq.margin_shortage, liq.liquidator_fee_rate, liq.if_fee_rate, liq.max_pct) == (
        18_575_000,
        10_000,
        10_000,
        10_000,
    )
    # 3.98 * 93.5 = 372.13 notional; 1% each to the liquidator and the insurance fund = 3.7213
    assert (liq.liquidator_fee, liq.if_fee) == (3_721_300, 3_721_300)
    assert position(s, "alice").base == 5_020_000_000 and position(s, "alice").quote_entry == -502 * P
    assert position(s, "liq").base == 3_980_000_000
    # realized 372.13 - 398 = -25.87; balance 100 - 25.87 - 7.4426 = 66.6874
    assert usdc(s, "alice") == 66_687_400
    assert s.insurance_fund == 3_721_300
    after = account_margin(s, "alice", 0, ctx(93_500_000))
    assert after.liquidation_collateral >= after.liquidation_requirement and not after.liquidatable
    assert not s.users[("alice", 0)].being_liquidated  # the whole base to cover went: out of liquidation
    assert events[-2] == LiquidationStatusChanged("alice", 0, False, SLOT0)
    assert collateral_ledger(s)[0] == collateral_ledger(s)[1]


def test_bankruptcy_is_covered_by_the_insurance_fund():
    s = _margin_call_setup()
    process(s, ix.DepositInsuranceFund(50 * P), ctx())
    events = process(s, ix.LiquidatePosition("liq", 0, "alice", 0, SOL), ctx(85 * P))
    # sold 9 at 85: realized 765 - 900 = -135 -> balance -35, the fund pays 35
    assert BankruptcyCovered("alice", 0, 35 * P, SOL, 0) in events
    assert usdc(s, "alice") == 0 and s.insurance_fund == 15 * P and s.insurance_paid == 35 * P
    assert s.markets[SOL].quote_settled_insurance == 35 * P
    alice = s.users[("alice", 0)]
    assert not alice.bankrupt and not alice.being_liquidated and alice.total_socialized_loss == 35 * P
    assert collateral_ledger(s)[0] == collateral_ledger(s)[1]


def test_bankruptcy_is_capped_per_market_then_taken_from_the_fee_pool():
    s = _margin_call_setup(quote_max_insurance=20 * P)
    process(s, ix.DepositInsuranceFund(50 * P), ctx())
    s.markets[SOL].fee_pool = 40 * P
    s.total_deposits[CollateralAsset.USDC] += 40 * P  # the fee pool's USDC came in from outside here
    events = process(s, ix.LiquidatePosition("liq", 0, "alice", 0, SOL), ctx(85 * P))
    # loss 35: the fund pays its 20 cap for this market, the fee pool the other 15
    assert BankruptcyCovered("alice", 0, 20 * P, SOL, 15 * P) in events
    assert s.insurance_fund == 30 * P and s.markets[SOL].fee_pool == 25 * P and usdc(s, "alice") == 0
    assert collateral_ledger(s)[0] == collateral_ledger(s)[1]


def test_bankruptcy_beyond_the_fund_is_socialized_to_both_sides_through_funding():
    s = _margin_call_setup()
    process(s, ix.DepositInsuranceFund(10 * P), ctx())
    events = process(s, ix.LiquidatePosition("liq", 0, "alice", 0, SOL), ctx(85 * P))
    # the fund keeps 1 unit in its vault: 9.999999 paid; 25.000001 is socialized over the 18 SOL of
    # open base (liq long 9, bob short 9): ceil(25.000001 / 18 per base) = 1.388889 -> rate delta
    assert BankruptcyCovered("alice", 0, 9_999_999, SOL, 0) in events
    assert SocializedLoss(SOL, 25_000_001, 1_388_889_000) in events
    m = s.markets[SOL]
    assert (m.cumulative_funding_rate_long, m.cumulative_funding_rate_short) == (1_388_889_000, -1_388_889_000)
    assert usdc(s, "alice") == 0 and s.socialized_loss == 25_000_001 and s.insurance_fund == 1
    # both sides pay their share as funding: 9 * 1.388889 = 12.500001 each (rounded up)
    assert process(s, ix.SettleFunding("bob", 0), ctx()) == [FundingSettled("bob", 0, SOL, 12_500_001)]
    assert process(s, ix.SettleFunding("liq", 0), ctx()) == [FundingSettled("liq", 0, SOL, 12_500_001)]
    assert m.amm_balance == 1  # the rounding surplus
    assert collateral_ledger(s)[0] == collateral_ledger(s)[1]


def test_keeper_liquidation_pays_fees_to_the_insurance_fund():
    s = _margin_call_setup(liquidator_fee=10_000, if_liquidation_fee=10_000)
    events = process(s, ix.LiquidatePosition("", 0, "alice", 0, SOL), ctx(93_500_000))
    [liq] = [e for e in events if isinstance(e, Liquidated)]
    assert s.insurance_fund == liq.liquidator_fee + liq.if_fee
    assert s.markets[SOL].amm.base == -liq.base


def test_withdraw_beyond_free_collateral_is_refused_and_sol_collateral_counts():
    s = new_state()
    fund(s, "alice", 100 * P, sol=B)
    fund(s, "bob", 10_000 * P)
    open_pair(s, size=11 * B)  # needs 110 initial margin of 100 + 1 SOL * 100 * 80%
    with pytest.raises(EngineError) as err:
        process(s, ix.WithdrawTokens("alice", 0, CollateralAsset.SOL, B), ctx())
    assert err.value.code == ErrorCode.WITHDRAW_EXCEEDS_FREE
    with pytest.raises(EngineError) as err:
        process(s, ix.WithdrawTokens("alice", 0, CollateralAsset.USDC, 70 * P + 1), ctx())
    assert err.value.code == ErrorCode.WITHDRAW_EXCEEDS_FREE
    process(s, ix.WithdrawTokens("alice", 0, CollateralAsset.USDC, 70 * P), ctx())  # SOL carries the rest


def test_oracle_guards_refuse_stale_or_uncertain_prices():
    s = new_state()
    fund(s, "alice", 1000 * P)
    with pytest.raises(EngineError) as err:
        process(s, limit("alice", Side.BUY, B, 99 * P), ctx(publish_slot=SLOT0 - 51))
    assert err.value.code == ErrorCode.ORACLE_STALE
    with pytest.raises(EngineError) as err:
        process(s, limit("alice", Side.BUY, B, 99 * P), ctx(conf=3 * P))
    assert err.value.code == ErrorCode.ORACLE_TOO_UNCERTAIN


def test_circuit_breaker_halts_on_a_fast_move_and_reset_resumes():
    s = new_state(circuit_breaker_pct=1000, circuit_breaker_window=300)
    fund(s, "alice", 1000 * P)
    crank_state(s, ctx(100 * P, t=T0 + 1))
    events = crank_state(s, ctx(111 * P, t=T0 + 60))
    assert CircuitBreakerTriggered(SOL, 100 * P, 111 * P) in events
    assert s.markets[SOL].status == MarketStatus.HALTED
    with pytest.raises(EngineError) as err:
        process(s, limit("alice", Side.BUY, B, 99 * P), ctx(111 * P))
    assert err.value.code == ErrorCode.CIRCUIT_BREAKER
    process(s, ix.ResetCircuitBreaker(SOL), ctx(111 * P))
    process(s, limit("alice", Side.BUY, B, 99 * P), ctx(111 * P))


def test_pause_and_reduce_only_market_status():
    s = new_state()
    fund(s, "alice", 1000 * P)
    fund(s, "bob", 1000 * P)
    open_pair(s)
    process(s, ix.PauseProgram(SOL, reduce_only=True), ctx())
    with pytest.raises(EngineError) as err:
        process(s, limit("alice", Side.BUY, B, 99 * P), ctx())
    assert err.value.code == ErrorCode.MARKET_REDUCE_ONLY
    process(s, limit("alice", Side.SELL, B, 101 * P), ctx())  # reduces: allowed
    process(s, ix.PauseProgram(SOL), ctx())
    with pytest.raises(EngineError) as err:
        process(s, limit("alice", Side.SELL, B, 101 * P), ctx())
    assert err.value.code == ErrorCode.MARKET_HALTED
    process(s, ix.ResumeProgram(SOL), ctx())
    process(s, limit("alice", Side.BUY, B, 99 * P), ctx())


def test_open_interest_cap():
    s = new_state(max_open_interest=2 * B)
    fund(s, "alice", 10_000 * P)
    fund(s, "bob", 10_000 * P)
    open_pair(s, size=2 * B)
    with pytest.raises(EngineError) as err:
        process(s, limit("alice", Side.BUY, B, 99 * P), ctx())
    assert err.value.code == ErrorCode.OI_CAP


def test_size_premium_margin_of_5000_sol_is_drifts():
    s = new_state(imf_factor=500)  # IMF_PRECISION 1e6
    fund(s, "alice", 100_000 * P)
    fund(s, "bob", 100_000 * P)
    open_pair(s, size=5000 * B)
    summary = account_margin(s, "alice", 0, ctx(101_234_567))
    # sqrt(5000e9 * 10 + 1) = 7_071_067; premium 7_071_067 * 500 / 1e7 = 353 on 80% of each ratio:
    # maintenance 400 + 353 = 753, initial 800 + 353 = 1153, fill 600 + 353 = 953
    # notional 5000 * 101.234567 = 506_172.835; Drift truncates 38_114_814_475.5, we round up
    assert summary.maintenance_requirement == 38_114_814_476
    assert summary.initial_requirement == 58_361_727_876
    assert summary.fill_requirement == 48_238_271_176
    # the long is up 6_172.835: maintenance and fill count it all, initial at most 100 (Drift's cap)
    assert summary.maintenance_collateral == summary.fill_collateral == 106_172_835_000
    assert summary.total_collateral == 100_100 * P


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_liquidation_price_is_the_edge_of_liquidatable_with_the_size_premium(who):
    s = new_state(imf_factor=500)
    fund(s, "alice", 60_000 * P)
    fund(s, "bob", 60_000 * P)
    open_pair(s, size=5000 * B)
    price = liquidation_price(s, who, 0, SOL, ctx())
    healthier = price + 1 if who == "alice" else price - 1
    assert account_margin(s, who, 0, ctx(price)).liquidatable
    assert not account_margin(s, who, 0, ctx(healthier)).liquidatable


def test_preview_estimates_fill_fee_and_margin_without_changing_state():
    s = new_state(taker_fee=500)
    fund(s, "alice", 30 * P)
    fund(s, "bob", 1000 * P)
    process(s, limit("bob", Side.SELL, 2 * B, 101 * P), ctx())
    before = state_to_bytes(s)
    preview = preview_order(s, market("alice", Side.BUY, 2 * B), ctx())
    assert (preview.base_filled, preview.quote, preview.average_price, preview.fee) == (
        2 * B,
        202 * P,
        101 * P,
        101_000,
    )
    assert preview.margin_after.initial_requirement == 20 * P
    # 30 - 0.101 + 2 (p - 101) < ceil(2 p * 5%): the highest such p is 90.579473
    assert preview.liquidation_price == 90_579_473
    assert state_to_bytes(s) == before
    refused = preview_order(s, market("alice", Side.BUY, 200 * B), ctx())
    assert refused.error_code == "INSUFFICIENT_COLLATERAL"


def _in_debt_with_sol_collateral():
    s = new_state(liquidator_fee=10_000)
    process(s, ix.DepositInsuranceFund(P), ctx())
    fund(s, "alice", 10 * P, sol=B)  # 10 USDC + 1 SOL (80 of initial margin at 100)
    fund(s, "bob", 10_000 * P)
    fund(s, "liq", 1000 * P)
    open_pair(s, size=8 * B)
    process(s, limit("bob", Side.BUY, 8 * B, 95 * P), ctx(95 * P))
    process(s, limit("alice", Side.SELL, 8 * B, 95 * P, reduce_only=True), ctx(95 * P))
    assert usdc(s, "alice") == -30 * P and position(s, "alice").base == 0  # lost 40 of her 10 USDC
    return s


def test_cross_collateral_liquidation_takes_sol_at_a_discount_for_the_debt():
    s = _in_debt_with_sol_collateral()
    assert not account_margin(s, "alice", 0, ctx(40 * P)).liquidatable  # -30 + 40 * 90% = 6
    assert account_margin(s, "alice", 0, ctx(30 * P)).liquidatable  # -30 + 30 * 90% = -3
    events = process(
        s, ix.LiquidatePositionCrossCollateral("liq", 0, "alice", 0, CollateralAsset.SOL, 10 * P), ctx(30 * P)
    )
    # Drift's liquidate_perp_pnl_for_deposit: the pnl is taken at (1 - 1% liquidator fee), so 10 USDC
    # buys 10 / (30 * 0.99) = 0.3367003367.. SOL (rounded up; Drift truncates to ..336)
    assert events == [
        LiquidationStatusChanged("alice", 0, True, SLOT0),
        CollateralLiquidated("alice", 0, "liq", 0, CollateralAsset.SOL, 336_700_337, 10 * P),
    ]
    assert usdc(s, "alice") == -20 * P and s.users[("alice", 0)].balances[CollateralAsset.SOL] == 663_299_663
    assert collateral_ledger(s)[0] == collateral_ledger(s)[1]


def test_cross_collateral_liquidation_of_all_collateral_ends_in_bankruptcy_cover():
    s = _in_debt_with_sol_collateral()
    events = process(s, ix.LiquidatePositionCrossCollateral("liq", 0, "alice", 0, CollateralAsset.SOL), ctx(30 * P))
    # shortage 3 + 2% of the 30 debt = 3.6; to cover it 32.45875 of pnl would go, but 1 SOL only
    # implies 29.7: the whole SOL goes for 29.7 USDC and the fund pays the last 0.3
    assert events == [
        LiquidationStatusChanged("alice", 0, True, SLOT0),
        CollateralLiquidated("alice", 0, "liq", 0, CollateralAsset.SOL, B, 29_700_000),
        BankruptcyCovered("alice", 0, 300_000, SOL, 0),
        LiquidationStatusChanged("alice", 0, False, SLOT0),
    ]
    assert usdc(s, "alice") == 0 and s.insurance_fund == 700_000
    assert s.users[("liq", 0)].balances[CollateralAsset.SOL] == B
    assert collateral_ledger(s)[0] == collateral_ledger(s)[1]

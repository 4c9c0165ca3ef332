"""Funding, margin, a margin call, partial liquidation, bankruptcy (insurance fund, socialized loss)."""

from __future__ import annotations

import pytest

from programs.quantdesk_perp.enums import CollateralAsset, MarketStatus
from programs.quantdesk_perp.errors import EngineError, ErrorCode
from programs.quantdesk_perp.events import (
    BankruptcyCovered,
    CircuitBreakerTriggered,
    CollateralLiquidated,
    FundingRateUpdated,
    FundingSettled,
    Liquidated,
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
    m.mark_twap, m.oracle_twap = 101 * P, 100 * P
    with pytest.raises(EngineError) as err:
        process(s, ix.CalculateFundingRate(SOL), ctx(t=T0 + 3599))
    assert err.value.code == ErrorCode.NOT_DUE
    [update] = process(s, ix.CalculateFundingRate(SOL), ctx(t=T0 + 3600))
    # premium 1 USD on 100, over 24 intervals: 1e9 * 1 / (100 * 24) = 416_666 (toward zero)
    assert isinstance(update, FundingRateUpdated) and update.funding_rate == 416_666
    assert m.cumulative_funding == 416_666 * 100 * P
    events = process(s, ix.SettleFunding("alice", 0), ctx(t=T0 + 3600))
    # 1 SOL * 41_666.6 micro-USD: the long pays 41_667 (up)
    assert events == [FundingSettled("alice", 0, SOL, 41_667)]
    events = process(s, ix.SettleFunding("bob", 0), ctx(t=T0 + 3600))
    assert events == [FundingSettled("bob", 0, SOL, -41_666)]  # the short receives 41_666 (down)
    assert usdc(s, "alice") == 1000 * P - 41_667 and usdc(s, "bob") == 1000 * P + 41_666
    assert m.amm_balance == 1
    assert position(s, "alice").funding_paid == 41_667


def test_funding_rate_is_capped():
    s = new_state(max_funding_rate=100_000)
    m = s.markets[SOL]
    m.mark_twap, m.oracle_twap = 150 * P, 100 * P
    process(s, ix.CalculateFundingRate(SOL), ctx(t=T0 + 3600))
    assert m.last_funding_rate == 100_000


def test_margin_summary_with_cross_collateral_and_conf_band():
    s = new_state()
    fund(s, "alice", 50 * P, sol=B)  # 50 USDC + 1 SOL (initial weight 80%, maintenance 90%)
    fund(s, "bob", 1000 * P)
    open_pair(s, size=2 * B)
    summary = account_margin(s, "alice", 0, ctx(100 * P, conf=P))
    # SOL collateral at 99 (low side): 99 * 0.8 = 79.2 initial, 89.1 maintenance
    # long 2 valued at 99: pnl = 198 - 200 = -2; requirement at 101: notional 202
    assert summary.total_collateral == 50 * P + 79_200_000 - 2 * P
    assert summary.maintenance_collateral == 50 * P + 89_100_000 - 2 * P
    assert summary.initial_requirement == 20_200_000 and summary.maintenance_requirement == 10_100_000
    assert summary.free_collateral == 127_200_000 - 20_200_000


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
    # liquidation price: 100 - 9 * (100 - p) = 9 * p * 0.05 -> p = 800 / 8.55 = 93.5672.. (rounded up)
    assert liquidation_price(s, "alice", 0, SOL, ctx()) == 93_567_252


def test_partial_liquidation_restores_initial_margin_plus_buffer():
    s = _margin_call_setup(liquidator_fee=10_000, if_liquidation_fee=10_000)
    process(s, limit("alice", Side.SELL, B, 120 * P, reduce_only=True), ctx())
    events = process(s, ix.LiquidatePosition("liq", 0, "alice", 0, SOL), ctx(93_500_000))
    assert isinstance(events[0], OrderCancelled)  # orders go first
    # deficit vs 12% (10% + 2% buffer): 841.5 * 12% - 41.5 = 59.48; each USD of notional frees
    # 12% - 2% fees = 10% -> 594.8 USD -> 6.3614973.. SOL -> 6.37 after rounding up to a step
    [liq] = [e for e in events if isinstance(e, Liquidated)]
    assert liq.base == -6_370_000_000 and liq.price == 93_500_000
    # 6.37 * 93.5 = 595.595 notional; 1% each to liquidator and insurance fund = 5.95595
    assert (liq.liquidator_fee, liq.if_fee) == (5_955_950, 5_955_950)
    assert position(s, "alice").base == 2_630_000_000 and position(s, "alice").quote_entry == -263 * P
    assert (
        position(
            s,
            "liq",
        ).base
        == 6_370_000_000
    )
    # realized 595.595 - 637 = -41.405; balance 100 - 41.405 - 11.9119 = 46.6831
    assert usdc(s, "alice") == 46_683_100
    assert s.insurance_fund == 5_955_950
    after = account_margin(s, "alice", 0, ctx(93_500_000))
    assert after.free_collateral > 0 and not after.liquidatable
    assert collateral_ledger(s)[0] == collateral_ledger(s)[1]


def test_bankruptcy_is_covered_by_the_insurance_fund():
    s = _margin_call_setup()
    process(s, ix.DepositInsuranceFund(50 * P), ctx())
    events = process(s, ix.LiquidatePosition("liq", 0, "alice", 0, SOL), ctx(85 * P))
    # sold 9 at 85: realized 765 - 900 = -135 -> balance -35, the fund pays 35
    assert BankruptcyCovered("alice", 0, 35 * P) in events
    assert usdc(s, "alice") == 0 and s.insurance_fund == 15 * P and s.insurance_paid == 35 * P
    assert collateral_ledger(s)[0] == collateral_ledger(s)[1]


def test_bankruptcy_beyond_the_fund_is_socialized_to_the_other_side():
    s = _margin_call_setup()
    process(s, ix.DepositInsuranceFund(10 * P), ctx())
    events = process(s, ix.LiquidatePosition("liq", 0, "alice", 0, SOL), ctx(85 * P))
    assert BankruptcyCovered("alice", 0, 10 * P) in events
    assert SocializedLoss(SOL, 25 * P) in events
    # bob is the only short: his entry proceeds shrink by the 25 USD loss
    assert position(s, "bob").quote_entry == 900 * P - 25 * P
    assert usdc(s, "alice") == 0 and s.socialized_loss == 25 * P
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


def test_size_adjusted_margin_grows_for_large_positions():
    s = new_state(imf_factor=100)  # 1% per sqrt(whole SOL): 400 SOL -> 20% > 10%
    fund(s, "alice", 100_000 * P)
    fund(s, "bob", 100_000 * P)
    open_pair(s, size=400 * B)
    summary = account_margin(s, "alice", 0, ctx())
    assert summary.initial_requirement == 40_000 * P * 2000 // 10_000


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
    # 30 - 0.101 + 2 (p - 101) = 2 p * 5%  ->  p = 172.101 / 1.9 = 90.5794.. (rounded up)
    assert preview.liquidation_price == 90_579_474
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
    # SOL at 30 less the 1% liquidator fee = 29.7: 10 USDC buys 10 / 29.7 = 0.3367003367.. SOL (rounded up)
    assert events == [CollateralLiquidated("alice", 0, "liq", 0, CollateralAsset.SOL, 336_700_337, 10 * P)]
    assert usdc(s, "alice") == -20 * P and s.users[("alice", 0)].balances[CollateralAsset.SOL] == 663_299_663
    assert collateral_ledger(s)[0] == collateral_ledger(s)[1]


def test_cross_collateral_liquidation_of_all_collateral_ends_in_bankruptcy_cover():
    s = _in_debt_with_sol_collateral()
    events = process(
        s, ix.LiquidatePositionCrossCollateral("liq", 0, "alice", 0, CollateralAsset.SOL), ctx(30 * P)
    )
    # 30 USDC would need 1.0101.. SOL: the whole 1 SOL goes for 29.7 USDC, the fund pays the last 0.3
    assert events == [
        CollateralLiquidated("alice", 0, "liq", 0, CollateralAsset.SOL, B, 29_700_000),
        BankruptcyCovered("alice", 0, 300_000),
    ]
    assert usdc(s, "alice") == 0 and s.insurance_fund == 700_000
    assert s.users[("liq", 0)].balances[CollateralAsset.SOL] == B
    assert collateral_ledger(s)[0] == collateral_ledger(s)[1]

"""A refused instruction raises a named code and changes nothing in the state."""

from __future__ import annotations

import pytest

from programs.quantdesk_perp.enums import CollateralAsset
from programs.quantdesk_perp.errors import EngineError, ErrorCode
from programs.quantdesk_perp.state import state_to_bytes

from .engine.helpers import (
    SOL,
    T0,
    B,
    OrderType,
    P,
    Side,
    TimeInForce,
    ctx,
    fund,
    ix,
    limit,
    market,
    new_state,
    process,
)


@pytest.fixture
def state():
    s = new_state(taker_fee=500, maker_fee=200)
    process(
        s,
        ix.InitializeMarket(1, "BTC-PERP", "BTC", "USD", 60_000 * P, 100_000, 100_000, 1_000_000, 20, 500, 250),
        ctx(),
    )
    fund(s, "alice", 1000 * P)
    fund(s, "bob", 1000 * P)
    process(s, limit("bob", Side.SELL, B, 101 * P), ctx())  # order 1 rests
    process(s, limit("alice", Side.BUY, B, 99 * P), ctx())  # order 2 rests
    process(s, limit("bob", Side.SELL, B, 102 * P), ctx())
    process(s, limit("alice", Side.BUY, B, 102 * P), ctx())  # fills order 1 (filled and gone)
    return s


CASES = [
    (limit("alice", Side.BUY, 0, 99 * P), ErrorCode.INVALID_SIZE),
    (limit("alice", Side.BUY, -B, 99 * P), ErrorCode.INVALID_SIZE),
    (limit("alice", Side.BUY, 2**64, 99 * P), ErrorCode.INVALID_SIZE),
    (limit("alice", Side.BUY, 10**30, 99 * P), ErrorCode.INVALID_SIZE),
    (limit("alice", Side.BUY, 1.5, 99 * P), ErrorCode.INVALID_SIZE),  # type: ignore[arg-type]
    (limit("alice", Side.BUY, 5_000_000, 99 * P), ErrorCode.OFF_STEP),
    (ix.PlaceOrder("alice", 0, 1, Side.BUY, OrderType.LIMIT, 500_000, 60_000 * P), ErrorCode.BELOW_MIN_SIZE),
    (limit("alice", Side.BUY, 10**9 * B, 99 * P), ErrorCode.INSUFFICIENT_COLLATERAL),
    (limit("alice", Side.BUY, B, 99_000_500), ErrorCode.OFF_TICK),
    (limit("alice", Side.BUY, B, 0), ErrorCode.INVALID_PRICE),
    (limit("alice", Side.BUY, B, -P), ErrorCode.INVALID_PRICE),
    (ix.PlaceOrder("alice", 0, SOL, Side.BUY, OrderType.LIMIT, B), ErrorCode.INVALID_PRICE),
    (ix.PlaceOrder("alice", 0, 9, Side.BUY, OrderType.LIMIT, B, 99 * P), ErrorCode.UNKNOWN_MARKET),
    (limit("zed", Side.BUY, B, 99 * P), ErrorCode.UNKNOWN_ACCOUNT),
    (limit("alice", Side.BUY, B, 99 * P, reduce_only=True), ErrorCode.REDUCE_ONLY_INCREASES),
    (limit("bob", Side.SELL, B, 99 * P, reduce_only=True), ErrorCode.REDUCE_ONLY_INCREASES),
    (
        limit("alice", Side.BUY, B, 99 * P, time_in_force=TimeInForce.GTD, expire_time=T0),
        ErrorCode.INVALID_EXPIRY,
    ),
    (
        limit("alice", Side.BUY, B, 99 * P, post_only=True, time_in_force=TimeInForce.IOC),
        ErrorCode.INVALID_ORDER,
    ),
    (limit("alice", Side.BUY, B, 102 * P, post_only=True), ErrorCode.POST_ONLY_WOULD_CROSS),
    (limit("alice", Side.BUY, 50 * B, 90 * P, time_in_force=TimeInForce.FOK), ErrorCode.FOK_NOT_FILLED),
    (ix.PlaceOrder("alice", 0, SOL, Side.SELL, OrderType.STOP_MARKET, B), ErrorCode.INVALID_PRICE),
    (ix.CancelOrder("alice", 0, 999), ErrorCode.UNKNOWN_ORDER),
    (ix.CancelOrder("alice", 0, 1), ErrorCode.ORDER_NOT_OPEN),
    (ix.CancelOrder("bob", 0, 2), ErrorCode.UNKNOWN_ORDER),
    (ix.CancelOrders("alice", 0, 7), ErrorCode.UNKNOWN_MARKET),
    (ix.ModifyOrder("alice", 0, 2, size=10**6 * B), ErrorCode.INSUFFICIENT_COLLATERAL),
    (ix.ModifyOrder("alice", 0, 2, price=99_000_001), ErrorCode.OFF_TICK),
    (ix.ModifyOrder("alice", 0, 1, price=99 * P), ErrorCode.ORDER_NOT_OPEN),
    (ix.WithdrawTokens("alice", 0, CollateralAsset.USDC, 995 * P), ErrorCode.WITHDRAW_EXCEEDS_FREE),
    (ix.WithdrawTokens("alice", 0, CollateralAsset.USDC, 2000 * P), ErrorCode.INSUFFICIENT_BALANCE),
    (ix.WithdrawTokens("alice", 0, CollateralAsset.USDC, 0), ErrorCode.INVALID_AMOUNT),
    (ix.DepositTokens("alice", 0, CollateralAsset.USDC, -5), ErrorCode.INVALID_AMOUNT),
    (ix.DepositTokens("alice", 0, 7, 5), ErrorCode.UNKNOWN_ASSET),  # type: ignore[arg-type]
    (ix.CreateUserAccount("alice", 0), ErrorCode.ACCOUNT_EXISTS),
    (ix.InitializeMarket(SOL, "SOL-PERP", "SOL", "USD", P, 1, 1, 1, 10, 1000, 500), ErrorCode.MARKET_EXISTS),
    (ix.UpdateMarketParameters(SOL, margin_ratio_maintenance=5000), ErrorCode.INVALID_PARAMETER),
    (ix.WithdrawInsuranceFund(1), ErrorCode.INSURANCE_FUND_INSUFFICIENT),
    (ix.LiquidatePosition("bob", 0, "alice", 0, SOL), ErrorCode.NOT_LIQUIDATABLE),
    (ix.LiquidatePosition("alice", 0, "alice", 0, SOL), ErrorCode.SELF_LIQUIDATION),
    (ix.PlaceBracketOrder("alice", 0, SOL, Side.BUY, B, 95 * P, 110 * P), ErrorCode.INVALID_TRIGGER),
    (
        ix.PlaceBracketOrder("alice", 0, SOL, Side.BUY, 10**5 * B, 110 * P, 95 * P),
        ErrorCode.INSUFFICIENT_COLLATERAL,
    ),
    (ix.PlaceOcoOrder("bob", 0, SOL, Side.SELL, B, 110 * P, 95 * P), ErrorCode.REDUCE_ONLY_INCREASES),
    (ix.PlaceTwapOrder("alice", 0, SOL, Side.BUY, B, 10, 60), ErrorCode.INVALID_PARAMETER),
    (ix.PlaceIcebergOrder("alice", 0, SOL, Side.BUY, B, 2 * B, 99 * P), ErrorCode.INVALID_PARAMETER),
    (ix.ExecuteConditionalOrder(2), ErrorCode.ORDER_NOT_OPEN),
    (ix.ExecuteTwapChunk(2), ErrorCode.INVALID_ORDER),
    (ix.ResetCircuitBreaker(SOL), ErrorCode.INVALID_PARAMETER),
    (ix.CalculateFundingRate(SOL), ErrorCode.NOT_DUE),
]


@pytest.mark.parametrize("instruction, code", CASES, ids=[f"{i}-{c.name}" for i, (_, c) in enumerate(CASES)])
def test_refused_instruction_changes_nothing(state, instruction, code):
    before = state_to_bytes(state)
    with pytest.raises(EngineError) as err:
        process(state, instruction, ctx())
    assert err.value.code == code, err.value.message
    assert err.value.message
    assert state_to_bytes(state) == before


def test_cancel_of_a_filled_order_names_it_not_open(state):
    with pytest.raises(EngineError) as err:
        process(state, ix.CancelOrder("bob", 0, 1), ctx())
    assert err.value.code == ErrorCode.ORDER_NOT_OPEN and "no longer open" in err.value.message


def test_market_order_without_oracle_is_refused(state):
    from programs.quantdesk_perp.context import Context

    before = state_to_bytes(state)
    with pytest.raises(EngineError) as err:
        process(state, market("alice", Side.BUY, B), Context(1, T0, {}))
    assert err.value.code == ErrorCode.ORACLE_UNAVAILABLE
    assert state_to_bytes(state) == before

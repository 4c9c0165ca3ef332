"""Samples of the engine's instructions for the round-trip tests (test_idl.py, test_client.py): the
set-up and account instructions, a trailing stop with every PlaceOrder field set, and the order
management and liquidation instructions; each test adds the orders it checks besides."""

from __future__ import annotations

from typing import Any

from programs.quantdesk_perp import instructions as ix
from programs.quantdesk_perp.enums import CollateralAsset, OrderType, Side, TimeInForce


def setup_samples(user: str, keeper: str) -> list[Any]:
    """Admin, market and account instructions, in the order the tests index them."""
    return [
        ix.InitializeMarket(0, "SOL-PERP", "SOL", "USD", 150_000_000, 1000, 10_000_000, 10_000_000, 20, 500, 250),
        ix.UpdateMarketParameters(0, taker_fee=700, max_open_interest=10**15),
        ix.PauseProgram(3, reduce_only=True),
        ix.ResumeProgram(None),
        ix.TriggerCircuitBreaker(1),
        ix.ResetCircuitBreaker(1),
        ix.DepositInsuranceFund(5_000_000),
        ix.WithdrawInsuranceFund(1),
        ix.UpdateOraclePrice(0),
        ix.CalculateFundingRate(2),
        ix.Crank(),
        ix.CreateUserAccount(user, 3, "main"),
        ix.DepositTokens(user, 0, CollateralAsset.SOL, 2_000_000_000),
        ix.WithdrawTokens(user, 0, CollateralAsset.USDC, 7),
        ix.ProvideJitLiquidity(keeper, 1, 0, 10**10, 300),
        ix.SettleFunding(user, 0),
    ]


def trailing_stop_sample(user: str) -> ix.PlaceOrder:
    """A PlaceOrder with every field given, positionally (the field order is part of the encoding)."""
    return ix.PlaceOrder(
        user,
        0,
        0,
        Side.SELL,
        OrderType.TRAILING_STOP,
        10**9,
        None,
        None,
        TimeInForce.GTD,
        True,
        False,
        1_800_000_000,
        2_000_000,
        42,
        0,
    )


def order_samples(user: str, keeper: str) -> list[Any]:
    """Cancel, modify, parent orders, their chunks, and a liquidation."""
    return [
        ix.CancelOrder(user, 0, 17),
        ix.CancelOrders(user, 0, None),
        ix.ModifyOrder(user, 0, 17, size=None, price=150_000_000),
        ix.PlaceOcoOrder(user, 0, 0, Side.SELL, 10**9, 160_000_000, 140_000_000),
        ix.PlaceBracketOrder(user, 0, 0, Side.BUY, 10**9, 160_000_000, 140_000_000, 149_000_000, 9),
        ix.PlaceTwapOrder(user, 0, 0, Side.BUY, 10**10, 600, 60, 151_000_000),
        ix.ExecuteTwapChunk(5),
        ix.PlaceIcebergOrder(user, 0, 0, Side.SELL, 10**11, 10**9, 151_000_000),
        ix.ExecuteIcebergChunk(6),
        ix.ExecuteConditionalOrder(7),
        ix.LiquidatePosition(keeper, 0, user, 0, 0, None),
    ]

"""Instructions: one frozen record per IDL instruction (names follow the QuantDesk perp program).

msgspec Structs: built in C, and the journal decodes a replay's million entries straight into
them (about twice as fast as into frozen dataclasses)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from .config import with_current_names
from .enums import CollateralAsset, OrderType, Side, TimeInForce

# --- markets and admin -------------------------------------------------------------------------


class InitializeMarket(msgspec.Struct, frozen=True):
    market_index: int
    symbol: str
    base_asset: str
    quote_asset: str
    initial_price: int
    tick_size: int
    step_size: int
    min_size: int
    max_leverage: int
    margin_ratio_initial: int
    margin_ratio_maintenance: int


class UpdateMarketParameters(msgspec.Struct, frozen=True):
    """Every field left None keeps its value."""

    market_index: int
    margin_ratio_initial: int | None = None
    margin_ratio_maintenance: int | None = None
    max_leverage: int | None = None
    imf_factor: int | None = None
    unrealized_pnl_imf_factor: int | None = None
    unrealized_pnl_initial_asset_weight: int | None = None
    unrealized_pnl_maintenance_asset_weight: int | None = None
    contract_tier: int | None = None
    taker_fee: int | None = None
    maker_fee: int | None = None
    liquidator_fee: int | None = None
    if_liquidation_fee: int | None = None
    funding_interval: int | None = None
    max_open_interest: int | None = None
    amm_depth: int | None = None
    amm_half_spread: int | None = None
    auction_duration_slots: int | None = None
    auction_band: int | None = None
    oracle_max_staleness_slots: int | None = None
    oracle_max_conf: int | None = None
    circuit_breaker_pct: int | None = None
    circuit_breaker_window: int | None = None
    liquidation_buffer: int | None = None
    initial_pct_to_liquidate: int | None = None
    liquidation_duration: int | None = None
    quote_max_insurance: int | None = None
    max_orders_per_account: int | None = None


class PauseProgram(msgspec.Struct, frozen=True):
    """Halt one market (or all with market_index None); reduce_only lets positions shrink only."""

    market_index: int | None = None
    reduce_only: bool = False


class ResumeProgram(msgspec.Struct, frozen=True):
    market_index: int | None = None


class TriggerCircuitBreaker(msgspec.Struct, frozen=True):
    market_index: int


class ResetCircuitBreaker(msgspec.Struct, frozen=True):
    market_index: int


class DepositInsuranceFund(msgspec.Struct, frozen=True):
    amount: int


class WithdrawInsuranceFund(msgspec.Struct, frozen=True):
    amount: int


class UpdateOraclePrice(msgspec.Struct, frozen=True):
    """Feeds an observation of ctx.oracles[market_index] into TWAPs and the circuit breaker."""

    market_index: int


class CalculateFundingRate(msgspec.Struct, frozen=True):
    """Accrue the market's funding rate if its interval has elapsed."""

    market_index: int


class Crank(msgspec.Struct, frozen=True):
    """Triggers, auctions, TWAP/iceberg children, GTD expiry, funding: see processor.crank."""


# --- accounts and collateral ---------------------------------------------------------------------


class CreateUserAccount(msgspec.Struct, frozen=True):
    authority: str
    sub_account: int = 0
    name: str = ""


class DepositTokens(msgspec.Struct, frozen=True):
    authority: str
    sub_account: int
    asset: CollateralAsset
    amount: int


class WithdrawTokens(msgspec.Struct, frozen=True):
    authority: str
    sub_account: int
    asset: CollateralAsset
    amount: int


class ProvideJitLiquidity(msgspec.Struct, frozen=True):
    """Quote oracle ± fee_rate (PERCENTAGE_PRECISION) to market-order auctions, up to `amount` base."""

    authority: str
    sub_account: int
    market_index: int
    amount: int
    fee_rate: int


class SettleFunding(msgspec.Struct, frozen=True):
    authority: str
    sub_account: int


# --- trading --------------------------------------------------------------------------------------


class PlaceOrder(msgspec.Struct, frozen=True):
    authority: str
    sub_account: int
    market_index: int
    side: Side
    order_type: OrderType
    size: int
    price: int | None = None  # limit price (LIMIT, STOP_LIMIT, TAKE_PROFIT_LIMIT) or market-order cap
    trigger_price: int | None = None  # STOP_*, TAKE_PROFIT_*
    time_in_force: TimeInForce = TimeInForce.GTC
    reduce_only: bool = False
    post_only: bool = False
    expire_time: int | None = None  # unix seconds, GTD only
    trailing_offset: int | None = None  # price units, TRAILING_STOP only
    client_order_id: int = 0
    auction_duration_slots: int | None = None  # market orders; None = market default, 0 = no auction


class CancelOrder(msgspec.Struct, frozen=True):
    authority: str
    sub_account: int
    order_id: int


class CancelOrders(msgspec.Struct, frozen=True):
    """Cancel every open order of the account, or only those in market_index."""

    authority: str
    sub_account: int
    market_index: int | None = None


class ModifyOrder(msgspec.Struct, frozen=True):
    authority: str
    sub_account: int
    order_id: int
    size: int | None = None  # new total size (must stay above what already filled)
    price: int | None = None
    trigger_price: int | None = None


class PlaceOcoOrder(msgspec.Struct, frozen=True):
    """Take-profit limit + stop-market pair: when one fills or triggers the other is cancelled."""

    authority: str
    sub_account: int
    market_index: int
    side: Side
    size: int
    take_profit_price: int
    stop_loss_price: int
    reduce_only: bool = True
    client_order_id: int = 0


class PlaceBracketOrder(msgspec.Struct, frozen=True):
    """Entry (limit, or market when entry_price is None) + TP and SL that become an OCO once it fills."""

    authority: str
    sub_account: int
    market_index: int
    side: Side
    size: int
    take_profit_price: int
    stop_loss_price: int
    entry_price: int | None = None
    client_order_id: int = 0


class PlaceTwapOrder(msgspec.Struct, frozen=True):
    authority: str
    sub_account: int
    market_index: int
    side: Side
    total_size: int
    duration_seconds: int
    interval_seconds: int
    price_limit: int | None = None
    reduce_only: bool = False
    client_order_id: int = 0


class ExecuteTwapChunk(msgspec.Struct, frozen=True):
    order_id: int


class PlaceIcebergOrder(msgspec.Struct, frozen=True):
    authority: str
    sub_account: int
    market_index: int
    side: Side
    total_size: int
    display_size: int
    price: int
    reduce_only: bool = False
    client_order_id: int = 0


class ExecuteIcebergChunk(msgspec.Struct, frozen=True):
    order_id: int


class ExecuteConditionalOrder(msgspec.Struct, frozen=True):
    """Trigger a conditional order whose trigger condition holds at the ctx oracle price."""

    order_id: int


class LiquidatePosition(msgspec.Struct, frozen=True):
    """liquidator_authority "" = keeper mode: the position is closed against the AMM, fees go to the IF."""

    liquidator_authority: str
    liquidator_sub_account: int
    authority: str
    sub_account: int
    market_index: int
    max_base_amount: int | None = None


class LiquidatePositionCrossCollateral(msgspec.Struct, frozen=True):
    """Repay an under-water account's USDC debt and take its collateral `asset` at a discount.

    The liquidator pays up to `max_amount` USDC (None = the whole debt) and receives the asset at the
    SOL-PERP oracle price less the market's liquidator fee. What no collateral covers is bankruptcy.
    """

    liquidator_authority: str
    liquidator_sub_account: int
    authority: str
    sub_account: int
    asset: CollateralAsset
    max_amount: int | None = None


class LiquidatePerpPnlForDeposit(msgspec.Struct, frozen=True):
    """Drift's liquidate_perp_pnl_for_deposit: take over an under-water account's negative perp pnl
    (its USDC debt, once its `perp_market_index` position is closed) for collateral `asset` at the
    liquidation premium. The liquidator takes up to `max_pnl_transfer` USDC (None = as allowed)."""

    liquidator_authority: str
    liquidator_sub_account: int
    authority: str
    sub_account: int
    perp_market_index: int
    asset: CollateralAsset
    max_pnl_transfer: int | None = None


Instruction = (
    InitializeMarket
    | UpdateMarketParameters
    | PauseProgram
    | ResumeProgram
    | TriggerCircuitBreaker
    | ResetCircuitBreaker
    | DepositInsuranceFund
    | WithdrawInsuranceFund
    | UpdateOraclePrice
    | CalculateFundingRate
    | Crank
    | CreateUserAccount
    | DepositTokens
    | WithdrawTokens
    | ProvideJitLiquidity
    | SettleFunding
    | PlaceOrder
    | CancelOrder
    | CancelOrders
    | ModifyOrder
    | PlaceOcoOrder
    | PlaceBracketOrder
    | PlaceTwapOrder
    | ExecuteTwapChunk
    | PlaceIcebergOrder
    | ExecuteIcebergChunk
    | ExecuteConditionalOrder
    | LiquidatePosition
)

ALL_INSTRUCTIONS: tuple[type[msgspec.Struct], ...] = Instruction.__args__
# In the IDL and the engine, not yet in ALL_INSTRUCTIONS: client.py's tests hold a sample of every
# member of ALL_INSTRUCTIONS, so a new instruction joins it once the client has one.
NEWER_INSTRUCTIONS: tuple[type[msgspec.Struct], ...] = (LiquidatePositionCrossCollateral, LiquidatePerpPnlForDeposit)
IDL_INSTRUCTIONS: tuple[type[msgspec.Struct], ...] = ALL_INSTRUCTIONS + NEWER_INSTRUCTIONS


# How an instruction's fields as an older version recorded them become today's (by record name):
# the journal replays entries written before the margin ratios took Drift's names.
UPGRADES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    InitializeMarket.__name__: with_current_names,
    UpdateMarketParameters.__name__: with_current_names,
}

"""Admin instructions: markets, parameters, status, circuit breaker, insurance fund, oracle, funding."""

from __future__ import annotations

from .config import MarketConfig
from .constants import LIQUIDATION_PCT_PRECISION, MARGIN_PRECISION, PERCENTAGE_PRECISION, QUOTE_PRECISION
from .context import Context
from .crank import accrue_funding, observe_oracle
from .enums import CollateralAsset, ContractTier, MarketStatus
from .errors import EngineError, ErrorCode
from .events import (
    Event,
    CircuitBreakerReset,
    CircuitBreakerTriggered,
    InsuranceFundDeposit,
    InsuranceFundWithdraw,
    MarketInitialized,
    MarketParametersUpdated,
    MarketStatusChanged,
)
from .instructions import (
    CalculateFundingRate,
    DepositInsuranceFund,
    InitializeMarket,
    PauseProgram,
    ResetCircuitBreaker,
    ResumeProgram,
    TriggerCircuitBreaker,
    UpdateMarketParameters,
    UpdateOraclePrice,
    WithdrawInsuranceFund,
)
from .state import Market, Position, State
from .trading import MAX_AMOUNT, get_market

USDC = CollateralAsset.USDC


def _positive(name: str, value: int, upper: int = MAX_AMOUNT) -> None:
    if type(value) is not int or value <= 0 or value > upper:
        raise EngineError(ErrorCode.INVALID_PARAMETER, f"{name} must be a positive integer up to {upper}")


def initialize_market(state: State, ix: InitializeMarket, ctx: Context, events: list[Event]) -> None:
    if ix.market_index in state.markets:
        raise EngineError(ErrorCode.MARKET_EXISTS, f"market {ix.market_index} already exists")
    if not 0 <= ix.market_index < 2**16:
        raise EngineError(ErrorCode.INVALID_PARAMETER, "market index must fit in a u16")
    for name in ("initial_price", "tick_size", "step_size", "min_size", "max_leverage"):
        _positive(name, getattr(ix, name))
    _positive("margin_ratio_initial", ix.margin_ratio_initial, MARGIN_PRECISION)
    _positive("margin_ratio_maintenance", ix.margin_ratio_maintenance, ix.margin_ratio_initial)
    config = MarketConfig(
        market_index=ix.market_index,
        symbol=ix.symbol,
        base_asset=ix.base_asset,
        quote_asset=ix.quote_asset,
        tick_size=ix.tick_size,
        step_size=ix.step_size,
        min_size=ix.min_size,
        max_leverage=ix.max_leverage,
        margin_ratio_initial=ix.margin_ratio_initial,
        margin_ratio_maintenance=ix.margin_ratio_maintenance,
        amm_depth=ix.min_size * 1_000_000,
    )
    state.markets[ix.market_index] = Market(
        config,
        amm=Position(ix.market_index),
        last_oracle_price=ix.initial_price,
        mark_twap=ix.initial_price,
        mark_twap_time=ctx.unix_time,
        oracle_twap=ix.initial_price,
        oracle_twap_time=ctx.unix_time,
        last_funding_time=ctx.unix_time,
        cb_reference_price=ix.initial_price,
        cb_window_start=ctx.unix_time,
    )
    events.append(MarketInitialized(ix.market_index, ix.symbol))


_UPPER_BOUNDS = {
    "margin_ratio_initial": MARGIN_PRECISION,
    "margin_ratio_maintenance": MARGIN_PRECISION,
    "taker_fee": PERCENTAGE_PRECISION // 10,
    "maker_fee": PERCENTAGE_PRECISION // 10,
    "liquidator_fee": PERCENTAGE_PRECISION // 10,
    "if_liquidation_fee": PERCENTAGE_PRECISION // 10,
    "amm_half_spread": PERCENTAGE_PRECISION // 10,
    "auction_band": PERCENTAGE_PRECISION // 2,
    "auction_duration_slots": 255,
    "oracle_max_conf": MARGIN_PRECISION,
    "circuit_breaker_pct": MARGIN_PRECISION,
    "liquidation_buffer": MARGIN_PRECISION,
    "max_orders_per_account": 2**32 - 1,
    "unrealized_pnl_initial_asset_weight": MARGIN_PRECISION,
    "unrealized_pnl_maintenance_asset_weight": MARGIN_PRECISION,
    "contract_tier": max(ContractTier),
    "initial_pct_to_liquidate": LIQUIDATION_PCT_PRECISION,
    "liquidation_duration": 255,
    "imf_factor": 2**32 - 1,
    "unrealized_pnl_imf_factor": 2**32 - 1,
}
_MAY_BE_ZERO = {
    "imf_factor",
    "taker_fee",
    "maker_fee",
    "liquidator_fee",
    "if_liquidation_fee",
    "max_open_interest",
    "amm_depth",
    "amm_half_spread",
    "auction_duration_slots",
    "circuit_breaker_pct",
    "unrealized_pnl_imf_factor",
    "unrealized_pnl_initial_asset_weight",
    "unrealized_pnl_maintenance_asset_weight",
    "contract_tier",
    "initial_pct_to_liquidate",
    "liquidation_duration",
    "quote_max_insurance",
    "oracle_max_staleness_slots",
    "liquidation_buffer",
}


def update_market_parameters(state: State, ix: UpdateMarketParameters, ctx: Context, events: list[Event]) -> None:
    market = get_market(state, ix.market_index)
    changes = {}
    for name in UpdateMarketParameters.__struct_fields__:
        value = getattr(ix, name)
        if name == "market_index" or value is None:
            continue
        upper = _UPPER_BOUNDS.get(name, MAX_AMOUNT)
        if type(value) is not int or value < 0 or value > upper or (value == 0 and name not in _MAY_BE_ZERO):
            raise EngineError(ErrorCode.INVALID_PARAMETER, f"{name} = {value!r} is out of range")
        changes[name] = value
    imr = changes.get("margin_ratio_initial", market.config.margin_ratio_initial)
    mmr = changes.get("margin_ratio_maintenance", market.config.margin_ratio_maintenance)
    if mmr > imr:
        raise EngineError(ErrorCode.INVALID_PARAMETER, "maintenance margin ratio cannot exceed the initial one")
    for name, value in changes.items():
        setattr(market.config, name, value)
    events.append(MarketParametersUpdated(ix.market_index, tuple(changes)))


def _targets(state: State, market_index: int | None) -> list[Market]:
    if market_index is None:
        return [state.markets[i] for i in sorted(state.markets)]
    return [get_market(state, market_index)]


def pause_program(state: State, ix: PauseProgram, ctx: Context, events: list[Event]) -> None:
    status = MarketStatus.REDUCE_ONLY if ix.reduce_only else MarketStatus.HALTED
    for market in _targets(state, ix.market_index):
        market.status = status
        events.append(MarketStatusChanged(market.config.market_index, status, "paused by admin"))


def resume_program(state: State, ix: ResumeProgram, ctx: Context, events: list[Event]) -> None:
    for market in _targets(state, ix.market_index):
        market.status = MarketStatus.ACTIVE
        market.circuit_breaker_tripped = False
        events.append(MarketStatusChanged(market.config.market_index, MarketStatus.ACTIVE, "resumed by admin"))


def trigger_circuit_breaker(state: State, ix: TriggerCircuitBreaker, ctx: Context, events: list[Event]) -> None:
    market = get_market(state, ix.market_index)
    market.status = MarketStatus.HALTED
    market.circuit_breaker_tripped = True
    events.append(CircuitBreakerTriggered(ix.market_index, market.cb_reference_price, market.last_oracle_price))
    events.append(MarketStatusChanged(ix.market_index, MarketStatus.HALTED, "circuit breaker"))


def reset_circuit_breaker(state: State, ix: ResetCircuitBreaker, ctx: Context, events: list[Event]) -> None:
    market = get_market(state, ix.market_index)
    if not market.circuit_breaker_tripped:
        raise EngineError(ErrorCode.INVALID_PARAMETER, f"{market.config.symbol} circuit breaker is not tripped")
    market.circuit_breaker_tripped = False
    market.status = MarketStatus.ACTIVE
    oracle = ctx.oracles.get(ix.market_index)
    market.cb_reference_price = oracle.price if oracle is not None else market.last_oracle_price
    market.cb_window_start = ctx.unix_time
    events.append(CircuitBreakerReset(ix.market_index))
    events.append(MarketStatusChanged(ix.market_index, MarketStatus.ACTIVE, "circuit breaker reset"))


def deposit_insurance_fund(state: State, ix: DepositInsuranceFund, ctx: Context, events: list[Event]) -> None:
    if type(ix.amount) is not int or ix.amount <= 0 or ix.amount > MAX_AMOUNT:
        raise EngineError(ErrorCode.INVALID_AMOUNT, "insurance deposit must be a positive amount")
    if state.total_deposits.get(USDC, 0) + ix.amount > MAX_AMOUNT:
        raise EngineError(ErrorCode.INVALID_AMOUNT, "deposit would exceed the program's 64-bit vault limit")
    state.insurance_fund += ix.amount
    state.total_deposits[USDC] = state.total_deposits.get(USDC, 0) + ix.amount
    events.append(InsuranceFundDeposit(ix.amount, state.insurance_fund))


def withdraw_insurance_fund(state: State, ix: WithdrawInsuranceFund, ctx: Context, events: list[Event]) -> None:
    if type(ix.amount) is not int or ix.amount <= 0:
        raise EngineError(ErrorCode.INVALID_AMOUNT, "insurance withdrawal must be a positive amount")
    if ix.amount > state.insurance_fund:
        raise EngineError(
            ErrorCode.INSURANCE_FUND_INSUFFICIENT,
            f"insurance fund holds {state.insurance_fund / QUOTE_PRECISION:,.2f} USDC",
        )
    state.insurance_fund -= ix.amount
    state.total_withdrawals[USDC] = state.total_withdrawals.get(USDC, 0) + ix.amount
    events.append(InsuranceFundWithdraw(ix.amount, state.insurance_fund))


def update_oracle_price(state: State, ix: UpdateOraclePrice, ctx: Context, events: list[Event]) -> None:
    market = get_market(state, ix.market_index)
    oracle = ctx.oracles.get(ix.market_index)
    if oracle is None or oracle.price <= 0:
        raise EngineError(ErrorCode.ORACLE_UNAVAILABLE, f"no oracle price for {market.config.symbol}")
    observe_oracle(market, oracle, ctx.unix_time, events)


def calculate_funding_rate(state: State, ix: CalculateFundingRate, ctx: Context, events: list[Event]) -> None:
    market = get_market(state, ix.market_index)
    if not accrue_funding(market, ctx.unix_time, events):
        raise EngineError(ErrorCode.NOT_DUE, f"{market.config.symbol} funding is not due yet")

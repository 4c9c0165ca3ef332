"""process(state, instruction, ctx) -> events: the engine's one entry point.

State is mutated in place. A refused instruction raises EngineError and leaves the state exactly as
it was: the frequent instructions validate everything before they mutate; the rest run with a
snapshot that is restored on refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import accounts, admin, advanced, crank, liquidation, trading
from . import instructions as ix
from .context import Context
from .enums import OrderType
from .errors import EngineError, ErrorCode
from .events import Event
from .execution import refill_iceberg
from .orders import live_order
from .positions import funding_pending, settle_funding
from .repeg import market_of, restore_amm, saved_amm, update_amm
from .risk import checked_oracle
from .state import Position, State, UserAccount, copy_state, restore_state

Handler = Callable[[State, Any, Context, list[Event]], None]


def _execute_conditional(state: State, i: ix.ExecuteConditionalOrder, ctx: Context, events: list[Event]) -> None:
    crank.execute_conditional_order(state, live_order(state, i.order_id, None, None), ctx, events)


def _execute_twap(state: State, i: ix.ExecuteTwapChunk, ctx: Context, events: list[Event]) -> None:
    order = live_order(state, i.order_id, None, None)
    if order.order_type != OrderType.TWAP:
        raise EngineError(ErrorCode.INVALID_ORDER, f"order {i.order_id} is not a TWAP order")
    if ctx.unix_time < order.next_time:
        raise EngineError(ErrorCode.NOT_DUE, f"next TWAP chunk is due at {order.next_time}")
    advanced.run_twap_chunk(state, order, ctx, events)


def _execute_iceberg(state: State, i: ix.ExecuteIcebergChunk, ctx: Context, events: list[Event]) -> None:
    order = live_order(state, i.order_id, None, None)
    if order.order_type != OrderType.ICEBERG:
        raise EngineError(ErrorCode.INVALID_ORDER, f"order {i.order_id} is not an iceberg order")
    if order.child_ids:
        raise EngineError(ErrorCode.NOT_DUE, "the iceberg's current slice is still resting")
    oracle = checked_oracle(state.markets[order.market_index], ctx).price
    refill_iceberg(state, order, ctx, oracle, events)


def _placing(place: Handler) -> Handler:
    """The PlaceOrder handler around `place` (place_order live, place_accepted_order on replay)."""

    def place_order(state: State, instruction: Any, ctx: Context, events: list[Event]) -> None:
        """PlaceOrder after the repeg, which is undone when the order is refused.

        The hot path: an order that finds no funding owed and no curve to re-peg pays for neither."""
        market = state.markets.get(instruction.market_index)
        if market is None:
            place(state, instruction, ctx, events)
            return
        user = state.users.get((instruction.authority, instruction.sub_account))
        pos = user.positions.get(instruction.market_index) if user is not None else None
        if pos is not None and funding_pending(market, pos):  # rare: settling mutates before the checks
            _transaction(state, instruction, ctx, events, place)
            return
        cfg = market.config
        if not cfg.amm_depth or not cfg.curve_update_intensity:  # no curve: update_amm has nothing to do
            place(state, instruction, ctx, events)
            return
        saved = saved_amm(market)
        try:
            update_amm(market, ctx, events)
            place(state, instruction, ctx, events)
        except BaseException:
            restore_amm(market, saved)
            raise

    return place_order


def _unsettled_funding(state: State, instruction: Any) -> tuple[UserAccount, Position] | None:
    """The trader's account and position when an order instruction finds funding owed on it."""
    if not isinstance(instruction, _PLACING):
        return None
    user = state.users.get((instruction.authority, instruction.sub_account))
    market = market_of(state, instruction)
    if user is None or market is None:
        return None
    pos = user.positions.get(market.config.market_index)
    return (user, pos) if pos is not None and funding_pending(market, pos) else None


def _crank(state: State, i: ix.Crank, ctx: Context, events: list[Event]) -> None:
    events.extend(crank.crank(state, ctx))


# Validate-then-mutate: safe without a snapshot, and the hot path.
_DIRECT: dict[type, Handler] = {
    ix.PlaceOrder: _placing(trading.place_order),
    ix.CancelOrder: trading.cancel_order,
    ix.CancelOrders: trading.cancel_orders,
    ix.CreateUserAccount: accounts.create_user_account,
    ix.DepositTokens: accounts.deposit_tokens,
    ix.WithdrawTokens: accounts.withdraw_tokens,
    ix.DepositInsuranceFund: admin.deposit_insurance_fund,
    ix.WithdrawInsuranceFund: admin.withdraw_insurance_fund,
    ix.InitializeMarket: admin.initialize_market,
    ix.UpdateMarketParameters: admin.update_market_parameters,
    ix.PauseProgram: admin.pause_program,
    ix.ResumeProgram: admin.resume_program,
    ix.TriggerCircuitBreaker: admin.trigger_circuit_breaker,
    ix.ResetCircuitBreaker: admin.reset_circuit_breaker,
    ix.UpdateOraclePrice: admin.update_oracle_price,
    ix.CalculateFundingRate: admin.calculate_funding_rate,
    ix.ProvideJitLiquidity: accounts.provide_jit_liquidity,
    ix.SettleFunding: accounts.settle_user_funding,
    ix.Crank: _crank,
}
_PLACING = (
    ix.PlaceOrder,
    ix.ModifyOrder,
    ix.PlaceOcoOrder,
    ix.PlaceBracketOrder,
    ix.PlaceTwapOrder,
    ix.PlaceIcebergOrder,
)
# Refusals can come after a first mutation: run against a snapshot.
_TRANSACTIONAL: dict[type, Handler] = {
    ix.ModifyOrder: trading.modify_order,
    ix.PlaceOcoOrder: advanced.place_oco_order,
    ix.PlaceBracketOrder: advanced.place_bracket_order,
    ix.PlaceTwapOrder: advanced.place_twap_order,
    ix.PlaceIcebergOrder: advanced.place_iceberg_order,
    ix.ExecuteTwapChunk: _execute_twap,
    ix.ExecuteIcebergChunk: _execute_iceberg,
    ix.ExecuteConditionalOrder: _execute_conditional,
    ix.LiquidatePosition: liquidation.liquidate_position,
    ix.LiquidatePositionCrossCollateral: liquidation.liquidate_collateral,
    ix.LiquidatePerpPnlForDeposit: liquidation.liquidate_perp_pnl_for_deposit,
}


# Replay mode: the journal holds only instructions the engine accepted, so a journaled PlaceOrder
# (nearly every entry) skips the checks that can only refuse it (trading.place_accepted_order).
_REPLAY_DIRECT: dict[type, Handler] = {**_DIRECT, ix.PlaceOrder: _placing(trading.place_accepted_order)}


def process(state: State, instruction: Any, ctx: Context) -> list[Event]:
    """Apply one instruction; returns its events or raises EngineError with state unchanged."""
    return _apply(_DIRECT, state, instruction, ctx)


def replay(state: State, instruction: Any, ctx: Context) -> list[Event]:
    """Apply one instruction the engine accepted before (a journal entry), in replay mode.

    Same state, events and refusals as `process` for every instruction `process` accepts from that
    state and context; a PlaceOrder skips the checks whose only outcome is a refusal, so an acked
    order also replays when a later rule change would refuse it. Every other instruction, and every
    check that changes what an order does, runs exactly as live."""
    return _apply(_REPLAY_DIRECT, state, instruction, ctx)


def _apply(direct: dict[type, Handler], state: State, instruction: Any, ctx: Context) -> list[Event]:
    events: list[Event] = []
    handler = direct.get(type(instruction))
    if handler is not None:
        handler(state, instruction, ctx, events)
        return events
    handler = _TRANSACTIONAL.get(type(instruction))
    if handler is None:
        raise EngineError(ErrorCode.INVALID_ORDER, f"unknown instruction {type(instruction).__name__}")
    _transaction(state, instruction, ctx, events, handler)
    return events


def _transaction(state: State, instruction: Any, ctx: Context, events: list[Event], handler: Handler) -> None:
    """Run `handler` against a snapshot that is restored when it refuses. An instruction that can fill
    re-pegs the curve first [fill_perp_order]; one that places an order settles the trader's funding
    first, so its margin check sees that funding in the balance, not in the (weighted, capped) pnl
    [place_perp_order -> settle_funding_payment]."""
    snapshot = copy_state(state)
    try:
        market = market_of(state, instruction)
        if market is not None:
            update_amm(market, ctx, events)
            unsettled = _unsettled_funding(state, instruction)
            if unsettled is not None:
                settle_funding(market, *unsettled, events)
        handler(state, instruction, ctx, events)
    except BaseException:
        restore_state(state, snapshot)
        raise


def crank_state(state: State, ctx: Context) -> list[Event]:
    """The crank as a function (also available as the Crank instruction)."""
    return crank.crank(state, ctx)

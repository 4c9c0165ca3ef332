"""Liquidation like Drift v2's controller: liquidate_perp, liquidate_perp_pnl_for_deposit, and
resolve_perp_bankruptcy.

An account below maintenance enters liquidation (and stays in it until it is back above
maintenance + buffer). Each call cancels its orders, then takes base (or pnl for collateral)
toward maintenance + buffer, at most the share of the shortage the per-call cap allows; the
liquidator fee escalates with slots in liquidation, the IF fee shrinks as the shortage grows.
"""

from __future__ import annotations

from .constants import (
    BASE_PRECISION,
    LIQUIDATION_PCT_PRECISION,
    LIQUIDATION_SMALL_PNL,
    LIQUIDATION_SMALL_POSITION,
    PRICE_PRECISION,
    SPOT_WEIGHT_PRECISION,
)
from .context import Context
from .enums import CollateralAsset, OrderStatus
from .errors import EngineError, ErrorCode
from .events import (
    Event,
    BankruptcyCovered,
    CollateralLiquidated,
    Liquidated,
    LiquidationStatusChanged,
    PositionChanged,
    SocializedLoss,
)
from .instructions import LiquidatePerpPnlForDeposit, LiquidatePosition, LiquidatePositionCrossCollateral
from .math import amm
from .math.fixed import div_ceil, round_down_to, round_up_to
from .math.insurance import plan_bankruptcy
from .math.liquidation import (
    NO_LIMIT,
    asset_transfer_for_liability_transfer,
    base_to_cover_margin_shortage,
    fee,
    liability_transfer_implied_by_asset_amount,
    liability_transfer_to_cover_margin_shortage,
    liquidation_fee,
    liquidation_multiplier,
    max_liquidation_fee,
    max_pct_to_liquidate,
    perp_if_fee,
)
from .math.margin import (
    ASSET_LIQUIDATOR_FEE,
    ASSET_PRECISION,
    ASSET_WEIGHTS,
    MAINTENANCE,
    SOL_ORACLE_MARKET,
    margin_ratio,
)
from .orders import close_order
from .positions import apply_amm_fill, apply_user_fill, credit, get_position, settle_funding
from .repeg import curve
from .risk import MarginSummary, account_margin, checked_oracle, liquidation_buffer_ratio, require_free_collateral
from .state import Market, Position, State, UserAccount
from .trading import get_market, get_user

USDC = CollateralAsset.USDC
QUOTE_DECIMALS = 6


def _counterparty(
    state: State, ix: LiquidatePosition | LiquidatePerpPnlForDeposit, user: UserAccount
) -> UserAccount | None:
    if ix.liquidator_authority == "":
        return None
    liquidator = get_user(state, ix.liquidator_authority, ix.liquidator_sub_account)
    if liquidator is user:
        raise EngineError(ErrorCode.SELF_LIQUIDATION, "an account cannot liquidate itself")
    if liquidator.bankrupt:
        raise EngineError(ErrorCode.USER_BANKRUPT, "the liquidator is bankrupt")
    return liquidator


def _set_status(user: UserAccount, being_liquidated: bool, slot: int, events: list[Event]) -> None:
    user.being_liquidated = being_liquidated
    if being_liquidated:
        user.liquidation_start_slot = slot
        user.liquidation_margin_freed = 0
    events.append(LiquidationStatusChanged(user.authority, user.sub_account, being_liquidated, slot, user.bankrupt))


def is_bankrupt(user: UserAccount) -> bool:
    """Drift's is_user_bankrupt: no assets, no open position or order, and a debt."""
    if any(amount > 0 for amount in user.balances.values()):
        return False
    if any(p.base or p.open_bids or p.open_asks or p.quote_entry > 0 for p in user.positions.values()):
        return False
    return user.balances.get(USDC, 0) < 0 or any(p.quote_entry < 0 for p in user.positions.values())


def enter_liquidation(state: State, user: UserAccount, ctx: Context, events: list[Event]) -> MarginSummary | None:
    """Settle funding, check the account may be liquidated, mark it, cancel its orders.

    Returns the margin after the cancels, or None when they alone brought it back above
    maintenance + buffer (then the account leaves liquidation, as in Drift).
    """
    if user.bankrupt:
        raise EngineError(ErrorCode.USER_BANKRUPT, "the account is bankrupt: its loss is being resolved")
    for market_index in sorted(user.positions):
        settle_funding(state.markets[market_index], user, user.positions[market_index], events)
    before = account_margin(state, user, ctx)
    if not before.liquidatable:
        if user.being_liquidated:
            _set_status(user, False, ctx.slot, events)
            return None
        raise EngineError(ErrorCode.NOT_LIQUIDATABLE, "account is above its maintenance margin")
    if not user.being_liquidated:
        _set_status(user, True, ctx.slot, events)
    cancelled = False
    for order_id in list(user.order_ids):
        order = state.orders.get(order_id)
        if order is not None:
            close_order(state, order, OrderStatus.CANCELLED, events, "account in liquidation")
            cancelled = True
    if not cancelled:
        return before
    after = account_margin(state, user, ctx)
    user.liquidation_margin_freed += max(0, before.margin_shortage - after.margin_shortage)
    if not after.liquidatable:
        _set_status(user, False, ctx.slot, events)
        return None
    return after


def _finish(state: State, user: UserAccount, covered: bool, shortage: int, ctx: Context, events: list[Event]) -> int:
    """Record the margin freed; leave liquidation once the shortage is covered, or go bankrupt."""
    after = account_margin(state, user, ctx)
    freed = max(0, shortage - after.margin_shortage)
    user.liquidation_margin_freed += freed
    if covered:
        _set_status(user, False, ctx.slot, events)
    elif is_bankrupt(user):
        user.bankrupt = True
    return freed


def liquidate_position(state: State, ix: LiquidatePosition, ctx: Context, events: list[Event]) -> None:
    """Drift's liquidate_perp. Runs on a copy (see processor): the liquidator's margin is only known
    after the takeover. Keeper mode (no liquidator) closes against the AMM, fees to the IF."""
    user = get_user(state, ix.authority, ix.sub_account)
    market = get_market(state, ix.market_index)
    liquidator = _counterparty(state, ix, user)
    oracle = checked_oracle(market, ctx).price
    pos = get_position(user, market) if _flat_in_debt(user) else user.positions.get(ix.market_index)
    if pos is None or (pos.base == 0 and not user.order_ids and not _flat_in_debt(user)):
        raise EngineError(ErrorCode.NO_POSITION, f"no {market.config.symbol} position to liquidate")
    margin = enter_liquidation(state, user, ctx, events)
    if margin is None:
        return
    if pos.base == 0:  # only orders, or only a debt: what the cancels leave is resolved as bankruptcy
        if _flat_in_debt(user):
            user.bankrupt = True
            resolve_bankruptcy(state, market, user, ctx.slot, events)
        return
    cfg = market.config
    step = cfg.step_size
    max_base = NO_LIMIT
    if ix.max_base_amount is not None:
        max_base = round_down_to(ix.max_base_amount, step)
        if max_base <= 0:
            raise EngineError(ErrorCode.INVALID_SIZE, "max base amount must be at least one step")
    size = abs(pos.base)
    ratio = margin_ratio(cfg.margin_ratio_initial, cfg.margin_ratio_maintenance, cfg.imf_factor, size, MAINTENANCE)
    ratio_with_buffer = ratio + liquidation_buffer_ratio(state)
    shortage = margin.margin_shortage
    fee_rate = liquidation_fee(
        cfg.liquidator_fee,
        max_liquidation_fee(cfg.liquidator_fee, cfg.margin_ratio_maintenance),
        user.liquidation_start_slot,
        ctx.slot,
    )
    if_rate = perp_if_fee(shortage, size, ratio_with_buffer, fee_rate, oracle, cfg.if_liquidation_fee)
    to_cover = base_to_cover_margin_shortage(shortage, ratio_with_buffer, fee_rate, if_rate, oracle)
    if to_cover != NO_LIMIT:
        to_cover = round_up_to(to_cover, step)
    max_pct = max_pct_to_liquidate(
        shortage,
        user.liquidation_margin_freed,
        ctx.slot - user.liquidation_start_slot,
        cfg.initial_pct_to_liquidate,
        cfg.liquidation_duration,
    )
    allowed = to_cover * max_pct // LIQUIDATION_PCT_PRECISION
    if allowed == 0:
        return
    small = size * oracle // BASE_PRECISION <= LIQUIDATION_SMALL_POSITION
    take = round_up_to(min(size, max_base, max(allowed, size if small else 0)), step)
    was_long = pos.base > 0
    delta = -take if was_long else take  # for the liquidated account
    if liquidator is None:
        realized, quote = _close_against_amm(market, user, pos, delta, oracle)
    else:
        realized, quote = _transfer_to_liquidator(market, user, pos, liquidator, delta, oracle, events)
    notional = take * oracle // BASE_PRECISION
    liq_fee, if_fee = fee(notional, fee_rate), fee(notional, if_rate)
    credit(user, -(liq_fee + if_fee))
    pos.fees_paid += liq_fee + if_fee
    state.insurance_fund += if_fee
    if liquidator is not None:
        credit(liquidator, liq_fee)
    else:
        state.insurance_fund += liq_fee
    events.append(
        PositionChanged(user.authority, user.sub_account, cfg.market_index, pos.base, pos.quote_entry, realized)
    )
    freed = _finish(state, user, take >= to_cover, shortage, ctx, events)
    events.append(
        Liquidated(
            user.authority,
            user.sub_account,
            cfg.market_index,
            ix.liquidator_authority,
            ix.liquidator_sub_account,
            delta,
            oracle,
            liq_fee,
            if_fee,
            fee_rate,
            if_rate,
            shortage,
            freed,
            max_pct,
            realized,
            quote,
        )
    )
    if liquidator is not None:
        require_free_collateral(state, liquidator, ctx, None, "taking over this position")
    if _flat_in_debt(user):
        resolve_bankruptcy(state, market, user, ctx.slot, events)


def _flat_in_debt(user: UserAccount) -> bool:
    return (
        all(p.base == 0 for p in user.positions.values())
        and user.balances.get(USDC, 0) < 0
        and not any(amount > 0 for asset, amount in user.balances.items() if asset != USDC)
    )


def _transfer_to_liquidator(
    market: Market,
    user: UserAccount,
    pos: Position,
    liquidator: UserAccount,
    delta: int,
    oracle: int,
    events: list[Event],
) -> tuple[int, int]:
    """The position changes hands at the oracle price; the rounding goes to the fee pool. Returns the
    liquidated account's realized pnl and the quote it received (sold) or paid (bought back)."""
    take = abs(delta)
    liq_pos = get_position(liquidator, market)
    settle_funding(market, liquidator, liq_pos, events)
    paid, received = div_ceil(take * oracle, BASE_PRECISION), take * oracle // BASE_PRECISION
    market.fee_pool += paid - received
    if delta < 0:  # the liquidated long sells to the liquidator
        realized = apply_user_fill(market, user, pos, delta, received)
        apply_user_fill(market, liquidator, liq_pos, take, -paid)
        return realized, received
    realized = apply_user_fill(market, user, pos, delta, -paid)
    apply_user_fill(market, liquidator, liq_pos, -take, received)
    return realized, paid


def _close_against_amm(market: Market, user: UserAccount, pos: Position, delta: int, oracle: int) -> tuple[int, int]:
    """Keeper liquidation: the AMM takes the position on its curve (or at the oracle with no curve).
    Returns the liquidated account's realized pnl and the quote it received or paid."""
    cfg = market.config
    size = abs(delta)
    if cfg.amm_depth and size < cfg.amm_depth + market.amm.base:
        if delta < 0:
            quote = amm.sell_proceeds(*curve(market, oracle), size)
        else:
            quote = amm.buy_cost(*curve(market, oracle), size)
    else:
        quote = size * oracle // BASE_PRECISION if delta < 0 else div_ceil(size * oracle, BASE_PRECISION)
    flow = quote if delta < 0 else -quote
    realized = apply_user_fill(market, user, pos, delta, flow)
    apply_amm_fill(market, -delta, -flow)
    return realized, quote


def resolve_bankruptcy(state: State, market: Market, user: UserAccount, slot: int, events: list[Event]) -> None:
    """Drift's resolve_perp_bankruptcy for the account's USDC debt: the insurance fund (capped per
    market, one unit always left in it), then the market's fee pool, then both sides' cumulative
    funding rates. With no open position in the market, its AMM pool carries the rest."""
    loss = -user.balances.get(USDC, 0)
    if loss <= 0:
        return
    cfg = market.config
    plan = plan_bankruptcy(
        loss,
        state.insurance_fund,
        cfg.quote_max_insurance,
        market.quote_settled_insurance,
        market.fee_pool,
        market.open_interest_long + market.open_interest_short,
    )
    state.insurance_fund -= plan.if_payment
    state.insurance_paid += plan.if_payment
    market.quote_settled_insurance += plan.if_payment
    market.fee_pool -= plan.fee_pool_payment
    credit(user, plan.if_payment + plan.fee_pool_payment + plan.loss_to_socialize)
    if plan.if_payment or plan.fee_pool_payment:
        events.append(
            BankruptcyCovered(
                user.authority, user.sub_account, plan.if_payment, cfg.market_index, plan.fee_pool_payment
            )
        )
    user.total_socialized_loss += loss  # Drift's counter: the whole debt written off
    user.bankrupt = False
    if user.being_liquidated:
        _set_status(user, False, slot, events)
    rest = plan.loss_to_socialize
    if rest <= 0:
        return
    # positions pay it into the AMM pool as their funding settles
    market.amm_balance -= rest
    market.cumulative_funding_rate_long += plan.funding_rate_delta
    market.cumulative_funding_rate_short -= plan.funding_rate_delta
    state.socialized_loss += rest
    market.socialized_loss += rest
    events.append(SocializedLoss(cfg.market_index, rest, plan.funding_rate_delta))


def liquidate_collateral(state: State, ix: LiquidatePositionCrossCollateral, ctx: Context, events: list[Event]) -> None:
    """The older instruction: liquidate_perp_pnl_for_deposit against SOL-PERP."""
    pnl_ix = LiquidatePerpPnlForDeposit(
        ix.liquidator_authority,
        ix.liquidator_sub_account,
        ix.authority,
        ix.sub_account,
        SOL_ORACLE_MARKET,
        ix.asset,
        ix.max_amount,
    )
    liquidate_perp_pnl_for_deposit(state, pnl_ix, ctx, events)


def liquidate_perp_pnl_for_deposit(
    state: State, ix: LiquidatePerpPnlForDeposit, ctx: Context, events: list[Event]
) -> None:
    """Drift's liquidate_perp_pnl_for_deposit. Our negative perp pnl is realized into the USDC
    balance, so the pnl taken over is the account's USDC debt. Runs on a copy (see processor)."""
    user = get_user(state, ix.authority, ix.sub_account)
    if ix.liquidator_authority == "":
        raise EngineError(ErrorCode.UNKNOWN_ACCOUNT, "taking pnl for collateral needs a liquidator account")
    liquidator = _counterparty(state, ix, user)
    assert liquidator is not None
    asset = int(ix.asset)
    if asset == USDC or asset not in ASSET_PRECISION:
        raise EngineError(ErrorCode.UNKNOWN_ASSET, "only non-USDC collateral can be taken over")
    market = get_market(state, ix.perp_market_index)
    pos = user.positions.get(ix.perp_market_index)
    if pos is not None and pos.base != 0:
        raise EngineError(ErrorCode.NOT_LIQUIDATABLE, f"close the {market.config.symbol} position first")
    if -user.balances.get(USDC, 0) <= 0 or user.balances.get(asset, 0) <= 0:
        raise EngineError(ErrorCode.NOT_LIQUIDATABLE, "the account owes no USDC against this collateral")
    asset_price = checked_oracle(get_market(state, SOL_ORACLE_MARKET), ctx).price
    margin = enter_liquidation(state, user, ctx, events)
    if margin is None:
        return
    debt, held = -user.balances.get(USDC, 0), user.balances.get(asset, 0)
    if debt <= 0:
        return
    asset_decimals = len(str(ASSET_PRECISION[asset])) - 1
    asset_multiplier = liquidation_multiplier(ASSET_LIQUIDATOR_FEE[asset], premium=True)
    pnl_multiplier = liquidation_multiplier(market.config.liquidator_fee, premium=False)
    shortage = margin.margin_shortage
    to_cover = liability_transfer_to_cover_margin_shortage(
        shortage,
        ASSET_WEIGHTS[asset][1],
        asset_multiplier,
        SPOT_WEIGHT_PRECISION + liquidation_buffer_ratio(state),
        pnl_multiplier,
        QUOTE_DECIMALS,
        PRICE_PRECISION,
    )
    max_pct = max_pct_to_liquidate(
        shortage,
        user.liquidation_margin_freed,
        ctx.slot - user.liquidation_start_slot,
        market.config.initial_pct_to_liquidate,
        market.config.liquidation_duration,
    )
    allowed = to_cover * max_pct // LIQUIDATION_PCT_PRECISION
    if allowed == 0:
        return
    implied = liability_transfer_implied_by_asset_amount(
        held, asset_multiplier, asset_decimals, asset_price, pnl_multiplier, QUOTE_DECIMALS, PRICE_PRECISION
    )
    minimum = debt if debt <= LIQUIDATION_SMALL_PNL else 0
    limit = NO_LIMIT if ix.max_pnl_transfer is None else ix.max_pnl_transfer
    pnl_transfer = min(limit, debt, max(allowed, minimum), implied)
    seized = asset_transfer_for_liability_transfer(
        held,
        asset_multiplier,
        asset_decimals,
        asset_price,
        pnl_transfer,
        pnl_multiplier,
        QUOTE_DECIMALS,
        PRICE_PRECISION,
    )
    if pnl_transfer <= 0 or seized <= 0:
        raise EngineError(ErrorCode.INVALID_AMOUNT, "nothing to transfer at this size")
    seized = min(seized, held)
    credit(liquidator, -pnl_transfer)
    credit(user, pnl_transfer)
    user.balances[asset] = held - seized
    liquidator.balances[asset] = liquidator.balances.get(asset, 0) + seized
    _finish(state, user, pnl_transfer >= to_cover, shortage, ctx, events)
    events.append(
        CollateralLiquidated(
            user.authority,
            user.sub_account,
            ix.liquidator_authority,
            ix.liquidator_sub_account,
            asset,
            seized,
            pnl_transfer,
        )
    )
    require_free_collateral(state, liquidator, ctx, None, "taking over this collateral")
    if _flat_in_debt(user):
        resolve_bankruptcy(state, market, user, ctx.slot, events)

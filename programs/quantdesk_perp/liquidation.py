"""liquidate_position: cancel orders, take part of the position, fees, then bankruptcy if needed."""

from __future__ import annotations

from .constants import BASE_PRECISION, PERCENTAGE_PRECISION
from .context import Context
from .enums import CollateralAsset, OrderStatus
from .errors import EngineError, ErrorCode
from .events import BankruptcyCovered, CollateralLiquidated, Liquidated, PositionChanged, SocializedLoss
from .instructions import LiquidatePosition, LiquidatePositionCrossCollateral
from .math import amm
from .math.fixed import div_ceil, round_down_to
from .math.liquidation import fee, liquidation_base
from .math.margin import ASSET_PRECISION, SOL_ORACLE_MARKET
from .orders import close_order
from .positions import apply_amm_fill, apply_user_fill, credit, get_position, settle_funding
from .risk import account_margin, checked_oracle, require_free_collateral
from .state import Market, State, UserAccount
from .trading import get_market, get_user

USDC = CollateralAsset.USDC


def liquidate_position(state: State, ix: LiquidatePosition, ctx: Context, events: list) -> None:
    """Runs on a copy (see processor): the liquidator's margin is only known after the takeover."""
    user = get_user(state, ix.authority, ix.sub_account)
    market = get_market(state, ix.market_index)
    keeper = ix.liquidator_authority == ""
    liquidator = None
    if not keeper:
        liquidator = get_user(state, ix.liquidator_authority, ix.liquidator_sub_account)
        if liquidator is user:
            raise EngineError(ErrorCode.SELF_LIQUIDATION, "an account cannot liquidate itself")
    oracle = checked_oracle(market, ctx).price
    pos = user.positions.get(ix.market_index)
    if pos is None or pos.base == 0:
        raise EngineError(ErrorCode.NO_POSITION, f"no {market.config.symbol} position to liquidate")
    if not account_margin(state, user, ctx).liquidatable:
        raise EngineError(ErrorCode.NOT_LIQUIDATABLE, "account is above its maintenance margin")
    for order_id in list(user.order_ids):
        order = state.orders.get(order_id)
        if order is not None:
            close_order(state, order, OrderStatus.CANCELLED, events, "account in liquidation")
    for market_index in sorted(user.positions):
        settle_funding(state.markets[market_index], user, user.positions[market_index], events)
    cfg = market.config
    buffered = account_margin(state, user, ctx, extra_ratio=cfg.liquidation_buffer)
    deficit = buffered.initial_requirement - buffered.total_collateral
    fee_rate = cfg.liquidator_fee + cfg.if_liquidation_fee
    take = liquidation_base(
        deficit, cfg.initial_margin_ratio + cfg.liquidation_buffer, fee_rate, oracle, cfg.step_size, pos.base
    )
    if ix.max_base_amount is not None:
        take = min(take, round_down_to(ix.max_base_amount, cfg.step_size))
    if take <= 0:
        raise EngineError(ErrorCode.INVALID_SIZE, "nothing to liquidate at this size")
    was_long = pos.base > 0
    delta = -take if was_long else take  # for the liquidated account
    if keeper:
        _close_against_amm(market, user, pos, delta, oracle)
    else:
        assert liquidator is not None
        liq_pos = get_position(liquidator, market)
        settle_funding(market, liquidator, liq_pos, events)
        paid, received = div_ceil(take * oracle, BASE_PRECISION), take * oracle // BASE_PRECISION
        market.fee_pool += paid - received
        if was_long:  # the liquidated long sells to the liquidator
            apply_user_fill(market, user, pos, delta, received)
            apply_user_fill(market, liquidator, liq_pos, take, -paid)
        else:
            apply_user_fill(market, user, pos, delta, -paid)
            apply_user_fill(market, liquidator, liq_pos, -take, received)
    notional = take * oracle // BASE_PRECISION
    liq_fee, if_fee = fee(notional, cfg.liquidator_fee), fee(notional, cfg.if_liquidation_fee)
    credit(user, -(liq_fee + if_fee))
    pos.fees_paid += liq_fee + if_fee
    state.insurance_fund += if_fee
    if liquidator is not None:
        credit(liquidator, liq_fee)
    else:
        state.insurance_fund += liq_fee
    events.append(
        PositionChanged(user.authority, user.sub_account, cfg.market_index, pos.base, pos.quote_entry, 0)
    )
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
        )
    )
    if liquidator is not None:
        require_free_collateral(state, liquidator, ctx, None, "taking over this position")
    if (
        all(p.base == 0 for p in user.positions.values())
        and user.balances.get(USDC, 0) < 0
        and not any(amount > 0 for asset, amount in user.balances.items() if asset != USDC)
    ):
        resolve_bankruptcy(state, market, user, was_long, events)


def _close_against_amm(market: Market, user: UserAccount, pos, delta: int, oracle: int) -> None:
    """Keeper liquidation: the AMM takes the position on its curve (or at the oracle with no curve)."""
    cfg = market.config
    size = abs(delta)
    if cfg.amm_depth and size < cfg.amm_depth + market.amm.base:
        if delta < 0:
            quote = amm.sell_proceeds(oracle, cfg.amm_depth, market.amm.base, cfg.amm_half_spread, size)
        else:
            quote = amm.buy_cost(oracle, cfg.amm_depth, market.amm.base, cfg.amm_half_spread, size)
    else:
        quote = size * oracle // BASE_PRECISION if delta < 0 else div_ceil(size * oracle, BASE_PRECISION)
    flow = quote if delta < 0 else -quote
    apply_user_fill(market, user, pos, delta, flow)
    apply_amm_fill(market, -delta, -flow)


def resolve_bankruptcy(
    state: State, market: Market, user: UserAccount, was_long: bool | None, events: list
) -> None:
    """The insurance fund pays the negative balance; what it cannot pay is charged to the other side
    of the last position (was_long None, a debt without a position: to the market's AMM pool)."""
    loss = -user.balances.get(USDC, 0)
    cover = min(loss, state.insurance_fund)
    if cover:
        state.insurance_fund -= cover
        state.insurance_paid += cover
        credit(user, cover)
        events.append(BankruptcyCovered(user.authority, user.sub_account, cover))
    rest = loss - cover
    if rest <= 0:
        return
    credit(user, rest)
    state.socialized_loss += rest
    market.socialized_loss += rest
    market_index = market.config.market_index
    holders = []
    for key in sorted(state.users) if was_long is not None else ():
        pos = state.users[key].positions.get(market_index)
        if pos is not None and (pos.base < 0 if was_long else pos.base > 0):
            holders.append(pos)
    total = sum(abs(p.base) for p in holders)
    remaining = rest
    for pos in holders:
        share = min(remaining, div_ceil(rest * abs(pos.base), total))  # rounded up, capped at what is left
        pos.quote_entry -= share
        remaining -= share
    if remaining:
        market.amm_balance -= remaining  # no user on the other side: the AMM's pool carries it
    events.append(SocializedLoss(market_index, rest))


def liquidate_collateral(
    state: State, ix: LiquidatePositionCrossCollateral, ctx: Context, events: list
) -> None:
    """Runs on a copy (see processor): the liquidator's margin is checked after the transfer."""
    user = get_user(state, ix.authority, ix.sub_account)
    liquidator = get_user(state, ix.liquidator_authority, ix.liquidator_sub_account)
    if liquidator is user:
        raise EngineError(ErrorCode.SELF_LIQUIDATION, "an account cannot liquidate itself")
    asset = int(ix.asset)
    if asset == USDC or asset not in ASSET_PRECISION:
        raise EngineError(ErrorCode.UNKNOWN_ASSET, "only non-USDC collateral can be taken over")
    debt = -user.balances.get(USDC, 0)
    held = user.balances.get(asset, 0)
    if debt <= 0 or held <= 0:
        raise EngineError(ErrorCode.NOT_LIQUIDATABLE, "the account owes no USDC against this collateral")
    if not account_margin(state, user, ctx).liquidatable:
        raise EngineError(ErrorCode.NOT_LIQUIDATABLE, "account is above its maintenance margin")
    market = get_market(state, SOL_ORACLE_MARKET)
    oracle = checked_oracle(market, ctx)
    # the liquidator buys at the low side of the band less its fee: a discount, against the user
    price = (oracle.price - oracle.conf) * (PERCENTAGE_PRECISION - market.config.liquidator_fee)
    scale = ASSET_PRECISION[asset] * PERCENTAGE_PRECISION
    repay = debt if ix.max_amount is None else min(debt, ix.max_amount)
    if repay <= 0 or price <= 0:
        raise EngineError(ErrorCode.INVALID_AMOUNT, "nothing to repay")
    seized = div_ceil(repay * scale, price)  # collateral rounds up: against the user
    if seized > held:
        seized = held
        repay = held * price // scale  # what the whole balance pays, rounded down
    credit(liquidator, -repay)
    credit(user, repay)
    user.balances[asset] = held - seized
    liquidator.balances[asset] = liquidator.balances.get(asset, 0) + seized
    events.append(
        CollateralLiquidated(
            user.authority,
            user.sub_account,
            ix.liquidator_authority,
            ix.liquidator_sub_account,
            asset,
            seized,
            repay,
        )
    )
    require_free_collateral(state, liquidator, ctx, None, "taking over this collateral")
    flat = all(p.base == 0 for p in user.positions.values())
    no_collateral = not any(amount > 0 for a, amount in user.balances.items() if a != USDC)
    if flat and no_collateral and user.balances.get(USDC, 0) < 0:
        resolve_bankruptcy(state, market, user, None, events)

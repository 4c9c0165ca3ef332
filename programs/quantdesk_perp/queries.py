"""Pure read-only helpers for the backend and the TUI: margin, liquidation price, order preview, book."""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from .constants import BASE_PRECISION, MARGIN_PRECISION
from .context import Context, OraclePrice
from .enums import CollateralAsset, OrderType
from .errors import EngineError
from .events import OrderFilled
from .instructions import PlaceOrder
from .math import amm
from .repeg import curve
from .math.fixed import div_ceil
from .math.funding import max_price_divergence
from .math.liquidation import liquidation_fee, max_liquidation_fee, max_pct_to_liquidate, perp_if_fee
from .math.margin import MAINTENANCE, margin_ratio
from .processor import process
from .risk import MarginSummary, liquidation_buffer_ratio, margin_price
from .risk import account_margin as _account_margin
from .state import State, UserAccount, copy_state
from .trading import get_market, get_user


def account_margin(state: State, authority: str, sub_account: int, ctx: Context) -> MarginSummary:
    return _account_margin(state, get_user(state, authority, sub_account), ctx)


def liquidation_price(state: State, authority: str, sub_account: int, market_index: int, ctx: Context) -> int | None:
    """Oracle price of `market_index` at which the account becomes liquidatable, other prices held.

    The boundary of account_margin(...).liquidatable itself (the same size-adjusted requirement,
    pnl weights, funding and rounding): for a long the highest liquidatable price, for a short the
    lowest, so it never warns late. None when flat or when no positive price liquidates the account.
    """
    user = get_user(state, authority, sub_account)
    pos = user.positions.get(market_index)
    if pos is None or pos.base == 0:
        return None
    market = get_market(state, market_index)
    price, _conf = margin_price(market, ctx)
    is_long = pos.base > 0

    def liquidatable(at: int) -> bool:
        oracles = dict(ctx.oracles)
        oracles[market_index] = OraclePrice(at, 0, ctx.slot, ctx.unix_time)
        return _account_margin(state, user, Context(ctx.slot, ctx.unix_time, oracles)).liquidatable

    guess = _linear_guess(state, user, pos.base, market_index, price, ctx)
    if guess is None:
        return None
    return _boundary(liquidatable, max(guess, 1), is_long)


def _linear_guess(
    state: State, user: UserAccount, base: int, market_index: int, price: int, ctx: Context
) -> int | None:
    """Where maintenance collateral meets the maintenance requirement if both move linearly."""
    market = state.markets[market_index]
    cfg = market.config
    pos = user.positions[market_index]
    worst = max(abs(base + pos.open_bids), abs(base - pos.open_asks))
    ratio = margin_ratio(cfg.margin_ratio_initial, cfg.margin_ratio_maintenance, cfg.imf_factor, worst, MAINTENANCE)
    slope = base * MARGIN_PRECISION - worst * ratio  # per unit price, scaled by 1e9 * 1e4
    if slope == 0:
        return None
    summary = _account_margin(state, user, ctx)
    gap = (summary.maintenance_requirement - summary.maintenance_collateral) * BASE_PRECISION * MARGIN_PRECISION
    return price + (div_ceil(gap, slope) if base > 0 else gap // slope)


def _boundary(liquidatable: Callable[[int], bool], guess: int, is_long: bool) -> int | None:
    """The last liquidatable price going up (long) or the first going down (short), found from
    `guess` by doubling steps then bisection. None when no positive price liquidates."""
    healthy = 1 if is_long else -1  # moving this way makes the account healthier

    def walk(start: int, toward: int, until: bool) -> tuple[int, int] | None:
        """From `start`, double steps `toward` until liquidatable(p) == until: (last, first)."""
        last, step = start, 1
        for _ in range(128):
            probe = max(last + toward * step, 1)
            if liquidatable(probe) == until:
                return last, probe
            if probe == 1:
                return None
            last, step = probe, step * 2
        return None

    if liquidatable(guess):
        found = walk(guess, healthy, False)
        if found is None:
            return None
        bad, good = found
    else:
        found = walk(guess, -healthy, True)
        if found is None:
            return None
        good, bad = found
    while abs(good - bad) > 1:
        mid = (good + bad) // 2
        if liquidatable(mid):
            bad = mid
        else:
            good = mid
    return bad


class OrderPreview(msgspec.Struct, frozen=True):
    base_filled: int  # what would fill immediately
    quote: int
    average_price: int  # 0 when nothing fills now
    fee: int
    resting: int  # base left resting on the book (or waiting for a trigger)
    margin_before: MarginSummary
    margin_after: MarginSummary | None
    liquidation_price: int | None
    error_code: str | None = None
    error_message: str | None = None


def preview_order(state: State, order: PlaceOrder, ctx: Context) -> OrderPreview:
    """Run the order on a copy of the state: estimated fill, fee, margin impact, leverage, liq price."""
    user = get_user(state, order.authority, order.sub_account)
    before = _account_margin(state, user, ctx)
    trial = copy_state(state)
    if order.order_type == OrderType.MARKET:
        order = msgspec.structs.replace(order, auction_duration_slots=0)
    try:
        events = process(trial, order, ctx)
    except EngineError as err:
        return OrderPreview(0, 0, 0, 0, 0, before, None, None, err.code.name, err.message)
    base = quote = fee = 0
    for event in events:
        if (
            isinstance(event, OrderFilled)
            and event.taker_authority == order.authority
            and event.taker_sub_account == order.sub_account
        ):
            base += event.base
            quote += event.quote
            fee += event.taker_fee
    resting = sum(
        o.size - o.filled
        for o in trial.orders.values()
        if o.authority == order.authority and o.sub_account == order.sub_account and o.order_id >= state.next_order_id
    )
    after = _account_margin(trial, trial.users[(order.authority, order.sub_account)], ctx)
    liq = liquidation_price(trial, order.authority, order.sub_account, order.market_index, ctx)
    average = quote * BASE_PRECISION // base if base else 0
    return OrderPreview(base, quote, average, fee, resting, before, after, liq)


def book_levels(
    state: State, market_index: int, depth: int = 10
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Resting orders aggregated by price: (bids best first, asks best first) of (price, base)."""
    market = get_market(state, market_index)
    orders = state.orders

    def level(levels: dict[int, list[int]], price: int) -> tuple[int, int]:
        return price, sum(orders[i].size - orders[i].filled for i in levels[price])

    bids = [level(market.bids, p) for p in reversed(market.bid_prices[-depth:])]
    asks = [level(market.asks, p) for p in market.ask_prices[:depth]]
    return bids, asks


def amm_quotes(state: State, market_index: int, ctx: Context) -> tuple[int, int]:
    """The curve's (bid, ask) for the next unit, 0s when the market has no curve."""
    market = get_market(state, market_index)
    cfg = market.config
    if not cfg.amm_depth:
        return 0, 0
    price, _conf = margin_price(market, ctx)
    return (
        amm.bid_price(*curve(market, price)),
        amm.ask_price(*curve(market, price)),
    )


def accounts_at_risk(state: State, ctx: Context) -> list[tuple[str, int]]:
    """Accounts below maintenance margin (liquidatable), in key order."""
    risky = []
    for key in sorted(state.users):
        user = state.users[key]
        exposed = any(p.base for p in user.positions.values()) or user.balances.get(0, 0) < 0
        if exposed and _account_margin(state, user, ctx).liquidatable:
            risky.append(key)
    return risky


def collateral_ledger(state: State) -> tuple[int, int]:
    """(USDC deposits - withdrawals, USDC held across every ledger): equal at all times."""
    usdc = CollateralAsset.USDC
    external = state.total_deposits.get(usdc, 0) - state.total_withdrawals.get(usdc, 0)
    held = state.insurance_fund
    for user in state.users.values():
        held += user.balances.get(usdc, 0) + sum(p.quote_entry for p in user.positions.values())
    for market in state.markets.values():
        held += market.amm.quote_entry + market.amm_balance + market.fee_pool
    return external, held


class FundingView(msgspec.Struct, frozen=True):
    """The last funding update of a market and its intermediates (Drift's FundingRateRecord)."""

    market_index: int
    contract_tier: int  # ContractTier
    funding_rate: int  # FUNDING_RATE_PRECISION quote per base per period
    funding_rate_long: int
    funding_rate_short: int
    cumulative_funding_rate_long: int
    cumulative_funding_rate_short: int
    price_spread: int  # mark TWAP - oracle TWAP (PRICE_PRECISION)
    offset: int  # oracle TWAP / 5000
    clamped_spread: int  # spread + offset clamped to the tier's divergence
    max_price_spread: int  # that divergence now, from the current oracle TWAP
    oracle_twap: int  # at the last update
    mark_twap: int  # now
    amm_revenue: int  # quote the AMM's side got from the last update (negative = paid)
    last_funding_time: int
    next_funding_time: int


def funding_info(state: State, market_index: int) -> FundingView:
    market = get_market(state, market_index)
    cfg = market.config
    return FundingView(
        market_index,
        cfg.contract_tier,
        market.last_funding_rate,
        market.last_funding_rate_long,
        market.last_funding_rate_short,
        market.cumulative_funding_rate_long,
        market.cumulative_funding_rate_short,
        market.last_price_spread,
        market.last_funding_offset,
        market.last_clamped_spread,
        max_price_divergence(cfg.contract_tier, market.oracle_twap),
        market.last_funding_oracle_twap,
        market.mark_twap,
        market.last_funding_amm_revenue,
        market.last_funding_time,
        market.last_funding_time + cfg.funding_interval,
    )


class LiquidationView(msgspec.Struct, frozen=True):
    """Where an account stands toward liquidation, and what a liquidation would charge right now."""

    being_liquidated: bool
    bankrupt: bool
    liquidatable: bool
    liquidation_start_slot: int
    slots_in_liquidation: int
    margin_shortage: int  # to maintenance + buffer (QUOTE_PRECISION)
    liquidation_requirement: int
    liquidation_collateral: int
    margin_freed: int  # in this liquidation so far
    max_pct: int  # LIQUIDATION_PCT_PRECISION of the shortage the next call may free
    liquidator_fee_rates: dict[int, int]  # market -> LIQUIDATION_FEE_PRECISION, escalated by now
    if_fee_rates: dict[int, int]  # market -> LIQUIDATION_FEE_PRECISION the IF would take now
    total_socialized_loss: int


def liquidation_status(state: State, authority: str, sub_account: int, ctx: Context) -> LiquidationView:
    user = get_user(state, authority, sub_account)
    summary = _account_margin(state, user, ctx)
    start = user.liquidation_start_slot if user.being_liquidated else ctx.slot
    buffer = liquidation_buffer_ratio(state)
    fees: dict[int, int] = {}
    if_fees: dict[int, int] = {}
    max_pct = 0
    for index, pos in sorted(user.positions.items()):
        if pos.base == 0:
            continue
        cfg = state.markets[index].config
        price = margin_price(state.markets[index], ctx)[0]
        fees[index] = liquidation_fee(
            cfg.liquidator_fee,
            max_liquidation_fee(cfg.liquidator_fee, cfg.margin_ratio_maintenance),
            start,
            ctx.slot,
        )
        ratio = margin_ratio(
            cfg.margin_ratio_initial, cfg.margin_ratio_maintenance, cfg.imf_factor, abs(pos.base), MAINTENANCE
        )
        if_fees[index] = perp_if_fee(
            summary.margin_shortage, pos.base, ratio + buffer, fees[index], price, cfg.if_liquidation_fee
        )
        max_pct = max(
            max_pct,
            max_pct_to_liquidate(
                summary.margin_shortage,
                user.liquidation_margin_freed,
                ctx.slot - start,
                cfg.initial_pct_to_liquidate,
                cfg.liquidation_duration,
            )
            if summary.margin_shortage
            else 0,
        )
    return LiquidationView(
        user.being_liquidated,
        user.bankrupt,
        summary.liquidatable,
        user.liquidation_start_slot,
        ctx.slot - start,
        summary.margin_shortage,
        summary.liquidation_requirement,
        summary.liquidation_collateral,
        user.liquidation_margin_freed,
        max_pct,
        fees,
        if_fees,
        user.total_socialized_loss,
    )


class MarketInsuranceView(msgspec.Struct, frozen=True):
    market_index: int
    quote_max_insurance: int  # the most the fund pays this market's bankruptcies
    quote_settled_insurance: int  # paid so far
    fee_pool: int  # pays after the fund, before socialization
    socialized_loss: int  # spread over the market's positions through funding


class InsuranceView(msgspec.Struct, frozen=True):
    insurance_fund: int
    insurance_paid: int
    socialized_loss: int
    markets: list[MarketInsuranceView]


def insurance_info(state: State) -> InsuranceView:
    markets = [
        MarketInsuranceView(
            i,
            m.config.quote_max_insurance,
            m.quote_settled_insurance,
            m.fee_pool,
            m.socialized_loss,
        )
        for i, m in sorted(state.markets.items())
    ]
    return InsuranceView(state.insurance_fund, state.insurance_paid, state.socialized_loss, markets)

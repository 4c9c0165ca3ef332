"""Oracle guards and account-level margin: collateral across assets, requirements across markets."""

from __future__ import annotations

import msgspec

from .constants import BASE_PRECISION, MARGIN_PRECISION
from .context import Context, OraclePrice
from .errors import EngineError, ErrorCode
from .math.fixed import div_ceil
from .math.funding import funding_owed
from .math.margin import ASSET_WEIGHTS, SOL_ORACLE_MARKET, collateral_value, size_adjusted_ratio, weighted
from .state import Market, Position, State, UserAccount


class MarginSummary(msgspec.Struct, frozen=True):
    total_collateral: int  # initial-weighted collateral + unrealized pnl - pending funding (quote)
    maintenance_collateral: int  # the same with maintenance weights
    initial_requirement: int
    maintenance_requirement: int
    free_collateral: int  # total_collateral - initial_requirement
    notional: int  # sum of |base| * price over positions
    leverage: int  # MARGIN_PRECISION: notional / total collateral (10_000 = 1x)
    margin_ratio: int  # MARGIN_PRECISION: maintenance collateral / notional (0 when flat)
    unrealized_pnl: int

    @property
    def liquidatable(self) -> bool:
        return self.maintenance_collateral < self.maintenance_requirement  # flat but in debt counts too


def checked_oracle(market: Market, ctx: Context) -> OraclePrice:
    """The oracle price fills may use, or a refusal naming what is wrong with it."""
    cfg = market.config
    oracle = ctx.oracles.get(cfg.market_index)
    if oracle is None:
        raise EngineError(ErrorCode.ORACLE_UNAVAILABLE, f"no oracle price for {cfg.symbol}")
    if oracle.price <= 0:
        raise EngineError(ErrorCode.INVALID_PRICE, f"{cfg.symbol} oracle price is not positive")
    if ctx.slot - oracle.publish_slot > cfg.oracle_max_staleness_slots:
        raise EngineError(
            ErrorCode.ORACLE_STALE,
            f"{cfg.symbol} oracle is {ctx.slot - oracle.publish_slot} slots old "
            f"(max {cfg.oracle_max_staleness_slots})",
        )
    if oracle.conf * MARGIN_PRECISION > oracle.price * cfg.oracle_max_conf:
        raise EngineError(ErrorCode.ORACLE_TOO_UNCERTAIN, f"{cfg.symbol} oracle confidence band is too wide")
    return oracle


def margin_price(market: Market, ctx: Context) -> tuple[int, int]:
    """(price, conf) for valuing: the ctx observation, else the last one the market saw."""
    oracle = ctx.oracles.get(market.config.market_index)
    if oracle is not None and oracle.price > 0:
        return oracle.price, oracle.conf
    if market.last_oracle_price > 0:
        return market.last_oracle_price, 0
    raise EngineError(ErrorCode.ORACLE_UNAVAILABLE, f"no oracle price for {market.config.symbol}")


def account_margin(
    state: State,
    user: UserAccount,
    ctx: Context,
    what_if: tuple[int, int, int] | None = None,
    extra_ratio: int = 0,
) -> MarginSummary:
    """Margin of `user`; `what_if` = (market_index, base delta, quote delta) of a hypothetical fill.

    Longs are valued at the low side of the oracle band, shorts at the high side, requirements at
    the high side; requirements include open orders (worst case of all bids or all asks filling).
    `extra_ratio` (MARGIN_PRECISION) is added to initial ratios, e.g. the liquidation buffer.
    """
    markets = state.markets
    init_coll = maint_coll = 0
    for asset, amount in user.balances.items():
        if amount == 0:
            continue
        price_low = 0
        if asset != 0:
            price, conf = margin_price(markets[SOL_ORACLE_MARKET], ctx)
            price_low = price - conf
        value = collateral_value(asset, amount, price_low)
        w_init, w_maint = ASSET_WEIGHTS[asset]
        init_coll += weighted(value, w_init)
        maint_coll += weighted(value, w_maint)
    upnl = init_req = maint_req = notional = 0
    positions = user.positions
    hypothetical = what_if[0] if what_if is not None else -1
    if hypothetical >= 0 and hypothetical not in positions:
        positions = dict(positions)
        positions[hypothetical] = Position(
            hypothetical, last_cumulative_funding=markets[hypothetical].cumulative_funding
        )
    for market_index, pos in positions.items():
        base, quote = pos.base, pos.quote_entry
        bids, asks = pos.open_bids, pos.open_asks
        if market_index == hypothetical:
            base += what_if[1]  # type: ignore[index]
            quote += what_if[2]  # type: ignore[index]
        if base == 0 and bids == 0 and asks == 0 and quote == 0:
            continue
        market = markets[market_index]
        cfg = market.config
        price, conf = margin_price(market, ctx)
        if base > 0:
            pnl = base * (price - conf) // BASE_PRECISION + quote
        else:
            pnl = quote - div_ceil(-base * (price + conf), BASE_PRECISION)
        if base and market.cumulative_funding != pos.last_cumulative_funding:
            pnl -= funding_owed(base, market.cumulative_funding, pos.last_cumulative_funding)
        upnl += pnl
        high = price + conf
        worst = max(abs(base + bids), abs(base - asks))
        if worst:
            worst_notional = div_ceil(worst * high, BASE_PRECISION)
            ratio = size_adjusted_ratio(cfg.initial_margin_ratio, cfg.imf_factor, worst) + extra_ratio
            init_req += div_ceil(worst_notional * ratio, MARGIN_PRECISION)
        if base:
            base_notional = div_ceil(abs(base) * high, BASE_PRECISION)
            notional += base_notional
            imf_maint = cfg.imf_factor * cfg.maintenance_margin_ratio // max(cfg.initial_margin_ratio, 1)
            m_ratio = size_adjusted_ratio(cfg.maintenance_margin_ratio, imf_maint, base)
            maint_req += div_ceil(base_notional * m_ratio, MARGIN_PRECISION)
    total = init_coll + upnl
    maint_total = maint_coll + upnl
    leverage = notional * MARGIN_PRECISION // total if total > 0 else (0 if notional == 0 else 10**12)
    ratio = maint_total * MARGIN_PRECISION // notional if notional else 0
    return MarginSummary(
        total, maint_total, init_req, maint_req, total - init_req, notional, leverage, ratio, upnl
    )


def require_free_collateral(
    state: State, user: UserAccount, ctx: Context, what_if: tuple[int, int, int] | None, doing: str
) -> MarginSummary:
    summary = account_margin(state, user, ctx, what_if)
    if summary.free_collateral < 0:
        raise EngineError(
            ErrorCode.INSUFFICIENT_COLLATERAL,
            f"{doing} needs {summary.initial_requirement / 1e6:,.2f} USD of margin; "
            f"collateral is {summary.total_collateral / 1e6:,.2f} USD",
        )
    return summary


def free_collateral(
    state: State,
    user: UserAccount,
    ctx: Context,
    market_index: int = -1,
    d_base: int = 0,
    d_quote: int = 0,
    d_bids: int = 0,
    d_asks: int = 0,
) -> int:
    """account_margin(...).free_collateral, inlined for the order hot path (same math, same rounding).

    The d_* arguments change the position in `market_index` hypothetically: a fill (base, quote)
    or a new open order (bids, asks).
    """
    markets = state.markets
    oracles = ctx.oracles
    total = 0
    for asset, amount in user.balances.items():
        if asset == 0:
            total += amount  # USDC: weight 1 either way
        elif amount:
            price, conf = margin_price(markets[SOL_ORACLE_MARKET], ctx)
            total += weighted(collateral_value(asset, amount, price - conf), ASSET_WEIGHTS[asset][0])
    requirement = 0
    seen = market_index < 0
    for index, pos in user.positions.items():
        base, quote, bids, asks = pos.base, pos.quote_entry, pos.open_bids, pos.open_asks
        hypothetical = index == market_index
        if hypothetical:
            seen = True
            base += d_base
            quote += d_quote
            bids += d_bids
            asks += d_asks
        elif not (base or bids or asks or quote):
            continue
        market = markets[index]
        oracle = oracles.get(index)
        if oracle is not None and oracle.price > 0:
            price, conf = oracle.price, oracle.conf
        else:
            price, conf = margin_price(market, ctx)
        if base > 0:
            total += base * (price - conf) // BASE_PRECISION + quote
        else:
            total += quote + ((-base * (price + conf)) // -BASE_PRECISION)  # minus the ceil
        if base and market.cumulative_funding != pos.last_cumulative_funding:
            total -= funding_owed(base, market.cumulative_funding, pos.last_cumulative_funding)
        a, b = base + bids, base - asks
        worst = max(a if a >= 0 else -a, b if b >= 0 else -b)
        if worst:
            cfg = market.config
            ratio = cfg.initial_margin_ratio
            if cfg.imf_factor:
                ratio = size_adjusted_ratio(ratio, cfg.imf_factor, worst)
            notional = -((-worst * (price + conf)) // BASE_PRECISION)
            requirement += -((-notional * ratio) // MARGIN_PRECISION)
    if not seen:
        fresh = Position(market_index, last_cumulative_funding=markets[market_index].cumulative_funding)
        probe = UserAccount(user.authority, user.sub_account, positions={market_index: fresh})
        return total + free_collateral(state, probe, ctx, market_index, d_base, d_quote, d_bids, d_asks)
    return total - requirement


def _net(
    market: Market, base: int, quote: int, bids: int, asks: int, last_funding: int, price: int, conf: int
) -> int:
    """Unrealized pnl (banded) - pending funding - initial requirement of one position.

    The hot path of every order's margin check: the same rounding as account_margin, spelled out
    without helper calls.
    """
    high = price + conf
    if base > 0:
        net = base * (price - conf) // BASE_PRECISION + quote  # long valued low, rounded down
    elif base:
        net = quote - (-base * high + BASE_PRECISION - 1) // BASE_PRECISION  # short valued high, cost up
    else:
        net = quote
    if base and market.cumulative_funding != last_funding:
        net -= funding_owed(base, market.cumulative_funding, last_funding)
    a = base + bids
    if a < 0:
        a = -a
    b = base - asks
    if b < 0:
        b = -b
    worst = a
    if b > a:
        worst = b
    if worst:
        cfg = market.config
        ratio = cfg.initial_margin_ratio
        if cfg.imf_factor:
            ratio = size_adjusted_ratio(ratio, cfg.imf_factor, worst)
        notional = (worst * high + BASE_PRECISION - 1) // BASE_PRECISION  # rounded up
        net -= (notional * ratio + MARGIN_PRECISION - 1) // MARGIN_PRECISION  # rounded up
    return net


def order_free_collateral(
    state: State,
    user: UserAccount,
    ctx: Context,
    market_index: int,
    d_base: int,
    d_quote: int,
    is_buy: bool,
    size: int,
) -> tuple[int, int]:
    """Free collateral if the order fills entirely (d_base, d_quote), and if it rests unfilled.

    One pass over the account; equal to free_collateral(...) for each scenario.
    """
    markets = state.markets
    oracles = ctx.oracles
    total = 0
    for asset, amount in user.balances.items():
        if asset == 0:
            total += amount
        elif amount:
            price, conf = margin_price(markets[SOL_ORACLE_MARKET], ctx)
            total += weighted(collateral_value(asset, amount, price - conf), ASSET_WEIGHTS[asset][0])
    target = None
    for index, pos in user.positions.items():
        if index == market_index:
            target = pos
            continue
        if not (pos.base or pos.open_bids or pos.open_asks or pos.quote_entry):
            continue
        market = markets[index]
        oracle = oracles.get(index)
        price, conf = (
            (oracle.price, oracle.conf)
            if oracle is not None and oracle.price > 0
            else margin_price(market, ctx)
        )
        total += _net(
            market,
            pos.base,
            pos.quote_entry,
            pos.open_bids,
            pos.open_asks,
            pos.last_cumulative_funding,
            price,
            conf,
        )
    market = markets[market_index]
    oracle = oracles.get(market_index)
    price, conf = (
        (oracle.price, oracle.conf) if oracle is not None and oracle.price > 0 else margin_price(market, ctx)
    )
    if target is None:
        base = quote = bids = asks = 0
        last = market.cumulative_funding
    else:
        base, quote, bids, asks = target.base, target.quote_entry, target.open_bids, target.open_asks
        last = target.last_cumulative_funding
    filled = total + _net(market, base + d_base, quote + d_quote, bids, asks, last, price, conf)
    if is_buy:
        resting = total + _net(market, base, quote, bids + size, asks, last, price, conf)
    else:
        resting = total + _net(market, base, quote, bids, asks + size, last, price, conf)
    return filled, resting

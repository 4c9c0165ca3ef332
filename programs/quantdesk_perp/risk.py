"""Oracle guards and account-level margin: collateral across assets, requirements across markets."""

from __future__ import annotations

import msgspec

from .constants import BASE_PRECISION, MARGIN_PRECISION, MAX_POSITIVE_UPNL_FOR_INITIAL_MARGIN, QUOTE_PRECISION
from .context import Context, OraclePrice
from .errors import EngineError, ErrorCode
from .math.fixed import div_ceil
from .math.funding import funding_owed
from .math.margin import (
    ASSET_WEIGHTS,
    FILL,
    INITIAL,
    MAINTENANCE,
    SOL_ORACLE_MARKET,
    collateral_buffer,
    collateral_value,
    margin_ratio,
    notional_ceil,
    requirement,
    unrealized_asset_weight,
    weighted,
    weighted_unrealized_pnl,
)
from .positions import side_cumulative_funding
from .state import Market, Position, State, UserAccount


class MarginSummary(msgspec.Struct, frozen=True):
    total_collateral: int  # initial-weighted collateral + weighted unrealized pnl incl. funding (quote)
    maintenance_collateral: int  # the same with maintenance weights
    initial_requirement: int
    maintenance_requirement: int
    free_collateral: int  # total_collateral - initial_requirement
    notional: int  # sum of |base| * price over positions
    leverage: int  # MARGIN_PRECISION: notional / total collateral (10_000 = 1x)
    margin_ratio: int  # MARGIN_PRECISION: maintenance collateral / notional (0 when flat)
    unrealized_pnl: int  # unweighted, incl. pending funding
    fill_collateral: int = 0  # Drift's Fill margin: weights of initial, ratio halfway, no pnl cap
    fill_requirement: int = 0
    liquidation_collateral: int = 0  # maintenance collateral + buffer on its negative parts
    liquidation_requirement: int = 0  # maintenance requirement + buffer on every liability
    being_liquidated: bool = False
    bankrupt: bool = False

    @property
    def liquidatable(self) -> bool:
        """Below maintenance (flat but in debt counts too); once in liquidation, until back above
        maintenance + buffer."""
        if self.maintenance_collateral < self.maintenance_requirement:
            return True
        return self.being_liquidated and self.liquidation_collateral < self.liquidation_requirement

    @property
    def margin_shortage(self) -> int:
        """What liquidation must free to bring the account to maintenance + buffer (Drift's)."""
        return max(0, self.liquidation_requirement - self.liquidation_collateral)


def usable_oracle(market: Market, ctx: Context) -> OraclePrice | None:
    """The oracle price fills may use, or None (`checked_oracle` says what is wrong with it). The
    order path asks this first: one test, no exception machinery, in the common case."""
    cfg = market.config
    oracle = ctx.oracles.get(cfg.market_index)
    if (
        oracle is None
        or oracle.price <= 0
        or ctx.slot - oracle.publish_slot > cfg.oracle_max_staleness_slots
        or oracle.conf * MARGIN_PRECISION > oracle.price * cfg.oracle_max_conf
    ):
        return None
    return oracle


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
            f"{cfg.symbol} oracle is {ctx.slot - oracle.publish_slot} slots old (max {cfg.oracle_max_staleness_slots})",
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


def liquidation_buffer_ratio(state: State) -> int:
    """One buffer for the whole account, like Drift's global ratio: the largest market's."""
    return max((m.config.liquidation_buffer for m in state.markets.values()), default=0)


def account_margin(
    state: State, user: UserAccount, ctx: Context, what_if: tuple[int, int, int] | None = None
) -> MarginSummary:
    """Margin of `user` for every requirement type; `what_if` = (market_index, base delta, quote
    delta) of a hypothetical fill.

    Like Drift's calculate_margin_requirement_and_total_collateral: positions are valued at the
    oracle, requirements use the worst case of all bids or all asks filling and the size-premium
    ratio of that size, gains are weighted per type, losses count in full.
    """
    markets = state.markets
    buffer = liquidation_buffer_ratio(state)
    init_coll = maint_coll = fill_coll = coll_buffer = 0
    for asset, amount in user.balances.items():
        if amount == 0:
            continue
        price = 0
        if asset != 0:
            price, _conf = margin_price(markets[SOL_ORACLE_MARKET], ctx)
        value = collateral_value(asset, amount, price)
        w_init, w_maint = ASSET_WEIGHTS[asset]
        init_coll += weighted(value, w_init)
        fill_coll += weighted(value, w_init)
        maint_coll += weighted(value, w_maint)
        coll_buffer += collateral_buffer(value, buffer)
    upnl = init_req = maint_req = fill_req = buffer_req = notional = 0
    hypothetical = what_if[0] if what_if is not None else -1
    positions = user.positions
    if hypothetical >= 0 and hypothetical not in positions:
        positions = dict(positions)
        positions[hypothetical] = Position(hypothetical)
    for market_index, pos in positions.items():
        base, quote = pos.base, pos.quote_entry
        if market_index == hypothetical:
            base += what_if[1]  # type: ignore[index]
            quote += what_if[2]  # type: ignore[index]
        if base == 0 and pos.open_bids == 0 and pos.open_asks == 0 and quote == 0:
            continue
        market = markets[market_index]
        cfg = market.config
        price, _conf = margin_price(market, ctx)
        pnl = pending_pnl(market, pos, base, quote, price)
        upnl += pnl
        for margin_type in (INITIAL, FILL, MAINTENANCE):
            weight = unrealized_asset_weight(
                pnl,
                margin_type,
                cfg.unrealized_pnl_initial_asset_weight,
                cfg.unrealized_pnl_maintenance_asset_weight,
                cfg.unrealized_pnl_imf_factor,
            )
            contribution = weighted_unrealized_pnl(pnl, weight, margin_type)
            if margin_type == INITIAL:
                init_coll += contribution
            elif margin_type == FILL:
                fill_coll += contribution
            else:
                maint_coll += contribution
                coll_buffer += collateral_buffer(contribution, buffer)
        worst = max(abs(base + pos.open_bids), abs(base - pos.open_asks))
        if worst:
            liability = notional_ceil(worst, price)
            imr, mmr, imf = cfg.margin_ratio_initial, cfg.margin_ratio_maintenance, cfg.imf_factor
            init_req += requirement(liability, margin_ratio(imr, mmr, imf, worst, INITIAL))
            fill_req += requirement(liability, margin_ratio(imr, mmr, imf, worst, FILL))
            maintenance = requirement(liability, margin_ratio(imr, mmr, imf, worst, MAINTENANCE))
            maint_req += maintenance
            buffer_req += maintenance + requirement(liability, buffer)
        if base:
            notional += notional_ceil(base, price)
    leverage = notional * MARGIN_PRECISION // init_coll if init_coll > 0 else (0 if notional == 0 else 10**12)
    ratio = maint_coll * MARGIN_PRECISION // notional if notional else 0
    return MarginSummary(
        init_coll,
        maint_coll,
        init_req,
        maint_req,
        init_coll - init_req,
        notional,
        leverage,
        ratio,
        upnl,
        fill_coll,
        fill_req,
        maint_coll + coll_buffer,
        buffer_req,
        user.being_liquidated,
        user.bankrupt,
    )


def pending_pnl(market: Market, pos: Position, base: int, quote: int, price: int) -> int:
    """Unrealized pnl of (base, quote) at `price` minus the funding `pos` owes (rounded against the
    user); funding is what the position held before any hypothetical change owes."""
    if base >= 0:
        pnl = base * price // BASE_PRECISION + quote
    else:
        pnl = quote - div_ceil(-base * price, BASE_PRECISION)
    if pos.base:
        cumulative = side_cumulative_funding(market, pos.base)
        if cumulative != pos.last_cumulative_funding:
            pnl -= funding_owed(pos.base, cumulative, pos.last_cumulative_funding)
    return pnl


def require_not_being_liquidated(state: State, user: UserAccount, ctx: Context) -> None:
    """Drift's validate_user_not_being_liquidated: an account in liquidation (or bankrupt) may not
    trade or withdraw until it is back above maintenance + buffer."""
    if user.bankrupt:
        raise EngineError(ErrorCode.USER_BANKRUPT, "the account is bankrupt: its loss is being resolved")
    if user.being_liquidated and account_margin(state, user, ctx).liquidatable:
        raise EngineError(
            ErrorCode.USER_BEING_LIQUIDATED,
            "the account is being liquidated until it is back above maintenance margin + buffer",
        )


def require_free_collateral(
    state: State, user: UserAccount, ctx: Context, what_if: tuple[int, int, int] | None, doing: str
) -> MarginSummary:
    summary = account_margin(state, user, ctx, what_if)
    if summary.free_collateral < 0:
        raise EngineError(
            ErrorCode.INSUFFICIENT_COLLATERAL,
            f"{doing} needs {summary.initial_requirement / QUOTE_PRECISION:,.2f} USD of margin; "
            f"collateral is {summary.total_collateral / QUOTE_PRECISION:,.2f} USD",
        )
    return summary


def _collateral(state: State, balances: dict[int, int], ctx: Context) -> int:
    """Initial-weighted token balances (fill margin uses the same asset weights)."""
    total = 0
    for asset, amount in balances.items():
        if asset == 0:
            total += amount  # USDC: weight 1 either way
        elif amount:
            price, _conf = margin_price(state.markets[SOL_ORACLE_MARKET], ctx)
            total += weighted(collateral_value(asset, amount, price), ASSET_WEIGHTS[asset][0])
    return total


def _owed(market: Market, pos: Position | None) -> int:
    """Funding the position owes since it last settled (rounded against the user), 0 when flat."""
    if pos is None or not pos.base:
        return 0
    base = pos.base
    cumulative = market.cumulative_funding_rate_long if base > 0 else market.cumulative_funding_rate_short
    if cumulative == pos.last_cumulative_funding:
        return 0
    return funding_owed(base, cumulative, pos.last_cumulative_funding)


def _net(
    market: Market,
    base: int,
    quote: int,
    bids: int,
    asks: int,
    owed: int,
    price: int,
    margin_type: int = INITIAL,
) -> int:
    """Weighted unrealized pnl (less the funding `owed`) - requirement of one position.

    The hot path of every order's margin check: account_margin's math for one margin type, with
    the common case (no imf, full pnl weights) spelled out without helper calls: even `div_ceil` is
    inlined here, as a call per division costs ~7% of the engine's order throughput.
    """
    cfg = market.config
    if base >= 0:
        pnl = base * price // BASE_PRECISION + quote - owed
    else:
        pnl = quote + base * price // BASE_PRECISION - owed  # floor of a negative: a short's cost rounded up
    if pnl > 0:
        if (
            cfg.unrealized_pnl_imf_factor
            or cfg.unrealized_pnl_initial_asset_weight != MARGIN_PRECISION
            or cfg.unrealized_pnl_maintenance_asset_weight != MARGIN_PRECISION
        ):
            weight = unrealized_asset_weight(
                pnl,
                margin_type,
                cfg.unrealized_pnl_initial_asset_weight,
                cfg.unrealized_pnl_maintenance_asset_weight,
                cfg.unrealized_pnl_imf_factor,
            )
            pnl = weighted_unrealized_pnl(pnl, weight, margin_type)
        elif margin_type == INITIAL and pnl > MAX_POSITIVE_UPNL_FOR_INITIAL_MARGIN:
            pnl = MAX_POSITIVE_UPNL_FOR_INITIAL_MARGIN
    a = base + bids
    if a < 0:
        a = -a
    b = base - asks
    if b < 0:
        b = -b
    worst = a if a >= b else b  # noqa: FURB136 (no call on the hot path)
    if worst:
        if cfg.imf_factor or margin_type != INITIAL:
            ratio = margin_ratio(
                cfg.margin_ratio_initial, cfg.margin_ratio_maintenance, cfg.imf_factor, worst, margin_type
            )
        else:
            ratio = cfg.margin_ratio_initial
        liability = -(-worst * price // BASE_PRECISION)  # div_ceil, inlined
        pnl -= -(-liability * ratio // MARGIN_PRECISION)  # div_ceil, inlined
    return pnl


def _price(market: Market, ctx: Context) -> int:
    oracle = ctx.oracles.get(market.config.market_index)
    if oracle is not None and oracle.price > 0:
        return oracle.price
    return margin_price(market, ctx)[0]


def free_collateral(
    state: State,
    user: UserAccount,
    ctx: Context,
    market_index: int = -1,
    d_base: int = 0,
    d_quote: int = 0,
    margin_type: int = INITIAL,
) -> int:
    """Collateral - requirement of `margin_type` (account_margin's math, same rounding), with a
    hypothetical fill (d_base, d_quote) in `market_index`. Fills of resting orders use FILL."""
    markets = state.markets
    total = _collateral(state, user.balances, ctx)
    seen = False
    for index, pos in user.positions.items():
        base, quote = pos.base, pos.quote_entry
        if index == market_index:
            seen = True
            base += d_base
            quote += d_quote
        elif not (base or pos.open_bids or pos.open_asks or quote):
            continue
        market = markets[index]
        price = _price(market, ctx)
        total += _net(market, base, quote, pos.open_bids, pos.open_asks, _owed(market, pos), price, margin_type)
    if market_index >= 0 and not seen:
        market = markets[market_index]
        total += _net(market, d_base, d_quote, 0, 0, 0, _price(market, ctx), margin_type)
    return total


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
    """Initial free collateral if the order fills entirely (d_base, d_quote), and if it rests
    unfilled. One pass over the account; equal to free_collateral(...) for each scenario."""
    markets = state.markets
    oracles = ctx.oracles
    total = 0
    for asset, amount in user.balances.items():
        if asset == 0:
            total += amount  # USDC: weight 1 either way
        elif amount:
            total += _collateral(state, {asset: amount}, ctx)
    target = None
    for index, pos in user.positions.items():
        if index == market_index:
            target = pos
            continue
        if not (pos.base or pos.open_bids or pos.open_asks or pos.quote_entry):
            continue
        market = markets[index]
        oracle = oracles.get(index)
        price = oracle.price if oracle is not None and oracle.price > 0 else margin_price(market, ctx)[0]
        total += _net(market, pos.base, pos.quote_entry, pos.open_bids, pos.open_asks, _owed(market, pos), price)
    market = markets[market_index]
    oracle = oracles.get(market_index)
    price = oracle.price if oracle is not None and oracle.price > 0 else margin_price(market, ctx)[0]
    if target is None:
        base = quote = bids = asks = owed = 0
    else:
        base, quote, bids, asks = target.base, target.quote_entry, target.open_bids, target.open_asks
        owed = _owed(market, target) if base else 0
    filled = total + _net(market, base + d_base, quote + d_quote, bids, asks, owed, price)
    if is_buy:
        resting = total + _net(market, base, quote, bids + size, asks, owed, price)
    else:
        resting = total + _net(market, base, quote, bids, asks + size, owed, price)
    return filled, resting

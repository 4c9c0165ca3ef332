"""Matching a taker against resting orders, JIT quotes and the AMM curve, best price first.

Quote flows round against each user: a buyer pays notional rounded up, a seller receives it
rounded down, and the difference goes to the market's fee pool, so every unit is accounted for.
Every fee is `charge_fee` on the notional rounded up (the AMM's own quote for curve fills), the
fee itself rounded up. Matching does not run linked-order work (arming bracket legs, showing the
next iceberg slice): it stops after a fill that leaves such work and returns it (execution.py runs
it and resumes), so this module sits below everything that places orders.
"""

from __future__ import annotations

from .constants import BASE_PRECISION, PERCENTAGE_PRECISION
from .context import Context
from .enums import OrderStatus
from .events import Event, AMM_MAKER, OrderFilled, PositionChanged
from .math import amm
from .repeg import curve
from .math.fixed import div_ceil
from .math.funding import update_twap
from .math.margin import FILL
from .orders import FollowUp, close_order, on_fill, record_fill
from .positions import USDC, apply_amm_fill, apply_user_fill, get_position, reducible, settle_funding
from .risk import free_collateral
from .state import JitQuote, Market, Position, State, UserAccount

ST_CANCELLED = OrderStatus.CANCELLED
ST_FILLED = OrderStatus.FILLED

NONE, BOOK, JIT, AMM = -1, 0, 1, 2


# What one match_taker call did: (base filled, the taker's realized pnl, the follow-up work it
# stopped for or None). Plain tuples on the fill path: a NamedTuple costs ~10x to build.
TakerStep = tuple[int, int, "FollowUp | None"]
# One fill, as a leg reports it: (base, quote the taker pays (buying) or receives (selling), the
# notional fees are charged on, price, the taker's realized pnl, maker order id, maker authority,
# maker sub-account, maker fee, follow-up work or None).
Fill = tuple[int, int, int, int, int, int, str, int, int, "FollowUp | None"]


def fee_for(notional: int, rate: int) -> int:
    """A fee (rate in PERCENTAGE_PRECISION) rounded up: against the payer."""
    return div_ceil(notional * rate, PERCENTAGE_PRECISION) if rate > 0 else 0


def charge_fee(market: Market, user: UserAccount, pos: Position, notional: int, rate: int) -> int:
    """Move the fee on `notional` from the user to the market's fee pool; returns it.

    Runs twice per fill, so fee_for, div_ceil and positions.credit are spelled out here.
    """
    if rate <= 0:
        return 0
    fee = -(-notional * rate // PERCENTAGE_PRECISION)
    if fee:
        balances = user.balances
        balances[USDC] = balances.get(USDC, 0) - fee
        pos.fees_paid += fee
        market.fee_pool += fee
    return fee


def _note_mark(market: Market, price: int, now: int) -> None:
    market.mark_twap = update_twap(market.mark_twap, market.mark_twap_time, price, now, market.config.funding_interval)
    market.mark_twap_time = now


def _jit_price(oracle: int, quote: JitQuote, is_buy: bool) -> int:
    if is_buy:
        return div_ceil(oracle * (PERCENTAGE_PRECISION + quote.fee_rate), PERCENTAGE_PRECISION)
    return oracle * (PERCENTAGE_PRECISION - quote.fee_rate) // PERCENTAGE_PRECISION


def _best_jit(
    market: Market, oracle: int, is_buy: bool, limit: int, taker_key: tuple[str, int]
) -> tuple[int, JitQuote | None]:
    best_price, best = 0, None
    for quote in market.jit_makers:
        if quote.amount <= 0 or (quote.authority, quote.sub_account) == taker_key:
            continue
        price = _jit_price(oracle, quote, is_buy)
        if (price <= limit if is_buy else price >= limit) and (
            best is None or (price < best_price if is_buy else price > best_price)
        ):
            best_price, best = price, quote
    return best_price, best


def _beat_the_book(
    market: Market,
    oracle: int,
    is_buy: bool,
    limit: int,
    jit_limit: int,
    use_amm: bool,
    taker_key: tuple[str, int],
    source: int,
    price: int,
) -> tuple[int, int, int, JitQuote | None]:
    """(source, price, AMM base, JIT quote): a JIT quote or the AMM where it beats `source` at `price`
    (the book's best within `limit`, or NONE).

    The AMM is chosen when its next unit beats the best book or JIT price; it then fills only up
    to that price (or `limit`), so better-priced resting orders keep their turn.
    """
    jit_quote = None
    if jit_limit and market.jit_makers:
        jit_price, jit_quote = _best_jit(market, oracle, is_buy, jit_limit, taker_key)
        if jit_quote is not None and (source == NONE or (jit_price < price if is_buy else jit_price > price)):
            source, price = JIT, jit_price
    cfg = market.config
    if use_amm and cfg.amm_depth:
        cap = price if source != NONE else limit
        peg, depth, amm_base, spread = curve(market, oracle)
        # With nothing else to beat, the marginal price is positive exactly when the curve has
        # reserves (x > 0), and max_buy / max_sell > 0 implies it: one curve call, not two.
        if is_buy:
            if source == NONE:
                amm_qty = amm.max_buy(peg, depth, amm_base, spread, cap)
            else:
                amm_price = amm.ask_price(peg, depth, amm_base, spread)
                better = amm_price > 0 and amm_price < price
                amm_qty = amm.max_buy(peg, depth, amm_base, spread, cap) if better else 0
        elif source == NONE and depth + amm_base > 0:
            amm_qty = amm.max_sell(peg, depth, amm_base, spread, cap)
        else:
            amm_price = amm.bid_price(peg, depth, amm_base, spread)
            better = amm_price > 0 and (source == NONE or amm_price > price)
            amm_qty = amm.max_sell(peg, depth, amm_base, spread, cap) if better else 0
        amm_qty -= amm_qty % cfg.step_size
        if amm_qty > 0:
            return AMM, price, amm_qty, jit_quote
    return source, price, 0, jit_quote


def match_taker(
    state: State,
    market: Market,
    user: UserAccount,
    is_buy: bool,
    size: int,
    limit: int,
    taker_order_id: int,
    oracle: int,
    ctx: Context,
    use_amm: bool,
    jit_limit: int,
    reduce_only: bool,
    events: list[Event],
) -> TakerStep:
    """Fill up to `size` at prices no worse than `limit`, until done or a fill leaves follow-up work.

    JIT quotes take part only up to `jit_limit` (0 = not at all: limit orders and finished auctions
    skip them). The AMM fills between better-priced resting orders, never past `limit`. The
    taker's PositionChanged is the caller's (execution.execute_taker), once for all steps.
    """
    cfg = market.config
    pos = user.positions.get(cfg.market_index) or get_position(user, market)
    if pos.base and pos.last_cumulative_funding != (
        market.cumulative_funding_rate_long if pos.base > 0 else market.cumulative_funding_rate_short
    ):  # funding_pending, inlined on the fill path
        settle_funding(market, user, pos, events)
    key = (user.authority, user.sub_account)
    beyond_the_book = bool(jit_limit and market.jit_makers) or bool(use_amm and cfg.amm_depth)
    remaining, filled, realized = size, 0, 0
    amm_qty, jit_quote = 0, None
    while remaining > 0:
        if reduce_only:
            remaining = min(remaining, reducible(pos.base, is_buy))
            if remaining <= 0:
                break
        source, price = NONE, 0
        prices = market.ask_prices if is_buy else market.bid_prices
        if prices:
            book_price = prices[0] if is_buy else prices[-1]
            if book_price <= limit if is_buy else book_price >= limit:
                source, price = BOOK, book_price
        if beyond_the_book:
            source, price, amm_qty, jit_quote = _beat_the_book(
                market, oracle, is_buy, limit, jit_limit, use_amm, key, source, price
            )
        if source == BOOK:
            fill = _fill_from_book(state, market, user, pos, is_buy, remaining, price, events)
        elif source == JIT:
            assert jit_quote is not None
            fill = _fill_from_jit(state, market, user, pos, jit_quote, is_buy, remaining, price, ctx, events)
        elif source == AMM:
            fill = _fill_from_amm(market, user, pos, is_buy, min(remaining, amm_qty), oracle)
        else:
            break
        if fill is None:
            continue  # that liquidity was withdrawn; look again
        qty, quote, fee_notional, price, fill_realized, maker_id, maker_auth, maker_sub, maker_fee, follow_up = fill
        taker_fee = charge_fee(market, user, pos, fee_notional, cfg.taker_fee)
        events.append(
            OrderFilled(
                cfg.market_index,
                taker_order_id,
                maker_id,
                user.authority,
                user.sub_account,
                maker_auth,
                maker_sub,
                0 if is_buy else 1,
                qty,
                quote,
                price,
                taker_fee,
                maker_fee,
                ctx.slot,
            )
        )
        if market.mark_twap_time != ctx.unix_time or market.mark_twap == 0:
            _note_mark(market, price, ctx.unix_time)  # the mark TWAP takes one print per second
        remaining -= qty
        filled += qty
        realized += fill_realized
        if follow_up is not None:
            return filled, realized, follow_up
    return filled, realized, None


def _fill_from_book(
    state: State,
    market: Market,
    taker: UserAccount,
    taker_pos: Position,
    is_buy: bool,
    remaining: int,
    price: int,
    events: list[Event],
) -> Fill | None:
    """Fill against the oldest resting order at `price`; None when it was cancelled instead."""
    maker = state.orders[(market.asks if is_buy else market.bids)[price][0]]
    maker_key = (maker.authority, maker.sub_account)
    if maker_key == (taker.authority, taker.sub_account):
        close_order(state, maker, ST_CANCELLED, events, "self-trade prevention")
        return None
    maker_user = state.users[maker_key]
    maker_pos = maker_user.positions.get(market.config.market_index) or get_position(maker_user, market)
    qty = min(maker.size - maker.filled, remaining)
    if maker.reduce_only:
        qty = min(qty, reducible(maker_pos.base, not is_buy))
        if qty <= 0:
            close_order(state, maker, ST_CANCELLED, events, "reduce-only order would increase")
            return None
    realized, paid, received = _trade_users(market, taker, taker_pos, maker_user, maker_pos, is_buy, qty, price, events)
    maker_fee = charge_fee(market, maker_user, maker_pos, paid, market.config.maker_fee)
    record_fill(state, maker, qty, maker_pos)
    follow_up = None
    if maker.link_id or maker.parent_id or maker.child_ids:
        follow_up = on_fill(state, maker, qty, events)
    if maker.status == ST_FILLED:
        close_order(state, maker, ST_FILLED, events)
    quote = paid if is_buy else received
    return qty, quote, paid, price, realized, maker.order_id, maker.authority, maker.sub_account, maker_fee, follow_up


def _fill_from_jit(
    state: State,
    market: Market,
    taker: UserAccount,
    taker_pos: Position,
    jit: JitQuote,
    is_buy: bool,
    remaining: int,
    price: int,
    ctx: Context,
    events: list[Event],
) -> Fill | None:
    """Fill against a JIT maker's quote; None when the maker cannot carry it (the quote is withdrawn)."""
    cfg = market.config
    maker_user = state.users[(jit.authority, jit.sub_account)]
    maker_pos = get_position(maker_user, market)
    qty = min(remaining, jit.amount)
    qty -= qty % cfg.step_size
    if qty > 0:
        paid = div_ceil(qty * price, BASE_PRECISION)
        fee = fee_for(paid, cfg.maker_fee)
        if is_buy:  # the JIT maker sells
            d_base, d_quote = -qty, qty * price // BASE_PRECISION - fee
        else:
            d_base, d_quote = qty, -paid - fee
        if free_collateral(state, maker_user, ctx, cfg.market_index, d_base, d_quote, FILL) < 0:
            qty = 0
    if qty <= 0:
        jit.amount = 0
        return None
    jit.amount -= qty
    realized, paid, received = _trade_users(market, taker, taker_pos, maker_user, maker_pos, is_buy, qty, price, events)
    maker_fee = charge_fee(market, maker_user, maker_pos, paid, cfg.maker_fee)
    quote = paid if is_buy else received
    return qty, quote, paid, price, realized, 0, jit.authority, jit.sub_account, maker_fee, None


def _fill_from_amm(market: Market, user: UserAccount, pos: Position, is_buy: bool, qty: int, oracle: int) -> Fill:
    """Fill `qty` against the curve; its quote (cost up, proceeds down) is also the fee's notional."""
    peg, depth, amm_base, spread = curve(market, oracle)
    if is_buy:
        quote = amm.buy_cost(peg, depth, amm_base, spread, qty)
        realized = apply_user_fill(market, user, pos, qty, -quote)
        apply_amm_fill(market, -qty, quote)
    else:
        quote = amm.sell_proceeds(peg, depth, amm_base, spread, qty)
        realized = apply_user_fill(market, user, pos, -qty, quote)
        apply_amm_fill(market, qty, -quote)
    return qty, quote, quote, quote * BASE_PRECISION // qty, realized, 0, AMM_MAKER, 0, 0, None


def _trade_users(
    market: Market,
    taker: UserAccount,
    taker_pos: Position,
    maker: UserAccount,
    maker_pos: Position,
    is_buy: bool,
    qty: int,
    price: int,
    events: list[Event],
) -> tuple[int, int, int]:
    """Fill between two users: (the taker's realized pnl, what the buyer paid, what the seller got)."""
    base = maker_pos.base
    if base and maker_pos.last_cumulative_funding != (
        market.cumulative_funding_rate_long if base > 0 else market.cumulative_funding_rate_short
    ):  # funding_pending, inlined on the fill path
        settle_funding(market, maker, maker_pos, events)
    notional = qty * price
    paid = -(-notional // BASE_PRECISION)  # the buyer pays rounded up (div_ceil, inlined: every fill)
    received = notional // BASE_PRECISION  # the seller receives rounded down
    market.fee_pool += paid - received  # rounding dust, against both users
    if is_buy:
        taker_realized = apply_user_fill(market, taker, taker_pos, qty, -paid)
        realized = apply_user_fill(market, maker, maker_pos, -qty, received)
    else:
        taker_realized = apply_user_fill(market, taker, taker_pos, -qty, received)
        realized = apply_user_fill(market, maker, maker_pos, qty, -paid)
    events.append(
        PositionChanged(
            maker.authority,
            maker.sub_account,
            market.config.market_index,
            maker_pos.base,
            maker_pos.quote_entry,
            realized,
        )
    )
    return taker_realized, paid, received


def match_resting_against_amm(
    state: State, market: Market, oracle: int, ctx: Context, events: list[Event], is_buy: bool
) -> FollowUp | None:
    """Resting limit orders on one side that the curve now crosses fill at the curve's price (they
    are the makers). Stops after a fill that leaves follow-up work and returns it; call again after
    running it to go on."""
    cfg = market.config
    if not cfg.amm_depth:
        return None
    while True:
        prices = market.bid_prices if is_buy else market.ask_prices
        if not prices:
            return None
        limit = prices[-1] if is_buy else prices[0]
        if is_buy:
            qty_max = amm.max_buy(*curve(market, oracle), limit)
        else:
            qty_max = amm.max_sell(*curve(market, oracle), limit)
        qty_max -= qty_max % cfg.step_size
        if qty_max <= 0:
            return None
        order = state.orders[(market.bids if is_buy else market.asks)[limit][0]]
        user = state.users[(order.authority, order.sub_account)]
        pos = get_position(user, market)
        settle_funding(market, user, pos, events)
        qty = min(qty_max, order.size - order.filled)
        if order.reduce_only:
            qty = min(qty, reducible(pos.base, is_buy))
            if qty <= 0:
                close_order(state, order, ST_CANCELLED, events, "reduce-only order would increase")
                continue
        qty, quote, fee_notional, price, realized, *_ = _fill_from_amm(market, user, pos, is_buy, qty, oracle)
        fee = charge_fee(market, user, pos, fee_notional, cfg.maker_fee)
        events.append(
            OrderFilled(
                cfg.market_index,
                0,
                order.order_id,
                AMM_MAKER,
                0,
                order.authority,
                order.sub_account,
                1 if is_buy else 0,
                qty,
                quote,
                price,
                0,
                fee,
                ctx.slot,
            )
        )
        events.append(
            PositionChanged(user.authority, user.sub_account, cfg.market_index, pos.base, pos.quote_entry, realized)
        )
        _note_mark(market, price, ctx.unix_time)
        record_fill(state, order, qty)
        follow_up = on_fill(state, order, qty, events)
        if order.status == ST_FILLED:
            close_order(state, order, ST_FILLED, events)
        if follow_up is not None:
            return follow_up

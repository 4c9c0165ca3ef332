"""Engine state and events as the protocol's views (OrderView, FillView, PositionView, AccountView, BookView)."""

from __future__ import annotations

from typing import Any

from backend.api.protocol import AccountView, BookLevel, BookView, CollateralView, FillView, OrderView, PositionView
from programs.quantdesk_perp import events as ev
from programs.quantdesk_perp.constants import BASE_PRECISION, MARGIN_PRECISION
from programs.quantdesk_perp.context import Context
from programs.quantdesk_perp.enums import CollateralAsset, OrderStatus, OrderType, Side, TimeInForce
from programs.quantdesk_perp.math import amm
from programs.quantdesk_perp.math.margin import ASSET_WEIGHTS, INITIAL, SOL_ORACLE_MARKET, margin_ratio
from programs.quantdesk_perp.queries import account_margin, liquidation_price
from programs.quantdesk_perp.repeg import curve_peg
from programs.quantdesk_perp.state import Order, State
from programs.vocabulary import ASSET_PRECISION, Asset, decimals_of
from programs.vocabulary import OrderStatus as WireStatus
from programs.vocabulary import OrderType as WireType
from programs.vocabulary import Side as WireSide
from programs.vocabulary import TimeInForce as WireTif

STATUS_OF_EVENT: dict[type[ev.Event], OrderStatus] = {
    ev.OrderFinished: OrderStatus.FILLED,
    ev.OrderCancelled: OrderStatus.CANCELLED,
    ev.OrderExpired: OrderStatus.EXPIRED,
    ev.OrderRejected: OrderStatus.REJECTED,
}
REASON_OF_EVENT = {ev.OrderFinished: "filled in full", ev.OrderExpired: "good-till-date time reached"}


def initial_ratio(cfg: Any, base: int) -> int:
    """The position's initial margin ratio with the size premium (MARGIN precision)."""
    return margin_ratio(cfg.margin_ratio_initial, cfg.margin_ratio_maintenance, cfg.imf_factor, abs(base), INITIAL)


# the engine's IDL integers as the vocabulary's names, looked up once per value here, not per view
_WIRE_SIDE = {int(s): WireSide[s.name] for s in Side}
_WIRE_STATUS = {int(s): WireStatus[s.name] for s in OrderStatus}
_WIRE_TYPE = {int(t): WireType[t.name] for t in OrderType}
_WIRE_TIF = {int(t): WireTif[t.name] for t in TimeInForce}


def side_name(side: int) -> WireSide:
    return _WIRE_SIDE[side]


def wire_status(status: int) -> WireStatus:
    """An engine OrderStatus (IDL integer) as its wire name."""
    return _WIRE_STATUS[status]


def symbol_of(state: State, market_index: int) -> str:
    return state.markets[market_index].config.symbol


def order_view(state: State, order: Order, now: int, created: int, avg_price: int) -> OrderView:
    return _order_view(
        state,
        order,
        created,
        now,
        filled=order.filled,
        avg_fill_price=avg_price,
        reduce_only=order.reduce_only,
        post_only=order.post_only,
        tif=_WIRE_TIF[order.time_in_force],
        expire_ts=order.expire_time,
    )


def placed_order_view(
    state: State, placed: ev.OrderPlaced, instruction: Any, created: int, status: int, meta: Any, now: int, reason: str
) -> OrderView:
    """The final view of an order that never joined the live state (it finished inside its
    instruction, at `now`, in `status` for `reason`); `meta` (tracked_orders.OrderMeta) has its fills.

    Time in force and flags come from the instruction that placed it; a child (iceberg slice, TWAP
    chunk) inherits reduce-only from its parent.
    """
    parent = state.orders.get(placed.parent_id) if placed.parent_id else None
    own = instruction if not placed.parent_id and hasattr(instruction, "time_in_force") else None
    reduce_only = parent.reduce_only if parent is not None else bool(getattr(instruction, "reduce_only", False))
    return _order_view(
        state,
        placed,
        created,
        now,
        status=status,
        reason=reason,
        filled=placed.size if status == OrderStatus.FILLED else meta.base_filled,
        avg_fill_price=meta.avg_price,
        reduce_only=reduce_only,
        post_only=bool(getattr(own, "post_only", False)),
        tif=_WIRE_TIF[own.time_in_force] if own is not None else WireTif.GTC,
        expire_ts=(getattr(own, "expire_time", None) or 0),
    )


def _order_view(
    state: State,
    o: Order | ev.OrderPlaced,
    created: int,
    updated: int,
    *,
    reduce_only: bool,
    post_only: bool,
    tif: WireTif,
    expire_ts: int,
    filled: int = 0,
    avg_fill_price: int = 0,
    status: int | None = None,
    reason: str = "",
) -> OrderView:
    """The view of an order, or of the event that placed it (they name their common fields alike), in
    its own status unless `status` says which it ended in."""
    return OrderView(
        order_id=o.order_id,
        market=symbol_of(state, o.market_index),
        side=side_name(o.side),
        order_type=_WIRE_TYPE[o.order_type],
        status=wire_status(o.status if status is None else status),
        size=o.size,
        price=o.price,
        trigger_price=o.trigger_price,
        sub_account=o.sub_account,
        parent_id=o.parent_id,
        client_id=str(o.client_order_id) if o.client_order_id else "",
        filled=filled,
        avg_fill_price=avg_fill_price,
        reduce_only=reduce_only,
        post_only=post_only,
        tif=tif,
        expire_ts=expire_ts,
        created_ts=created,
        updated_ts=updated,
        reason=reason,
    )


def fill_views(
    state: State, fill: ev.OrderFilled, first_id: int, ts: int, realized: dict[tuple[str, int, int], int]
) -> list[tuple[str, FillView]]:
    """(authority, view) for each account side of a fill; the AMM's side is not an account."""
    symbol = symbol_of(state, fill.market_index)
    out: list[tuple[str, FillView]] = []
    sides = (
        (fill.taker_authority, fill.taker_sub_account, fill.taker_order_id, fill.taker_side, fill.taker_fee, "taker"),
        (
            fill.maker_authority,
            fill.maker_sub_account,
            fill.maker_order_id,
            1 - fill.taker_side,
            fill.maker_fee,
            "maker",
        ),
    )
    for authority, sub, order_id, side, fee, role in sides:
        if authority == ev.AMM_MAKER:
            continue
        out.append(
            (
                authority,
                FillView(
                    fill_id=first_id + len(out),
                    order_id=order_id,
                    market=symbol,
                    side=side_name(side),
                    price=fill.price,
                    size=fill.base,
                    fee=fee,
                    role=role,
                    ts=ts,
                    slot=fill.slot,
                    sub_account=sub,
                    realized_pnl=realized.get((authority, sub, fill.market_index), 0),
                ),
            )
        )
    return out


def oracle_price(ctx: Context, market_index: int) -> int:
    oracle = ctx.oracles.get(market_index)
    return oracle.price if oracle is not None else 0


def mark_price(ctx: Context, market_index: int) -> int:
    """THE mark every view uses (positions, account, market state, risk, TUI): the oracle price, as
    Drift settles PnL on it. The mark TWAP is a funding input, shown as `mark_twap`, never as the mark."""
    return oracle_price(ctx, market_index)


def unrealized_pnl(base: int, quote_entry: int, mark: int) -> int:
    """Signed uPnL of a position at `mark`, quote 1e6, rounded down (against the holder)."""
    return base * mark // BASE_PRECISION + quote_entry if base else 0


def position_views(state: State, authority: str, sub: int, ctx: Context) -> list[PositionView]:
    user = state.users.get((authority, sub))
    if user is None:
        return []
    views = []
    for market_index, pos in sorted(user.positions.items()):
        if pos.base == 0 and pos.realized_pnl == 0:
            continue
        market = state.markets[market_index]
        mark = mark_price(ctx, market_index)
        base = pos.base
        entry = (-pos.quote_entry * BASE_PRECISION // base) if base else 0
        upnl = unrealized_pnl(base, pos.quote_entry, mark)
        notional = abs(base) * mark // BASE_PRECISION
        liq = 0
        if base and mark:
            liq = liquidation_price(state, authority, sub, market_index, ctx) or 0
        views.append(
            PositionView(
                market=market.config.symbol,
                sub_account=sub,
                base=base,
                entry_price=abs(entry),
                mark_price=mark,
                unrealized_pnl=upnl,
                realized_pnl=pos.realized_pnl,
                funding_pnl=-pos.funding_paid,
                fees=pos.fees_paid,
                liq_price=liq,
                notional=notional,
                initial_margin=notional * initial_ratio(market.config, base) // MARGIN_PRECISION,
            )
        )
    return views


def account_view(state: State, authority: str, sub: int, ctx: Context, trading_state: str) -> AccountView | None:
    user = state.users.get((authority, sub))
    if user is None:
        return None
    summary = account_margin(state, authority, sub, ctx)
    sol_price = oracle_price(ctx, SOL_ORACLE_MARKET)
    collateral = []
    raw_value = 0
    for asset, amount in sorted(user.balances.items()):
        decimals = decimals_of(ASSET_PRECISION[Asset[CollateralAsset(asset).name]])
        value = amount if asset == CollateralAsset.USDC else amount * sol_price // 10**decimals
        raw_value += value
        collateral.append(
            CollateralView(
                asset=CollateralAsset(asset).name,
                amount=amount,
                decimals=decimals,
                value=value,
                weight_initial=ASSET_WEIGHTS[asset][0],
            )
        )
    # the account's uPnL is the sum of its rows; margin figures stay the engine's (conservative band)
    upnl = sum(p.unrealized_pnl for p in position_views(state, authority, sub, ctx))
    return AccountView(
        sub_account=sub,
        collateral=collateral,
        total_collateral=summary.total_collateral,
        initial_margin=summary.initial_requirement,
        maintenance_margin=summary.maintenance_requirement,
        free_collateral=summary.free_collateral,
        equity=raw_value + upnl,
        unrealized_pnl=upnl,
        leverage=summary.leverage,
        margin_ratio=summary.margin_ratio,
        trading_state=trading_state,
        fill_margin=summary.fill_requirement,
        liquidation_margin=summary.liquidation_requirement,
        margin_shortage=summary.margin_shortage,
        being_liquidated=summary.being_liquidated,
        bankrupt=summary.bankrupt,
    )


def book_view(state: State, market_index: int, ctx: Context, depth: int = 12) -> BookView:
    """Resting orders merged with the synthetic curve, best first, `depth` levels a side."""
    market = state.markets[market_index]
    cfg = market.config
    oracle = oracle_price(ctx, market_index)
    bids: dict[int, int] = {}
    asks: dict[int, int] = {}
    for prices, book, out in ((market.bid_prices[::-1], market.bids, bids), (market.ask_prices, market.asks, asks)):
        for price in prices[:depth]:
            out[price] = out.get(price, 0) + sum(
                state.orders[i].remaining for i in book.get(price, ()) if i in state.orders
            )
    if oracle and cfg.amm_depth:
        chunk = max(cfg.step_size, cfg.amm_depth // 2000)
        chunk -= chunk % cfg.step_size
        inventory, peg = market.amm.base, curve_peg(market, oracle)
        for level in range(depth):
            ask = amm.ask_price(peg, cfg.amm_depth, inventory - level * chunk, cfg.amm_half_spread)
            bid = amm.bid_price(peg, cfg.amm_depth, inventory + level * chunk, cfg.amm_half_spread)
            ask += (-ask) % cfg.tick_size
            bid -= bid % cfg.tick_size
            asks[ask] = asks.get(ask, 0) + chunk
            if bid > 0:
                bids[bid] = bids.get(bid, 0) + chunk
    return BookView(
        market=cfg.symbol,
        bids=[BookLevel(p, s) for p, s in sorted(bids.items(), reverse=True)[:depth]],
        asks=[BookLevel(p, s) for p, s in sorted(asks.items())[:depth]],
        oracle_price=oracle,
        slot=ctx.slot,
    )

"""Hypothesis strategies: random instruction scripts over a small market with fees, AMM and JIT."""

from __future__ import annotations

from hypothesis import strategies as st

from programs.quantdesk_perp import instructions as ix
from programs.quantdesk_perp.constants import BASE_PRECISION as B
from programs.quantdesk_perp.constants import PRICE_PRECISION as P
from programs.quantdesk_perp.context import Context, OraclePrice
from programs.quantdesk_perp.enums import CollateralAsset, OrderType, Side, TimeInForce

USERS = ("alice", "bob", "carol")
SOL = 0
T0 = 1_700_000_000
STEP = 10_000_000  # 0.01 SOL
TICK = 100_000  # 0.1 USD, a coarser grid than the market's so prices collide and match

sides = st.sampled_from([Side.BUY, Side.SELL])
users = st.sampled_from(USERS)
sizes = st.one_of(st.integers(1, 400), st.integers(400, 4000)).map(lambda n: n * STEP)
offsets = st.integers(-30, 30)


@st.composite
def operation(draw):
    kind = draw(
        st.sampled_from(
            [
                "limit",
                "limit",
                "limit",
                "market",
                "market",
                "cancel",
                "cancel_all",
                "deposit",
                "withdraw",
                "crank",
                "crank",
                "crank",
                "crank",
                "stop",
                "reduce",
                "modify",
                "oco",
                "twap",
                "iceberg",
                "liquidate",
                "liquidate",
                "jit",
                "funding",
                "fok",
                "bracket",
                "trailing",
                "take_profit",
                "gtd",
                "settle",
            ]
        )
    )
    who = draw(users)
    side = draw(sides)
    size = draw(sizes)
    offset = draw(offsets)
    return kind, who, side, size, offset, draw(st.integers(1, 40)), draw(st.booleans())


scripts = st.lists(operation(), min_size=8, max_size=40)


def build(op, oracle: int, next_order_id: int):
    """Turn a drawn op into an instruction (or ("crank", price_move)) at the current oracle price."""
    kind, who, side, size, offset, k, flag = op
    price = max(TICK, oracle - oracle % TICK + offset * TICK)
    if kind == "limit":
        tif = TimeInForce.IOC if flag and k % 3 == 0 else TimeInForce.GTC
        return ix.PlaceOrder(
            who, 0, SOL, side, OrderType.LIMIT, size, price, time_in_force=tif, post_only=flag and k % 3 == 1
        )
    if kind == "fok":
        return ix.PlaceOrder(who, 0, SOL, side, OrderType.LIMIT, size, price, time_in_force=TimeInForce.FOK)
    if kind == "market":
        return ix.PlaceOrder(who, 0, SOL, side, OrderType.MARKET, size, auction_duration_slots=0 if flag else None)
    if kind == "reduce":
        order_type = OrderType.MARKET if flag else OrderType.LIMIT
        return ix.PlaceOrder(who, 0, SOL, side, order_type, size, None if flag else price, reduce_only=True)
    if kind == "stop":
        return ix.PlaceOrder(who, 0, SOL, side, OrderType.STOP_MARKET, size, trigger_price=price, reduce_only=flag)
    if kind == "cancel":
        return ix.CancelOrder(who, 0, max(1, next_order_id - k))
    if kind == "cancel_all":
        return ix.CancelOrders(who, 0, SOL if flag else None)
    if kind == "modify":
        return ix.ModifyOrder(who, 0, max(1, next_order_id - k), price=price)
    if kind == "deposit":
        asset = CollateralAsset.SOL if flag else CollateralAsset.USDC
        return ix.DepositTokens(who, 0, asset, k * (B // 10 if flag else 25 * P))
    if kind == "withdraw":
        return ix.WithdrawTokens(who, 0, CollateralAsset.USDC, k * 10 * P)
    if kind == "crank":
        return ("crank", offset * TICK * (40 if flag else 1), k)
    if kind == "oco":
        return ix.PlaceOcoOrder(
            who,
            0,
            SOL,
            side,
            size,
            oracle + (k + 1) * TICK * (1 if side == Side.SELL else -1),
            oracle - (k + 1) * TICK * (1 if side == Side.SELL else -1),
        )
    if kind == "twap":
        return ix.PlaceTwapOrder(who, 0, SOL, side, size, 40, 10, None, flag)
    if kind == "iceberg":
        return ix.PlaceIcebergOrder(who, 0, SOL, side, size, max(STEP, size // 4 - size // 4 % STEP), price)
    if kind == "liquidate":
        other = USERS[(USERS.index(who) + 1) % 3]
        return ix.LiquidatePosition("" if flag else who, 0, other, 0, SOL)
    if kind == "bracket":
        sign = 1 if side == Side.BUY else -1
        entry = None if flag else price
        reference = price if entry else oracle - oracle % TICK
        return ix.PlaceBracketOrder(
            who,
            0,
            SOL,
            side,
            size,
            reference + sign * (k + 1) * TICK,
            reference - sign * (k + 1) * TICK,
            entry,
        )
    if kind == "trailing":
        return ix.PlaceOrder(
            who, 0, SOL, side, OrderType.TRAILING_STOP, size, trailing_offset=k * TICK, reduce_only=flag
        )
    if kind == "take_profit":
        order_type = OrderType.TAKE_PROFIT_LIMIT if flag else OrderType.TAKE_PROFIT_MARKET
        return ix.PlaceOrder(who, 0, SOL, side, order_type, size, price if flag else None, trigger_price=price)
    if kind == "gtd":
        return ix.PlaceOrder(
            who,
            0,
            SOL,
            side,
            OrderType.LIMIT,
            size,
            price,
            time_in_force=TimeInForce.GTD,
            expire_time=T0 + k * 60,
        )
    if kind == "settle":
        return ix.SettleFunding(who, 0)
    if kind == "jit":
        return ix.ProvideJitLiquidity(who, 0, SOL, size, k * 100)
    return ix.CalculateFundingRate(SOL)


def context(slot: int, t: int, oracle: int) -> Context:
    return Context(slot, t, {SOL: OraclePrice(oracle, oracle // 2000, slot, t)})

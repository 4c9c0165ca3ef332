"""Shared set-up for engine tests: a SOL-PERP market at 100 USD, funded accounts, a ctx maker."""

from __future__ import annotations

from programs.quantdesk_perp import instructions as ix
from programs.quantdesk_perp.constants import BASE_PRECISION as B
from programs.quantdesk_perp.constants import PRICE_PRECISION as P
from programs.quantdesk_perp.context import Context, OraclePrice
from programs.quantdesk_perp.enums import CollateralAsset, OrderType, Side, TimeInForce
from programs.quantdesk_perp.markets import MARKETS_BY_SYMBOL
from programs.quantdesk_perp.processor import process
from programs.quantdesk_perp.state import State

SOL = 0
T0 = 1_700_000_000
SLOT0 = 1_000
USDC_ASSET = CollateralAsset.USDC
SOL_ASSET = CollateralAsset.SOL


def ctx(
    price: int = 100 * P, slot: int = SLOT0, t: int = T0, conf: int = 0, publish_slot: int | None = None
) -> Context:
    return Context(slot, t, {SOL: OraclePrice(price, conf, slot if publish_slot is None else publish_slot, t)})


def new_state(**params) -> State:
    """SOL-PERP (tick 0.001, step 0.01, 10x: IMR 10%, MMR 5%); no fees, no AMM, no auction unless asked."""
    spec = MARKETS_BY_SYMBOL["SOL-PERP"]
    state = State()
    c = ctx()
    process(
        state,
        ix.InitializeMarket(
            SOL,
            "SOL-PERP",
            "SOL",
            "USD",
            100 * P,
            spec.tick_size,
            spec.step_size,
            spec.min_size,
            10,
            1000,
            500,
        ),
        c,
    )
    defaults = {
        "taker_fee": 0,
        "maker_fee": 0,
        "amm_depth": 0,
        "auction_duration_slots": 0,
        "liquidator_fee": 0,
        "if_liquidation_fee": 0,
        "circuit_breaker_pct": 0,
    }
    defaults.update(params)
    process(state, ix.UpdateMarketParameters(SOL, **defaults), c)
    return state


def fund(state: State, who: str, usdc: int, sol: int = 0, sub: int = 0) -> None:
    c = ctx()
    if (who, sub) not in state.users:
        process(state, ix.CreateUserAccount(who, sub), c)
    if usdc:
        process(state, ix.DepositTokens(who, sub, USDC_ASSET, usdc), c)
    if sol:
        process(state, ix.DepositTokens(who, sub, SOL_ASSET, sol), c)


def limit(who: str, side: Side, size: int, price: int, **kw) -> ix.PlaceOrder:
    return ix.PlaceOrder(who, 0, SOL, side, OrderType.LIMIT, size, price, **kw)


def market(who: str, side: Side, size: int, **kw) -> ix.PlaceOrder:
    return ix.PlaceOrder(who, 0, SOL, side, OrderType.MARKET, size, **kw)


def position(state: State, who: str, sub: int = 0):
    return state.users[(who, sub)].positions.get(SOL)


def usdc(state: State, who: str, sub: int = 0) -> int:
    return state.users[(who, sub)].balances.get(USDC_ASSET, 0)


__all__ = [
    "SLOT0",
    "SOL",
    "T0",
    "B",
    "OrderType",
    "P",
    "Side",
    "TimeInForce",
    "ctx",
    "fund",
    "ix",
    "limit",
    "market",
    "new_state",
    "position",
    "process",
    "usdc",
]

"""Engine state: markets (with book and AMM inventory), user accounts, live orders, insurance fund.

msgspec Structs: mutable, compared with ==, and serialised with msgpack for snapshots.
Only live (non-terminal) orders stay in `State.orders`; history lives in the events.
"""

from __future__ import annotations

import msgspec

from .config import MarketConfig, with_current_names
from .enums import CollateralAsset, MarketStatus, OrderStatus, OrderType, Side, TimeInForce


class Position(msgspec.Struct):
    market_index: int
    base: int = 0  # signed BASE_PRECISION
    quote_entry: int = 0  # signed quote (Drift sign: a long has paid, so negative)
    last_cumulative_funding: int = 0  # the cumulative rate of the position's side when last settled
    realized_pnl: int = 0
    fees_paid: int = 0
    funding_paid: int = 0
    open_bids: int = 0  # base of live buy orders that could add exposure
    open_asks: int = 0


class Order(msgspec.Struct):
    order_id: int
    authority: str
    sub_account: int
    market_index: int
    side: Side
    order_type: OrderType
    status: OrderStatus
    size: int
    price: int = 0
    trigger_price: int = 0
    time_in_force: TimeInForce = TimeInForce.GTC
    reduce_only: bool = False
    post_only: bool = False
    expire_time: int = 0
    trailing_offset: int = 0
    client_order_id: int = 0
    filled: int = 0
    slot: int = 0
    parent_id: int = 0  # TWAP/iceberg parent of a child, or bracket entry of a leg
    link_id: int = 0  # OCO sibling
    child_ids: list[int] = msgspec.field(default_factory=list)
    triggered: bool = False
    auction_start_price: int = 0
    auction_end_price: int = 0
    auction_start_slot: int = 0
    auction_duration: int = 0
    interval: int = 0  # TWAP seconds between chunks
    next_time: int = 0  # TWAP: unix time of the next chunk
    end_time: int = 0
    display_size: int = 0  # iceberg
    counted: int = 0  # base counted in the position's open_bids/open_asks

    @property
    def remaining(self) -> int:
        return self.size - self.filled

    @property
    def is_buy(self) -> bool:
        return self.side == Side.BUY


class JitQuote(msgspec.Struct):
    authority: str
    sub_account: int
    amount: int
    fee_rate: int


class Market(msgspec.Struct):
    config: MarketConfig
    status: MarketStatus = MarketStatus.ACTIVE
    circuit_breaker_tripped: bool = False
    amm: Position = msgspec.field(default_factory=lambda: Position(0))
    amm_balance: int = 0  # AMM pnl pool: realized AMM pnl, funding imbalance
    fee_pool: int = 0  # fees and rounding dust
    amm_peg: int = 0  # PRICE_PRECISION [amm.peg_multiplier]; 0 = never re-pegged: the curve rides the oracle
    last_repeg_cost: int = 0  # quote the fee pool paid for the last repeg (negative = revenue)
    total_repeg_cost: int = 0
    open_interest_long: int = 0  # users' long base
    open_interest_short: int = 0
    # funding, FUNDING_RATE_PRECISION quote per whole base (Drift's AMM fields)
    cumulative_funding_rate_long: int = 0
    cumulative_funding_rate_short: int = 0
    last_funding_rate: int = 0
    last_funding_rate_long: int = 0
    last_funding_rate_short: int = 0
    last_funding_time: int = 0
    last_price_spread: int = 0  # mark TWAP - oracle TWAP at the last funding (PRICE_PRECISION)
    last_funding_offset: int = 0  # oracle TWAP / 5000 at the last funding
    last_clamped_spread: int = 0  # spread + offset clamped to the contract tier
    last_funding_oracle_twap: int = 0
    last_funding_amm_revenue: int = 0  # quote the AMM's side got from the last funding (negative = paid)
    quote_settled_insurance: int = 0  # insurance already paid for this market's bankruptcies
    mark_twap: int = 0
    mark_twap_time: int = 0
    oracle_twap: int = 0
    oracle_twap_time: int = 0
    last_oracle_price: int = 0
    cb_reference_price: int = 0
    cb_window_start: int = 0
    socialized_loss: int = 0  # [amm.total_social_loss]
    bids: dict[int, list[int]] = msgspec.field(default_factory=dict)  # price -> order ids, time order
    asks: dict[int, list[int]] = msgspec.field(default_factory=dict)
    bid_prices: list[int] = msgspec.field(default_factory=list)  # ascending; best bid last
    ask_prices: list[int] = msgspec.field(default_factory=list)  # ascending; best ask first
    crank_ids: list[int] = msgspec.field(default_factory=list)  # orders the crank must look at
    jit_makers: list[JitQuote] = msgspec.field(default_factory=list)


class UserAccount(msgspec.Struct):
    authority: str
    sub_account: int
    name: str = ""
    balances: dict[int, int] = msgspec.field(default_factory=dict)  # CollateralAsset -> token amount
    positions: dict[int, Position] = msgspec.field(default_factory=dict)
    order_ids: list[int] = msgspec.field(default_factory=list)
    bankrupt: bool = False
    being_liquidated: bool = False  # below maintenance, until back above maintenance + buffer
    liquidation_start_slot: int = 0  # slot liquidation began [last_active_slot]: fees escalate from it
    liquidation_margin_freed: int = 0  # shortage freed so far in this liquidation (per-call cap)
    total_socialized_loss: int = 0  # this account's debt that was spread over other accounts


class State(msgspec.Struct):
    markets: dict[int, Market] = msgspec.field(default_factory=dict)
    users: dict[tuple[str, int], UserAccount] = msgspec.field(default_factory=dict)
    orders: dict[int, Order] = msgspec.field(default_factory=dict)
    next_order_id: int = 1
    insurance_fund: int = 0  # USDC
    insurance_paid: int = 0  # total bankruptcy cover paid
    socialized_loss: int = 0
    total_deposits: dict[int, int] = msgspec.field(default_factory=dict)  # asset -> amount, incl. IF
    total_withdrawals: dict[int, int] = msgspec.field(default_factory=dict)


_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(State)


def state_to_bytes(state: State) -> bytes:
    return _ENCODER.encode(state)


class _LegacyMarket(msgspec.Struct):
    cumulative_funding: int | None = None  # one rate for both sides, 1e15 scale: before Drift funding


class _LegacyState(msgspec.Struct):
    markets: dict[int, _LegacyMarket] = msgspec.field(default_factory=dict)


_LEGACY_DECODER = msgspec.msgpack.Decoder(_LegacyState)


def state_from_bytes(data: bytes) -> State:
    """Decode a snapshot; one taken before the long/short funding rates starts every position's
    funding afresh (its old cumulative rate has another scale), dropping unsettled funding. One
    taken before the margin ratios took Drift's names has them renamed."""
    try:
        state = _DECODER.decode(data)
    except msgspec.ValidationError:
        state = _decode_with_old_parameter_names(data)
    legacy = _LEGACY_DECODER.decode(data)
    if any(m.cumulative_funding is not None for m in legacy.markets.values()):
        for user in state.users.values():
            for pos in user.positions.values():
                pos.last_cumulative_funding = 0
    return state


def _decode_with_old_parameter_names(data: bytes) -> State:
    doc = msgspec.msgpack.decode(data)
    for market in doc.get("markets", {}).values():
        market["config"] = with_current_names(market["config"])
    return msgspec.convert(doc, State)


def copy_state(state: State) -> State:
    return _DECODER.decode(_ENCODER.encode(state))


def restore_state(state: State, snapshot: State) -> None:
    """Put every field of `snapshot` back into `state` (same object, so callers' references hold)."""
    for name in State.__struct_fields__:
        setattr(state, name, getattr(snapshot, name))


ASSETS = tuple(CollateralAsset)

"""Events: immutable named records of what an instruction did (msgspec Structs, tagged by class name).

Accounts are named by (authority, sub_account); the AMM appears as maker authority "" (AMM_MAKER).
Amounts carry the engine precisions (base 1e9, price/quote 1e6, funding 1e9).
"""

from __future__ import annotations

import msgspec

AMM_MAKER = ""


class Event(msgspec.Struct, frozen=True, tag=True):
    pass


class MarketInitialized(Event, frozen=True):
    market_index: int
    symbol: str


class MarketParametersUpdated(Event, frozen=True):
    market_index: int
    changed: tuple[str, ...]


class MarketStatusChanged(Event, frozen=True):
    market_index: int
    status: int  # MarketStatus
    reason: str


class CircuitBreakerTriggered(Event, frozen=True):
    market_index: int
    reference_price: int
    price: int


class CircuitBreakerReset(Event, frozen=True):
    market_index: int


class InsuranceFundDeposit(Event, frozen=True):
    amount: int
    balance: int


class InsuranceFundWithdraw(Event, frozen=True):
    amount: int
    balance: int


class AccountCreated(Event, frozen=True):
    authority: str
    sub_account: int


class Deposit(Event, frozen=True):
    authority: str
    sub_account: int
    asset: int  # CollateralAsset
    amount: int
    balance: int


class Withdraw(Event, frozen=True):
    authority: str
    sub_account: int
    asset: int
    amount: int
    balance: int


class JitLiquidityUpdated(Event, frozen=True):
    authority: str
    sub_account: int
    market_index: int
    amount: int
    fee_rate: int


class OrderPlaced(Event, frozen=True):
    order_id: int
    authority: str
    sub_account: int
    market_index: int
    side: int
    order_type: int
    size: int
    price: int
    trigger_price: int
    status: int  # OrderStatus
    client_order_id: int
    parent_id: int


class OrderModified(Event, frozen=True):
    order_id: int
    size: int
    price: int
    trigger_price: int


class OrderTriggered(Event, frozen=True):
    order_id: int
    market_index: int
    trigger_price: int
    oracle_price: int


class OrderFilled(Event, frozen=True):
    market_index: int
    taker_order_id: int  # 0 for a liquidation or an AMM-vs-resting-order fill
    maker_order_id: int  # 0 when the maker is the AMM or a JIT quote
    taker_authority: str
    taker_sub_account: int
    maker_authority: str  # AMM_MAKER for the curve
    maker_sub_account: int
    taker_side: int
    base: int
    quote: int  # what the taker paid (buy) or received (sell)
    price: int  # quote / base, rounded down, for display
    taker_fee: int
    maker_fee: int
    slot: int


Fill = OrderFilled


class OrderCancelled(Event, frozen=True):
    order_id: int
    reason: str


class OrderExpired(Event, frozen=True):
    order_id: int


class OrderFinished(Event, frozen=True):
    """An order reached FILLED."""

    order_id: int


class OrderRejected(Event, frozen=True):
    """A triggered or crank-driven order refused (margin, reduce-only, ...); code is an ErrorCode."""

    order_id: int
    code: int
    reason: str


class PositionChanged(Event, frozen=True):
    authority: str
    sub_account: int
    market_index: int
    base: int
    quote_entry: int
    realized_pnl: int  # realized by this change


class FundingRateUpdated(Event, frozen=True):
    market_index: int
    funding_rate: int  # FUNDING_RATE_PRECISION, fraction of oracle TWAP for this interval
    cumulative_funding: int  # quote per whole base, PRICE_PRECISION * FUNDING_RATE_PRECISION
    mark_twap: int
    oracle_twap: int
    unix_time: int


class FundingSettled(Event, frozen=True):
    authority: str
    sub_account: int
    market_index: int
    amount: int  # paid by the account (negative = received)


class Liquidated(Event, frozen=True):
    authority: str
    sub_account: int
    market_index: int
    liquidator_authority: str
    liquidator_sub_account: int
    base: int  # base taken over (signed as the liquidated position)
    price: int
    liquidator_fee: int
    if_fee: int


class CollateralLiquidated(Event, frozen=True):
    authority: str
    sub_account: int
    liquidator_authority: str
    liquidator_sub_account: int
    asset: int
    amount: int  # collateral taken (token precision)
    repaid: int  # USDC the liquidator paid into the account


class BankruptcyCovered(Event, frozen=True):
    authority: str
    sub_account: int
    amount: int  # paid by the insurance fund


class SocializedLoss(Event, frozen=True):
    market_index: int
    amount: int  # charged pro rata to the opposite side's positions


ALL_EVENTS: tuple[type[Event], ...] = tuple(
    value
    for name, value in list(globals().items())
    if isinstance(value, type) and issubclass(value, Event) and value is not Event and name == value.__name__
)
"""Every event class; decode a tagged event with msgspec using `typing.Union[ALL_EVENTS]`."""

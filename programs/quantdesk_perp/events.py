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
    funding_rate: int  # FUNDING_RATE_PRECISION quote per whole base for this period (Drift's)
    cumulative_funding: int  # the long side's cumulative rate, FUNDING_RATE_PRECISION
    mark_twap: int
    oracle_twap: int
    unix_time: int
    funding_rate_long: int = 0  # the rates each side really pays (Drift splits them when the AMM
    funding_rate_short: int = 0  # would pay more than its fee pool allows)
    cumulative_funding_short: int = 0
    price_spread: int = 0  # mark TWAP - oracle TWAP (PRICE_PRECISION)
    offset: int = 0  # oracle TWAP / 5000
    clamped_spread: int = 0  # spread + offset clamped to the contract tier


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
    liquidator_fee_rate: int = 0  # LIQUIDATION_FEE_PRECISION, escalated by slots in liquidation
    if_fee_rate: int = 0  # LIQUIDATION_FEE_PRECISION, reduced as the shortage grows
    margin_shortage: int = 0  # to maintenance + buffer, before this call
    margin_freed: int = 0  # by this call (cancelled orders and the transfer)
    max_pct: int = 0  # LIQUIDATION_PCT_PRECISION of the shortage this call was allowed to free
    realized_pnl: int = 0  # the liquidated account's pnl on the part taken over (before fees)
    quote: int = 0  # what the liquidated account received (sold) or paid (bought back) for `base`


class CollateralLiquidated(Event, frozen=True):
    authority: str
    sub_account: int
    liquidator_authority: str
    liquidator_sub_account: int
    asset: int
    amount: int  # collateral taken (token precision)
    repaid: int  # USDC the liquidator paid into the account


class LiquidationStatusChanged(Event, frozen=True):
    authority: str
    sub_account: int
    being_liquidated: bool  # True: entered liquidation; False: back above maintenance + buffer
    slot: int
    bankrupt: bool = False


class BankruptcyCovered(Event, frozen=True):
    authority: str
    sub_account: int
    amount: int  # paid by the insurance fund
    market_index: int = -1
    fee_pool_payment: int = 0  # paid by the market's fee pool after the insurance fund


class SocializedLoss(Event, frozen=True):
    market_index: int
    amount: int  # charged to both sides' positions through the cumulative funding rates
    funding_rate_delta: int = 0  # FUNDING_RATE_PRECISION: added to longs' rate, taken from shorts'


class AmmRepegged(Event, frozen=True):
    market_index: int
    old_peg: int  # 0: the curve rode the oracle before
    new_peg: int
    repeg_cost: int  # quote the fee pool paid (negative = revenue)
    oracle_price: int


ALL_EVENTS: tuple[type[Event], ...] = tuple(
    value
    for name, value in list(globals().items())
    if isinstance(value, type) and issubclass(value, Event) and value is not Event and name == value.__name__
)
"""Every event class; decode a tagged event with msgspec using `typing.Union[ALL_EVENTS]`."""

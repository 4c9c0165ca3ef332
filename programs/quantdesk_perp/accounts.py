"""Account instructions: create, deposit/withdraw collateral, JIT quotes, funding settlement."""

from __future__ import annotations

from .context import Context
from .enums import CollateralAsset
from .errors import EngineError, ErrorCode
from .events import Event, AccountCreated, Deposit, JitLiquidityUpdated, Withdraw
from .instructions import CreateUserAccount, DepositTokens, ProvideJitLiquidity, SettleFunding, WithdrawTokens
from .math.margin import SOL_ORACLE_MARKET
from .positions import get_position, settle_funding
from .risk import account_margin, require_not_being_liquidated
from .state import JitQuote, State, UserAccount
from .trading import MAX_AMOUNT, check_size, get_market, get_user


def create_user_account(state: State, ix: CreateUserAccount, ctx: Context, events: list[Event]) -> None:
    if not isinstance(ix.authority, str) or not ix.authority:
        raise EngineError(ErrorCode.INVALID_PARAMETER, "an account needs an authority")
    if type(ix.sub_account) is not int or not 0 <= ix.sub_account < 2**16:
        raise EngineError(ErrorCode.INVALID_PARAMETER, "sub-account must be 0..65535")
    key = (ix.authority, ix.sub_account)
    if key in state.users:
        raise EngineError(ErrorCode.ACCOUNT_EXISTS, f"account {ix.authority}/{ix.sub_account} already exists")
    state.users[key] = UserAccount(ix.authority, ix.sub_account, ix.name)
    events.append(AccountCreated(ix.authority, ix.sub_account))


def _check_amount(asset: int, amount: int) -> None:
    if asset not in (CollateralAsset.USDC, CollateralAsset.SOL):
        raise EngineError(ErrorCode.UNKNOWN_ASSET, f"unknown collateral asset {asset!r}")
    if type(amount) is not int or amount <= 0 or amount > MAX_AMOUNT:
        raise EngineError(ErrorCode.INVALID_AMOUNT, f"amount must be a positive integer, got {amount!r}")


def deposit_tokens(state: State, ix: DepositTokens, ctx: Context, events: list[Event]) -> None:
    user = get_user(state, ix.authority, ix.sub_account)
    _check_amount(ix.asset, ix.amount)
    asset = int(ix.asset)
    if asset != CollateralAsset.USDC and SOL_ORACLE_MARKET not in state.markets:
        raise EngineError(ErrorCode.UNKNOWN_ASSET, "SOL collateral is priced by SOL-PERP, which is not listed")
    if state.total_deposits.get(asset, 0) + ix.amount > MAX_AMOUNT:
        raise EngineError(ErrorCode.INVALID_AMOUNT, "deposit would exceed the program's 64-bit vault limit")
    balance = user.balances.get(asset, 0) + ix.amount
    user.balances[asset] = balance
    state.total_deposits[asset] = state.total_deposits.get(asset, 0) + ix.amount
    events.append(Deposit(ix.authority, ix.sub_account, asset, ix.amount, balance))


def withdraw_tokens(state: State, ix: WithdrawTokens, ctx: Context, events: list[Event]) -> None:
    user = get_user(state, ix.authority, ix.sub_account)
    _check_amount(ix.asset, ix.amount)
    asset = int(ix.asset)
    balance = user.balances.get(asset, 0)
    if ix.amount > balance:
        raise EngineError(ErrorCode.INSUFFICIENT_BALANCE, f"balance is {balance} and {ix.amount} was asked for")
    require_not_being_liquidated(state, user, ctx)
    user.balances[asset] = balance - ix.amount  # tentatively, to measure; undone on refusal
    try:
        summary = account_margin(state, user, ctx)
    except EngineError:
        user.balances[asset] = balance
        raise
    if summary.free_collateral < 0:
        user.balances[asset] = balance
        raise EngineError(
            ErrorCode.WITHDRAW_EXCEEDS_FREE, "withdrawal would leave the account below its initial margin"
        )
    state.total_withdrawals[asset] = state.total_withdrawals.get(asset, 0) + ix.amount
    events.append(Withdraw(ix.authority, ix.sub_account, asset, ix.amount, balance - ix.amount))


def provide_jit_liquidity(state: State, ix: ProvideJitLiquidity, ctx: Context, events: list[Event]) -> None:
    market = get_market(state, ix.market_index)
    user = get_user(state, ix.authority, ix.sub_account)
    if ix.amount:
        check_size(market, ix.amount)
    if type(ix.fee_rate) is not int or not 0 <= ix.fee_rate <= 100_000:
        raise EngineError(ErrorCode.INVALID_PARAMETER, "JIT fee rate must be 0..10% (PERCENTAGE_PRECISION)")
    get_position(user, market)
    market.jit_makers = [q for q in market.jit_makers if (q.authority, q.sub_account) != (ix.authority, ix.sub_account)]
    if ix.amount:
        market.jit_makers.append(JitQuote(ix.authority, ix.sub_account, ix.amount, ix.fee_rate))
    events.append(JitLiquidityUpdated(ix.authority, ix.sub_account, ix.market_index, ix.amount, ix.fee_rate))


def settle_user_funding(state: State, ix: SettleFunding, ctx: Context, events: list[Event]) -> None:
    user = get_user(state, ix.authority, ix.sub_account)
    for market_index in sorted(user.positions):
        settle_funding(state.markets[market_index], user, user.positions[market_index], events)

"""The trading API of the paper venue: accounts, orders, queries and streams, behind pre-trade risk."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from backend.api.protocol import (
    SUB_ACCOUNT,
    ApiError,
    CancelArgs,
    ErrorCode,
    IcebergArgs,
    ModifyArgs,
    OcoArgs,
    TwapArgs,
    parse_args,
    parse_order_args,
    to_builtins,
)
from backend.api.quick import Pending
from backend.api.server import ApiServer, Session
from backend.domain.errors import DomainError
from backend.domain.orders import amount_of, asset_of, build_order, build_parent, fixed_of, market_spec, price_of
from backend.risk.pretrade import (
    OrderCheck,
    RiskCode,
    RiskLimits,
    SubmitRate,
    PRE_TRADE_PRICES,
    TradingState,
    check_order,
    check_price_band,
    order_prices,
)
from backend.units import decimal_str
from backend.venues import views
from backend.venues.bounds import check_instruction
from backend.venues.paper import AUTHORITY, OPEN_STATUSES, Applied, PaperVenue
from programs.quantdesk_perp import instructions as ix
from programs.quantdesk_perp.constants import BASE_PRECISION
from programs.quantdesk_perp.enums import OrderType
from programs.quantdesk_perp.errors import EngineError
from programs.quantdesk_perp.math.funding import rate_as_fraction
from programs.quantdesk_perp.queries import funding_info, liquidation_status, preview_order
from programs.quantdesk_perp.risk import account_margin
from programs.vocabulary import ASSET_PRECISION, MARGIN_PRECISION, Asset, decimals_of

_fill_decoder = msgspec.msgpack.Decoder(views.FillView)
UNBOUNDED_LEVERAGE = 100_000 * MARGIN_PRECISION  # an account with no collateral: above any leverage cap


class SubArgs(msgspec.Struct, forbid_unknown_fields=True):
    sub_account: SUB_ACCOUNT = 0


class AmountArgs(msgspec.Struct, forbid_unknown_fields=True):
    amount: str
    asset: str = "USDC"
    sub_account: SUB_ACCOUNT = 0


class QueryArgs(msgspec.Struct, forbid_unknown_fields=True):
    market: str | None = None
    status: str = "open"  # open | all
    limit: Annotated[int, msgspec.Meta(ge=1, le=5000)] = 200
    sub_account: SUB_ACCOUNT | None = None


class BookArgs(msgspec.Struct, forbid_unknown_fields=True):
    market: str
    depth: Annotated[int, msgspec.Meta(ge=1, le=100)] = 12


def _trading_state(state: Any) -> TradingState:
    return state if type(state) is TradingState else TradingState(state)


def engine_error(exc: EngineError) -> DomainError:
    """The engine's refusal under the vocabulary's code of the same name."""
    return DomainError(ErrorCode[exc.code.name], exc.message)


class TradingOps:
    def __init__(
        self, venue: PaperVenue, limits: RiskLimits | None = None, trading_state: Any = None, oracle_healthy: Any = None
    ) -> None:
        self.venue = venue
        self.limits = limits or RiskLimits()
        self.rate = SubmitRate()
        self.trading_state = trading_state or (lambda: TradingState.ACTIVE)
        self.oracle_healthy = oracle_healthy or (lambda market: True)

    # -- applying with acks after commit ------------------------------------------------------
    def _apply(self, instruction: Any) -> Applied:
        try:
            return self.venue.apply(instruction)
        except EngineError as exc:
            raise engine_error(exc) from None

    async def _commit(self, instruction: Any, session: Session | None = None) -> Applied:
        """Apply, then wait for the commit; with `session`, this is the request's last step, so the
        connection may start its next request meanwhile (its orders then share a group commit)."""
        applied = self._apply(instruction)
        if session is not None:
            session.release()
        await applied.committed
        return applied

    def _pretrade(self, instruction: Any, sub: int) -> None:
        """Every pre-trade check of one order, from one look at the market, the account and its margin."""
        venue, limits = self.venue, self.limits
        if not self.rate.allow(sub, limits.submit_rate_per_s):
            raise DomainError(RiskCode.SUBMIT_RATE, f"more than {limits.submit_rate_per_s:g} orders per second")
        market_index = instruction.market_index
        market = venue.state.markets.get(market_index)
        if market is None:
            raise DomainError(ErrorCode.NO_PRICE, "the market has no oracle price yet; try again in a moment")
        symbol = market.config.symbol
        oracle = venue.oracle_price(market_index)
        size: int = getattr(instruction, "size", 0) or getattr(instruction, "total_size", 0)
        prices = order_prices(instruction)
        price = oracle
        for label, value in prices:
            if label in PRE_TRADE_PRICES:
                price = value
                break
        user = venue.state.users.get((AUTHORITY, sub))
        position = user.positions.get(market_index) if user else None
        base = position.base if position else 0
        buying = getattr(instruction, "side", 0) == 0
        reduces = bool(getattr(instruction, "reduce_only", False)) or (
            base != 0 and (base < 0) == buying and size <= abs(base)
        )
        leverage_after = 0
        if user is not None and not reduces:  # a reducing order passes the leverage cap whatever its value
            try:
                summary = account_margin(venue.state, user, venue.ctx())
                added = size * oracle // BASE_PRECISION
                total = summary.total_collateral
                leverage_after = (
                    (summary.notional + added) * MARGIN_PRECISION // total if total > 0 else UNBOUNDED_LEVERAGE
                )
            except EngineError:
                leverage_after = 0
        check_price_band(prices, oracle, limits)
        check_order(
            OrderCheck(
                market=symbol,
                size=size,
                price=price,
                oracle_price=oracle,
                has_limit_price=price != oracle,
                reduces_position=reduces,
                leverage_after=leverage_after,
                open_orders=len(user.order_ids) if user else 0,
                oracle_healthy=oracle > 0 and self.oracle_healthy(symbol),
            ),
            limits,
            _trading_state(self.trading_state()),
        )

    def _reject(self, market: str, side: str, exc: DomainError | ApiError) -> None:
        self.venue.bus.publish(
            "orders",
            views.OrderView(
                order_id=0,
                market=market,
                side=side,
                order_type="rejected",
                status="rejected",
                size=0,
                reason=exc.message,
            ),
        )

    def _place_now(self, instruction: Any, sub: int, market: str, side: str) -> Applied:
        """Pre-trade checks, then the engine: the order is applied and queued for its commit. A refusal
        is published on the orders stream and raised."""
        try:
            self._pretrade(instruction, sub)
            return self._apply(instruction)
        except DomainError as exc:
            self._reject(market, side, exc)
            raise

    async def place(
        self, instruction: Any, sub: int, market: str, side: str, session: Session | None = None
    ) -> dict[str, Any]:
        applied = self._place_now(instruction, sub, market, side)
        if session is not None:  # the request's last step: the connection may start its next one
            session.release()
        try:
            await applied.committed
        except DomainError as exc:
            self._reject(market, side, exc)
            raise
        return placed(applied)

    def start_place(self, session: Session | None, args: dict[str, Any]) -> Pending:
        """`order.place` as a quick op: checked, applied and queued for its commit now; the reply
        (what `op_place` returns) once the commit is done. A refusal is published as `place` does."""
        instruction, sub, market, side = self._order_of(args)
        applied = self._place_now(instruction, sub, market, side)
        return Pending(
            applied.committed, lambda: placed(applied, wire=True), lambda exc: self._reject(market, side, exc)
        )

    def _order_of(self, args: dict[str, Any]) -> tuple[Any, int, str, str]:
        """`order.place`'s arguments as (instruction, sub-account, market symbol, side)."""
        order = parse_order_args(args)
        spec = market_spec(order.market)
        instruction = build_order(order, AUTHORITY, self.venue.oracle_price(spec.market_index))
        return instruction, order.sub_account, spec.symbol, order.side

    # -- ops ----------------------------------------------------------------------------------
    async def op_place(self, session: Session, args: dict[str, Any]) -> Any:
        return await self.place(*self._order_of(args), session)

    async def op_twap(self, session: Session, args: dict[str, Any]) -> Any:
        return await self._place_parent(parse_args(args, TwapArgs), session)

    async def op_iceberg(self, session: Session, args: dict[str, Any]) -> Any:
        return await self._place_parent(parse_args(args, IcebergArgs), session)

    async def op_oco(self, session: Session, args: dict[str, Any]) -> Any:
        return await self._place_parent(parse_args(args, OcoArgs), session)

    async def _place_parent(self, order: TwapArgs | IcebergArgs | OcoArgs, session: Session) -> dict[str, Any]:
        instruction = build_parent(order, AUTHORITY)
        return await self.place(instruction, order.sub_account, market_spec(order.market).symbol, order.side, session)

    async def op_modify(self, session: Session, args: dict[str, Any]) -> Any:
        a = parse_args(args, ModifyArgs)
        order = self.venue.state.orders.get(a.order_id)
        if order is None or order.authority != AUTHORITY:
            raise ApiError(ErrorCode.UNKNOWN_ORDER, f"no open order {a.order_id}")
        spec = market_spec(views.symbol_of(self.venue.state, order.market_index))
        applied = await self._commit(
            ix.ModifyOrder(
                AUTHORITY,
                order.sub_account,
                a.order_id,
                size=fixed_of(a.size, BASE_PRECISION, "size", ErrorCode.INVALID_SIZE) if a.size else None,
                price=price_of(a.price, spec) if a.price else None,
                trigger_price=price_of(a.trigger, spec, "trigger price") if a.trigger else None,
            ),
            session,
        )
        return {"orders": to_builtins(applied.orders)}

    async def op_cancel(self, session: Session, args: dict[str, Any]) -> Any:
        a = parse_args(args, CancelArgs)
        if a.order_id is not None:
            order = self.venue.state.orders.get(a.order_id)
            if order is None:
                previous = self.venue.recent.get(a.order_id)
                if previous is not None:
                    raise ApiError(ErrorCode.ORDER_NOT_OPEN, f"order {a.order_id} is already {previous.status}")
                raise ApiError(ErrorCode.UNKNOWN_ORDER, f"no order {a.order_id}")
            instruction: Any = ix.CancelOrder(AUTHORITY, order.sub_account, a.order_id)
            applied = await self._commit(instruction, session)
            return {"cancelled": [v.order_id for v in applied.orders if v.status == "cancelled"]}
        if a.market is None and not a.all:
            raise ApiError(ErrorCode.BAD_REQUEST, "give order_id, market or all")
        market_index = market_spec(a.market).market_index if a.market else None
        cancelled = await self.cancel_all(a.sub_account if not a.all else None, market_index)
        return {"cancelled": cancelled}

    async def cancel_all(self, sub: int | None, market_index: int | None = None, reason: str = "") -> list[int]:
        subs = [s for (auth, s) in self.venue.state.users if auth == AUTHORITY and (sub is None or s == sub)]
        cancelled: list[int] = []
        for s in subs:
            user = self.venue.state.users[(AUTHORITY, s)]
            if not user.order_ids:
                continue
            applied = await self._commit(ix.CancelOrders(AUTHORITY, s, market_index))
            cancelled += [v.order_id for v in applied.orders if v.status == "cancelled"]
        return cancelled

    async def op_deposit(self, session: Session, args: dict[str, Any]) -> Any:
        a = parse_args(args, AmountArgs)
        asset = asset_of(a.asset)
        await self._ensure_account(a.sub_account)
        await self._commit(ix.DepositTokens(AUTHORITY, a.sub_account, asset, amount_of(a.amount, asset)))
        return self.account(a.sub_account)

    async def op_withdraw(self, session: Session, args: dict[str, Any]) -> Any:
        a = parse_args(args, AmountArgs)
        asset = asset_of(a.asset)
        amount = amount_of(a.amount, asset)
        user = self.venue.state.users.get((AUTHORITY, a.sub_account))
        balance = user.balances.get(int(asset), 0) if user is not None else 0
        if amount > balance:  # said here in the asset's units; the engine's own refusal speaks integers
            digits = decimals_of(ASSET_PRECISION[Asset[asset.name]])
            raise ApiError(
                ErrorCode.INSUFFICIENT_BALANCE,
                f"the {asset.name} balance of sub-account {a.sub_account} is "
                f"{decimal_str(balance, digits)} {asset.name} and "
                f"{decimal_str(amount, digits)} {asset.name} was asked for",
            )
        await self._commit(ix.WithdrawTokens(AUTHORITY, a.sub_account, asset, amount))
        return self.account(a.sub_account)

    async def _ensure_account(self, sub: int) -> None:
        if not 0 <= sub < 2**16:
            raise ApiError(ErrorCode.BAD_REQUEST, "sub_account must be 0-65535")
        if (AUTHORITY, sub) not in self.venue.state.users:
            await self._commit(ix.CreateUserAccount(AUTHORITY, sub, f"sub {sub}"))

    async def op_account_create(self, session: Session, args: dict[str, Any]) -> Any:
        a = parse_args(args, SubArgs)
        if (AUTHORITY, a.sub_account) in self.venue.state.users:
            raise ApiError(ErrorCode.ACCOUNT_EXISTS, f"sub-account {a.sub_account} exists")
        await self._ensure_account(a.sub_account)
        return self.account(a.sub_account)

    def account(self, sub: int) -> dict[str, Any]:
        venue = self.venue
        ctx = venue.ctx()
        view = views.account_view(venue.state, AUTHORITY, sub, ctx, str(self.trading_state()))
        if view is None:
            raise ApiError(ErrorCode.UNKNOWN_ACCOUNT, f"no sub-account {sub}; deposit into it to create it")
        return {
            "account": to_builtins(view),
            "positions": to_builtins(views.position_views(venue.state, AUTHORITY, sub, ctx)),
        }

    async def op_account(self, session: Session, args: dict[str, Any]) -> Any:
        return self.account(parse_args(args, SubArgs).sub_account)

    async def op_liquidation(self, session: Session, args: dict[str, Any]) -> Any:
        """Liquidation status of a sub account: shortage, escalated fees, per-call cap, socialized loss."""
        sub = parse_args(args, SubArgs).sub_account
        try:
            status = liquidation_status(self.venue.state, AUTHORITY, sub, self.venue.ctx())
        except EngineError as exc:
            raise engine_error(exc) from None
        return msgspec.to_builtins(status)

    async def op_accounts(self, session: Session, args: dict[str, Any]) -> Any:
        subs = sorted(s for (auth, s) in self.venue.state.users if auth == AUTHORITY)
        return {"sub_accounts": subs}

    async def op_positions(self, session: Session, args: dict[str, Any]) -> Any:
        a = parse_args(args, QueryArgs)
        venue = self.venue
        ctx = venue.ctx()
        subs = (
            [a.sub_account]
            if a.sub_account is not None
            else sorted(s for (auth, s) in venue.state.users if auth == AUTHORITY)
        )
        out = [p for s in subs for p in views.position_views(venue.state, AUTHORITY, s, ctx) if p.base]
        if a.market:
            out = [p for p in out if p.market == market_spec(a.market).symbol]
        return {"positions": to_builtins(out)}

    async def op_orders(self, session: Session, args: dict[str, Any]) -> Any:
        a = parse_args(args, QueryArgs)
        rows = list(self.venue.recent.values())
        if a.status == "open":
            rows = [v for v in rows if v.status in OPEN_STATUSES]
        if a.market:
            symbol = market_spec(a.market).symbol
            rows = [v for v in rows if v.market == symbol]
        if a.sub_account is not None:
            rows = [v for v in rows if v.sub_account == a.sub_account]
        return {"orders": to_builtins(rows[-max(1, min(a.limit, 5000)) :])}

    async def op_fills(self, session: Session, args: dict[str, Any]) -> Any:
        a = parse_args(args, QueryArgs)
        sql = "SELECT view FROM fills WHERE authority = ?"
        params: list[Any] = [AUTHORITY]
        if a.market:
            sql += " AND market = ?"
            params.append(market_spec(a.market).symbol)
        sql += " ORDER BY fill_id DESC LIMIT ?"
        params.append(max(1, min(a.limit, 5000)))
        rows = self.venue.store._read_conn.execute(sql, params).fetchall()
        return {"fills": [to_builtins(_fill_decoder.decode(r[0])) for r in reversed(rows)]}

    async def op_book(self, session: Session, args: dict[str, Any]) -> Any:
        a = parse_args(args, BookArgs)
        spec = market_spec(a.market)
        if spec.market_index not in self.venue.state.markets:
            raise ApiError(ErrorCode.NO_PRICE, f"{spec.symbol} has no price yet")
        return to_builtins(
            views.book_view(self.venue.state, spec.market_index, self.venue.ctx(), max(1, min(a.depth, 100)))
        )

    async def op_market_state(self, session: Session, args: dict[str, Any]) -> Any:
        return self.market_state(market_spec(parse_args(args, BookArgs).market).symbol)

    async def op_markets_stats(self, session: Session, args: dict[str, Any]) -> Any:
        """Funding and open interest of every market with a price, for the watchlist."""
        state = self.venue.state
        return {"markets": [self.market_state(state.markets[i].config.symbol) for i in sorted(state.markets)]}

    def market_state(self, symbol: str) -> dict[str, Any]:
        spec = market_spec(symbol)
        market = self.venue.state.markets.get(spec.market_index)
        if market is None:
            raise ApiError(ErrorCode.NO_PRICE, f"{spec.symbol} has no price yet")
        return {
            "market": spec.symbol,
            "status": market.status.name if hasattr(market.status, "name") else market.status,
            "funding_rate": rate_as_fraction(market.last_funding_rate, market.last_funding_oracle_twap),
            "funding": msgspec.to_builtins(funding_info(self.venue.state, spec.market_index)),
            "funding_interval": market.config.funding_interval,
            "open_interest": market.open_interest_long + market.open_interest_short,
            "open_interest_long": market.open_interest_long,
            "open_interest_short": market.open_interest_short,
            "mark_price": views.mark_price(self.venue.ctx(), spec.market_index),
            "mark_twap": market.mark_twap,
            "oracle_price": self.venue.oracle_price(spec.market_index),
            "oracle_twap": market.oracle_twap,
            "insurance_fund": self.venue.state.insurance_fund,
        }

    async def op_verify(self, session: Session, args: dict[str, Any]) -> Any:
        """Live engine state against a replay of the journal (digests of both)."""
        parse_args(args, SubArgs)
        return self.venue.verify()

    async def op_preview(self, session: Session, args: dict[str, Any]) -> Any:
        order = parse_order_args(args)
        spec = market_spec(order.market)
        instruction = build_order(order, AUTHORITY, self.venue.oracle_price(spec.market_index))
        check_instruction(instruction)
        check_price_band(order_prices(instruction), self.venue.oracle_price(spec.market_index), self.limits)
        if not isinstance(instruction, ix.PlaceOrder):
            instruction = ix.PlaceOrder(
                AUTHORITY,
                instruction.sub_account,
                instruction.market_index,
                instruction.side,
                OrderType.LIMIT if instruction.entry_price else OrderType.MARKET,
                instruction.size,
                price=instruction.entry_price,
            )
        if (AUTHORITY, order.sub_account) not in self.venue.state.users:
            raise ApiError(ErrorCode.UNKNOWN_ACCOUNT, f"no sub-account {order.sub_account}")
        preview = preview_order(self.venue.state, instruction, self.venue.ctx())
        return to_builtins(preview)


def placed(applied: Applied, wire: bool = False) -> dict[str, Any]:
    """The reply to a placed order: its order views and fills, as they committed; as plain data, or
    (`wire`) as the views themselves, which only the reply's encoder reads (same JSON, no copy)."""
    result = {"orders": applied.orders, "fills": [f for _, f in applied.fills]}
    return result if wire else to_builtins(result)


def register_trading_ops(api: ApiServer, trading: TradingOps) -> None:
    for name, handler in {
        "order.place": trading.op_place,
        "order.twap": trading.op_twap,
        "order.iceberg": trading.op_iceberg,
        "order.oco": trading.op_oco,
        "order.modify": trading.op_modify,
        "order.cancel": trading.op_cancel,
        "order.preview": trading.op_preview,
        "account": trading.op_account,
        "account.list": trading.op_accounts,
        "account.create": trading.op_account_create,
        "account.deposit": trading.op_deposit,
        "account.withdraw": trading.op_withdraw,
        "orders": trading.op_orders,
        "fills": trading.op_fills,
        "positions": trading.op_positions,
        "book": trading.op_book,
        "market.state": trading.op_market_state,
        "markets.stats": trading.op_markets_stats,
        "venue.verify": trading.op_verify,
        "account.liquidation": trading.op_liquidation,
    }.items():
        api.op(name, handler)
    api.quick_op("order.place", trading.start_place)
    api.stream("orders", "orders", market_of=lambda v: v.market)
    api.stream("fills", "fills", market_of=lambda v: v.market)
    api.stream("positions", "positions", key=lambda p: (p.sub_account, p.market), market_of=lambda p: p.market)
    api.stream("account", "account", key=lambda a: a.sub_account)
    api.stream("funding", "funding", key=lambda f: f["market"], market_of=lambda f: f["market"])

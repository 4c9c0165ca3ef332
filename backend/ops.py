"""Market-data ops: `markets.list` and `quote`."""

from __future__ import annotations

from typing import Any

from backend.api.protocol import ApiError, ErrorCode, MarketArgs, MarketInfo, parse_args, to_builtins
from backend.api.server import ApiServer, Session
from backend.domain.orders import resolve_market
from backend.oracle.service import OracleService
from programs.quantdesk_perp.markets import MARKETS


def market_infos() -> list[MarketInfo]:
    return [
        MarketInfo(
            market_index=m.market_index,
            symbol=m.symbol,
            base=m.base,
            quote=m.quote,
            tick_size=m.tick_size,
            step_size=m.step_size,
            min_size=m.min_size,
            max_leverage=m.max_leverage,
            pyth_feed_id=m.pyth_feed_id,
        )
        for m in MARKETS
    ]


def register_market_ops(api: ApiServer, oracle: OracleService) -> None:
    async def markets_list(session: Session, args: dict[str, Any]) -> Any:
        return {"markets": to_builtins(market_infos())}

    async def quote(session: Session, args: dict[str, Any]) -> Any:
        symbol = resolve_market(parse_args(args, MarketArgs).market)
        q = oracle.quotes.quotes.get(symbol)
        if q is None:
            raise ApiError(ErrorCode.NO_PRICE, f"no price for {symbol} yet; the feed may be starting or down")
        return to_builtins(q)

    api.op("markets.list", markets_list)
    api.op("quote", quote)

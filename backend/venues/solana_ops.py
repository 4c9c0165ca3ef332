"""`--venue solana`: order placement goes to the QuantDesk program on the chosen cluster.

When the program is not deployed there (always the case on the embedded localnet), the venue says
so at start (status, /health, the log) and every order is refused with PROGRAM_NOT_DEPLOYED;
nothing is ever filled locally in its place.
"""

from __future__ import annotations

from typing import Any

from backend.api.protocol import ApiError
from backend.api.server import ApiServer, Session
from backend.solana.errors import SolanaError
from backend.venues.requests import build_order, market_spec, parse_order_args
from backend.venues.solana import SolanaVenue


def register_solana_venue_ops(api: ApiServer, venue: SolanaVenue, oracle_price: Any) -> None:
    async def place(session: Session, args: dict[str, Any]) -> Any:
        order = parse_order_args(args)
        spec = market_spec(order.market)
        authority = str(venue.signer.pubkey) if venue.signer is not None else "unsigned"
        instruction = build_order(order, authority, oracle_price(spec.market_index))
        try:
            return await venue.place_order(instruction)
        except SolanaError as exc:
            raise ApiError(str(exc.code), exc.message) from None

    async def refuse(session: Session, args: dict[str, Any]) -> Any:
        try:
            venue._ensure_ready()
        except SolanaError as exc:
            raise ApiError(str(exc.code), exc.message) from None
        raise ApiError("NOT_SUPPORTED", "this order kind is not sent to the program yet; use order.place")

    async def refuse_account(session: Session, args: dict[str, Any]) -> Any:
        # the paper account (and its 100k USDC) is not this venue's: never show or move it as if on-chain
        try:
            venue._ensure_ready()
        except SolanaError as exc:
            raise ApiError(str(exc.code), exc.message) from None
        raise ApiError("NOT_SUPPORTED", "on-chain deposits, withdrawals and account reads are not wired yet")

    api.op("order.place", place)
    for name in ("order.twap", "order.iceberg", "order.oco", "order.modify"):
        api.op(name, refuse)
    for name in ("account", "account.list", "account.create", "account.deposit", "account.withdraw"):
        api.op(name, refuse_account)

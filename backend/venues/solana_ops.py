"""`--venue solana`: order placement goes to the QuantDesk program on the chosen cluster.

On localnet the venue deploys the program into the embedded LiteSVM first. When the program is not
deployed, the venue says so at start (status, /health, the log) and every order is refused with
PROGRAM_NOT_DEPLOYED; nothing is ever filled locally in its place. `fills` answers with the
program's fills; /metrics has the compute units of each instruction's latest transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import Gauge

from backend.api.protocol import ApiError, ErrorCode, parse_order_args, to_builtins
from backend.api.server import ApiServer, Session
from backend.domain.orders import build_order, market_spec
from backend.solana.errors import SolanaError
from backend.venues.solana import SolanaVenue


def register_solana_venue_ops(api: ApiServer, venue: SolanaVenue, oracle_price: Any) -> None:
    venue.oracle_price = oracle_price
    units = Gauge(
        "quantdesk_solana_compute_units",
        "Compute units of the latest transaction, by instruction",
        ["instruction"],
        registry=api.metrics.registry,
    )
    venue.on_compute_units = lambda name, value: units.labels(name).set(value)

    async def place(session: Session, args: dict[str, Any]) -> Any:
        order = parse_order_args(args)
        spec = market_spec(order.market)
        authority = str(venue.signer.pubkey) if venue.signer is not None else "unsigned"
        instruction = build_order(order, authority, oracle_price(spec.market_index))
        try:
            return await venue.place_order(instruction)
        except SolanaError as exc:
            raise ApiError(str(exc.code), exc.message) from None

    def refusing(message: str) -> Callable[[Session, dict[str, Any]], Awaitable[Any]]:
        """An op this venue does not do: NOT_SUPPORTED with `message` (or why the venue is not ready)."""

        async def refuse(session: Session, args: dict[str, Any]) -> Any:
            try:
                venue._ensure_ready()
            except SolanaError as exc:
                raise ApiError(str(exc.code), exc.message) from None
            raise ApiError(ErrorCode.NOT_SUPPORTED, message)

        return refuse

    async def fills(session: Session, args: dict[str, Any]) -> Any:
        limit = args.get("limit", 100) if isinstance(args.get("limit", 100), int) else 100
        market = args.get("market")
        rows = [f for f in venue.fills if not market or f.market == market_spec(str(market)).symbol]
        return {"fills": to_builtins(rows[-max(1, min(limit, 5000)) :])}

    async def cancel(session: Session, args: dict[str, Any]) -> Any:
        order_id, sub = args.get("order_id"), args.get("sub_account", 0)
        if type(order_id) is not int or type(sub) is not int:
            raise ApiError(
                ErrorCode.BAD_REQUEST, "give order_id: the solana venue cancels one on-chain order at a time"
            )
        try:
            venue._ensure_ready()
            market_index = await venue.order_market(order_id, sub)
            outcome = await venue.cancel_order(order_id, market_index=market_index, sub_account=sub)
        except SolanaError as exc:
            raise ApiError(str(exc.code), exc.message) from None
        return {"cancelled": [order_id], **outcome}

    api.op("order.place", place)
    api.op("order.cancel", cancel)
    api.op("fills", fills)
    for name in ("order.twap", "order.iceberg", "order.oco", "order.modify"):
        api.op(name, refusing("this order kind is not sent to the program yet; use order.place"))
    # the paper account (and its 100k USDC) is not this venue's: never show or move it as if on-chain
    unwired = refusing("on-chain deposits, withdrawals and account reads are not wired yet")
    for name in ("account", "account.list", "account.create", "account.deposit", "account.withdraw"):
        api.op(name, unwired)

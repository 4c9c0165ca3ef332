"""Queries over what the paper venue recorded: an order's status history, liquidations and the
insurance fund. Rows come from the derived tables written with each journal entry."""

from __future__ import annotations

from typing import Any

import msgspec

from backend.api.protocol import ApiError, ErrorCode, LiquidationView, parse_args, to_builtins
from backend.api.server import ApiServer, Session
from backend.venues.paper import AUTHORITY, PaperVenue

_liquidation_decoder = msgspec.msgpack.Decoder(LiquidationView)


class HistoryArgs(msgspec.Struct, forbid_unknown_fields=True):
    order_id: int


class LiquidationArgs(msgspec.Struct, forbid_unknown_fields=True):
    limit: int = 50
    sub_account: int | None = None


def order_history(venue: PaperVenue, order_id: int) -> dict[str, Any]:
    rows = venue.store._read_conn.execute(
        "SELECT seq, ts, status, filled, reason FROM order_history WHERE order_id = ? ORDER BY id", (order_id,)
    ).fetchall()
    view = venue.recent.get(order_id)
    if view is None and not rows:
        raise ApiError(ErrorCode.UNKNOWN_ORDER, f"no order {order_id}")
    return {
        "order": to_builtins(view) if view is not None else None,
        "history": [
            {"seq": seq, "ts": ts, "status": status, "filled": filled, "reason": reason}
            for seq, ts, status, filled, reason in rows
        ],
    }


def liquidations(venue: PaperVenue, limit: int = 50, sub_account: int | None = None) -> dict[str, Any]:
    """This trader's liquidations plus market-wide socialized losses, oldest first, and the fund."""
    sql = "SELECT view FROM liquidations WHERE authority IN (?, '')"
    params: list[Any] = [AUTHORITY]
    if sub_account is not None:
        sql += " AND (sub_account = ? OR authority = '')"
        params.append(sub_account)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(max(1, min(limit, 5000)))
    rows = venue.store._read_conn.execute(sql, params).fetchall()
    state = venue.state
    return {
        "liquidations": [to_builtins(_liquidation_decoder.decode(r[0])) for r in reversed(rows)],
        "insurance_fund": state.insurance_fund,
        "insurance_paid": state.insurance_paid,
        "socialized_loss": state.socialized_loss,
    }


def register_record_ops(api: ApiServer, venue: PaperVenue) -> None:
    async def history(session: Session, args: dict[str, Any]) -> Any:
        return order_history(venue, parse_args(args, HistoryArgs).order_id)

    async def liquidation_list(session: Session, args: dict[str, Any]) -> Any:
        a = parse_args(args, LiquidationArgs)
        return liquidations(venue, a.limit, a.sub_account)

    api.op("order.history", history)
    api.op("liquidations", liquidation_list)
    api.stream("liquidations", "liquidations")

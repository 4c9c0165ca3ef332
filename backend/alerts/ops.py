"""Alert ops on the API: `alert.add`, `alert.list`, `alert.rm`, `alert.edit`, `alert.history`; the "alerts" stream."""

from __future__ import annotations

from typing import Any

import msgspec

from backend.alerts.service import AlertService
from backend.alerts.spec import AlertArgs, AlertEditArgs
from backend.api.protocol import ApiError, ErrorCode, parse_args
from backend.api.server import ApiServer, Session


class AlertIdArgs(msgspec.Struct, forbid_unknown_fields=True):
    id: int


class AlertListArgs(msgspec.Struct, forbid_unknown_fields=True):
    status: str = "all"  # "active" | "fired" | "disabled" | "all"
    market: str | None = None


class AlertHistoryArgs(msgspec.Struct, forbid_unknown_fields=True):
    id: int | None = None
    market: str | None = None
    limit: int = 100
    since_ms: int | None = None  # unix milliseconds


def register_alert_ops(api: ApiServer, alerts: AlertService) -> None:
    async def add(session: Session, args: dict[str, Any]) -> Any:
        return (await alerts.add(parse_args(args, AlertArgs))).to_dict()

    async def edit(session: Session, args: dict[str, Any]) -> Any:
        return (await alerts.edit(parse_args(args, AlertEditArgs))).to_dict()

    async def rm(session: Session, args: dict[str, Any]) -> Any:
        return {"removed": (await alerts.remove(parse_args(args, AlertIdArgs).id)).to_dict()}

    async def list_(session: Session, args: dict[str, Any]) -> Any:
        a = parse_args(args, AlertListArgs)
        if a.status not in ("active", "fired", "disabled", "all"):
            raise ApiError(ErrorCode.BAD_REQUEST, f"status must be active, fired, disabled or all, not {a.status!r}")
        market = alerts.resolve_market(a.market) if a.market else None
        items = alerts.list(a.status, market)
        return {"alerts": [x.to_dict() for x in items], "active": alerts.active_count}

    async def history(session: Session, args: dict[str, Any]) -> Any:
        a = parse_args(args, AlertHistoryArgs)
        market = alerts.resolve_market(a.market) if a.market else None
        await alerts.sync()
        return {"history": alerts.history(a.id, market, a.limit, a.since_ms)}

    api.op("alert.add", add)
    api.op("alert.edit", edit)
    api.op("alert.rm", rm)
    api.op("alert.list", list_)
    api.op("alert.history", history)
    api.stream("alerts", "alerts", key=None, market_of=lambda m: m.get("market") or "")

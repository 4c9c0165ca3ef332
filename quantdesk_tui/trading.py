"""What the trader's keys and commands do: orders, cancels, previews, alerts — as requests in workers.

Every failure becomes a toast with the backend's message and code; nothing is retried silently.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

from backend.api.protocol import ApiError

if TYPE_CHECKING:
    from quantdesk_tui.app import QuantDeskApp

PRICE_FIELDS = {"price": "price", "trigger_price": "trigger", "tp_price": "tp", "sl_price": "sl", "trail_offset": "trail"}


def decimal_text(value: int, scale: int) -> str:
    """An engine integer as an exact decimal string for the wire."""
    return format((Decimal(value) / scale).normalize(), "f")


def ticket_to_args(order: dict[str, Any]) -> dict[str, Any]:
    """The order ticket's integers (BASE/PRICE scale) as `order.place` arguments."""
    args: dict[str, Any] = {"market": order["market"], "side": order["side"], "type": order["order_type"],
                            "size": decimal_text(order["size"], 10**9), "tif": order.get("tif", "gtc"),
                            "sub_account": order.get("sub_account", 0)}
    for key, wire in PRICE_FIELDS.items():
        if order.get(key):
            args[wire] = decimal_text(order[key], 10**6)
    for flag in ("reduce_only", "post_only"):
        if order.get(flag):
            args[flag] = True
    return args


class TradingActions:
    def __init__(self, app: QuantDeskApp) -> None:
        self.app = app

    @property
    def hub(self):
        return self.app.hub

    async def _request(self, op: str, **args: Any) -> Any:
        try:
            return await self.app.client.request(op, **args)
        except ApiError as exc:
            self.app.notify(exc.message, title=f"refused: {exc.code}", severity="error")
            self.hub.note(f"{op} refused: {exc.code}: {exc.message}", "error")
            if self.app.config.bell:
                self.app.bell()
            return None

    # -- orders -------------------------------------------------------------------------------
    def submit_ticket(self, order: dict[str, Any]) -> None:
        self.place(ticket_to_args(order))

    def place(self, args: dict[str, Any]) -> None:
        self.app.run_worker(partial(self._place, args), group="orders", exclusive=False)

    async def _place(self, args: dict[str, Any]) -> None:
        result = await self._request("order.place", **args)
        if result is None:
            return
        for order in result.get("orders", []):
            if order.get("parent_id") == 0 or len(result["orders"]) == 1:
                self.app.notify(f"#{order['order_id']} {order['side']} {decimal_text(order['size'], 10**9)} "
                                f"{order['market']} {order['order_type']} {order['status']}", title="order accepted")
                break

    def cancel(self, args: dict[str, Any]) -> None:
        self.app.run_worker(partial(self._cancel, args), group="orders", exclusive=False)

    async def _cancel(self, args: dict[str, Any]) -> None:
        result = await self._request("order.cancel", **args)
        if result is not None:
            self.app.notify(f"cancelled {len(result['cancelled'])} order(s)", title="cancel")

    def close_position(self, market: str, sub_account: int) -> None:
        position = self.hub.positions.get((sub_account, market))
        if position is None or position.base == 0:
            self.app.notify(f"no {market} position to close", severity="warning")
            return
        self.place({"market": market, "side": "sell" if position.base > 0 else "buy", "type": "market",
                    "size": decimal_text(abs(position.base), 10**9), "reduce_only": True, "sub_account": sub_account})

    def request_preview(self, order: dict[str, Any] | None) -> None:
        self.app.run_worker(partial(self._request_preview, order), group="preview", exclusive=True)

    async def _request_preview(self, order: dict[str, Any] | None) -> None:
        if order is None:
            return
        args = ticket_to_args(order)
        for key in ("tp", "sl"):
            args.pop(key, None)
        try:
            preview = await self.app.client.request("order.preview", **args)
        except ApiError as exc:
            self.app.preview = {"error": exc.message}
        else:
            self.app.preview = preview_lines(preview, order)
        self.hub.mark("preview")

    # -- market, timeframe, alerts ------------------------------------------------------------
    def set_timeframe(self, timeframe: str) -> None:
        self.hub.timeframe = timeframe
        self.hub.mark("market")
        self.app.load_candles()

    def add_alert(self, args: dict[str, Any]) -> None:
        self.app.run_worker(partial(self._add_alert, args), group="alerts", exclusive=False)

    async def _add_alert(self, args: dict[str, Any]) -> None:
        result = await self._request("alert.add", **args)
        if result is not None:
            self.app.notify(f"alert #{result.get('id', '?')} on {args['market']} {args['kind']} {args['level']}",
                            title="alert added")
            await self.app.feed.refresh_alerts()

    def remove_alert(self, alert_id: int) -> None:
        self.app.run_worker(partial(self._remove_alert, alert_id), group="alerts", exclusive=False)

    async def _remove_alert(self, alert_id: int) -> None:
        if await self._request("alert.rm", id=alert_id) is not None:
            self.app.notify(f"alert #{alert_id} removed")
            await self.app.feed.refresh_alerts()

    def kill(self) -> None:
        self.app.run_worker(self._kill, group="risk", exclusive=False)

    async def _kill(self) -> None:
        result = await self._request("risk.kill", reason="kill switch from the TUI")
        if result is not None:
            self.app.notify("trading HALTED; every open order cancelled", title="kill switch", severity="warning")

    def resume(self) -> None:
        self.app.run_worker(self._resume, group="risk", exclusive=False)

    async def _resume(self) -> None:
        if await self._request("risk.resume") is not None:
            self.app.notify("trading ACTIVE again", title="resume")


def preview_lines(preview: dict[str, Any], order: dict[str, Any]) -> dict[str, Any]:
    """The engine's preview in the ticket's terms (OrderTicket.set_preview): required margin,
    leverage and liquidation price after the order, average fill, what rests, fee."""
    if preview.get("error_code"):
        return {"error": preview.get("error_message") or preview["error_code"]}
    after = preview.get("margin_after") or {}
    before = preview.get("margin_before") or {}
    return {
        "margin": after.get("initial_requirement", 0) - before.get("initial_requirement", 0),
        "leverage": after.get("leverage", before.get("leverage", 0)),
        "fill": preview.get("average_price", 0),
        "resting": preview.get("resting", 0),
        "liq_price": preview.get("liquidation_price") or 0,
        "fee": preview.get("fee", 0),
    }

"""What the trader's keys and commands do: orders, cancels, previews, alerts — as requests in workers.

Every failure becomes a toast with the backend's message and code; nothing is retried silently.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import msgspec

from backend.api.protocol import (
    BASE_PRECISION,
    PRICE_PRECISION,
    TERMINAL_STATUSES,
    ApiError,
    CancelArgs,
    FillView,
    MarketInfo,
    OrderArgs,
    OrderRequest,
    OrderView,
    to_builtins,
)
from quantdesk_tui.changes import FocusedMarketChanged, PreviewChanged
from quantdesk_tui.order_confirm import OrderIntent, confirm_reasons, estimate_notional
from quantdesk_tui.order_outcome import describe_fills, describe_outcome, is_settled
from quantdesk_tui.screens.dialogs import ConfirmScreen
from widgets.format import decimal_text, exact, fmt_alert

PRICE_FIELDS = {
    "price": "price",
    "trigger_price": "trigger",
    "tp_price": "tp",
    "sl_price": "sl",
    "trail_offset": "trail",
}


def ticket_request(order: dict[str, Any], *, with_bracket: bool = True) -> OrderArgs:
    """The order ticket's integers (BASE/PRICE scale) as an `order.place` request; without its TP/SL
    when `with_bracket` is False (a preview prices the entry alone)."""
    prices = {
        wire: decimal_text(order[key], PRICE_PRECISION)
        for key, wire in PRICE_FIELDS.items()
        if order.get(key) and (with_bracket or wire not in ("tp", "sl"))
    }
    return OrderArgs(
        market=order["market"],
        side=order["side"],
        type=order["order_type"],
        size=decimal_text(order["size"], BASE_PRECISION),
        tif=order.get("tif", "gtc"),
        sub_account=order.get("sub_account", 0),
        reduce_only=bool(order.get("reduce_only")),
        post_only=bool(order.get("post_only")),
        price=prices.get("price"),
        trigger=prices.get("trigger"),
        tp=prices.get("tp"),
        sl=prices.get("sl"),
        trail=prices.get("trail"),
    )


class TradingActions:
    def __init__(self, app: Any) -> None:
        """app: the QuantDeskApp (not imported: the app imports this module)."""
        self.app = app
        self.watching: dict[int, OrderIntent] = {}  # placed orders still in their auction
        self.reported: deque[int] = deque(maxlen=200)  # settled orders whose outcome was toasted

    @property
    def hub(self):
        return self.app.hub

    def _spawn(self, work: Callable[[], Awaitable[None]], group: str, exclusive: bool = False) -> None:
        """Run a request in an app worker; a failure becomes a toast (the app's worker handler), never an exit."""
        self.app.run_worker(work, group=group, exclusive=exclusive, exit_on_error=False)

    async def _request(self, op: str, **args: Any) -> Any:
        try:
            return await self.app.client.request(op, **args)
        except ApiError as exc:
            self.app.notify(exc.message, title=f"refused: {exc.code}", severity="error")
            self.hub.note(f"{op} refused: {exc.code}: {exc.message}", "error")
            if self.app.config.bell:
                self.app.bell()
            return None

    # -- orders: every path ends in submit() ---------------------------------------------------
    def submit_ticket(self, order: dict[str, Any]) -> None:
        if order["market"] != self.hub.market:  # the ticket must trade what the screen shows
            self.app.notify(
                f"the ticket is for {order['market']} but the screen shows {self.hub.market}; "
                "check the ticket and submit again",
                title="not sent",
                severity="error",
            )
            return
        self.submit(OrderIntent(ticket_request(order), "ticket"))

    def place(self, request: OrderRequest, source: str = "command bar") -> None:
        self.submit(OrderIntent(request, source))

    def close_position(self, market: str, sub_account: int) -> None:
        position = self.hub.positions.get((sub_account, market))
        if position is None or position.base == 0:
            self.app.notify(f"no {market} position to close", severity="warning")
            return
        close = OrderArgs(
            market=market,
            side="sell" if position.base > 0 else "buy",
            type="market",
            size=decimal_text(abs(position.base), BASE_PRECISION),
            reduce_only=True,
            sub_account=sub_account,
        )
        self.submit(OrderIntent(close, "close"))

    def submit(self, intent: OrderIntent) -> None:
        """The one door every order goes through: the confirm rule, then the backend."""
        reasons = self.confirm_reasons(intent)
        if not reasons:
            self._send(intent)
            return
        body = "\n".join([intent.describe(), "", "Asking because:", *(f"• {r}" for r in reasons)])
        self.app.push_screen(ConfirmScreen("Send this order?", body), partial(self._confirmed, intent))

    def confirm_reasons(self, intent: OrderIntent) -> list[str]:
        quote = self.hub.quotes.get(intent.market)
        reference = exact(quote.price, quote.expo) if quote is not None and quote.price > 0 else None
        account = self.hub.accounts.get(intent.request.sub_account)
        free = exact(account.free_collateral, -6) if account is not None else None
        config = self.app.config
        return confirm_reasons(
            estimate_notional(intent, reference), free, config.confirm_notional, config.confirm_free_fraction
        )

    def _confirmed(self, intent: OrderIntent, yes: bool | None) -> None:
        if yes:
            self._send(intent)
        else:
            self.app.notify(f"not sent: {intent.describe()}", title="order", severity="warning")

    def _send(self, intent: OrderIntent) -> None:
        self._spawn(partial(self._place, intent), "orders")

    async def _place(self, intent: OrderIntent) -> None:
        result = await self._request(intent.op, **to_builtins(intent.request))
        if result is not None:
            self._report_placed(result, intent)
        if result is not None and result.get("signature"):  # the solana venue: the program's transaction
            self.app.notify(
                f"{result['status']} {result['signature'][:16]}… slot {result.get('slot')}, "
                f"{result.get('compute_units', '?')} CU",
                title="on-chain transaction",
            )

    def _report_placed(self, result: dict[str, Any], intent: OrderIntent) -> None:
        orders = msgspec.convert(result.get("orders", []), list[OrderView])
        fills = msgspec.convert(result.get("fills", []), list[FillView])
        main = next((o for o in orders if o.parent_id == 0), orders[0] if orders else None)
        market = self._market_info(intent.market)
        if main is None:
            text = describe_fills(fills, market) if fills else f"{intent.describe()}: accepted"
            self.app.notify(text, title="order")
            return
        pushed = self.hub.orders.get(main.order_id)  # its push may have overtaken the reply
        if pushed is not None and (pushed.status in TERMINAL_STATUSES or pushed.updated_ts >= main.updated_ts):
            main = pushed
        if is_settled(main):
            self._report_outcome(main)
        else:
            self.watching[main.order_id] = intent
            self.app.notify(
                f"#{main.order_id} {intent.describe()}: filling in the auction…", title="order sent", timeout=3
            )

    def orders_changed(self) -> None:
        """Called by the app when orders moved: report the watched ones that settled."""
        for order_id in list(self.watching):
            order = self.hub.orders.get(order_id)
            if order is not None and is_settled(order):
                del self.watching[order_id]
                self._report_outcome(order)

    def _report_outcome(self, order: OrderView) -> None:
        if order.status in TERMINAL_STATUSES:
            self.reported.append(order.order_id)  # its fills were summed in this toast
        cut = order.status in ("cancelled", "expired") and order.filled < order.size
        severity = "error" if order.status == "rejected" else "warning" if cut else "information"
        text = describe_outcome(order, self._market_info(order.market))
        self.app.notify(text, title="order", severity=severity, timeout=8 if cut else 5)
        self.hub.note(text, "warning" if cut else "info")

    def fill_is_reported(self, order_id: int) -> bool:
        """A fill of an order whose outcome toast says (or will say) it: no toast of its own."""
        return order_id in self.watching or order_id in self.reported

    def _market_info(self, symbol: str) -> MarketInfo | None:
        return next((m for m in self.hub.markets if m.symbol == symbol), None)

    def cancel(self, request: CancelArgs) -> None:
        self._spawn(partial(self._cancel, request), "orders")

    async def _cancel(self, request: CancelArgs) -> None:
        result = await self._request(request.op, **to_builtins(request))
        if result is not None:
            self.app.notify(f"cancelled {len(result['cancelled'])} order(s)", title="cancel")

    def request_preview(self, order: dict[str, Any] | None) -> None:
        self._spawn(partial(self._request_preview, order), "preview", exclusive=True)

    async def _request_preview(self, order: dict[str, Any] | None) -> None:
        if order is None:  # nothing valid to preview: show no numbers of an older order
            self.app.preview = {}
            self.hub.post(PreviewChanged())
            return
        request = ticket_request(order, with_bracket=False)
        try:
            preview = await self.app.client.request("order.preview", **to_builtins(request))
        except ApiError as exc:
            lines: dict[str, Any] = {"error": exc.message}
        else:
            lines = preview_lines(preview, order)
        if order["market"] != self.hub.market:
            return  # the market changed while this was in flight
        self.app.preview = lines
        self.hub.post(PreviewChanged())

    # -- market, timeframe, alerts ------------------------------------------------------------
    def set_timeframe(self, timeframe: str) -> None:
        self.hub.timeframe = timeframe
        self.hub.post(FocusedMarketChanged())
        self.app.load_candles()
        self.app.remember_session()

    def set_indicators(self, indicators: frozenset[str]) -> None:
        self.hub.indicators = set(indicators)
        self.app.remember_session()

    def add_alert(self, args: dict[str, Any]) -> None:
        self._spawn(partial(self._add_alert, args), "alerts")

    async def _add_alert(self, args: dict[str, Any]) -> None:
        result = await self._request("alert.add", **args)
        if result is not None:
            self.app.notify(fmt_alert({**args, **result}), title="alert added")  # the level as the backend holds it
            await self.app.feed.refresh_alerts()

    def remove_alert(self, alert_id: int) -> None:
        self._spawn(partial(self._remove_alert, alert_id), "alerts")

    async def _remove_alert(self, alert_id: int) -> None:
        if await self._request("alert.rm", id=alert_id) is not None:
            self.app.notify(f"alert #{alert_id} removed")
            await self.app.feed.refresh_alerts()

    def kill(self) -> None:
        self._spawn(self._kill, "risk")

    async def _kill(self) -> None:
        result = await self._request("risk.kill", reason="kill switch from the TUI")
        if result is not None:
            self.app.notify("trading HALTED; every open order cancelled", title="kill switch", severity="warning")

    def resume(self) -> None:
        self._spawn(self._resume, "risk")

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

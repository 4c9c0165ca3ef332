"""Keeps the Hub in step with the backend: subscriptions, snapshots after each (re)connect, polling.

Push handlers only store data and post what changed (changes.py); the screens' handlers paint. Requests run in
the app's workers, so nothing here blocks a key press.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec

from backend.api.protocol import (
    BASE_PRECISION,
    FUNDING_RATE_PRECISION,
    PRICE_PRECISION,
    AccountView,
    ApiError,
    BookView,
    Candles,
    FillView,
    MarketInfo,
    OrderView,
    PositionView,
    Quote,
    Status,
)
from backend.client import BackendClient
from quantdesk_tui.changes import (
    AccountChanged,
    AdminChanged,
    AlertHistoryChanged,
    AlertsChanged,
    BookChanged,
    CandlesChanged,
    FillsChanged,
    FiredChanged,
    FormingBarChanged,
    MarketStatsChanged,
    MarketsChanged,
    OrdersChanged,
    PositionsChanged,
    RiskChanged,
    StatusChanged,
    SubAccountsChanged,
    TradingStateChanged,
    UnavailableChanged,
    WalletChanged,
)
from quantdesk_tui.hub import Hub
from quantdesk_tui.notices import AlertNotice, FillNotice, LiquidationNotice, liquidation_text

log = logging.getLogger(__name__)


INDICATORS = ("sma:20", "ema:50", "vwap", "bb:20:2", "rsi:14", "macd:12:26:9")


def chart_overlays(indicators: dict[str, Any]) -> dict[str, list[float | None]]:
    """Indicator series keyed the way the chart draws them."""
    out: dict[str, list[float | None]] = {}
    for spec, series in indicators.items():
        name = spec.split(":", 1)[0]
        if name == "bb":
            out.update(bb_upper=series["upper"], bb_mid=series["mid"], bb_lower=series["lower"])
        elif name == "macd":
            out.update(macd=series["macd"], macd_signal=series["signal"], macd_hist=series["hist"])
        else:
            out[name] = series
    return out


def watchlist_stats(state: dict[str, Any]) -> dict[str, Any]:
    """A market's funding (rate per interval, 1e9) and open interest (base 1e9) in the watchlist's
    terms: funding as a fraction per hour, open interest in USD (floats: display only)."""
    interval = state.get("funding_interval") or 3600
    return {
        **state,
        "funding_rate_hourly": state["funding_rate"] / FUNDING_RATE_PRECISION * 3600 / interval,
        "open_interest_usd": state["open_interest"] / BASE_PRECISION * state["oracle_price"] / PRICE_PRECISION,
    }


class BackendFeed:
    def __init__(self, client: BackendClient, hub: Hub) -> None:
        self.client = client
        self.hub = hub

    async def subscribe_all(self) -> None:
        hub = self.hub
        handlers: dict[str, Any] = {
            "prices": lambda _s, q: hub.on_quote(q),
            "orders": lambda _s, d: hub.on_order(msgspec.convert(d, OrderView)),
            "fills": lambda _s, d: self._on_fill(msgspec.convert(d, FillView)),
            "positions": lambda _s, d: hub.on_position(msgspec.convert(d, PositionView)),
            "account": lambda _s, d: hub.on_account(msgspec.convert(d, AccountView)),
            "alerts": lambda _s, d: self._on_alert(d),
            "trading_state": lambda _s, d: self._on_trading_state(d),
            "log": lambda _s, d: self._on_backend_log(d),
            "candles": lambda _s, d: self._on_candle(d),
            "liquidations": lambda _s, d: self._on_liquidation(d),
        }
        for stream, handler in handlers.items():
            await self.client.subscribe(stream, handler)

    def _on_fill(self, fill: FillView) -> None:
        self.hub.on_fill(fill)
        size, price = fill.size / BASE_PRECISION, fill.price / PRICE_PRECISION
        self.hub.note(f"fill {fill.side} {size:g} {fill.market} @ {price:g}")
        self.hub.post(FillNotice(fill))

    def _on_liquidation(self, data: Any) -> None:
        """A liquidation, bankruptcy or socialized loss: a log line and a toast in every attached TUI."""
        if not isinstance(data, dict):
            return
        self.hub.liquidations.append(data)
        self.hub.note(liquidation_text(data), "error")
        self.hub.post(LiquidationNotice(data))

    def _on_backend_log(self, data: Any) -> None:
        if isinstance(data, dict):
            self.hub.note(
                f"[{data.get('logger', 'backend')}] {data.get('message', '')}", str(data.get("level", "info"))
            )

    def _on_candle(self, data: Any) -> None:
        """The forming bar of a (market, timeframe); only the focused chart's one is kept."""
        hub = self.hub
        forming = msgspec.convert(data, Candles)
        if forming.market == hub.market and forming.tf == hub.timeframe:
            hub.forming_bar = forming
            hub.post(FormingBarChanged())

    def _on_alert(self, data: Any) -> None:
        self.hub.fired.append(data)
        self.hub.post(FiredChanged())
        self.hub.post(AlertNotice(data))
        if not data.get("repeat"):  # a one-shot alert is done once it fires: off the chart, "(done)" in lists
            for alert in self.hub.alerts:
                if alert.get("id") == data.get("alert_id"):
                    alert["status"] = "fired"
                    self.hub.post(AlertsChanged())
        self.hub.note(f"alert: {data.get('message', data)}", "warning")

    def _on_trading_state(self, data: Any) -> None:
        self.hub.trading_state = data.get("state") if isinstance(data, dict) else str(data)
        self.hub.post(TradingStateChanged())

    async def load_reference(self) -> None:
        """Everything a fresh connection needs before pushes take over."""
        hub, client = self.hub, self.client
        hub.markets = msgspec.convert((await client.request("markets.list"))["markets"], list[MarketInfo])
        hub.status = msgspec.convert(await client.request("status"), Status)
        for quote_market in [m.symbol for m in hub.markets if m.symbol not in hub.quotes]:
            try:
                hub.on_quote(msgspec.convert(await client.request("quote", market=quote_market), Quote))
            except ApiError:
                pass
        orders = await self._optional("orders", status="all", limit=500)
        if orders is not None:
            hub.orders = {o.order_id: o for o in msgspec.convert(orders["orders"], list[OrderView])}
        fills = await self._optional("fills", limit=200)
        if fills is not None:
            hub.fills.clear()
            hub.fills.extend(msgspec.convert(fills["fills"], list[FillView]))
        positions = await self._optional("positions")
        if positions is not None:
            hub.positions = {
                (p.sub_account, p.market): p for p in msgspec.convert(positions["positions"], list[PositionView])
            }
        await self.refresh_account()
        state = await self._optional("risk.state")
        if state is not None:
            hub.trading_state = state.get("state")
        alerts = await self._optional("alert.list")
        if alerts is not None:
            hub.alerts = alerts.get("alerts", [])
        for change in (
            MarketsChanged(),
            StatusChanged(),
            OrdersChanged(),
            FillsChanged(),
            PositionsChanged(),
            AccountChanged(),
            TradingStateChanged(),
            AlertsChanged(),
        ):
            hub.post(change)

    async def refresh_account(self) -> None:
        account = await self._optional("account", sub_account=self.hub.sub_account)
        if account is not None:
            self.hub.on_account(msgspec.convert(account["account"], AccountView))

    async def refresh_alerts(self) -> None:
        alerts = await self._optional("alert.list")
        if alerts is not None:
            self.hub.alerts = alerts.get("alerts", [])
            self.hub.post(AlertsChanged())

    async def poll_market(self) -> None:
        """The focused market's book and candles (cheap requests, a few times a second)."""
        hub = self.hub
        book = await self._optional("book", market=hub.market, depth=16)
        if book is not None:
            self._set_book(book)
        stats = await self._optional("markets.stats")
        if stats is not None:
            hub.market_stats = {m["market"]: watchlist_stats(m) for m in stats["markets"]}
            hub.post(MarketStatsChanged())

    async def load_candles(self, limit: int = 300) -> None:
        """The focused market's bars with the chart's indicator series (computed by the backend)."""
        hub = self.hub
        market, tf = hub.market, hub.timeframe
        result = await self._optional("candles", market=market, tf=tf, limit=limit, indicators=list(INDICATORS))
        if result is None or (market, tf) != (hub.market, hub.timeframe):
            return
        self._set_candles(result)

    def _set_book(self, book: dict[str, Any]) -> None:
        self.hub.book = msgspec.convert(book, BookView)
        self.hub.post(BookChanged())

    def _set_candles(self, result: dict[str, Any]) -> None:
        self.hub.candles = msgspec.convert(result, Candles)
        self.hub.overlays = chart_overlays(self.hub.candles.indicators)
        self.hub.post(CandlesChanged())

    def seed(self, market: str, timeframe: str, replies: dict[str, Any]) -> None:
        """The first screen's data fetched while the app started (first_snapshot.py), for what the app's
        own connection has not filled yet and only if the screen still shows that market and timeframe."""
        hub = self.hub
        if not hub.markets and "markets" in replies:
            hub.markets = msgspec.convert(replies["markets"]["markets"], list[MarketInfo])
            hub.post(MarketsChanged())
        if market not in hub.quotes and "quote" in replies:
            hub.on_quote(msgspec.convert(replies["quote"], Quote))
        if hub.market != market:
            return
        if hub.book is None and "book" in replies:
            self._set_book(replies["book"])
        if hub.candles is None and hub.timeframe == timeframe and "candles" in replies:
            self._set_candles(replies["candles"])

    # -- loaded on demand by the Portfolio, System, Risk, Alerts and Admin screens --------------
    async def load_sub_accounts(self) -> None:
        result = await self.fetch("account.list")
        if result is not None:
            self.hub.sub_accounts = sorted(result.get("sub_accounts", [])) or [0]
            self.hub.post(SubAccountsChanged())

    async def load_status(self) -> None:
        result = await self.fetch("status")
        if result is not None:
            self.hub.status = msgspec.convert(result, Status)
            self.hub.post(StatusChanged())

    async def load_admin(self) -> None:
        result = await self.fetch("admin.markets")
        if result is not None:
            self.hub.admin = result
        audit = await self.fetch("admin.audit")
        if audit is not None:
            self.hub.audit = audit.get("audit", [])
        self.hub.post(AdminChanged())

    async def load_risk(self) -> None:
        hub = self.hub
        for op, attr in (("risk.report", "risk_report"), ("risk.monitor", "risk_monitor")):
            result = await self.fetch(op)
            if result is not None:
                setattr(hub, attr, result)
        state = await self.fetch("risk.state")
        if state is not None:
            hub.trading_state = state.get("state")
            hub.post(TradingStateChanged())
        hub.post(RiskChanged())

    async def load_alert_history(self, limit: int = 200) -> None:
        result = await self.fetch("alert.history", limit=limit)
        if result is not None:
            self.hub.alert_history = result.get("history", [])
        self.hub.post(AlertHistoryChanged())

    async def fetch(self, op: str, **args: Any) -> Any:
        """A request whose failure is kept in `hub.unavailable[op]` for the screen to explain."""
        try:
            result = await self.client.request(op, **args)
        except ApiError as exc:
            self.hub.unavailable[op] = (
                f"{op} is not available from this backend" if exc.code == "UNKNOWN_OP" else f"{op}: {exc.message}"
            )
            self.hub.post(UnavailableChanged())
            return None
        self.hub.unavailable.pop(op, None)
        return result

    async def load_wallet(self) -> None:
        """Keys (public info), the first unlocked key's balances, and recent transactions."""
        hub = self.hub
        keys = await self._optional("keys.list")
        if keys is None:
            return
        hub.keys = keys.get("keys", [])
        if hub.keys:
            wallet = await self._optional("wallet", name=hub.keys[0]["name"])
            hub.wallet = wallet or {}
        history = await self._optional("solana.history", limit=30)
        hub.transactions = (history or {}).get("transactions", [])
        hub.post(WalletChanged())

    async def _optional(self, op: str, **args: Any) -> Any:
        """A request whose failure leaves the last data in place (logged, not raised)."""
        try:
            return await self.client.request(op, **args)
        except ApiError as exc:
            if exc.code not in ("UNKNOWN_OP", "NO_PRICE"):
                self.hub.note(f"{op}: {exc.message}", "error")
            return None

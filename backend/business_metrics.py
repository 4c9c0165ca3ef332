"""Business metrics on /metrics: what the desk traded and what it holds, next to the process metrics.

Counters follow the bus (orders reaching a final status, fills, volume, fees, liquidations, alert
firings); gauges are read from the paper venue at scrape time (equity, margin ratio, open interest,
open orders, the insurance fund), so a scrape always sees the state of that instant. Amounts are
in human units (USD, base units); floats are fine here: these are for dashboards, not balances.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from backend.bus import Bus
from backend.venues import views
from programs.vocabulary import BASE_PRECISION, MARGIN_PRECISION, PRICE_PRECISION, QUOTE_PRECISION

FINAL_STATUSES = ("filled", "cancelled", "expired", "rejected")


class VenueCollector(Collector):
    """Gauges computed from the venue's state when Prometheus scrapes."""

    def __init__(self, venue: Any, authority: str) -> None:
        self.venue = venue
        self.authority = authority

    def collect(self) -> Iterator[GaugeMetricFamily]:
        venue = self.venue
        state, ctx = venue.state, venue.ctx()
        equity = GaugeMetricFamily("quantdesk_equity_usd", "Account equity (collateral + uPnL)", labels=["sub_account"])
        upnl = GaugeMetricFamily("quantdesk_unrealized_pnl_usd", "Unrealized PnL at the mark", labels=["sub_account"])
        ratio = GaugeMetricFamily("quantdesk_margin_ratio", "Margin ratio (1.0 = 100%)", labels=["sub_account"])
        for authority, sub in sorted(state.users):
            if authority != self.authority:
                continue
            account = views.account_view(state, authority, sub, ctx, "ACTIVE")
            if account is not None:
                equity.add_metric([str(sub)], account.equity / QUOTE_PRECISION)
                upnl.add_metric([str(sub)], account.unrealized_pnl / QUOTE_PRECISION)
                ratio.add_metric([str(sub)], account.margin_ratio / MARGIN_PRECISION)
        oi = GaugeMetricFamily(
            "quantdesk_open_interest_base", "Open interest (long + short), base units", labels=["market"]
        )
        open_orders = GaugeMetricFamily(
            "quantdesk_open_orders", "Orders resting or waiting for a trigger", labels=["market"]
        )
        counts: dict[int, int] = {}
        for order in state.orders.values():
            counts[order.market_index] = counts.get(order.market_index, 0) + 1
        for index in sorted(state.markets):
            market = state.markets[index]
            symbol = market.config.symbol
            oi.add_metric([symbol], (market.open_interest_long + market.open_interest_short) / BASE_PRECISION)
            open_orders.add_metric([symbol], counts.get(index, 0))
        fund = GaugeMetricFamily("quantdesk_insurance_fund_usd", "Insurance fund balance")
        fund.add_metric([], state.insurance_fund / QUOTE_PRECISION)
        socialized = GaugeMetricFamily("quantdesk_socialized_loss_usd", "Losses socialized so far")
        socialized.add_metric([], state.socialized_loss / QUOTE_PRECISION)
        yield from (equity, upnl, ratio, oi, open_orders, fund, socialized)


class BusinessMetrics:
    def __init__(self, registry: CollectorRegistry, bus: Bus, venue: Any, authority: str) -> None:
        r = registry
        self.orders = Counter("quantdesk_orders", "Orders reaching a final status", ["market", "status"], registry=r)
        self.fills = Counter("quantdesk_fills", "Fills of this desk", ["market", "role"], registry=r)
        self.volume = Counter("quantdesk_volume_usd", "Traded notional", ["market"], registry=r)
        self.fees = Counter("quantdesk_fees_usd", "Fees paid (maker rebates are not counted)", ["market"], registry=r)
        self.liquidations = Counter(
            "quantdesk_liquidations", "Liquidations, bankruptcies and socialized losses", ["market", "kind"], registry=r
        )
        self.alert_firings = Counter("quantdesk_alert_firings", "Alerts fired", ["kind"], registry=r)
        self._orders_by: dict[tuple[str, str], Any] = {}
        registry.register(VenueCollector(venue, authority))
        bus.on("orders", self.on_order)
        bus.on("fills", self.on_fill)
        bus.on("liquidations", self.on_liquidation)
        bus.on("alerts", self.on_alert)

    def on_order(self, order: Any) -> None:
        if order.status in FINAL_STATUSES and order.order_id:  # id 0: a pre-trade refusal, never an order
            key = (order.market, order.status)
            counter = self._orders_by.get(key)
            if counter is None:  # labels() is a locked lookup: once per market and status, not per order
                counter = self._orders_by[key] = self.orders.labels(*key)
            counter.inc()

    def on_fill(self, fill: Any) -> None:
        self.fills.labels(fill.market, fill.role).inc()
        self.volume.labels(fill.market).inc(fill.size * fill.price / BASE_PRECISION / PRICE_PRECISION)
        if fill.fee > 0:
            self.fees.labels(fill.market).inc(fill.fee / QUOTE_PRECISION)

    def on_liquidation(self, record: Any) -> None:
        self.liquidations.labels(record.market or "-", record.kind).inc()

    def on_alert(self, message: Any) -> None:
        kind = message.get("kind", "?") if isinstance(message, dict) else "?"
        self.alert_firings.labels(str(kind)).inc()

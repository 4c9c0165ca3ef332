"""The alert service: persists alerts, feeds the engine from the bus, records and delivers firings.

It runs inside the backend, so alerts fire whether or not a terminal is attached. Inputs are bus
listeners (synchronous, cheap): "observations" (prices), "orders", "funding", "risk" (from the
risk monitor) and a poll of the oracle's feed health. A firing is published on the "alerts" topic
(TUI toast + Alerts pane), logged, written to `alert_history` (fire-and-forget) and handed to the
Notifier (desktop + webhook), which never blocks the loop.
"""

from __future__ import annotations

import asyncio
import builtins
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from backend.alerts.engine import ANY, NO_READING, Alert, AlertEngine, Firing, Kind
from backend.alerts.spec import AlertArgs, AlertCode, AlertEditArgs, apply_edit, build_alert
from backend.bus import Bus
from backend.domain.alerts import LEVEL_UNITS, level_text
from backend.domain.errors import DomainError
from backend.notify import Notifier
from backend.store.base import StoreLike
from backend.venues.liquidations import describe as describe_liquidation
from backend.venues.paper import to_engine_price
from programs.vocabulary import BASE_PRECISION, MS_PER_S, PRICE_PRECISION, to_decimal

log = logging.getLogger(__name__)
ALERT_COLUMNS = (  # the alerts table, in its order (also what `store copy` moves)
    "id",
    "kind",
    "market",
    "level",
    "window_s",
    "direction",
    "repeat",
    "cooldown_ms",
    "webhook",
    "note",
    "status",
    "created_ms",
    "updated_ms",
    "last_fired_ms",
    "fire_count",
)
# the alert_history table, in its order: `level` and `value` in the kind's unit (backend/domain/alerts.py)
HISTORY_COLUMNS = ("id", "alert_id", "ts_ms", "kind", "market", "level", "value", "message", "delivery")
FiringRow = tuple[dict[str, Any], int, int | None, int, str]  # (message, alert id, last_fired_ms, count, status)


def _get(obj: Any, name: str, default: Any = None) -> Any:
    return obj.get(name, default) if isinstance(obj, dict) else getattr(obj, name, default)


class AlertService:
    def __init__(
        self,
        bus: Bus,
        store: StoreLike,
        *,
        oracle: Any = None,
        notifier: Notifier | None = None,
        resolve_market: Callable[[str], str] | None = None,
        max_active: int = 50_000,
        oracle_poll_s: float = 0.5,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.bus = bus
        self.store = store
        self.oracle = oracle
        self.notifier = notifier or Notifier()
        if self.notifier.on_result is None:
            self.notifier.on_result = self._on_delivery
        self.resolve_market = resolve_market or _default_resolver
        self.max_active = max_active
        self.oracle_poll_s = oracle_poll_s
        self.clock = clock
        self.engine = AlertEngine()
        self.alerts: dict[int, Alert] = {}  # every alert, whatever its status
        self.recent: deque[dict[str, Any]] = deque(maxlen=500)
        self.fired = 0
        self._next_id = 1
        self._next_history_id = 1
        self._running = False
        self._listening = False
        self._task: asyncio.Task[None] | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._unsaved: list[FiringRow] = []
        self.flush_every_s = 0.1
        self._liq: dict[tuple[Any, ...], int] = {}  # (authority, sub, market) -> distance, PERCENTAGE_PRECISION
        self._margin: dict[tuple[Any, ...], int] = {}  # (authority, sub) -> margin ratio (NO_READING when flat)
        self._orders_seen: deque[tuple[int, str]] = deque(maxlen=4096)
        self._orders_seen_set: set[tuple[int, str]] = set()
        self._feed_state: dict[str, str] = {}
        self._active_feed: str | None = None

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        self._load()
        if not self._listening:
            self.bus.on("observations", self._on_observation)
            self.bus.on("orders", self._on_order)
            self.bus.on("funding", self._on_funding)
            self.bus.on("risk", self._on_risk)
            self.bus.on("liquidations", self._on_liquidation)
            self._listening = True
        self._running = True
        await self.notifier.start()
        if self.oracle is not None:
            self._task = asyncio.create_task(self._watch_oracle(), name="alerts-oracle-watch")
        self._flusher = asyncio.create_task(self._flush_loop(), name="alerts-history")

    async def stop(self) -> None:
        self._running = False
        for task in (self._task, self._flusher):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        self._task = self._flusher = None
        self.flush()
        await self.notifier.stop()

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self.flush_every_s)
            self.flush()

    def flush(self) -> None:
        """Queue the firings not yet saved as one store job (history is written in batches, off the hot path)."""
        if self._unsaved:
            rows, self._unsaved = self._unsaved, []
            self.store.submit(lambda conn: _record_firings(conn, rows))

    def _load(self) -> None:
        self.engine = AlertEngine()
        self.alerts.clear()
        for row in self.store.query(f"SELECT {', '.join(ALERT_COLUMNS)} FROM alerts WHERE status != 'deleted'"):
            alert = Alert(
                id=row["id"],
                kind=Kind(row["kind"]),
                market=row["market"],
                level=row["level"],
                window_s=row["window_s"],
                direction=row["direction"],
                repeat=bool(row["repeat"]),
                cooldown_ms=row["cooldown_ms"],
                webhook=row["webhook"],
                note=row["note"],
                status=row["status"],
                created_ms=row["created_ms"],
                updated_ms=row["updated_ms"],
                last_fired_ms=row["last_fired_ms"],
                fire_count=row["fire_count"],
            )
            self.alerts[alert.id] = alert
            self.engine.add(alert)
        top = self.store.query("SELECT (SELECT MAX(id) FROM alerts) AS a, (SELECT MAX(id) FROM alert_history) AS h")
        self._next_id = (top[0]["a"] or 0) + 1
        self._next_history_id = (top[0]["h"] or 0) + 1

    # -- management (the ops call these) --------------------------------------------------------
    @property
    def active_count(self) -> int:
        return len(self.engine)

    @property
    def pending_work(self) -> bool:
        """Active alerts or undelivered notifications: a TUI-spawned backend should stay up for them."""
        return self.active_count > 0 or self.notifier.pending > 0 or bool(self._unsaved)

    async def add(self, args: AlertArgs) -> Alert:
        if self.active_count >= self.max_active:
            raise DomainError(AlertCode.LIMIT, f"{self.active_count} alerts are active; the limit is {self.max_active}")
        alert = build_alert(args, self.resolve_market, alert_id=self._next_id, now_ms=self._now_ms())
        self._next_id += 1
        await self.store.write(lambda conn: _upsert(conn, alert))
        self.alerts[alert.id] = alert
        self.engine.add(alert)
        log.info(
            "alert %d added: %s %s %s", alert.id, alert.kind, alert.market or "", level_text(alert.kind, alert.level)
        )
        return alert

    def _now_ms(self) -> int:
        return int(self.clock() * MS_PER_S)

    def get(self, alert_id: int) -> Alert:
        alert = self.alerts.get(alert_id)
        if alert is None:
            raise DomainError(AlertCode.NOT_FOUND, f"no alert with id {alert_id}; `alert.list` shows them")
        return alert

    async def edit(self, edit: AlertEditArgs) -> Alert:
        current = self.get(edit.id)
        changed = apply_edit(current, edit, self._now_ms())
        if changed.status == "active" and current.status != "active" and self.active_count >= self.max_active:
            raise DomainError(AlertCode.LIMIT, f"{self.active_count} alerts are active; the limit is {self.max_active}")
        self.flush()  # a pending firing's row update must land before this edit, not after it
        await self.store.write(lambda conn: _upsert(conn, changed))
        self.engine.remove(current.id)
        self.alerts[changed.id] = changed
        self.engine.add(changed)
        return changed

    async def remove(self, alert_id: int) -> Alert:
        alert = self.get(alert_id)
        self.flush()
        await self.store.write(lambda conn: conn.execute("DELETE FROM alerts WHERE id = ?", (alert_id,)))
        self.engine.remove(alert_id)
        self.alerts.pop(alert_id, None)
        return alert

    def list(self, status: str = "all", market: str | None = None) -> list[Alert]:
        out = [
            a
            for a in self.alerts.values()
            if (status == "all" or a.status == status) and (market is None or a.market == market)
        ]
        return sorted(out, key=lambda a: a.id)

    async def sync(self) -> None:
        """Resolves once every firing so far is committed (so `history()` shows it)."""
        self.flush()
        await self.store.write(lambda conn: None)

    def history(
        self, alert_id: int | None = None, market: str | None = None, limit: int = 100, since_ms: int | None = None
    ) -> builtins.list[dict[str, Any]]:  # `list` here is the method above
        """Firings, newest first, as on the wire: `level`/`value` exact text, `*_fixed` the integers."""
        where: builtins.list[str] = []
        params: builtins.list[Any] = []
        if alert_id is not None:
            where.append("alert_id = ?")
            params.append(alert_id)
        if market is not None:
            where.append("market = ?")
            params.append(market)
        if since_ms is not None:
            where.append("ts_ms >= ?")
            params.append(since_ms)
        sql = f"SELECT {', '.join(HISTORY_COLUMNS)} FROM alert_history" + (
            " WHERE " + " AND ".join(where) if where else ""
        )
        rows = self.store.query(sql + " ORDER BY id DESC LIMIT ?", (*params, max(1, min(limit, 10_000))))
        return [_history_entry(row) for row in rows]

    # -- inputs (bus listeners: synchronous and cheap) ------------------------------------------
    def _on_observation(self, obs: Any) -> None:
        if self._running:
            price = to_engine_price(obs.price, obs.expo)  # the mark the engine itself sees
            firings = self.engine.on_price(obs.market, price, obs.publish_time * MS_PER_S)
            if firings:
                self._emit(firings)

    def _on_order(self, order: Any) -> None:
        if not self._running:
            return
        status = _get(order, "status")
        if status not in ("filled", "rejected"):
            return
        order_id = _get(order, "order_id", 0)
        seen = (order_id, status)
        if seen in self._orders_seen_set:  # the venue may publish a final state more than once
            return
        if len(self._orders_seen) == self._orders_seen.maxlen:
            self._orders_seen_set.discard(self._orders_seen[0])
        self._orders_seen.append(seen)
        self._orders_seen_set.add(seen)
        market, side = _get(order, "market"), _get(order, "side", "")
        size = _exact(_get(order, "size", 0), BASE_PRECISION)
        if status == "filled":
            avg = _exact(_get(order, "avg_fill_price", 0), PRICE_PRECISION)
            kind, text = Kind.ORDER_FILLED, f"order {order_id} {side} {size} {market} filled at {avg}"
        else:
            reason = _get(order, "reason", "") or "no reason given"
            kind, text = Kind.ORDER_REJECTED, f"order {order_id} {side} {size} {market} rejected: {reason}"
        firings = self.engine.on_event(kind, market, self._now_ms(), text)
        if firings:
            self._emit(firings)

    def _on_liquidation(self, record: Any) -> None:
        if not self._running:
            return
        market = _get(record, "market") or None
        firings = self.engine.on_event(Kind.LIQUIDATION, market, self._now_ms(), describe_liquidation(record))
        if firings:
            self._emit(firings)

    def _on_funding(self, message: Any) -> None:
        if not self._running:
            return
        rate = _get(message, "rate")
        market = _get(message, "market")
        if rate is None or market is None:
            return
        ts = _get(message, "ts")  # unix seconds
        ts_ms = int(ts) * MS_PER_S if ts else self._now_ms()
        firings = self.engine.on_value("funding", market, int(rate), ts_ms)  # FUNDING_RATE_PRECISION, like the level
        if firings:
            self._emit(firings)

    def _on_risk(self, snapshot: Any) -> None:
        """One account's risk from the monitor: liquidation distances per market and the margin ratio."""
        if not self._running:
            return
        account = (_get(snapshot, "authority"), _get(snapshot, "sub_account"))
        now = self._now_ms()
        # the monitor's readings are integers in the levels' units: liquidation distances in
        # PERCENTAGE_PRECISION, margin ratios in MARGIN_PRECISION (backend/risk/monitor.py)
        touched = {ANY}
        for key in [k for k in self._liq if k[:2] == account]:
            touched.add(key[2])
            del self._liq[key]
        for position in _get(snapshot, "positions", ()) or ():
            distance = _get(position, "liq_distance")
            if distance is not None:
                market = _get(position, "market")
                self._liq[(*account, market)] = int(distance)
                touched.add(market)
        firings: list[Firing] = []
        for market in sorted(touched):
            values = [d for k, d in self._liq.items() if market == ANY or k[2] == market]
            firings += self.engine.on_value("liq", market, min(values, default=NO_READING), now)
        ratio = _get(snapshot, "margin_ratio")  # None while the account is flat
        self._margin[account] = NO_READING if ratio is None else int(ratio)
        firings += self.engine.on_value("margin", ANY, min(self._margin.values()), now)
        if firings:
            self._emit(firings)

    async def _watch_oracle(self) -> None:
        while True:
            await asyncio.sleep(self.oracle_poll_s)
            try:
                self.check_oracle()
            except Exception:
                log.exception("alerts: oracle health check failed")

    def check_oracle(self) -> None:
        """Compare the feeds' health with the last look: unhealthy feeds and failovers fire alerts."""
        if self.oracle is None or not self._running:
            return
        now = self._now_ms()
        firings: list[Firing] = []
        for feed in self.oracle.health():
            before = self._feed_state.get(feed.source, "healthy")
            self._feed_state[feed.source] = feed.state
            if before == "healthy" and feed.state != "healthy":
                text = f"oracle feed {feed.source} is {feed.state}" + (f": {feed.reason}" if feed.reason else "")
                firings += self.engine.on_event(Kind.ORACLE_STALE, None, now, text)
            if feed.active:
                if self._active_feed is not None and feed.source != self._active_feed:
                    text = f"oracle failed over from {self._active_feed} to {feed.source}"
                    firings += self.engine.on_event(Kind.ORACLE_FAILOVER, None, now, text)
                self._active_feed = feed.source
        if firings:
            self._emit(firings)

    # -- outputs --------------------------------------------------------------------------------
    def _emit(self, firings: builtins.list[Firing]) -> None:
        rows = self._unsaved
        for firing in firings:
            self.fired += 1
            message = firing.to_dict()
            message["id"] = self._next_history_id
            self._next_history_id += 1
            alert = firing.alert
            rows.append((message, alert.id, alert.last_fired_ms, alert.fire_count, alert.status))
            self.recent.appendleft(message)
            log.log(
                logging.WARNING if firing.severity != "info" else logging.INFO, "alert %d: %s", alert.id, firing.message
            )
            self.bus.publish("alerts", message)
            self.notifier.deliver(message, alert.webhook)

    def _on_delivery(self, message: dict[str, Any], outcome: str) -> None:
        history_id = message.get("id")
        if history_id is not None:
            self.flush()  # the history row is inserted before its delivery outcome is written
            self.store.submit(
                lambda conn: conn.execute(
                    "UPDATE alert_history SET delivery = CASE WHEN delivery = '' THEN ? ELSE delivery || '; ' || ? END"
                    " WHERE id = ?",
                    (outcome, outcome, history_id),
                )
            )


def _default_resolver(text: str) -> str:
    from backend.domain.orders import resolve_market  # the one market table; imported late to keep this module light

    return resolve_market(text)


def _upsert(conn: Any, alert: Alert) -> None:
    row = {c: getattr(alert, c) for c in ALERT_COLUMNS}  # the integers, not the wire's text
    row["kind"] = str(alert.kind)
    row["repeat"] = int(alert.repeat)
    conn.execute(
        f"INSERT OR REPLACE INTO alerts ({', '.join(ALERT_COLUMNS)}) VALUES ({', '.join('?' * len(ALERT_COLUMNS))})",
        tuple(row[c] for c in ALERT_COLUMNS),
    )


def _record_firings(conn: Any, rows: list[FiringRow]) -> None:
    conn.executemany(
        "INSERT INTO alert_history (id, alert_id, ts_ms, kind, market, level, value, message) VALUES (?,?,?,?,?,?,?,?)",
        [
            (
                m["id"],
                m["alert_id"],
                m["ts_ms"],
                m["kind"],
                m["market"],
                m["level_fixed"],
                m["value_fixed"],
                m["message"],
            )
            for m, *_ in rows
        ],
    )
    conn.executemany(
        "UPDATE alerts SET last_fired_ms = ?, fire_count = ?, status = ?, updated_ms = ? WHERE id = ?",
        [(last, count, status, last, alert_id) for _m, alert_id, last, count, status in rows],
    )


def _history_entry(row: dict[str, Any]) -> dict[str, Any]:
    """An alert_history row as the wire's firing record: exact text beside the integers."""
    entry = dict(row)
    entry["level_fixed"], entry["value_fixed"] = row["level"], row["value"]
    entry["level"], entry["value"] = level_text(row["kind"], row["level"]), level_text(row["kind"], row["value"])
    unit = LEVEL_UNITS.get(Kind(row["kind"]))
    entry["level_in"] = unit.symbol if unit else None
    return entry


def _exact(units: int, precision: int) -> str:
    """An engine integer as exact text for a message: (1_500_000_000, BASE_PRECISION) -> "1.5"."""
    return f"{to_decimal(units, precision).normalize():f}"

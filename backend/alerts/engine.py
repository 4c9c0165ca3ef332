"""The alert index and its evaluation: pure, synchronous, no IO; the service feeds it events.

Threshold alerts live in `ThresholdBook`s, one per watched value (a market's price, its move over
a window, its funding rate, a liquidation distance, the margin ratio), as sorted `(level, id)`
lists, so an update costs a few bisections plus the alerts it actually touches, whatever the
number of alerts. Semantics:

- `above` alerts fire when the value reaches the level (value >= level), `below` alerts when
  value <= level. After firing, a repeating alert is *disarmed* until the condition is false again
  (value < level, resp. > level), so it fires once per excursion, not on every tick.
- `cross` alerts fire when the value moves from one side of the level to the other between two
  consecutive updates: prev < level <= value (up) or prev > level >= value (down).
- A repeating alert fires at most once per `cooldown_s`; an excursion that starts inside the
  cooldown is suppressed (the alert waits for the next one). One-shot alerts leave the index
  after they fire.
- Event kinds (orders, oracle) have no level; they repeat by default, subject to the cooldown.
- The armed/disarmed state is not persisted: after a restart every active alert starts armed
  (its last firing time, hence its cooldown, is kept).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right, insort
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    PRICE_ABOVE = "price_above"
    PRICE_BELOW = "price_below"
    PRICE_CROSS = "price_cross"
    MOVE_PCT = "move_pct"  # |move| within `window_s`, in %, direction up/down/any
    FUNDING = "funding"  # funding rate per interval in %; level > 0: rate >= level, level < 0: rate <= level
    LIQ_DISTANCE = "liq_distance"  # a position's distance to its liquidation price in % <= level
    MARGIN_RATIO = "margin_ratio"  # an account's margin ratio (collateral / notional, %) <= level
    DESK_EXPOSURE = "desk_exposure"  # the desk's gross exposure over every trader (USD) >= level
    DESK_MARGIN_RATIO = "desk_margin_ratio"  # the lowest margin ratio of any trader on the desk (%) <= level
    ORACLE_STALE = "oracle_stale"  # a feed stops being healthy
    ORACLE_FAILOVER = "oracle_failover"  # the active feed changes
    ORDER_FILLED = "order_filled"
    ORDER_REJECTED = "order_rejected"
    LIQUIDATION = "liquidation"  # one of our positions liquidated, a bankruptcy covered, or a loss socialized


THRESHOLD_KINDS = {
    Kind.PRICE_ABOVE,
    Kind.PRICE_BELOW,
    Kind.PRICE_CROSS,
    Kind.MOVE_PCT,
    Kind.FUNDING,
    Kind.LIQ_DISTANCE,
    Kind.MARGIN_RATIO,
    Kind.DESK_EXPOSURE,
    Kind.DESK_MARGIN_RATIO,
}
DESK_KINDS = {Kind.DESK_EXPOSURE, Kind.DESK_MARGIN_RATIO}
EVENT_KINDS = {Kind.ORACLE_STALE, Kind.ORACLE_FAILOVER, Kind.ORDER_FILLED, Kind.ORDER_REJECTED, Kind.LIQUIDATION}
ANY = "*"  # market wildcard for liquidation/order alerts
ABOVE, BELOW, CROSS = "above", "below", "cross"


@dataclass(slots=True)
class Alert:
    id: int
    kind: Kind
    market: str | None
    level: float | None
    window_s: int = 0
    direction: str = "any"  # move_pct only: "up" | "down" | "any"
    repeat: bool = False
    cooldown_s: float = 0.0
    webhook: str | None = None
    note: str = ""
    status: str = "active"  # "active" | "fired" (one-shot, done) | "disabled"
    created: float = 0.0
    updated: float = 0.0
    last_fired: float | None = None
    fire_count: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": str(self.kind),
            "market": self.market,
            "level": self.level,
            "window_s": self.window_s,
            "direction": self.direction,
            "repeat": self.repeat,
            "cooldown_s": self.cooldown_s,
            "webhook": self.webhook,
            "note": self.note,
            "status": self.status,
            "created": self.created,
            "updated": self.updated,
            "last_fired": self.last_fired,
            "fire_count": self.fire_count,
        }


@dataclass(slots=True, frozen=True)
class Firing:
    alert: Alert
    ts: float
    value: float | None
    message: str
    severity: str  # "info" | "warning" | "critical"

    def to_dict(self) -> dict[str, Any]:
        a = self.alert
        return {
            "alert_id": a.id,
            "kind": str(a.kind),
            "market": a.market,
            "level": a.level,
            "value": self.value,
            "ts": self.ts,
            "message": self.message,
            "title": f"QuantDesk: {_title(a)}",
            "severity": self.severity,
            "note": a.note,
            "repeat": a.repeat,
        }


Entry = tuple[float, int]  # (level, alert id)


@dataclass(slots=True)
class ThresholdBook:
    """Alerts on one scalar value, sorted by level, split by side and armed state."""

    above: list[Entry] = field(default_factory=list)  # armed; fire when level <= value (a prefix)
    above_off: list[Entry] = field(default_factory=list)  # disarmed; re-arm when level > value (a suffix)
    below: list[Entry] = field(default_factory=list)  # armed; fire when level >= value (a suffix)
    below_off: list[Entry] = field(default_factory=list)  # disarmed; re-arm when level < value (a prefix)
    cross: list[Entry] = field(default_factory=list)
    value: float | None = None

    def __len__(self) -> int:
        return len(self.above) + len(self.above_off) + len(self.below) + len(self.below_off) + len(self.cross)

    def add(self, side: str, entry: Entry) -> None:
        insort({ABOVE: self.above, BELOW: self.below, CROSS: self.cross}[side], entry)

    def remove(self, entry: Entry) -> None:
        for lst in (self.above, self.above_off, self.below, self.below_off, self.cross):
            i = bisect_left(lst, entry)
            if i < len(lst) and lst[i] == entry:
                del lst[i]
                return

    def update(self, value: float) -> list[tuple[str, Entry]]:
        """Move to `value`; returns the (side, entry) pairs whose condition just became true.

        Triggered above/below entries are moved to the disarmed lists here; the caller decides
        whether each one fires (cooldown) and removes one-shot alerts.
        """
        prev, self.value = self.value, value
        hits: list[tuple[str, Entry]] = []
        if self.above_off:
            i = bisect_right(self.above_off, (value, math.inf))
            if i < len(self.above_off):
                self._merge(self.above, self.above_off[i:])
                del self.above_off[i:]
        if self.below_off:
            i = bisect_left(self.below_off, (value, -1))
            if i:
                self._merge(self.below, self.below_off[:i])
                del self.below_off[:i]
        if self.above and self.above[0][0] <= value:
            i = bisect_right(self.above, (value, math.inf))
            fired = self.above[:i]
            del self.above[:i]
            self._merge(self.above_off, fired)
            hits.extend((ABOVE, e) for e in fired)
        if self.below and self.below[-1][0] >= value:
            i = bisect_left(self.below, (value, -1))
            fired = self.below[i:]
            del self.below[i:]
            self._merge(self.below_off, fired)
            hits.extend((BELOW, e) for e in fired)
        if self.cross and prev is not None and prev != value:
            if value > prev:  # prev < level <= value
                lo, hi = bisect_right(self.cross, (prev, math.inf)), bisect_right(self.cross, (value, math.inf))
            else:  # value <= level < prev
                lo, hi = bisect_left(self.cross, (value, -1)), bisect_left(self.cross, (prev, -1))
            hits.extend((CROSS, e) for e in self.cross[lo:hi])
        return hits

    @staticmethod
    def _merge(target: list[Entry], items: list[Entry]) -> None:
        if len(items) <= 16:  # a few entries: bisect + memmove beats re-sorting the whole list
            for entry in items:
                insort(target, entry)
        else:
            target.extend(items)
            target.sort()  # timsort merges two sorted runs in linear time


class MoveWindow:
    """Min and max of a market's price over the last `window_s` seconds (monotonic deques)."""

    __slots__ = ("window_s", "_mins", "_maxs", "books")

    def __init__(self, window_s: int) -> None:
        self.window_s = window_s
        self._mins: deque[tuple[float, float]] = deque()  # (ts, price), prices increasing
        self._maxs: deque[tuple[float, float]] = deque()  # prices decreasing
        self.books: dict[str, ThresholdBook] = {}  # direction -> book on the move in %

    def update(self, ts: float, price: float) -> tuple[float, float]:
        """Add a price; returns (up %, down %) of `price` versus the window's min and max (both >= 0)."""
        mins, maxs = self._mins, self._maxs
        while mins and mins[-1][1] >= price:
            mins.pop()
        mins.append((ts, price))
        while maxs and maxs[-1][1] <= price:
            maxs.pop()
        maxs.append((ts, price))
        horizon = ts - self.window_s
        while mins[0][0] < horizon:
            mins.popleft()
        while maxs[0][0] < horizon:
            maxs.popleft()
        low, high = mins[0][1], maxs[0][1]
        up = (price / low - 1.0) * 100.0 if low > 0 else 0.0
        down = (1.0 - price / high) * 100.0 if high > 0 else 0.0
        return up, down


def _title(a: Alert) -> str:
    what = a.market or "account"
    return f"{what} {str(a.kind).replace('_', ' ')}"


SEVERITY = {
    Kind.LIQ_DISTANCE: "critical",
    Kind.MARGIN_RATIO: "critical",
    Kind.DESK_MARGIN_RATIO: "critical",
    Kind.DESK_EXPOSURE: "warning",
    Kind.ORACLE_STALE: "warning",
    Kind.ORACLE_FAILOVER: "warning",
    Kind.ORDER_REJECTED: "warning",
}


class AlertEngine:
    """All active alerts, indexed for cheap evaluation; every `on_*` returns what fired."""

    def __init__(self) -> None:
        self.alerts: dict[int, Alert] = {}
        self._books: dict[tuple[Any, ...], ThresholdBook] = {}
        self._moves: dict[str, dict[int, MoveWindow]] = {}
        self._events: dict[Kind, dict[str, set[int]]] = {k: {} for k in EVENT_KINDS}
        self.last_price: dict[str, float] = {}
        self.evaluations = 0

    def __len__(self) -> int:
        return len(self.alerts)

    # -- index maintenance ---------------------------------------------------------------------
    def add(self, alert: Alert) -> None:
        if alert.status != "active":
            return
        self.remove(alert.id)
        self.alerts[alert.id] = alert
        if alert.kind in EVENT_KINDS:
            self._events[alert.kind].setdefault(alert.market or ANY, set()).add(alert.id)
            return
        key, side = self._place(alert)
        if alert.kind is Kind.MOVE_PCT:
            window = self._moves.setdefault(alert.market or "", {}).setdefault(
                alert.window_s, MoveWindow(alert.window_s)
            )
            book = window.books.setdefault(alert.direction, ThresholdBook())
            self._books[key] = book
        else:
            book = self._books.setdefault(key, ThresholdBook())
        book.add(side, (float(alert.level or 0.0), alert.id))

    def remove(self, alert_id: int) -> Alert | None:
        alert = self.alerts.pop(alert_id, None)
        if alert is None:
            return None
        if alert.kind in EVENT_KINDS:
            ids = self._events[alert.kind].get(alert.market or ANY)
            if ids is not None:
                ids.discard(alert_id)
            return alert
        key, _side = self._place(alert)
        book = self._books.get(key)
        if book is not None:
            book.remove((float(alert.level or 0.0), alert.id))
            if alert.kind is Kind.MOVE_PCT and not len(book):
                windows = self._moves.get(alert.market or "", {})
                window = windows.get(alert.window_s)
                if window is not None:
                    window.books.pop(alert.direction, None)
                    if not window.books:
                        windows.pop(alert.window_s, None)
                self._books.pop(key, None)
        return alert

    @staticmethod
    def _place(alert: Alert) -> tuple[tuple[Any, ...], str]:
        k, m = alert.kind, alert.market or ANY
        if k is Kind.PRICE_ABOVE:
            return ("price", m), ABOVE
        if k is Kind.PRICE_BELOW:
            return ("price", m), BELOW
        if k is Kind.PRICE_CROSS:
            return ("price", m), CROSS
        if k is Kind.MOVE_PCT:
            return ("move", m, alert.window_s, alert.direction), ABOVE
        if k is Kind.FUNDING:
            return ("funding", m), ABOVE if (alert.level or 0.0) >= 0 else BELOW
        if k is Kind.LIQ_DISTANCE:
            return ("liq", m), BELOW
        if k is Kind.MARGIN_RATIO:
            return ("margin", ANY), BELOW
        if k is Kind.DESK_EXPOSURE:
            return ("desk_exposure", ANY), ABOVE
        if k is Kind.DESK_MARGIN_RATIO:
            return ("desk_margin", ANY), BELOW
        raise ValueError(f"{k} is not a threshold kind")

    # -- evaluation ----------------------------------------------------------------------------
    def on_price(self, market: str, price: float, ts: float) -> list[Firing]:
        self.evaluations += 1
        self.last_price[market] = price
        out: list[Firing] = []
        book = self._books.get(("price", market))
        if book is not None:
            hits = book.update(price)
            if hits:
                self._fire(book, hits, price, ts, out)
        windows = self._moves.get(market)
        if windows:
            for window in tuple(windows.values()):
                up, down = window.update(ts, price)
                for direction, mbook in tuple(window.books.items()):
                    value = up if direction == "up" else down if direction == "down" else max(up, down)
                    hits = mbook.update(value)
                    if hits:
                        self._fire(mbook, hits, value, ts, out)
        return out

    def on_value(self, what: str, market: str, value: float, ts: float) -> list[Firing]:
        """Funding ("funding", % per interval), liquidation distance ("liq", %), margin ratio ("margin", %)."""
        book = self._books.get((what, market))
        if book is None:
            return []
        out: list[Firing] = []
        hits = book.update(value)
        if hits:
            self._fire(book, hits, value, ts, out)
        return out

    def on_event(
        self, kind: Kind, market: str | None, ts: float, message: str, value: float | None = None
    ) -> list[Firing]:
        by_market = self._events[kind]
        ids = list(by_market.get(ANY, ()))
        if market is not None and market != ANY:
            ids.extend(by_market.get(market, ()))
        out: list[Firing] = []
        for alert_id in sorted(ids):
            alert = self.alerts[alert_id]
            if self._cooling(alert, ts):
                continue
            out.append(self._record(alert, ts, value, message))
            if not alert.repeat:
                self.remove(alert_id)
        return out

    def _fire(
        self, book: ThresholdBook, hits: list[tuple[str, Entry]], value: float, ts: float, out: list[Firing]
    ) -> None:
        for side, entry in hits:
            alert = self.alerts.get(entry[1])
            if alert is None or self._cooling(alert, ts):
                continue
            out.append(self._record(alert, ts, value, _describe(alert, side, value, book)))
            if not alert.repeat:
                self.remove(alert.id)

    @staticmethod
    def _cooling(alert: Alert, ts: float) -> bool:
        return alert.last_fired is not None and alert.repeat and ts - alert.last_fired < alert.cooldown_s

    @staticmethod
    def _record(alert: Alert, ts: float, value: float | None, message: str) -> Firing:
        alert.last_fired = ts
        alert.fire_count += 1
        if not alert.repeat:
            alert.status = "fired"
        return Firing(alert, ts, value, message, SEVERITY.get(alert.kind, "info"))


def _num(x: float) -> str:
    return f"{x:,.6g}" if abs(x) < 1e6 else f"{x:,.0f}"


def _describe(alert: Alert, side: str, value: float, book: ThresholdBook) -> str:
    m, level = alert.market or "an account", alert.level or 0.0
    k = alert.kind
    if k is Kind.PRICE_ABOVE:
        return f"{m} is at {_num(value)}, above {_num(level)}"
    if k is Kind.PRICE_BELOW:
        return f"{m} is at {_num(value)}, below {_num(level)}"
    if k is Kind.PRICE_CROSS:
        return f"{m} crossed {_num(level)}: now {_num(value)}"
    if k is Kind.MOVE_PCT:
        return f"{m} moved {value:.2f}% ({alert.direction}) within {alert.window_s}s (alert at {level:g}%)"
    if k is Kind.FUNDING:
        return f"{m} funding rate is {value:.4f}% per interval, beyond {level:g}%"
    if k is Kind.LIQ_DISTANCE:
        where = "a position" if alert.market in (None, ANY) else f"the {alert.market} position"
        return f"{where} is {value:.2f}% from its liquidation price (alert at {level:g}%)"
    if k is Kind.MARGIN_RATIO:
        return f"margin ratio is {value:.1f}%, at or below {level:g}%"
    if k is Kind.DESK_EXPOSURE:
        return f"desk gross exposure is ${_num(value)}, at or above ${_num(level)}"
    if k is Kind.DESK_MARGIN_RATIO:
        return f"a trader's margin ratio is {value:.1f}%, at or below {level:g}%"
    return f"{k} {m} {side} {_num(value)}"

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
- Levels and readings are integers in the kind's unit (`backend/domain/alerts.py`: prices in
  PRICE_PRECISION, moves in PERCENTAGE_PRECISION, ...), so a comparison at the level is exact; times
  are unix milliseconds (`ts_ms`).
- A repeating alert fires at most once per `cooldown_ms`; an excursion that starts inside the
  cooldown is suppressed (the alert waits for the next one). One-shot alerts leave the index
  after they fire.
- Event kinds (orders, oracle) have no level; they repeat by default, subject to the cooldown.
- The armed/disarmed state is not persisted: after a restart every active alert starts armed
  (its last firing time, hence its cooldown, is kept).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from backend.domain.alerts import LEVEL_UNITS, Kind, level_text
from programs.vocabulary import MS_PER_S, PERCENTAGE_PRECISION


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
# the value a threshold kind watches (`on_value`'s `what`) and the side of its book it sits on;
# MOVE_PCT (a book per window and direction) and FUNDING (the level's sign picks the side) are placed in code
_BOOKS = {
    Kind.PRICE_ABOVE: ("price", ABOVE),
    Kind.PRICE_BELOW: ("price", BELOW),
    Kind.PRICE_CROSS: ("price", CROSS),
    Kind.LIQ_DISTANCE: ("liq", BELOW),
    Kind.MARGIN_RATIO: ("margin", BELOW),
    Kind.DESK_EXPOSURE: ("desk_exposure", ABOVE),
    Kind.DESK_MARGIN_RATIO: ("desk_margin", BELOW),
}
ACCOUNT_WIDE = {Kind.MARGIN_RATIO, *DESK_KINDS}  # one book for the account (the desk), whatever the market
NO_READING = 1 << 63  # above every level a store holds (64-bit): a flat account's margin ratio, no position's distance
_AFTER_IDS, _BEFORE_IDS = 1 << 63, -1  # bisect keys past every alert id on one side of a level


@dataclass(slots=True)
class Alert:
    id: int
    kind: Kind
    market: str | None
    level: int | None  # in the kind's unit (LEVEL_UNITS); None for event kinds
    window_s: int = 0
    direction: str = "any"  # move_pct only: "up" | "down" | "any"
    repeat: bool = False
    cooldown_ms: int = 0
    webhook: str | None = None
    note: str = ""
    status: str = "active"  # "active" | "fired" (one-shot, done) | "disabled"
    created_ms: int = 0
    updated_ms: int = 0
    last_fired_ms: int | None = None
    fire_count: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The wire record: `level` as exact typed text ("145.1" USD, "4.5" %), `level_fixed` the integer
        in `level_precision` units (`level_in` says what a person types: "USD" or "%")."""
        unit = LEVEL_UNITS.get(self.kind)
        return {
            "id": self.id,
            "kind": str(self.kind),
            "market": self.market,
            "level": level_text(self.kind, self.level),
            "level_fixed": self.level,
            "level_precision": unit.precision if unit else None,
            "level_in": unit.symbol if unit else None,
            "window_s": self.window_s,
            "direction": self.direction,
            "repeat": self.repeat,
            "cooldown_ms": self.cooldown_ms,
            "webhook": self.webhook,
            "note": self.note,
            "status": self.status,
            "created_ms": self.created_ms,
            "updated_ms": self.updated_ms,
            "last_fired_ms": self.last_fired_ms,
            "fire_count": self.fire_count,
        }


@dataclass(slots=True, frozen=True)
class Firing:
    alert: Alert
    ts_ms: int
    value: int | None  # the reading in the kind's unit; None for event kinds
    message: str
    severity: str  # "info" | "warning" | "critical"

    def to_dict(self) -> dict[str, Any]:
        a = self.alert
        return {
            "alert_id": a.id,
            "kind": str(a.kind),
            "market": a.market,
            "level": level_text(a.kind, a.level),
            "value": level_text(a.kind, self.value),
            "level_fixed": a.level,
            "value_fixed": self.value,
            "level_in": LEVEL_UNITS[a.kind].symbol if a.kind in LEVEL_UNITS else None,
            "ts_ms": self.ts_ms,
            "message": self.message,
            "title": f"QuantDesk: {_title(a)}",
            "severity": self.severity,
            "note": a.note,
            "repeat": a.repeat,
        }


Entry = tuple[int, int]  # (level, alert id)


@dataclass(slots=True)
class ThresholdBook:
    """Alerts on one scalar value, sorted by level, split by side and armed state."""

    above: list[Entry] = field(default_factory=list)  # armed; fire when level <= value (a prefix)
    above_off: list[Entry] = field(default_factory=list)  # disarmed; re-arm when level > value (a suffix)
    below: list[Entry] = field(default_factory=list)  # armed; fire when level >= value (a suffix)
    below_off: list[Entry] = field(default_factory=list)  # disarmed; re-arm when level < value (a prefix)
    cross: list[Entry] = field(default_factory=list)
    value: int | None = None

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

    def update(self, value: int) -> list[tuple[str, Entry]]:
        """Move to `value`; returns the (side, entry) pairs whose condition just became true.

        Triggered above/below entries are moved to the disarmed lists here; the caller decides
        whether each one fires (cooldown) and removes one-shot alerts.
        """
        prev, self.value = self.value, value
        hits: list[tuple[str, Entry]] = []
        if self.above_off:
            i = bisect_right(self.above_off, (value, _AFTER_IDS))
            if i < len(self.above_off):
                self._merge(self.above, self.above_off[i:])
                del self.above_off[i:]
        if self.below_off:
            i = bisect_left(self.below_off, (value, _BEFORE_IDS))
            if i:
                self._merge(self.below, self.below_off[:i])
                del self.below_off[:i]
        if self.above and self.above[0][0] <= value:
            i = bisect_right(self.above, (value, _AFTER_IDS))
            fired = self.above[:i]
            del self.above[:i]
            self._merge(self.above_off, fired)
            hits.extend((ABOVE, e) for e in fired)
        if self.below and self.below[-1][0] >= value:
            i = bisect_left(self.below, (value, _BEFORE_IDS))
            fired = self.below[i:]
            del self.below[i:]
            self._merge(self.below_off, fired)
            hits.extend((BELOW, e) for e in fired)
        if self.cross and prev is not None and prev != value:
            if value > prev:  # prev < level <= value
                lo, hi = bisect_right(self.cross, (prev, _AFTER_IDS)), bisect_right(self.cross, (value, _AFTER_IDS))
            else:  # value <= level < prev
                lo, hi = bisect_left(self.cross, (value, _BEFORE_IDS)), bisect_left(self.cross, (prev, _BEFORE_IDS))
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
        self._mins: deque[tuple[int, int]] = deque()  # (ts_ms, price), prices increasing
        self._maxs: deque[tuple[int, int]] = deque()  # prices decreasing
        self.books: dict[str, ThresholdBook] = {}  # direction -> book on the move in PERCENTAGE_PRECISION

    def update(self, ts_ms: int, price: int) -> tuple[int, int]:
        """Add a price; returns the rise and the fall of `price` versus the window's min and max, as
        fractions in PERCENTAGE_PRECISION (both >= 0), rounded down: with an integer level L,
        floor(move) >= L exactly when move >= L."""
        mins, maxs = self._mins, self._maxs
        while mins and mins[-1][1] >= price:
            mins.pop()
        mins.append((ts_ms, price))
        while maxs and maxs[-1][1] <= price:
            maxs.pop()
        maxs.append((ts_ms, price))
        horizon = ts_ms - self.window_s * MS_PER_S
        while mins[0][0] < horizon:
            mins.popleft()
        while maxs[0][0] < horizon:
            maxs.popleft()
        low, high = mins[0][1], maxs[0][1]
        up = (price - low) * PERCENTAGE_PRECISION // low if low > 0 else 0
        down = (high - price) * PERCENTAGE_PRECISION // high if high > 0 else 0
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
        self.last_price: dict[str, int] = {}  # PRICE_PRECISION
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
        book.add(side, (alert.level or 0, alert.id))

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
            book.remove((alert.level or 0, alert.id))
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
        """The key of the book an alert sits in, and its side of that book."""
        k, m = alert.kind, alert.market or ANY
        if k is Kind.MOVE_PCT:
            return ("move", m, alert.window_s, alert.direction), ABOVE
        if k is Kind.FUNDING:
            return ("funding", m), ABOVE if (alert.level or 0) >= 0 else BELOW
        if k not in _BOOKS:
            raise ValueError(f"{k} is not a threshold kind")
        value, side = _BOOKS[k]
        return (value, ANY if k in ACCOUNT_WIDE else m), side

    # -- evaluation ----------------------------------------------------------------------------
    def on_price(self, market: str, price: int, ts_ms: int) -> list[Firing]:
        """A market's oracle price in PRICE_PRECISION at `ts_ms`."""
        self.evaluations += 1
        self.last_price[market] = price
        out: list[Firing] = []
        book = self._books.get(("price", market))
        if book is not None:
            hits = book.update(price)
            if hits:
                self._fire(book, hits, price, ts_ms, out)
        windows = self._moves.get(market)
        if windows:
            for window in tuple(windows.values()):
                up, down = window.update(ts_ms, price)
                for direction, mbook in tuple(window.books.items()):
                    value = up if direction == "up" else down if direction == "down" else max(up, down)
                    hits = mbook.update(value)
                    if hits:
                        self._fire(mbook, hits, value, ts_ms, out)
        return out

    def on_value(self, what: str, market: str, value: int, ts_ms: int) -> list[Firing]:
        """Funding ("funding", FUNDING_RATE_PRECISION), liquidation distance ("liq", PERCENTAGE_PRECISION),
        margin ratio ("margin", MARGIN_PRECISION); desk totals ("desk_exposure", "desk_margin")."""
        book = self._books.get((what, market))
        if book is None:
            return []
        out: list[Firing] = []
        hits = book.update(value)
        if hits:
            self._fire(book, hits, value, ts_ms, out)
        return out

    def on_event(self, kind: Kind, market: str | None, ts_ms: int, message: str) -> list[Firing]:
        by_market = self._events[kind]
        ids = list(by_market.get(ANY, ()))
        if market is not None and market != ANY:
            ids.extend(by_market.get(market, ()))
        out: list[Firing] = []
        for alert_id in sorted(ids):
            alert = self.alerts[alert_id]
            if self._cooling(alert, ts_ms):
                continue
            out.append(self._record(alert, ts_ms, None, message))
            if not alert.repeat:
                self.remove(alert_id)
        return out

    def _fire(
        self, book: ThresholdBook, hits: list[tuple[str, Entry]], value: int, ts_ms: int, out: list[Firing]
    ) -> None:
        for side, entry in hits:
            alert = self.alerts.get(entry[1])
            if alert is None or self._cooling(alert, ts_ms):
                continue
            out.append(self._record(alert, ts_ms, value, _describe(alert, side, value)))
            if not alert.repeat:
                self.remove(alert.id)

    @staticmethod
    def _cooling(alert: Alert, ts_ms: int) -> bool:
        return alert.last_fired_ms is not None and alert.repeat and ts_ms - alert.last_fired_ms < alert.cooldown_ms

    @staticmethod
    def _record(alert: Alert, ts_ms: int, value: int | None, message: str) -> Firing:
        alert.last_fired_ms = ts_ms
        alert.fire_count += 1
        if not alert.repeat:
            alert.status = "fired"
        return Firing(alert, ts_ms, value, message, SEVERITY.get(alert.kind, "info"))


def _text(kind: Kind, fixed: int) -> str:
    """A level or reading for a message: exact, with thousands separators ("1,200,000", "145.1")."""
    return f"{LEVEL_UNITS[kind].typed(fixed).normalize():,f}"


# a firing's message by kind: `m` the market, `now` the reading, `level` the alert's level (both `_text`)
_MESSAGES = {
    Kind.PRICE_ABOVE: "{m} is at {now}, above {level}",
    Kind.PRICE_BELOW: "{m} is at {now}, below {level}",
    Kind.PRICE_CROSS: "{m} crossed {level}: now {now}",
    Kind.MOVE_PCT: "{m} moved {now}% ({direction}) within {window_s}s (alert at {level}%)",
    Kind.FUNDING: "{m} funding rate is {now}% per interval, beyond {level}%",
    Kind.LIQ_DISTANCE: "{position} is {now}% from its liquidation price (alert at {level}%)",
    Kind.MARGIN_RATIO: "margin ratio is {now}%, at or below {level}%",
    Kind.DESK_EXPOSURE: "desk gross exposure is ${now}, at or above ${level}",
    Kind.DESK_MARGIN_RATIO: "a trader's margin ratio is {now}%, at or below {level}%",
}


def _describe(alert: Alert, side: str, value: int) -> str:
    m, k = alert.market or "an account", alert.kind
    level, now = _text(k, alert.level or 0), _text(k, value)
    template = _MESSAGES.get(k)
    if template is None:
        return f"{k} {m} {side} {now}"
    position = "a position" if alert.market in (None, ANY) else f"the {alert.market} position"
    return template.format(
        m=m, now=now, level=level, direction=alert.direction, window_s=alert.window_s, position=position
    )

"""The latest quote per market with its rolling 24-hour open, high and low."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from backend.api.protocol import Quote
from backend.domain.observations import PriceObservation

DAY_MINUTES = 24 * 60


@dataclass(slots=True)
class _Window:
    # (minute, open, high, low) per minute, oldest first, at most one day
    minutes: deque[tuple[int, int, int, int]] = field(default_factory=deque)
    high: int = 0  # over the closed minutes
    low: int = 0

    def add(self, minute: int, price: int) -> None:
        m = self.minutes
        if m and m[-1][0] == minute:
            _, o, h, lo = m[-1]
            if price > h or price < lo:
                m[-1] = (minute, o, max(h, price), min(lo, price))
            return
        m.append((minute, price, price, price))
        while m and m[0][0] <= minute - DAY_MINUTES:
            m.popleft()
        closed = list(m)[:-1]
        self.high = max((x[2] for x in closed), default=price)
        self.low = min((x[3] for x in closed), default=price)

    def stats(self, price: int) -> tuple[int, int, int]:
        _, _, h, lo = self.minutes[-1]
        return self.minutes[0][1], max(self.high, h, price), min(self.low, lo, price)


class QuoteBook:
    def __init__(self) -> None:
        self.quotes: dict[str, Quote] = {}
        self._windows: dict[str, _Window] = {}
        self._expo: dict[str, int] = {}

    def seed(self, market: str, bars: list[tuple[int, int, int, int]], expo: int) -> None:
        """Prime the 24h window from history: (minute, open, high, low) in `expo` units."""
        window = self._windows.get(market)
        if window is None or self._expo.get(market, expo) != expo:
            window = self._windows[market] = _Window()
        # history may arrive after live ticks: only minutes older than the window's first one go in
        first = window.minutes[0][0] if window.minutes else None
        older = [b for b in bars[-DAY_MINUTES:] if first is None or b[0] < first]
        window.minutes.extendleft(reversed(older))
        closed = list(window.minutes)[:-1] if first is not None else list(window.minutes)
        if closed:
            window.high = max(x[2] for x in closed)
            window.low = min(x[3] for x in closed)
        self._expo[market] = expo

    def update(self, obs: PriceObservation) -> Quote:
        window = self._windows.get(obs.market)
        if window is None or self._expo.get(obs.market, obs.expo) != obs.expo:
            window = self._windows[obs.market] = _Window()
            self._expo[obs.market] = obs.expo
        window.add(obs.publish_time // 60, obs.price)
        open_24h, high, low = window.stats(obs.price)
        quote = Quote(
            market=obs.market,
            price=obs.price,
            conf=obs.conf,
            expo=obs.expo,
            publish_time=obs.publish_time,
            slot=obs.slot,
            ema_price=obs.ema_price,
            source=obs.source,
            open_24h=open_24h,
            high_24h=high,
            low_24h=low,
            recv_ns=obs.recv_ns,
        )
        self.quotes[obs.market] = quote
        return quote

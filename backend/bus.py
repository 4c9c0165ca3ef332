"""In-process pub/sub of typed messages with bounded, per-subscriber delivery.

Latest-value topics (prices, book, account) conflate: a slow subscriber sees the newest value per
key and skips intermediate ones, so it never blocks publishers or grows memory. Event topics
(orders, fills) never drop: a subscriber that falls `maxsize` events behind is marked overflowed
and its owner disconnects it (the client resyncs on reconnect) instead of losing events silently.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Hashable
from typing import Any

log = logging.getLogger(__name__)
KeyFn = Callable[[Any], Hashable]


class Subscription:
    def __init__(self, bus: Bus, topics: tuple[str, ...], key: KeyFn | None, maxsize: int) -> None:
        self._bus = bus
        self.topics = topics
        self._key = key
        self._maxsize = maxsize
        self._latest: dict[Hashable, tuple[str, Any]] = {}
        self._queue: deque[tuple[str, Any]] = deque()
        self._ready = asyncio.Event()
        self.overflowed = False
        self.dropped = 0  # conflated away
        self.filter: Callable[[str, Any], bool] | None = None

    def _offer(self, topic: str, message: Any) -> None:
        if self.filter is not None and not self.filter(topic, message):
            return
        if self._key is not None:
            k = (topic, self._key(message))
            if k in self._latest:
                self.dropped += 1
            self._latest[k] = (topic, message)
        else:
            if len(self._queue) >= self._maxsize:
                self.overflowed = True
                self._ready.set()
                return
            self._queue.append((topic, message))
        self._ready.set()

    def pending(self) -> int:
        return len(self._latest) + len(self._queue)

    def drain(self) -> list[tuple[str, Any]]:
        """Everything waiting, oldest first; conflated values after queued events."""
        items = list(self._queue)
        self._queue.clear()
        if self._latest:
            items.extend(self._latest.values())
            self._latest.clear()
        self._ready.clear()
        return items

    async def get_batch(self) -> list[tuple[str, Any]]:
        while not self._queue and not self._latest and not self.overflowed:
            self._ready.clear()
            await self._ready.wait()
        return self.drain()

    def close(self) -> None:
        self._bus._remove(self)


class Bus:
    def __init__(self) -> None:
        self._subs: dict[str, list[Subscription]] = {}
        self._listeners: dict[str, list[Callable[[Any], None]]] = {}
        self.published = 0

    def on(self, topic: str, listener: Callable[[Any], None]) -> None:
        """An in-process listener called synchronously on publish (engine, candles, alerts).

        It must be quick; an exception in it is logged and does not reach the publisher.
        """
        self._listeners.setdefault(topic, []).append(listener)

    def subscribe(self, *topics: str, key: KeyFn | None = None, maxsize: int = 10_000) -> Subscription:
        sub = Subscription(self, topics, key, maxsize)
        for topic in topics:
            self._subs.setdefault(topic, []).append(sub)
        return sub

    def publish(self, topic: str, message: Any) -> None:
        self.published += 1
        for listener in self._listeners.get(topic, ()):
            try:
                listener(message)
            except Exception:
                log.exception("listener on %s failed", topic)
        for sub in self._subs.get(topic, ()):
            sub._offer(topic, message)

    def subscriber_count(self, topic: str) -> int:
        return len(self._subs.get(topic, ()))

    def _remove(self, sub: Subscription) -> None:
        for topic in sub.topics:
            subs = self._subs.get(topic)
            if subs and sub in subs:
                subs.remove(sub)

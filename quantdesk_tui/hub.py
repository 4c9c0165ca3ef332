"""The TUI's copy of backend state, fed by pushes; screens read it on each frame.

Pushes land here at any rate; `dirty` collects what changed since the last frame so a frame
touches only the widgets whose data moved (the coalescing that keeps the TUI at ≤ 60 fps).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from backend.api.protocol import MarketInfo, Quote, Status


@dataclass
class Hub:
    markets: list[MarketInfo] = field(default_factory=list)
    quotes: dict[str, Quote] = field(default_factory=dict)
    status: Status | None = None
    trading_state: str | None = None
    market: str = "SOL-PERP"  # the focused market (shared with the link group)
    groups: dict[str, list[str]] = field(default_factory=dict)
    market_stats: dict[str, dict[str, Any]] = field(default_factory=dict)
    connected: bool = False
    connection_note: str = "connecting…"
    rtt_ms: float | None = None
    dirty_quotes: set[str] = field(default_factory=set)
    dirty: set[str] = field(default_factory=set)
    ticks: int = 0
    last_tick_ns: int = 0
    # per-tick receive timestamps (monotonic ns of the backend's recv) awaiting their paint, for latency metrics
    latency_samples: list[int] = field(default_factory=list)

    def on_quote(self, quote: Quote) -> None:
        self.quotes[quote.market] = quote
        self.dirty_quotes.add(quote.market)
        self.ticks += 1
        self.last_tick_ns = time.monotonic_ns()

    def take_dirty(self) -> tuple[set[str], set[str]]:
        quotes, other = self.dirty_quotes, self.dirty
        self.dirty_quotes, self.dirty = set(), set()
        return quotes, other

    def mark(self, what: str) -> None:
        self.dirty.add(what)

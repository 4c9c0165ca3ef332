"""StatusBar: one line with backend connection, feed health, round-trip latency, trading state, clock."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.text import Text
from textual.widget import Widget

from backend.api.protocol import FeedHealth, Status

COMPACT_BELOW = 100  # columns

_CONNECTION = {  # state -> (symbol, tone); the word is always shown too, so NO_COLOR reads fine
    "connected": ("●", "up"),
    "connecting": ("◌", "warn"),
    "reconnecting": ("◌", "warn"),
    "disconnected": ("✗", "down"),
}
_FEED = {"healthy": ("✓", "up"), "degraded": ("!", "warn"), "down": ("✗", "down")}
_TRADING = {"ACTIVE": "up", "REDUCE_ONLY": "warn", "HALTED": "down", "PAUSED": "warn", "LIQUIDATING": "down"}


def _utc_now() -> datetime:
    return datetime.now(UTC)


class StatusBar(Widget):
    """Read-only status line; the owner calls `set_state(...)` / `set_status(...)` as things change."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "status-bar--up",
        "status-bar--down",
        "status-bar--warn",
        "status-bar--dim",
    }

    DEFAULT_CSS = """
    StatusBar { height: 1; width: 1fr; background: $panel; color: $foreground; padding: 0 1; }
    StatusBar > .status-bar--up { color: $up; }
    StatusBar > .status-bar--down { color: $down; text-style: bold; }
    StatusBar > .status-bar--warn { color: $warn; }
    StatusBar > .status-bar--dim { color: $text-muted; }
    """

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] = _utc_now,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._clock = clock
        self.connection = "disconnected"
        self.latency_ms: float | None = None
        self.trading_state: str | None = None
        self.feed: str | None = None
        self.feeds: list[FeedHealth] = []
        self.message = ""
        self.backend_version = ""
        self.market = ""  # the focused market: every pane of the screen shows this one

    def on_mount(self) -> None:
        self.set_interval(1.0, self.refresh, name="status-bar-clock")

    def set_state(
        self,
        *,
        connection: str | None = None,
        latency_ms: float | None = None,
        trading_state: str | None = None,
        feed: str | None = None,
        feeds: Iterable[FeedHealth | Mapping[str, Any]] | None = None,
        message: str | None = None,
        connected: bool | None = None,
        note: str | None = None,
        rtt_ms: float | None = None,
        market: str | None = None,
    ) -> None:
        """Update only the fields given. connection: connected | connecting | reconnecting | disconnected.
        `connected`, `note`, `rtt_ms` are short aliases of connection / message / latency_ms;
        feeds may be FeedHealth records or their dict form (from a status reply)."""
        if connected is not None:
            connection = "connected" if connected else "disconnected"
        message = note if message is None else message
        latency_ms = rtt_ms if latency_ms is None else latency_ms
        if connection is not None:
            self.connection = connection
        if latency_ms is not None:
            self.latency_ms = latency_ms
        if trading_state is not None:
            self.trading_state = trading_state
        if feed is not None:
            self.feed = feed
        if feeds is not None:
            self.feeds = [f if isinstance(f, FeedHealth) else FeedHealth(**f) for f in feeds]
        if message is not None:
            self.message = message
        if market is not None:
            self.market = market
        self.refresh()

    def set_status(self, status: Status) -> None:
        """Take the backend's `status` reply: active feed, feed health, version."""
        self.backend_version = status.version
        self.set_state(feed=status.feed, feeds=status.feeds)

    def _tone(self, tone: str) -> str:
        return str(self.get_component_rich_style(f"status-bar--{tone}", partial=True))

    def _active_feed(self) -> FeedHealth | None:
        """The named feed if there is one, else the one flagged active, else the first."""
        named = [h for h in self.feeds if h.source == self.feed]
        active = [h for h in self.feeds if h.active]
        return (named or active or self.feeds or [None])[0]

    def render(self) -> Text:
        compact = self.size.width < COMPACT_BELOW
        sep = Text(" │ ", style=self._tone("dim"))
        parts: list[Text] = [Text(self.market, style="bold")] if self.market else []

        symbol, tone = _CONNECTION.get(self.connection, ("?", "warn"))
        word = self.connection[:4] if compact and self.connection == "connected" else self.connection
        parts.append(Text(f"{symbol} {word}", style=self._tone(tone)))

        health = self._active_feed()
        if health is not None or self.feed:
            source = health.source if health else (self.feed or "")
            state = health.state if health else "unknown"
            mark, feed_tone = _FEED.get(state, ("?", "warn"))
            label = f"{source} {mark}" if compact else f"feed {source} {mark} {state}"
            if health is not None and health.reason and not compact:
                label += f" ({health.reason})"
            parts.append(Text(label, style=self._tone(feed_tone)))

        if self.latency_ms is not None:
            latency_tone = "up" if self.latency_ms < 50 else "warn" if self.latency_ms < 250 else "down"
            label = f"{self.latency_ms:.0f}ms" if compact else f"rtt {self.latency_ms:.1f} ms"
            parts.append(Text(label, style=self._tone(latency_tone)))

        if self.trading_state:
            parts.append(Text(self.trading_state, style=self._tone(_TRADING.get(self.trading_state, "warn"))))

        if self.message and not compact:
            parts.append(Text(self.message))

        now = self._clock()
        clock = now.strftime("%H:%M:%S") if compact else now.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
        left = Text()
        for i, part in enumerate(parts):
            if i:
                left.append_text(sep)
            left.append_text(part)
        room = self.size.width - left.cell_len - len(clock)
        if room < 1:
            left.truncate(max(0, self.size.width - len(clock) - 2), overflow="ellipsis")
            room = max(1, self.size.width - left.cell_len - len(clock))
        left.append(" " * room)
        left.append(clock, style=self._tone("dim"))
        return left

"""StatusBar: one line with the focused market and its live price, backend connection, feed health,
latency, your money (equity, uPnL, margin used, leverage), trading state and the clock; fields
shorten, then drop, least important first."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.text import Text
from textual.widget import Widget

from backend.api.protocol import MARGIN_PRECISION, QUOTE_PRECISION, AccountView, FeedHealth, Quote, Status
from widgets.format import fmt_compact, fmt_leverage, fmt_pnl, fmt_pyth_price, fmt_ratio_pct, fmt_usd, tone

COMPACT_BELOW = 100  # columns
PRICE_REPAINT_S = (
    1 / 40
)  # the live price repaints at most 40 times a second: above the 30 fps budget, below the 60 of Textual

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
    StatusBar > .status-bar--dim { color: $muted-text; }
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
        self.quote: Quote | None = None  # the focused market's newest price
        self.price_decimals: int | None = None  # the market's tick decimals (None: by the price's size)
        self.price_move = 0  # the last change of the shown price: > 0 up, < 0 down
        self._price_painted = 0.0  # monotonic time of the last repaint for a new price
        self._price_repaint_due = False
        self.account: AccountView | None = None
        self._tones: dict[str, str] = {}  # tone -> its component style, until the styles change

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

    def set_quote(self, quote: Quote | None, decimals: int | None = None) -> None:
        """The focused market's newest price (None: none yet); ▲/▼ says which way it last moved."""
        previous = self.quote
        if quote is not None and previous is not None and previous.market == quote.market:
            if quote.price != previous.price:
                self.price_move = quote.price - previous.price
        else:
            self.price_move = 0
        if quote == previous and decimals == self.price_decimals:
            return
        self.quote, self.price_decimals = quote, decimals
        if self._price_repaint_due:
            return  # the repaint already set takes this price too
        wait = self._price_painted + PRICE_REPAINT_S - time.monotonic()
        if wait > 0:
            self._price_repaint_due = True
            self.set_timer(wait, self._repaint_price)
        else:
            self._repaint_price()

    def _repaint_price(self) -> None:
        self._price_repaint_due = False
        self._price_painted = time.monotonic()
        self.refresh()

    def set_status(self, status: Status) -> None:
        """Take the backend's `status` reply: active feed, feed health, version."""
        self.backend_version = status.version
        self.set_state(feed=status.feed, feeds=status.feeds)

    def _tone(self, tone: str) -> str:
        """The style of a tone, looked up once per style change: the line is drawn on every price, and
        each lookup builds the component's style anew (half of a Trade screen frame's work)."""
        style = self._tones.get(tone)
        if style is None:
            style = self._tones[tone] = str(self.get_component_rich_style(f"status-bar--{tone}", partial=True))
        return style

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._tones = {}  # a theme change or restyle: look the tones up again

    def _active_feed(self) -> FeedHealth | None:
        """The named feed if there is one, else the one flagged active, else the first."""
        named = [h for h in self.feeds if h.source == self.feed]
        active = [h for h in self.feeds if h.active]
        candidates = named or active or self.feeds
        return candidates[0] if candidates else None

    def set_account(self, account: AccountView | None) -> None:
        """Take the focused sub-account: equity, unrealized PnL, margin used, leverage, trading state."""
        self.account = account
        self.refresh()

    def _money_parts(self) -> list[_Part]:
        account = self.account
        if account is None:
            return []
        used = margin_used(account)
        used_tone = "up" if used < 5_000 else "warn" if used < 8_000 else "down"
        used_text = fmt_ratio_pct(used, 1) if used < 100 * MARGIN_PRECISION else ">100%"
        pnl = fmt_pnl(account.unrealized_pnl)
        return [
            _Part(
                1,
                Text(f"equity {fmt_usd(account.equity)}"),
                Text(f"eq {fmt_compact(account.equity / QUOTE_PRECISION, 1)}"),
            ),
            _Part(1, Text(f"uPnL {pnl}", style=self._tone(tone(account.unrealized_pnl) or "dim"))),
            _Part(
                2,
                Text(f"margin {used_text}", style=self._tone(used_tone)),
                Text(f"mgn {used_text}", style=self._tone(used_tone)),
            ),
            _Part(2, Text(f"lev {fmt_leverage(account.leverage)}"), Text(fmt_leverage(account.leverage, 1))),
        ]

    def _trading_state(self) -> str | None:
        """A venue-wide halt outranks the account's own state; otherwise the account's state."""
        if self.trading_state not in (None, "ACTIVE") or self.account is None:
            return self.trading_state
        return self.account.trading_state

    def _parts(self, compact: bool) -> list[_Part]:
        """Everything the line could show, in display order, each with its priority and short form."""
        parts: list[_Part] = [_Part(0, Text(self.market, style="bold"))] if self.market else []
        quote = self.quote
        if quote is not None and quote.market == self.market:
            arrow = "▲" if self.price_move > 0 else "▼" if self.price_move < 0 else " "
            price = fmt_pyth_price(quote.price, quote.expo, self.price_decimals)
            parts.append(_Part(0, Text(f"{price} {arrow}", style=self._tone(tone(self.price_move) or "dim"))))
        symbol, tone_name = _CONNECTION.get(self.connection, ("?", "warn"))
        style = self._tone(tone_name)
        short_word = self.connection[:4] if self.connection == "connected" else self.connection
        parts.append(
            _Part(0, Text(f"{symbol} {self.connection}", style=style), Text(f"{symbol} {short_word}", style=style))
        )

        health = self._active_feed()
        if health is not None or self.feed:
            source = health.source if health else (self.feed or "")
            state = health.state if health else "unknown"
            mark, feed_tone = _FEED.get(state, ("?", "warn"))
            label = f"feed {source} {mark} {state}"
            if health is not None and health.reason:
                label += f" ({health.reason})"
            style = self._tone(feed_tone)
            parts.append(_Part(4, Text(label, style=style), Text(f"{source} {mark}", style=style)))

        if self.latency_ms is not None:
            latency_tone = "up" if self.latency_ms < 50 else "warn" if self.latency_ms < 250 else "down"
            style = self._tone(latency_tone)
            parts.append(
                _Part(
                    5, Text(f"rtt {self.latency_ms:.1f} ms", style=style), Text(f"{self.latency_ms:.0f}ms", style=style)
                )
            )

        parts.extend(self._money_parts())
        trading = self._trading_state()
        if trading:
            parts.append(_Part(0, Text(trading, style=self._tone(_TRADING.get(trading, "warn")))))
        if self.message:
            parts.append(_Part(6, Text(self.message), Text("")))
        if compact:
            parts = [part.shortened() for part in parts]
        return [part for part in parts if part.text.cell_len]

    def render(self) -> Text:
        width = self.size.width
        now = self._clock()
        clock = _Part(
            3,
            Text(now.strftime("%Y-%m-%d %H:%M:%S %Z").strip(), style=self._tone("dim")),
            Text(now.strftime("%H:%M:%S"), style=self._tone("dim")),
        )
        compact = width < COMPACT_BELOW
        parts = self._parts(compact)
        if compact:
            clock = clock.shortened()
        parts, clock = _fit(parts, clock, width)
        sep = Text(" │ ", style=self._tone("dim"))
        left = sep.join(part.text for part in parts)
        if left.cell_len + clock.text.cell_len + 1 > width:
            left.truncate(max(0, width - clock.text.cell_len - 2), overflow="ellipsis")
        left.append(" " * max(1, width - left.cell_len - clock.text.cell_len))
        left.append_text(clock.text)
        return left


@dataclass(slots=True)
class _Part:
    """One field of the line: lower priority numbers are kept longest; `short` replaces `text` when tight."""

    priority: int
    text: Text
    short: Text | None = None

    def shortened(self) -> _Part:
        return _Part(self.priority, self.short if self.short is not None else self.text)


def _line_width(parts: list[_Part], clock: _Part) -> int:
    return sum(p.text.cell_len for p in parts) + 3 * max(0, len(parts) - 1) + 1 + clock.text.cell_len


def _fit(parts: list[_Part], clock: _Part, width: int) -> tuple[list[_Part], _Part]:
    """Shorten, then drop, the least important fields until the line fits `width`."""
    every = [*parts, clock]
    for part in sorted(every, key=lambda p: -p.priority):
        if _line_width(parts, clock) <= width:
            return parts, clock
        if part.short is not None:
            short = part.shortened()
            if part is clock:
                clock = short
            else:
                parts = [short if p is part else p for p in parts]
    for part in sorted(parts, key=lambda p: -p.priority):
        if _line_width(parts, clock) <= width or part.priority == 0:
            break
        parts = [p for p in parts if p is not part]
    return parts, clock


def margin_used(account: AccountView) -> int:
    """Initial margin in use as a MARGIN_PRECISION share of total collateral (100% = no room for new risk)."""
    if account.total_collateral <= 0:
        return 100 * MARGIN_PRECISION if account.initial_margin > 0 else 0
    return account.initial_margin * MARGIN_PRECISION // account.total_collateral

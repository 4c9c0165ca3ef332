"""OrderBook: a price ladder around the oracle price — asks above, bids below, size bars —
with a cursor on a level; `enter` picks that price for the order ticket."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, NamedTuple

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from backend.api.protocol import PRICE_PRECISION, BookLevel, BookView, MarketInfo, OrderView
from widgets.format import decimals_for_price, fmt_price, fmt_size, market_decimals
from widgets.line_cache import LineCache

BAR_EIGHTHS = " ▏▎▍▌▋▊▉█"
PRICE_W, SIZE_W, TOTAL_W = 12, 11, 11
NARROW_W = (10, 9, 9)  # column widths when the full ones do not fit (a 35-column pane)


def column_widths(width: int) -> tuple[int, int, int]:
    """(price, size, total) widths that fit `width`; total is 0 (not drawn) when even narrow ones don't."""
    for widths in ((PRICE_W, SIZE_W, TOTAL_W), NARROW_W):
        if sum(widths) + 3 <= width:  # two gaps and the own-order marker
            return widths
    return NARROW_W[0], NARROW_W[1], 0


def size_bar(size: int, largest: int, width: int) -> str:
    """A left-aligned bar of `width` cells proportional to size/largest, in eighths of a cell."""
    if largest <= 0 or width <= 0 or size <= 0:
        return " " * max(0, width)
    eighths = max(1, size * width * 8 // largest)
    full, part = divmod(min(eighths, width * 8), 8)
    return ("█" * full + (BAR_EIGHTHS[part] if part else "")).ljust(width)


class OrderBook(Widget, can_focus=True):
    """Ladder view of a `BookView`; the cursor stays on its price when the book updates."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Level up", show=False, id="book.up"),
        Binding("down,j", "cursor_down", "Level down", show=False, id="book.down"),
        Binding("enter", "pick_price", "Use price", id="book.pick"),
        Binding("c", "center", "Centre on spread", id="book.center"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "order-book--header",
        "order-book--bid",
        "order-book--ask",
        "order-book--mid",
        "order-book--cursor",
        "order-book--dim",
    }

    DEFAULT_CSS = """
    OrderBook { background: $surface; color: $foreground; height: 1fr; width: 1fr; min-width: 20; }
    OrderBook > .order-book--header { background: $panel; color: $muted-text; text-style: bold; }
    OrderBook > .order-book--bid { color: $up; }
    OrderBook > .order-book--ask { color: $down; }
    OrderBook > .order-book--mid { background: $panel; color: $accent; text-style: bold; }
    OrderBook > .order-book--cursor { background: $boost; text-style: bold reverse; }
    OrderBook:focus > .order-book--cursor { background: $primary 45%; text-style: bold; }
    OrderBook > .order-book--dim { color: $muted-text; }
    """

    class PricePicked(Message):
        """Enter on a level: use this price (PRICE_PRECISION integer) in the order ticket."""

        def __init__(self, price: int, side: str) -> None:
            super().__init__()
            self.price = price
            self.side = side  # the book side of the level: "bid" | "ask"

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._book: BookView | None = None
        self.symbol = ""  # the market shown (its levels are dropped when it changes)
        self._price_decimals: int | None = None
        self._size_decimals = 4
        self._own: set[int] = set()
        self._cursor_price: int | None = None
        self._painted = LineCache()  # the ladder as drawn, built once per change

    # ---- data in ------------------------------------------------------------------------------

    def set_market(self, market: MarketInfo) -> None:
        """Another market drops the old one's levels at once: a ladder never shows under the wrong symbol."""
        if market.symbol != self.symbol:
            self.symbol = market.symbol
            self._book, self._own, self._cursor_price = None, set(), None
        self._price_decimals, self._size_decimals = market_decimals(market)
        self._changed()

    def set_book(self, book: BookView) -> None:
        self._book = book
        ladder = self._ladder()
        if self._cursor_price is None or all(level.price != self._cursor_price for _, level in ladder):
            self._cursor_price = self._nearest_price(ladder)
        self._changed()

    def set_own_orders(self, orders: Iterable[OrderView]) -> None:
        """Mark levels where the user has a working order."""
        own = {o.price for o in orders if o.price}
        if own != self._own:
            self._own = own
            self._changed()

    @property
    def cursor_price(self) -> int | None:
        return self._cursor_price

    # ---- actions ------------------------------------------------------------------------------

    def action_cursor_up(self) -> None:
        self._move(-1)

    def action_cursor_down(self) -> None:
        self._move(1)

    def action_center(self) -> None:
        self._cursor_price = None
        if self._book is not None:
            self._cursor_price = self._nearest_price(self._ladder())
        self._changed()

    def action_pick_price(self) -> None:
        ladder = self._ladder()
        for side, level in ladder:
            if level.price == self._cursor_price:
                self.post_message(self.PricePicked(level.price, side))
                return

    # ---- layout -------------------------------------------------------------------------------

    def _depth(self) -> int:
        return max(1, (self.size.height - 2) // 2)

    def _ladder(self) -> list[tuple[str, BookLevel]]:
        """Visible levels top to bottom: asks (worst..best), then bids (best..worst)."""
        if self._book is None:
            return []
        depth = self._depth()
        asks = [("ask", level) for level in reversed(self._book.asks[:depth])]
        return asks + [("bid", level) for level in self._book.bids[:depth]]

    def _nearest_price(self, ladder: list[tuple[str, BookLevel]]) -> int | None:
        """Best bid (else best ask) when there is no cursor yet or its level vanished."""
        if self._book is None:
            return None
        target = self._cursor_price
        if target is None or not ladder:
            best = self._book.bids[:1] or self._book.asks[:1]
            return best[0].price if best else None
        return min(ladder, key=lambda item: abs(item[1].price - target))[1].price

    def _move(self, step: int) -> None:
        ladder = self._ladder()
        prices = [level.price for _, level in ladder]
        if not prices:
            return
        index = prices.index(self._cursor_price) if self._cursor_price in prices else 0
        self._cursor_price = prices[max(0, min(len(prices) - 1, index + step))]
        self._changed()

    def _decimals(self) -> int:
        if self._price_decimals is not None:
            return self._price_decimals
        oracle = self._book.oracle_price if self._book else 0
        return decimals_for_price(oracle / PRICE_PRECISION)

    # ---- rendering ----------------------------------------------------------------------------

    def _changed(self) -> None:
        """The ladder's data or cursor moved: its lines are built again on the next paint."""
        self._painted.invalidate()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._painted.invalidate()  # a theme or focus change recolours every line

    def _style(self, name: str) -> Style:
        return self.rich_style + self.get_component_rich_style(f"order-book--{name}", partial=True)

    def render_line(self, y: int) -> Strip:
        return self._painted.line(self, y, self._build_lines)

    def _build_lines(self) -> list[Strip]:
        width, height = self.size
        base = self.rich_style
        header = self._style("header")
        price_w, size_w, total_w = column_widths(width)
        text = f"{'Price':>{price_w}} {'Size':>{size_w}}" + (f" {'Total':>{total_w}}" if total_w else "")
        lines = [Strip([Segment(text, header)]).crop_extend(0, width, header)]
        if self._book is None:
            lines.append(Strip([Segment(" no book", self._style("dim"))]).crop_extend(0, width, base))
            return lines
        book, depth = self._book, self._depth()
        asks, bids = book.asks[:depth], book.bids[:depth]
        largest = max((level.size for level in asks + bids), default=0)
        paint = _Paint(
            base,
            self._style("bid"),
            self._style("ask"),
            self.get_component_rich_style("order-book--cursor", partial=True),
        )
        ask_lines, cumulative = [], 0
        for level in asks:
            cumulative += level.size
            ask_lines.append(self._level_line(level, "ask", cumulative, width, largest, paint))
        lines += [Strip.blank(width, base)] * (depth - len(asks)) + ask_lines[::-1]
        lines.append(self._mid_line(width))
        cumulative = 0
        for level in bids:
            cumulative += level.size
            lines.append(self._level_line(level, "bid", cumulative, width, largest, paint))
        return lines[: max(height, 1)]

    def _level_at(self, y: int) -> tuple[BookLevel, str, int] | None:
        """(level, side, cumulative size from the best price) drawn on line y, if any."""
        book, depth = self._book, self._depth()
        if book is None or y < 1 or y == 1 + depth:
            return None
        if y <= depth:
            asks_shown = min(depth, len(book.asks))
            index = y - 1 - (depth - asks_shown)
            if index < 0:
                return None
            rank = asks_shown - 1 - index
            return book.asks[rank], "ask", sum(lvl.size for lvl in book.asks[: rank + 1])
        index = y - depth - 2
        if index >= min(depth, len(book.bids)):
            return None
        return book.bids[index], "bid", sum(lvl.size for lvl in book.bids[: index + 1])

    def on_click(self, event: events.Click) -> None:
        """Click a level to put the cursor there; double click picks its price."""
        found = self._level_at(event.y)
        if found is not None:
            self._cursor_price = found[0].price
            self._changed()
            if event.chain > 1:
                self.action_pick_price()

    def _level_line(
        self, level: BookLevel, side: str, cumulative: int, width: int, largest: int, paint: _Paint
    ) -> Strip:
        marker = "●" if level.price in self._own else " "
        price = fmt_price(level.price, self._decimals())
        price_w, size_w, total_w = column_widths(width)
        total = f" {fmt_size(cumulative, self._size_decimals):>{total_w}}" if total_w else ""
        text = f"{price:>{price_w}} {fmt_size(level.size, self._size_decimals):>{size_w}}{total}{marker}"
        bar_width = max(0, width - len(text) - 1)
        plain, coloured = paint.base, paint.bid if side == "bid" else paint.ask
        if level.price == self._cursor_price:
            plain, coloured = plain + paint.cursor, coloured + paint.cursor
        segments = [
            Segment(text[:price_w], coloured),
            Segment(text[price_w:], plain),
            Segment(" " + size_bar(level.size, largest, bar_width), coloured),
        ]
        return Strip(segments).crop_extend(0, width, paint.base)

    def _mid_line(self, width: int) -> Strip:
        book = self._book
        assert book is not None
        decimals = self._decimals()
        oracle = fmt_price(book.oracle_price, decimals)
        text = f"oracle {oracle}"
        if book.bids and book.asks:
            spread = book.asks[0].price - book.bids[0].price
            mid = (book.asks[0].price + book.bids[0].price) / 2
            bps = spread / mid * 10_000 if mid else 0.0
            text += f"  spread {fmt_price(spread, decimals)} ({bps:.1f} bp)"
            if len(text) + 2 > width:  # a narrow pane: the same facts, fewer words
                text = f"{oracle} ±{fmt_price(spread, decimals)} {bps:.1f}bp"
        style = self._style("mid")
        return Strip([Segment(f" {text} ".center(width, "─"), style)]).crop_extend(0, width, style)


class _Paint(NamedTuple):
    """The styles of one ladder build, looked up once."""

    base: Style
    bid: Style
    ask: Style
    cursor: Style

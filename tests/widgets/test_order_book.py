"""OrderBook: ladder layout, cursor movement, PricePicked for the ticket."""

from __future__ import annotations

from textual.app import App, ComposeResult

from backend.api.protocol import BookLevel, BookView
from tests.widgets.fixtures import BOOK, MARKETS
from themes import register_themes
from widgets.order_book import OrderBook, size_bar


class BookApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        register_themes(self)
        self.book = OrderBook()
        self.picked: list[tuple[int, str]] = []

    def compose(self) -> ComposeResult:
        yield self.book

    def on_mount(self) -> None:
        self.book.set_market(MARKETS[0])
        self.book.set_book(BOOK)
        self.book.focus()

    def on_order_book_price_picked(self, message: OrderBook.PricePicked) -> None:
        self.picked.append((message.price, message.side))


def first_style(book: OrderBook, y: int):
    return next(iter(book.render_line(y))).style


def _lines(book: OrderBook) -> list[str]:
    return [book.render_line(y).text.rstrip() for y in range(book.size.height)]


def test_size_bar_scales_in_eighths() -> None:
    assert size_bar(10, 10, 4) == "████"
    assert size_bar(5, 10, 4) == "██  "
    assert size_bar(1, 10, 4) == "▍   "
    assert size_bar(0, 10, 4) == "    "


async def test_ladder_puts_asks_above_the_oracle_and_bids_below() -> None:
    app = BookApp()
    async with app.run_test(size=(60, 8)) as pilot:
        await pilot.pause()
        lines = _lines(app.book)
        assert lines[0] == "       Price        Size       Total"
        assert lines[1].startswith("     142.600       25.00       32.50")
        assert lines[3].startswith("     142.510        1.50        1.50")
        assert "oracle 142.500  spread 0.020 (1.4 bp)" in lines[4]
        assert lines[5].startswith("     142.490        3.00        3.00")
        assert lines[7].startswith("     142.450        0.80       16.30")
        assert lines[1].endswith("█" * 22)


async def test_a_33_column_book_narrows_its_columns_and_keeps_total_and_spread_whole() -> None:
    app = BookApp()
    async with app.run_test(size=(33, 8)) as pilot:
        await pilot.pause()
        lines = _lines(app.book)
        assert lines[0] == "     Price      Size     Total"
        assert lines[1].startswith("   142.600     25.00     32.50")
        assert "142.500 ±0.020 1.4bp" in lines[4] and "oracle" not in lines[4]


async def test_cursor_starts_on_best_bid_moves_and_enter_picks_the_price() -> None:
    app = BookApp()
    async with app.run_test(size=(60, 8)) as pilot:
        assert app.book.cursor_price == 142_490_000
        await pilot.press("up", "enter")
        await pilot.press("down", "j", "enter")
        await pilot.pause()
        assert app.picked == [(142_510_000, "ask"), (142_480_000, "bid")]


async def test_cursor_stays_on_its_price_when_the_book_moves() -> None:
    app = BookApp()
    async with app.run_test(size=(60, 8)) as pilot:
        await pilot.press("down")
        moved = BookView(
            "SOL-PERP",
            bids=[BookLevel(142_500_000, 1), *BOOK.bids],
            asks=BOOK.asks,
            oracle_price=142_505_000,
        )
        app.book.set_book(moved)
        await pilot.press("enter")
        await pilot.pause()
        assert app.picked == [(142_480_000, "bid")]


async def test_double_click_on_a_level_picks_its_price() -> None:
    app = BookApp()
    async with app.run_test(size=(60, 8)) as pilot:
        await pilot.click(app.book, offset=(5, 2))
        assert app.book.cursor_price == 142_520_000
        await pilot.click(app.book, offset=(5, 6), times=2)
        await pilot.pause()
        assert app.picked == [(142_480_000, "bid")]


async def test_the_ladder_is_redrawn_in_the_new_theme_and_after_focus_moves() -> None:
    """The ladder's lines are built once per change: a theme switch and a focus change must still recolour them."""
    app = BookApp()
    async with app.run_test(size=(60, 8)) as pilot:
        await pilot.pause()
        cursor_focused = first_style(app.book, 5)  # the cursor starts on the best bid
        app.theme = "quantdesk-light"
        await pilot.pause()
        assert first_style(app.book, 5) != cursor_focused
        app.theme = "quantdesk-dark"
        await pilot.pause()
        assert first_style(app.book, 5) == cursor_focused
        app.book.blur()
        await pilot.pause()
        assert first_style(app.book, 5) != cursor_focused

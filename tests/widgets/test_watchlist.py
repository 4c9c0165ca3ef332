"""Watchlist: quote formatting per market, fuzzy filter, groups, selection."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tests.widgets.fixtures import FROZEN_NOW, MARKETS, QUOTES, quote
from themes import register_themes
from widgets.watchlist import Watchlist, fuzzy_match


class WatchlistApp(App[None]):
    def __init__(self, **kwargs: object) -> None:
        super().__init__()
        register_themes(self)
        self.watchlist = Watchlist(id="wl", clock=lambda: FROZEN_NOW, **kwargs)  # type: ignore[arg-type]
        self.selected: list[str] = []

    def compose(self) -> ComposeResult:
        yield self.watchlist

    def on_mount(self) -> None:
        self.watchlist.set_markets(MARKETS)
        for q in QUOTES:
            self.watchlist.update_quote(q)
        self.watchlist.table.focus()

    def on_watchlist_market_selected(self, message: Watchlist.MarketSelected) -> None:
        self.selected.append(message.market)


def _row_text(app: WatchlistApp, symbol: str) -> str:
    table = app.watchlist.table
    y = table.row_keys.index(symbol) + 1
    return " ".join(table.render_line(y).text.split())


def test_fuzzy_match_is_case_insensitive_subsequence() -> None:
    assert fuzzy_match("sol", "SOL-PERP")
    assert fuzzy_match("bp", "BTC-PERP")
    assert not fuzzy_match("pb", "BTC-PERP")
    assert fuzzy_match("", "ANY")


async def test_prices_use_tick_decimals_and_changes_carry_signs() -> None:
    app = WatchlistApp()
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        assert _row_text(app, "SOL-PERP") == "SOL-PERP 142.500 +3.500 ▲ +2.52% 0.070 1.0s"
        assert _row_text(app, "BTC-PERP") == "BTC-PERP 67,123.5 -876.6 ▼ -1.29% 25.0 1.0s"
        assert _row_text(app, "ETH-PERP") == "ETH-PERP 3,500.12 0.00 0.00% 1.50 30s"
        assert _row_text(app, "BONK-PERP") == "BONK-PERP 0.00002345 +0.00000245 ▲ +11.67% 0.00000001 1.0s"


async def test_markets_are_listed_in_the_venues_order_even_when_quotes_came_first() -> None:
    app = App[None]()
    register_themes(app)
    watchlist = Watchlist(id="wl", clock=lambda: FROZEN_NOW)
    async with app.run_test(size=(120, 20)) as pilot:
        await app.mount(watchlist)
        for q in [QUOTES[3], QUOTES[2], quote("JUP-PERP", 90_000_000, -8, 90_000_000)]:
            watchlist.update_quote(q)
        await pilot.pause()
        assert watchlist.symbols == ["BONK-PERP", "ETH-PERP", "JUP-PERP"]
        watchlist.set_markets(MARKETS)
        await pilot.pause()
        assert watchlist.symbols == ["SOL-PERP", "BTC-PERP", "ETH-PERP", "BONK-PERP", "JUP-PERP"]
        y = watchlist.table.row_keys.index("ETH-PERP") + 1
        assert " ".join(watchlist.table.render_line(y).text.split()) == "ETH-PERP 3,500.12 0.00 0.00% 1.50 30s"


async def test_funding_and_oi_columns_are_optional() -> None:
    app = WatchlistApp(show_funding=True, show_oi=True)
    async with app.run_test(size=(120, 20)) as pilot:
        app.watchlist.update_stats("SOL-PERP", funding_rate=0.000125, open_interest=12_345_678)
        await pilot.pause()
        assert _row_text(app, "SOL-PERP").endswith("1.0s +0.0125% 12.3M")
        assert [c.key for c in app.watchlist.table.columns][-2:] == ["funding", "oi"]


async def test_slash_opens_fuzzy_filter_and_escape_clears_it() -> None:
    app = WatchlistApp()
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.press("slash", "e", "t")
        await pilot.pause()
        assert app.watchlist.filter_text == "et"
        assert app.watchlist.symbols == ["ETH-PERP"]
        await pilot.press("enter")
        assert app.focused is app.watchlist.table
        await pilot.press("escape")
        await pilot.pause()
        assert app.watchlist.symbols == ["SOL-PERP", "BTC-PERP", "ETH-PERP", "BONK-PERP"]


async def test_groups_show_only_their_symbols_and_g_cycles_them() -> None:
    app = WatchlistApp()
    async with app.run_test(size=(120, 20)) as pilot:
        app.watchlist.set_groups({"majors": ["BTC-PERP", "ETH-PERP"], "memes": ["BONK-PERP"]})
        app.watchlist.show_group("majors")
        assert app.watchlist.symbols == ["BTC-PERP", "ETH-PERP"]
        await pilot.press("g")
        assert app.watchlist.group == "memes"
        assert app.watchlist.symbols == ["BONK-PERP"]
        await pilot.press("g")
        assert app.watchlist.group is None
        assert len(app.watchlist.symbols) == 4


async def test_enter_posts_market_selected_and_new_quote_updates_row() -> None:
    app = WatchlistApp()
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.selected == ["BTC-PERP"]
        app.watchlist.update_quote(quote("SOL-PERP", 15_000_000_000, -8, 13_900_000_000))
        await pilot.pause(0.05)
        assert _row_text(app, "SOL-PERP").startswith("SOL-PERP 150.000 +11.000 ▲ +7.91%")

"""StatusBar: connection, feed, latency, trading state and an injectable clock; compact at 80 cols."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from backend.api.protocol import AccountView, Status
from tests.widgets.fixtures import FEEDS, FROZEN_DATETIME, quote
from themes import register_themes
from widgets.status_bar import StatusBar


class StatusApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        register_themes(self)
        self.bar = StatusBar(clock=lambda: FROZEN_DATETIME)

    def compose(self) -> ComposeResult:
        yield self.bar


def _text(bar: StatusBar) -> str:
    return bar.render().plain.rstrip()


@pytest.mark.parametrize(
    ("width", "trading_state", "start", "end", "length"),
    [
        (120, "ACTIVE", "● connected │ feed pyth ✓ healthy │ rtt 3.2 ms │ ACTIVE", "2026-01-01 12:34:56 UTC", 118),
        (80, "REDUCE_ONLY", "● conn │ pyth ✓ │ 3ms │ REDUCE_ONLY", "12:34:56", 78),
    ],
    ids=["full_width_shows_every_field_and_the_frozen_clock", "compact_at_80_columns"],
)
async def test_the_bar_fits_its_width(width: int, trading_state: str, start: str, end: str, length: int) -> None:
    app = StatusApp()
    async with app.run_test(size=(width, 3)) as pilot:
        app.bar.set_state(connection="connected", latency_ms=3.21, trading_state=trading_state, feeds=FEEDS)
        await pilot.pause()
        text = _text(app.bar)
        assert text.startswith(start)
        assert text.endswith(end)
        assert len(text) == length  # padding 1 each side


async def test_disconnected_and_degraded_feed_are_spelled_out() -> None:
    app = StatusApp()
    async with app.run_test(size=(120, 3)) as pilot:
        status = Status("0.1.0", 1, 42, "ws://x", 5.0, 1, "coingecko", FEEDS, "paper", 10)
        app.bar.set_status(status)
        app.bar.set_state(connection="disconnected")
        await pilot.pause()
        assert _text(app.bar).startswith("✗ disconnected │ feed coingecko ! degraded (slow)")


async def test_short_aliases_and_feed_dicts_are_accepted() -> None:
    app = StatusApp()
    async with app.run_test(size=(120, 3)) as pilot:
        feeds = [{"source": "pyth", "state": "down", "reason": "stale", "active": True}]
        app.bar.set_state(connected=False, note="retry in 2s", rtt_ms=300.0, feeds=feeds)
        await pilot.pause()
        assert _text(app.bar).startswith("✗ disconnected │ feed pyth ✗ down (stale) │ rtt 300.0 ms │ retry in 2s")


async def _with_account(width: int, account: AccountView) -> str:
    """The bar's text at `width` columns, connected (rtt 3.21 ms, FEEDS), showing `account`."""
    app = StatusApp()
    async with app.run_test(size=(width, 3)) as pilot:
        app.bar.set_state(connection="connected", latency_ms=3.21, feeds=FEEDS)
        app.bar.set_account(account)
        await pilot.pause()
        return _text(app.bar)


def _account(equity: int, upnl: int, initial: int, leverage: int, state: str = "ACTIVE") -> AccountView:
    return AccountView(
        sub_account=0,
        collateral=[],
        total_collateral=equity,
        initial_margin=initial,
        maintenance_margin=initial // 2,
        free_collateral=equity - initial,
        equity=equity,
        unrealized_pnl=upnl,
        leverage=leverage,
        margin_ratio=0,
        trading_state=state,
    )


async def test_money_fields_show_equity_signed_upnl_margin_used_and_leverage() -> None:
    text = await _with_account(160, _account(100_000_000_000, -1_234_560_000, 25_000_000_000, 12_500, "REDUCE_ONLY"))
    assert text.startswith(
        "● connected │ feed pyth ✓ healthy │ rtt 3.2 ms │ equity $100,000.00 │ uPnL -1,234.56 │ margin 25.0% │ "
        "lev 1.25x │ REDUCE_ONLY"
    )


async def test_at_120_columns_money_and_state_stay_while_feed_and_clock_shorten() -> None:
    text = await _with_account(120, _account(100_000_000_000, 12_300_000, 3_200_000_000, 4_000))
    assert text.startswith(
        "● connected │ pyth ✓ │ 3ms │ equity $100,000.00 │ uPnL +12.30 │ margin 3.2% │ lev 0.40x │ ACTIVE"
    )
    assert text.endswith(" 12:34:56")


async def test_at_80_columns_the_compact_line_keeps_money_and_trading_state() -> None:
    text = await _with_account(80, _account(100_000_000_000, 0, 0, 0))
    assert text == "● conn │ pyth ✓ │ eq 100.0K │ uPnL 0.00 │ mgn 0.0% │ 0.0x │ ACTIVE    12:34:56"  # rtt dropped first


async def test_the_focused_markets_price_shows_after_its_name_with_the_way_it_last_moved() -> None:
    app = StatusApp()
    async with app.run_test(size=(120, 3)) as pilot:
        app.bar.set_state(connection="connected", market="SOL-PERP")
        app.bar.set_quote(quote("SOL-PERP", 14_250_000_000, -8, 14_000_000_000), decimals=3)
        await pilot.pause()
        assert _text(app.bar).startswith("SOL-PERP │ 142.500   │ ● connected")
        app.bar.set_quote(quote("SOL-PERP", 14_250_100_000, -8, 14_000_000_000), decimals=3)
        assert _text(app.bar).startswith("SOL-PERP │ 142.501 ▲ │")
        app.bar.set_quote(quote("SOL-PERP", 14_240_000_000, -8, 14_000_000_000), decimals=3)
        assert _text(app.bar).startswith("SOL-PERP │ 142.400 ▼ │")
        app.bar.set_quote(quote("ETH-PERP", 340_000_000_000, -8, 14_000_000_000))  # not the focused market
        assert _text(app.bar).startswith("SOL-PERP │ ● connected")


async def test_a_burst_of_prices_repaints_at_most_40_times_a_second_and_ends_on_the_last() -> None:
    app = StatusApp()
    async with app.run_test(size=(120, 3)) as pilot:
        app.bar.set_state(market="SOL-PERP")
        await pilot.pause()
        repaints: list[float] = []
        repaint = app.bar._repaint_price
        app.bar._repaint_price = lambda: (repaints.append(0.0), repaint())  # type: ignore[method-assign]
        for i in range(100):  # one burst: the first repaints now, the other 99 share one repaint 25 ms on
            app.bar.set_quote(quote("SOL-PERP", 14_250_000_000 + i * 100_000, -8, 14_000_000_000), decimals=3)
        await pilot.pause(0.1)
        assert len(repaints) == 2
        assert _text(app.bar).startswith("SOL-PERP │ 142.599 ▲ │")


async def test_a_theme_switch_recolours_the_price_and_connection_tones() -> None:
    """The tones are looked up once per style change, not per repaint: a new theme must still reach them."""
    app = StatusApp()
    async with app.run_test(size=(120, 3)) as pilot:
        app.bar.set_state(connection="connected", market="SOL-PERP")
        app.bar.set_quote(quote("SOL-PERP", 14_250_000_000, -8, 14_000_000_000), decimals=3)
        app.bar.set_quote(quote("SOL-PERP", 14_250_100_000, -8, 14_000_000_000), decimals=3)  # up: the $up tone

        def tones() -> list[str]:
            line = app.bar.render()
            styles = [line.get_style_at_offset(app.console, line.plain.index(word)) for word in ("142", "●")]
            return [style.color.triplet.hex for style in styles if style.color and style.color.triplet]

        await pilot.pause()
        assert tones() == ["#22c55e", "#22c55e"]  # the dark theme's $up
        app.theme = "quantdesk-light"
        await pilot.pause()
        assert tones() == ["#15803d", "#15803d"]  # the light theme's

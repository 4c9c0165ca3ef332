"""What `quantdesk` does for a fast first frame: the first snapshot's price is handed over before its
book and candles, and the first screen draws its panes' frames, then mounts the panes after the first paint."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from quantdesk_tui.command_bar import CommandBar
from quantdesk_tui.first_snapshot import FirstSnapshot
from quantdesk_tui.layout import BUILTIN_LAYOUTS, layout_from_data, panes_of
from quantdesk_tui.layout_view import LayoutView
from quantdesk_tui.pane import Pane
from tests.tui.fakes import fixed_app
from tests.tui.pilot import wait_for
from widgets.candle_chart import CandleChart

BACKEND = ("ws://127.0.0.1:9/", "token")  # never dialled: each test replaces the fetch


def test_the_snapshot_hands_over_the_markets_and_quote_without_waiting_for_the_book_and_candles():
    snapshot = FirstSnapshot(BACKEND).focus("SOL-PERP", "1m", [])
    gate = threading.Event()

    def fetch() -> None:  # what _fetch does, with the book and candles held back until the gate opens
        for name in snapshot.requests:
            if name == "book":
                gate.wait(5.0)
            with snapshot._arrived:
                snapshot.replies[name] = {"name": name}
                snapshot._arrived.notify_all()

    snapshot._fetch = fetch  # type: ignore[method-assign]
    snapshot.start()
    assert sorted(snapshot.wait(5.0, ("markets", "quote"))) == ["markets", "quote"]
    gate.set()
    assert sorted(snapshot.wait(5.0)) == ["book", "candles", "markets", "quote"]


async def test_the_snapshot_asks_the_market_list_at_once_and_the_focused_market_once_the_app_names_it(backend):
    snapshot = FirstSnapshot((backend.url, backend.token)).start()  # as `quantdesk` does before importing the app
    assert sorted(await asyncio.to_thread(snapshot.wait, 10.0, ("markets",))) == ["markets"]
    assert sorted(await asyncio.to_thread(snapshot.wait, 0.3, ("quote",))) == ["markets"]  # no market named yet
    snapshot.focus("ETH-PERP", "5m", ["sma:20"])
    replies = await asyncio.to_thread(snapshot.wait, 10.0)
    assert sorted(replies) == ["book", "candles", "markets", "quote"]
    assert (replies["quote"]["market"], replies["book"]["market"]) == ("ETH-PERP", "ETH-PERP")
    assert sorted(replies["candles"]["indicators"]) == ["sma:20"]
    assert [m["symbol"] for m in replies["markets"]["markets"]][:3] == ["SOL-PERP", "BTC-PERP", "ETH-PERP"]


def test_a_fetch_that_gives_up_ends_the_wait_with_what_arrived():
    snapshot = FirstSnapshot(BACKEND).focus("SOL-PERP", "1m", [])

    def fetch() -> None:  # the backend answered `markets.list`, then the connection failed
        snapshot.replies["markets"] = {}

    snapshot._fetch = fetch  # type: ignore[method-assign]
    snapshot.start()
    assert snapshot.wait(5.0, ("markets", "quote")) == {"markets": {}}


async def test_the_first_screen_draws_its_frames_then_mounts_the_panes_after_the_first_paint_and_focuses_the_chart():
    app = fixed_app()
    app.deferred_bodies = []  # as `quantdesk` starts it
    at_first_paint: list[Any] = []
    mount_bodies = app.mount_pane_bodies

    async def spy() -> None:
        view = app.screen.query_one(LayoutView)
        at_first_paint.extend((view.waiting, len(app.screen.query(Pane))))
        await mount_bodies()

    app.mount_pane_bodies = spy  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.deferred_bodies is None and app.hub.candles is not None)
        await pilot.pause()
        panes = list(app.screen.query(Pane))
        assert at_first_paint == [True, 0]
        assert [pane.ready for pane in panes] == [True] * 6
        assert app.screen.query_one(LayoutView).waiting is False
        assert isinstance(app.screen.focused, CandleChart)
        assert panes[0].border_title == "Chart SOL-PERP 1m"


async def test_a_folded_layout_composes_its_tabs_at_once_and_only_the_panes_wait():
    app = fixed_app()
    app.deferred_bodies = []
    at_first_paint: list[Any] = []
    mount_bodies = app.mount_pane_bodies

    async def spy() -> None:
        at_first_paint.extend((app.screen.query_one(LayoutView).waiting, [p.ready for p in app.screen.query(Pane)]))
        await mount_bodies()

    app.mount_pane_bodies = spy  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.deferred_bodies is None)
        await pilot.pause()
        assert at_first_paint == [False, [False] * 6]
        assert [pane.ready for pane in app.screen.query(Pane)] == [True] * 6


FOUR_COLUMNS = {  # narrow panes: the long titles are cut with …
    "split": "h",
    "sizes": [3, 1, 1, 2],
    "children": [
        "chart",
        "ticket",
        "book",
        {"split": "v", "sizes": [1, 2, 3], "children": ["blotter", "trades", "alerts"]},
    ],
}
Cell = tuple[str, Any, Any]


async def first_paint_cells(size: tuple[int, int], layout: Any, theme: str) -> tuple[list[list[Cell]], list[Any]]:
    """The layout's cells (character, colour, background) at the first paint, and the panes' regions then."""
    app = fixed_app(theme)
    app.deferred_bodies = []
    app.layout_tree_data = layout
    seen: list[Any] = []

    async def at_first_paint() -> None:
        view = app.screen.query_one(LayoutView)
        rows = app.screen._compositor.render_strips()[view.region.y : view.region.bottom]
        cells = [[(ch, seg.style.color, seg.style.bgcolor) for seg in row for ch in seg.text] for row in rows]
        seen.extend((cells, [pane.region.translate(-view.region.offset) for pane in app.screen.query(Pane)]))

    app.mount_pane_bodies = at_first_paint  # type: ignore[method-assign]
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: bool(seen))
    return seen[0], seen[1]


@pytest.mark.parametrize(
    ("size", "layout", "theme"),
    [
        ((120, 40), BUILTIN_LAYOUTS["trade"], "quantdesk-dark"),
        ((101, 31), BUILTIN_LAYOUTS["trade"], "quantdesk-light"),
        ((200, 60), BUILTIN_LAYOUTS["monitor"], "quantdesk-dark"),
        ((157, 33), FOUR_COLUMNS, "quantdesk-dark"),
        ((100, 30), FOUR_COLUMNS, "quantdesk-high-contrast"),
    ],
)
async def test_the_frames_drawn_before_the_panes_exist_are_the_frames_the_panes_draw(monkeypatch, size, layout, theme):
    drawn, no_panes = await first_paint_cells(size, layout, theme)
    monkeypatch.setattr(LayoutView, "can_wait", lambda self: False)  # the panes composed at once, bodies waiting
    by_panes, regions = await first_paint_cells(size, layout, theme)
    assert (no_panes, len(regions)) == ([], len(panes_of(layout_from_data(layout))))
    frame = {
        (y, x)
        for r in regions
        for y in range(r.y, r.bottom)
        for x in range(r.x, r.right)
        if y in (r.y, r.bottom - 1) or x in (r.x, r.right - 1)
    }
    assert sum(r.area for r in regions) == size[0] * (size[1] - 2)  # the panes tile the view (status and keys aside)
    assert [[cell for x, cell in enumerate(row) if (y, x) in frame] for y, row in enumerate(drawn)] == [
        [cell for x, cell in enumerate(row) if (y, x) in frame] for y, row in enumerate(by_panes)
    ]
    assert {cell[0] for y, row in enumerate(drawn) for x, cell in enumerate(row) if (y, x) not in frame} == {" "}


async def test_with_a_first_snapshot_the_apps_own_connection_starts_after_the_first_paint():
    app = fixed_app()
    app.deferred_bodies = []
    snapshot = FirstSnapshot(BACKEND).focus("SOL-PERP", "1m", [])
    snapshot._fetch = lambda: None  # type: ignore[method-assign]  # nothing arrives: the wait ends with the thread
    app.first_snapshot = snapshot.start()
    connected_at_first_paint: list[bool] = []
    mount_bodies = app.mount_pane_bodies

    async def spy() -> None:
        connected_at_first_paint.append(app.client.connected)
        await mount_bodies()

    app.mount_pane_bodies = spy  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.hub.connected and app.deferred_bodies is None)
        await pilot.pause()
    assert connected_at_first_paint == [False]


async def test_a_colon_pressed_before_the_first_paint_opens_the_command_bar_once_it_is_composed():
    app = fixed_app()
    app.deferred_bodies = []
    open_before_its_body: list[bool] = []
    mount_bodies = app.mount_pane_bodies

    async def spy() -> None:
        bar = app.screen.query_one(CommandBar)
        bar.open("buy ")  # what `:` (then the palette's "buy") does before the bar's input exists
        open_before_its_body.append(bar.is_open)
        await mount_bodies()

    app.mount_pane_bodies = spy  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.deferred_bodies is None)
        await pilot.pause()
        bar = app.screen.query_one(CommandBar)
        assert open_before_its_body == [False]
        assert (bar.is_open, bar.input.value, app.focused is bar.input) == (True, "buy ", True)

"""What `quantdesk` does for a fast first frame: the first snapshot's price is handed over before its
book and candles, and the first screen's panes mount their widgets after the first paint."""

from __future__ import annotations

import threading

from quantdesk_tui.command_bar import CommandBar
from quantdesk_tui.first_snapshot import FirstSnapshot
from quantdesk_tui.pane import Pane
from tests.tui.fakes import fixed_app
from tests.tui.pilot import wait_for
from widgets.candle_chart import CandleChart

BACKEND = ("ws://127.0.0.1:9/", "token")  # never dialled: each test replaces the fetch


def test_the_snapshot_hands_over_the_markets_and_quote_without_waiting_for_the_book_and_candles():
    snapshot = FirstSnapshot(BACKEND, "SOL-PERP", "1m", [])
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


def test_a_fetch_that_gives_up_ends_the_wait_with_what_arrived():
    snapshot = FirstSnapshot(BACKEND, "SOL-PERP", "1m", [])

    def fetch() -> None:  # the backend answered `markets.list`, then the connection failed
        snapshot.replies["markets"] = {}

    snapshot._fetch = fetch  # type: ignore[method-assign]
    snapshot.start()
    assert snapshot.wait(5.0, ("markets", "quote")) == {"markets": {}}


async def test_the_first_screens_panes_mount_their_widgets_after_the_first_paint_then_focus_the_chart():
    app = fixed_app()
    app.deferred_bodies = []  # as `quantdesk` starts it
    seen_at_first_paint: list[bool] = []
    mount_bodies = app.mount_pane_bodies

    async def spy() -> None:
        seen_at_first_paint.extend(pane.ready for pane in app.screen.query(Pane))
        await mount_bodies()

    app.mount_pane_bodies = spy  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.deferred_bodies is None and app.hub.candles is not None)
        await pilot.pause()
        panes = list(app.screen.query(Pane))
        assert seen_at_first_paint == [False] * 6
        assert [pane.ready for pane in panes] == [True] * 6
        assert isinstance(app.screen.focused, CandleChart)
        assert panes[0].border_title == "Chart SOL-PERP 1m"


async def test_with_a_first_snapshot_the_apps_own_connection_starts_after_the_first_paint():
    app = fixed_app()
    app.deferred_bodies = []
    snapshot = FirstSnapshot(BACKEND, "SOL-PERP", "1m", [])
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

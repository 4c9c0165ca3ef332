"""What `quantdesk` does for a fast first frame: the first snapshot's price is handed over before its
book and candles, and the first screen's panes mount their widgets after the first paint."""

from __future__ import annotations

import threading

from quantdesk_tui.first_snapshot import FirstSnapshot
from quantdesk_tui.panes import Pane
from tests.tui.fakes import fixed_app
from tests.tui.pilot import wait_for
from widgets.candle_chart import CandleChart


def test_the_snapshot_hands_over_the_markets_and_quote_without_waiting_for_the_book_and_candles():
    snapshot = FirstSnapshot("SOL-PERP", "1m", [])
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
    snapshot = FirstSnapshot("SOL-PERP", "1m", [])

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

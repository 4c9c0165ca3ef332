"""SVG snapshots of every screen at 80x24, 100x30, 120x40 and 200x60, in the dark theme and with
NO_COLOR, after a market switch to ETH-PERP, on fixed data (tests/tui/fakes.py).

One app per size and half of the screens visits them and snapshots each with and without colour,
so 56 snapshots cost 8 start-ups and 28 screen visits, and no one test runs long.
"""

from __future__ import annotations

import pytest
from pytest_textual_snapshot import SVGImageExtension

from textual.filter import Monochrome

from tests.tui.fakes import fixed_app
from tests.tui.pilot import wait_for
from widgets.candle_chart import CandleChart
from widgets.equity_chart import EquityChart
from widgets.thread_plot import ThreadPlot

SCREENS = {
    "trade": "f2",
    "markets": "f3",
    "portfolio": "f4",
    "risk": "f5",
    "alerts": "f6",
    "system": "f7",
    "admin": "f8",
}
SIZES = {"80x24": (80, 24), "100x30": (100, 30), "120x40": (120, 40), "200x60": (200, 60)}
THEMES = ("dark", "nocolor")
MARKET = "ETH-PERP"


def busy(app) -> bool:
    """Work still in flight: a request worker (not the connection, which runs for the app's life),
    a chart redraw due or drawing, or Hub changes the screen has not handled yet."""
    working = any(w.group != "connection" and not w.is_finished for w in app.workers)
    waiting = any(plot._pending is not None for plot in app.screen.query(ThreadPlot))  # a redraw timer set
    return working or waiting or app.screen.message_queue_size > 0


async def settle(pilot) -> None:
    app = pilot.app
    quiet = 0
    for _ in range(100):  # data → frame → table flush / chart redraw timer → thread → swap
        await pilot.pause(0.03)
        quiet = 0 if busy(app) else quiet + 1
        if quiet == 3:
            break
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


@pytest.fixture(autouse=True)
def fast_charts(monkeypatch):
    """Charts redraw at most a few times a second; here at once, so a snapshot waits for nothing."""
    monkeypatch.setattr(CandleChart, "REDRAW_HZ", 100.0)
    monkeypatch.setattr(CandleChart, "LIVE_REDRAW_HZ", 100.0)
    monkeypatch.setattr(EquityChart, "REDRAW_HZ", 100.0)


def set_no_color(app, on: bool) -> None:
    """What NO_COLOR does at start-up (Textual's Monochrome line filter, app.no_color), switched at
    run time so one app yields both snapshots of a screen; every widget repaints, charts redraw."""
    app.no_color = on
    app._filters = [f for f in app._filters if not isinstance(f, Monochrome)] + ([Monochrome()] if on else [])
    for widget in app.screen.walk_children(with_self=True):
        widget.refresh()
        if isinstance(widget, ThreadPlot):
            widget._request_draw()


HALVES = {
    "trade-markets-portfolio": ("trade", "markets", "portfolio"),
    "risk-alerts-system-admin": ("risk", "alerts", "system", "admin"),
}


@pytest.mark.parametrize("half", HALVES)
@pytest.mark.parametrize("size", SIZES)
async def test_every_screen_snapshot_after_a_market_switch(snapshot, monkeypatch, size, half):
    monkeypatch.delenv("NO_COLOR", raising=False)
    snapshot = snapshot.use_extension(SVGImageExtension)
    app = fixed_app("quantdesk-dark")
    mismatched = []
    async with app.run_test(size=SIZES[size]) as pilot:
        await wait_for(pilot, lambda: app.hub.markets and app.hub.accounts and app.hub.status, what="the first load")
        app.focus_market(MARKET)
        for screen in HALVES[half]:
            key = SCREENS[screen]
            await pilot.press(key)
            for theme in THEMES:
                set_no_color(app, theme == "nocolor")
                await settle(pilot)
                name = f"{screen}-{size}-{theme}"
                if snapshot(name=name) != app.export_screenshot(title=name):
                    mismatched.append(name)
            set_no_color(app, False)
    assert mismatched == []

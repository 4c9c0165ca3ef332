"""SVG snapshots of every screen at 120x40 and 80x24, dark and light, on fixed data (tests/tui/fakes.py)."""

from __future__ import annotations

import pytest

from tests.tui.fakes import fixed_app
from widgets.candle_chart import CandleChart
from widgets.equity_chart import EquityChart

SCREENS = {
    "trade": None,
    "markets": "f3",
    "portfolio": "f4",
    "risk": "f5",
    "alerts": "f6",
    "system": "f7",
    "admin": "f8",
}
SIZES = {"wide": (120, 40), "compact": (80, 24)}
THEMES = {"dark": "quantdesk-dark", "light": "quantdesk-light"}


def busy(app) -> bool:
    """Work still in flight: a request worker (not the connection, which runs for the app's life),
    a chart drawing, or Hub changes no frame has painted yet."""
    working = any(w.group != "connection" and not w.is_finished for w in app.workers)
    return working or bool(app.hub.dirty or app.hub.dirty_quotes)


async def settle(pilot, key: str | None) -> None:
    app = pilot.app
    for _ in range(100):
        if app.hub.markets and app.hub.accounts and app.hub.status:
            break
        await pilot.pause(0.02)
    if key:
        await pilot.press(key)
    quiet = 0
    for _ in range(100):  # data → frame → table flush / chart redraw timer → thread → swap
        await pilot.pause(0.03)
        quiet = 0 if busy(app) else quiet + 1
        if quiet == 4:
            break
    await pilot.pause()


@pytest.fixture(autouse=True)
def fast_charts(monkeypatch):
    """Charts redraw at most a few times a second; here at once, so a snapshot waits for nothing."""
    monkeypatch.setattr(CandleChart, "REDRAW_HZ", 100.0)
    monkeypatch.setattr(EquityChart, "REDRAW_HZ", 100.0)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", SCREENS)
def test_screen_snapshot(snap_compare, screen, size, theme):
    app = fixed_app(THEMES[theme])
    assert snap_compare(
        app, terminal_size=SIZES[size], run_before=lambda pilot: settle(pilot, SCREENS[screen])
    )

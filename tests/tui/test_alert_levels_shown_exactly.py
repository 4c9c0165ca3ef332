"""The Alerts pane and the CLI show an alert's level exactly as the backend holds it, with its unit."""

from __future__ import annotations

from quantdesk_tui.screens.alerts import alert_row, history_row
from tests.tui.monkey import run_command
from tests.tui.test_app_shell import make_app, wait_for
from widgets.columns import Cell
from widgets.format import fmt_level, fmt_time_ms
from widgets.live_table import LiveTable


def test_fmt_level_shows_the_exact_text_with_percent_when_the_unit_is_percent():
    assert fmt_level("145.1", "USD") == "145.1"
    assert fmt_level("0.000001", "USD") == "0.000001"  # no rounding, no exponent
    assert fmt_level("4.5", "%") == "4.5%"
    assert fmt_level(None, None) == "—"
    assert fmt_time_ms(1_767_225_602_250) == "00:00:02"


def test_an_alert_row_shows_the_exact_level_and_sorts_by_its_integer():
    alert = {
        "id": 4,
        "kind": "price_above",
        "market": "SOL-PERP",
        "level": "145.100001",
        "level_fixed": 145_100_001,
        "level_in": "USD",
        "status": "active",
        "last_fired_ms": 1_767_225_602_250,
    }
    row = alert_row(alert)
    level, last = row[3], row[7]
    assert isinstance(level, Cell) and (level.value, level.text) == (145_100_001, "145.100001")
    assert isinstance(last, Cell) and last.text == "00:00:02"
    move = history_row({"ts_ms": 0, "kind": "move_pct", "value": "4.9504", "value_fixed": 49_504, "level_in": "%"})
    assert (move[4].value, move[4].text) == (49_504, "4.9504%")


async def test_a_command_bar_alert_reaches_the_backend_and_the_alerts_pane_exactly(backend, client):
    app = make_app(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.hub.connected and app.hub.markets and app.hub.accounts)
        await run_command(pilot, "alert SOL-PERP > 99999.10")
        await wait_for(pilot, lambda: any(a.get("level") == "99999.1" for a in app.hub.alerts))
        [alert] = (await client.request("alert.list"))["alerts"]
        assert (alert["level"], alert["level_fixed"]) == ("99999.1", 99_999_100_000)
        assert any("SOL-PERP above 99999.1" in str(n.message) for n in app._notifications)
        await pilot.press("f6")
        table = app.screen.query_one("#al-active", LiveTable)
        await wait_for(pilot, lambda: table.row_count == 1)
        assert "99999.1" in " ".join(str(c) for c in alert_row(alert))

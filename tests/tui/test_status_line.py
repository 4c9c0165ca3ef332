"""A screen's status line says what its last action did, in red when it was refused or could not start."""

from __future__ import annotations

from quantdesk_tui.screens.alerts import AlertsScreen
from quantdesk_tui.screens.status_line import StatusLine
from tests.tui.fakes import fixed_app
from tests.tui.test_app_shell import wait_for


async def test_an_alert_action_with_no_alert_selected_asks_for_one_in_red_and_a_later_note_is_plain():
    app = fixed_app()
    app.client.replies["alert.list"] = {"alerts": [], "active": 0}  # type: ignore[attr-defined]
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.hub.connected and app.hub.markets)
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, AlertsScreen))
        line = app.screen.query_one("#al-status", StatusLine)
        for key in ("e", "t", "d"):  # edit, enable/disable, remove: each needs an alert under the cursor
            line.say("")
            await pilot.press(key)
            assert isinstance(app.screen, AlertsScreen)  # no dialog opened
            assert (str(line.render()), line.has_class("-error")) == ("select an alert first", True)
        line.say("alert [1] added")  # a message is shown as sent: no markup
        assert (str(line.render()), line.has_class("-error")) == ("alert [1] added", False)

"""Portfolio, Risk, Alerts, System and Admin against a real in-process backend, driven with Pilot."""

from __future__ import annotations


import pytest
from textual.widgets import Static

from quantdesk_tui.screens.admin import AdminScreen
from quantdesk_tui.screens.alerts import AlertsScreen
from quantdesk_tui.screens.dialogs import ConfirmScreen, PromptScreen
from quantdesk_tui.screens.portfolio import PortfolioScreen
from quantdesk_tui.screens.risk import RiskScreen
from quantdesk_tui.screens.system import SystemScreen
from tests.polling import wait_until
from tests.tui.fakes import fixed_app
from tests.tui.test_app_shell import make_app, wait_for
from widgets.live_table import LiveTable


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def ready(pilot, app) -> None:
    await wait_for(pilot, lambda: app.hub.connected and app.hub.markets and app.hub.accounts)


@pytest.mark.parametrize(
    "keys",
    [
        (("f4", PortfolioScreen), ("f5", RiskScreen)),
        (("f6", AlertsScreen), ("f7", SystemScreen), ("f8", AdminScreen)),
    ],
    ids=["f4-f5", "f6-f8"],
)
async def test_f_keys_switch_to_every_screen(backend, keys):
    app = make_app(backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        for key, screen in keys:
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, screen)


async def test_portfolio_shows_the_starting_balance_and_switches_sub_accounts(backend, client):
    await client.request("account.create", sub_account=1)
    app = make_app(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("f4")
        await wait_for(pilot, lambda: "100,000.00" in text_of(app, "#pf-balances"))
        assert "USDC" in text_of(app, "#pf-balances")
        assert "$100,000.00" in text_of(app, "#pf-margin")
        await wait_for(pilot, lambda: app.hub.sub_accounts == [0, 1])
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: app.hub.sub_account == 1 and 1 in app.hub.accounts)
        await wait_for(pilot, lambda: "sub-account 1" in str(app.screen.query_one("#pf-balances-box").border_title))
        await pilot.press("left_square_bracket")
        await wait_for(pilot, lambda: app.hub.sub_account == 0)


async def venue_markets(client) -> dict[str, dict]:
    """The paper venue's markets, once the first prices have created them."""

    async def with_sol() -> dict[str, dict] | None:
        rows = {m["market"]: m for m in (await client.request("admin.markets"))["markets"]}
        return rows if "SOL-PERP" in rows else None

    return await wait_until(with_sol, what="the venue's SOL-PERP market")


async def test_admin_edit_of_taker_fee_through_the_confirm_modal_changes_the_venue(backend, client):
    before = (await venue_markets(client))["SOL-PERP"]
    new_fee = before["params"]["taker_fee"] + 100
    app = make_app(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("f8")
        markets = app.screen.query_one("#adm-markets", LiveTable)
        await wait_for(pilot, lambda: markets.cursor_key == "SOL-PERP")
        await pilot.press("enter")  # into the parameter table
        params = app.screen.query_one("#adm-params", LiveTable)
        assert params.has_focus
        for _ in range(30):
            if params.cursor_key == "taker_fee":
                break
            await pilot.press("down")
        assert params.cursor_key == "taker_fee"
        await pilot.press("e")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("ctrl+a", "ctrl+k", *str(new_fee), "enter")
        assert isinstance(app.screen, ConfirmScreen)
        body = str(app.screen.query_one("#confirm-body", Static).render())
        assert f"{before['params']['taker_fee']} → {new_fee}" in body and "1e6 = 100%" in body
        await pilot.press("y")

        async def fee() -> int:
            rows = (await client.request("admin.markets"))["markets"]
            return next(r for r in rows if r["market"] == "SOL-PERP")["params"]["taker_fee"]

        for _ in range(100):
            if await fee() == new_fee:
                break
            await pilot.pause(0.05)
        assert await fee() == new_fee
        await wait_for(pilot, lambda: "done: SOL-PERP taker_fee" in text_of(app, "#adm-status"))


async def test_admin_pauses_and_resumes_a_market_and_shows_refusals_inline(backend, client):
    await venue_markets(client)
    app = make_app(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("f8")
        await wait_for(pilot, lambda: app.screen.query_one("#adm-markets", LiveTable).cursor_key == "SOL-PERP")
        await pilot.press("p")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_for(pilot, lambda: "done: pause SOL-PERP" in text_of(app, "#adm-status"))
        assert (await venue_markets(client))["SOL-PERP"]["status"] != "ACTIVE"
        await pilot.press("u", "y")
        await wait_for(pilot, lambda: "done: resume SOL-PERP" in text_of(app, "#adm-status"))
        assert (await venue_markets(client))["SOL-PERP"]["status"] == "ACTIVE"
        await pilot.press("w")  # withdraw more than the (empty) insurance fund holds
        await pilot.press(*"5000", "enter", "y")
        await wait_for(pilot, lambda: "refused" in text_of(app, "#adm-status"))


async def test_system_shows_the_backend_and_the_sim_feed_healthy(backend):
    app = make_app(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("f7")
        feeds = app.screen.query_one("#sys-feeds", LiveTable)
        await wait_for(pilot, lambda: feeds.get_row("sim") is not None)
        assert feeds.get_row("sim")[1].text == "healthy"
        assert backend.url in text_of(app, "#sys-backend")
        await wait_for(
            pilot,
            lambda: any("connected to" in line for line in app.screen.query_one("#sys-log").visible_lines),
        )


async def test_alerts_add_edit_and_remove_through_the_ui(backend, client):
    app = make_app(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("f6")
        table = app.screen.query_one("#al-active", LiveTable)
        await pilot.press("a", *"SOL-PERP > 99999", "enter")
        await wait_for(pilot, lambda: table.row_count == 1)
        alerts = (await client.request("alert.list", status="active"))["alerts"]
        assert [(a["market"], a["level"]) for a in alerts] == [("SOL-PERP", "99999")]
        await pilot.press("e")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("ctrl+a", "ctrl+k", *"88888", "enter")
        for _ in range(100):
            alerts = (await client.request("alert.list", status="active"))["alerts"]
            if alerts[0]["level"] == "88888":
                break
            await pilot.pause(0.05)
        assert alerts[0]["level"] == "88888"
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_for(pilot, lambda: table.row_count == 0)
        assert (await client.request("alert.list", status="active"))["alerts"] == []


async def test_risk_screen_shows_the_backends_report_and_trading_state(backend):
    app = make_app(backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        await pilot.press("f5")
        await wait_for(pilot, lambda: "EXPOSURE" in text_of(app, "#risk-report"), what="the report on screen")
        report = text_of(app, "#risk-report")
        assert "risk.report" not in app.hub.unavailable and "loading" not in report
        assert all(f"\n{section}\n" in report for section in ("EXPOSURE", "VAR", "STRESS", "CORRELATION", "PNL"))
        assert "ACTIVE" in text_of(app, "#risk-state")


async def test_risk_screen_says_when_the_backend_has_no_risk_report():
    app = fixed_app()
    del app.client.replies["risk.report"]  # type: ignore[attr-defined]
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.hub.connected and app.hub.markets)
        await pilot.press("f5")
        await wait_for(pilot, lambda: "risk.report" in app.hub.unavailable, what="the report refused")
        await wait_for(
            pilot,
            lambda: "risk.report is not available from this backend" in text_of(app, "#risk-report"),
            what="the refusal on screen",
        )


async def test_system_log_shows_backend_log_records_and_tui_notes():
    app = fixed_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.hub.connected and app.hub.status is not None)
        await pilot.press("f7")
        app.feed._on_backend_log({"ts": 0, "level": "warning", "logger": "backend.oracle", "message": "pyth stale"})
        log = app.screen.query_one("#sys-log")
        await wait_for(pilot, lambda: "[backend.oracle] pyth stale" in log.visible_lines)
        assert any(line.startswith("connected to") for line in log.visible_lines)
        await pilot.press("slash", *"pyth")
        await wait_for(pilot, lambda: log.visible_lines == ["[backend.oracle] pyth stale"])

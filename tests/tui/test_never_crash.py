"""Resizes, layout keys and failing workers never end the app (fixed-data client, Pilot)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import msgspec
from textual.pilot import Pilot
from textual.widgets import Static

from quantdesk_tui.app import QuantDeskApp
from quantdesk_tui.layout import panes_of
from quantdesk_tui.layout_view import LayoutView
from quantdesk_tui.pane import Pane
from tests.tui.fakes import fixed_app
from tests.tui.monkey import run_command
from tests.tui.pilot import wait_for


def shown_panes(app) -> list[str]:
    return sorted(p.id.removeprefix("pane-") for p in app.screen.query(Pane) if p.id)


@asynccontextmanager
async def panes_up(size: tuple[int, int] = (120, 40)) -> AsyncIterator[tuple[QuantDeskApp, Pilot[None]]]:
    """The fixed-data app, once it has its markets and its panes."""
    app = fixed_app()
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.hub.markets and app.screen.query(Pane))
        yield app, pilot


async def focus_pane(pilot, pane: str) -> None:
    target = next(w for w in pilot.app.screen.query_one(f"#pane-{pane}").query("*") if w.focusable)
    target.focus()
    await pilot.pause()


async def test_resizes_keep_exactly_one_layout():
    async with panes_up() as (app, pilot):
        screen = app.screen
        for size in ((80, 24), (120, 40), (80, 24), (200, 60), (120, 40)):
            await pilot.resize_terminal(*size)
            await wait_for(pilot, lambda: not screen.rebuilding)
            assert len(screen.query(LayoutView)) == 1
        assert shown_panes(app) == ["alerts", "blotter", "book", "chart", "ticket", "trades"]


async def test_the_layout_keys_hide_and_add_a_pane():
    async with panes_up() as (app, pilot):
        screen = app.screen
        await focus_pane(pilot, "trades")
        await pilot.press("ctrl+x")  # hide
        assert "trades" not in panes_of(screen.layout_tree) and "trades" not in shown_panes(app)
        await focus_pane(pilot, "chart")
        await pilot.press("ctrl+n")  # the first pane not shown goes below the focused one
        assert shown_panes(app) == ["alerts", "blotter", "book", "chart", "ticket", "trades"]
        assert app.is_running and len(screen.query(LayoutView)) == 1


async def test_the_layout_keys_swap_and_resize_panes():
    async with panes_up() as (app, pilot):
        screen = app.screen
        await focus_pane(pilot, "chart")
        await pilot.press("ctrl+o")  # swap with the next pane of the tree
        order = panes_of(screen.layout_tree)
        assert order.index("blotter") < order.index("chart")
        await focus_pane(pilot, "book")
        await pilot.press("ctrl+up", "ctrl+up", "ctrl+down")
        assert screen.layout_tree.children[1].sizes == [4, 4, 2, 1]  # ticket 4, book 3 + 1, trades 2, alerts 1
        assert app.is_running and len(screen.query(LayoutView)) == 1


async def test_loading_a_layout_and_back_keeps_exactly_one_layout():
    async with panes_up() as (app, pilot):
        screen = app.screen
        await run_command(pilot, "layout load chart")
        await wait_for(pilot, lambda: shown_panes(app) == ["blotter", "chart"], timeout=60)
        await run_command(pilot, "layout load trade")
        await wait_for(pilot, lambda: len(shown_panes(app)) == 6, timeout=60)
        assert app.is_running and len(screen.query(LayoutView)) == 1


async def test_ctrl_z_maximizes_the_focused_pane_and_gives_the_layout_back():
    async with panes_up() as (app, pilot):
        await focus_pane(pilot, "book")
        await pilot.press("ctrl+z")
        assert shown_panes(app) == ["book"] and app.screen.maximized_pane == "book"
        assert app.screen.maximized is None  # Textual's own attribute is left alone
        await pilot.press("ctrl+z")
        assert len(shown_panes(app)) == 6 and app.screen.maximized_pane is None


async def test_a_failed_worker_becomes_a_toast_and_a_log_line_and_the_app_runs_on():
    app = fixed_app()

    async def broken_poll() -> None:
        msgspec.convert({"market": "SOL-PERP", "bids": "oops"}, dict[str, list[int]])

    app.feed.poll_market = broken_poll
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: any("poll failed: ValidationError" in text for _, text in app.hub.log))
        level, text = next((lv, t) for lv, t in app.hub.log if "poll failed" in t)
        assert level == "error" and "Expected `array`, got `str`" in text
        assert any(n.title == "background task failed" for n in app._notifications)
        await pilot.press("f3", "f2")
        assert app.is_running


async def test_below_60x20_a_notice_replaces_the_screen_and_goes_when_it_grows():
    async with panes_up() as (app, pilot):
        await pilot.resize_terminal(59, 20)
        notice = app.screen.query_one("#too-small", Static)
        await wait_for(pilot, lambda: notice.display)
        assert not app.screen.query_one(LayoutView).display
        assert str(notice.render()).startswith("terminal too small: 59x20 (need 60x20)")
        await pilot.press("f3")  # another screen, same notice
        await wait_for(pilot, lambda: app.screen.query_one("#too-small").display)
        await pilot.resize_terminal(60, 20)
        await wait_for(pilot, lambda: not app.screen.query_one("#too-small").display)
        await pilot.press("f2")
        await wait_for(pilot, lambda: app.screen.query_one(LayoutView).display)
        assert not app.screen.query_one("#too-small").display


async def test_f_keys_in_a_burst_over_a_dialog_switch_once_each_and_never_pop_a_screen_away():
    """A monkey seed ended the app with "Can't pop screen": two F-keys handled at once, both closing the
    same dialog, the second popping the new screen's only one."""
    async with panes_up(size=(100, 30)) as (app, pilot):
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        await asyncio.gather(*(app.run_action(f"switch_mode('{mode}')") for mode in ("admin", "system", "system")))
        await pilot.pause()
        assert app.is_running and app.current_mode == "system"
        assert [type(s).__name__ for s in app.screen_stack] == ["SystemScreen"]

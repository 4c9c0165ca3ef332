"""`?` help lists every key under human headings and scrolls; the footer shows the focused pane's keys."""

from __future__ import annotations

from quantdesk_tui.keys import all_bindings
from quantdesk_tui.screens.help import HelpScreen
from tests.tui.fakes import fixed_app
from widgets.help_panel import HelpPanel
from widgets.key_footer import KeyFooter


async def test_help_lists_f_keys_kill_switch_palette_and_colon_under_human_headings() -> None:
    app = fixed_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        panel = app.screen.query_one("#help", HelpPanel)
        lines = panel.lines()
        for line in (
            "F5  Risk",
            "F6  Alerts",
            "F7  System",
            "F8  Admin",
            "Ctrl+K  Kill switch",
            "Ctrl+P  Command palette",
            ":  Command",
            "Ctrl+S  Submit",
            "x  Close position",
        ):
            assert line in lines
        headings = [name for name, _ in panel.groups]
        assert headings[:4] == ["Global", "Command bar", "Trade layout", "Order ticket"]
        assert not any(name.endswith(("Screen", "Table", "App")) or "colon" in name for name in headings)


async def test_help_scrolls_to_its_last_group_at_80x24() -> None:
    app = fixed_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        scroll = app.screen.query_one("#help-scroll")
        assert scroll.max_scroll_y > 0
        await pilot.press("end")
        await pilot.pause()
        assert scroll.scroll_y == scroll.max_scroll_y
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


def test_every_binding_with_an_id_appears_once_and_a_remapped_key_shows_as_remapped() -> None:
    app = fixed_app()
    app.set_keymap({"app.kill": "ctrl+y"})
    rows = [row for _, group in all_bindings(app) for row in group]
    ids = [binding_id for _, _, binding_id in rows if binding_id]
    assert len(ids) == len(set(ids))
    assert ("Ctrl+Y", "Kill switch", "app.kill") in rows


async def test_footer_shows_the_focused_ticket_keys_and_a_click_presses_one() -> None:
    app = fixed_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.screen.query_one("#ticket-size").focus()
        await pilot.pause()
        footer = app.screen.query_one(KeyFooter)
        line = footer.render().plain
        shown = {(key.key_display, key.description): key for key in footer.keys}
        assert {("^s", "Submit"), ("^t", "Buy/Sell")} <= set(shown), shown
        side = shown[("^t", "Buy/Sell")]
        assert line[side.start : side.end] == " ^t Buy/Sell "
        ticket_side = app.screen.query_one("#ticket-side").label  # what ^t toggles
        await pilot.click(footer, offset=(side.start + 1, 0))
        await pilot.pause()
        assert app.screen.query_one("#ticket-side").label != ticket_side

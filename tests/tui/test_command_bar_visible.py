"""The command bar shows what is typed, what completes it and what is wrong; `:` opens it from any
field, Esc leaves a field; its history survives a restart (kept in QUANTDESK_HOME)."""

from __future__ import annotations

from textual.widgets import Button

from quantdesk_tui.command_bar import CommandBar
from quantdesk_tui.command_history import HISTORY_FILE
from quantdesk_tui.pane import Pane
from quantdesk_tui.screens.help import HelpScreen
from tests.tui.monkey import monkey_app, run_command
from tests.tui.pilot import wait_for


async def started(pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.hub.markets and len(app.screen.query(Pane)) == 6)


def visible(widget) -> bool:
    region = widget.region
    return widget.display and region.height >= 1 and region.width >= 10 and region.bottom <= widget.screen.size.height


async def test_typed_text_completions_and_the_error_are_all_on_screen():
    app = monkey_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await pilot.press("colon", *"buy 1 s")
        bar = app.screen.query_one(CommandBar)
        completions = bar.query_one("#command-completions")
        await wait_for(pilot, lambda: visible(bar.input) and visible(completions))
        assert bar.input.value == "buy 1 s"
        assert str(completions.render()) == "Tab: SOL-PERP"
        await pilot.press("tab", *"@ abc", "enter")
        error = bar.query_one("#command-error")
        await wait_for(pilot, lambda: visible(error))
        assert (
            str(error.render())
            == "✗ price must be a number, not 'abc': use the digits 0-9 and at most one '.', such as 1.5"
        )
        assert bar.input.value == "buy 1 SOL-PERP @ abc" and visible(bar.input)


async def test_history_is_kept_in_quantdesk_home_for_the_next_start(quantdesk_home):
    app = monkey_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await run_command(pilot, "tf 5m")
        await run_command(pilot, "eth")
    assert (quantdesk_home / HISTORY_FILE).read_text().splitlines() == ["tf 5m", "eth"]
    again = monkey_app()
    async with again.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await pilot.press("colon", "up", "up")
        bar = again.screen.query_one(CommandBar)
        assert bar.history == ["tf 5m", "eth"] and bar.input.value == "tf 5m"


async def test_colon_in_a_ticket_field_opens_the_bar_and_leaves_the_field_as_it_was():
    app = monkey_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        size = app.screen.query_one("#ticket-size")
        size.focus()
        await pilot.press("1", "colon")
        bar = app.screen.query_one(CommandBar)
        assert size.value == "1" and bar.is_open and app.focused is bar.input
        await pilot.press("escape")  # closing the bar gives the focus back to the field
        assert not bar.is_open and app.focused is size


async def test_escape_leaves_a_ticket_field_for_its_pane_and_keys_work_again():
    app = monkey_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        tp = app.screen.query_one("#ticket-tp")
        tp.focus()
        await pilot.press("escape")
        assert isinstance(app.focused, Button) and app.focused.id == "ticket-side"
        assert app.screen.focused_pane() == "ticket" and tp.value == ""
        await pilot.press("question_mark")  # a key again, not a character in the field
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))

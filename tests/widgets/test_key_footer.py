"""The key footer draws the focused widget's keys on one line and follows the focus, with no child widgets."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Button

from widgets.key_footer import KeyFooter


class Left(Button):
    BINDINGS = [
        Binding("x", "press", "Press"),
        Binding("y", "press", "Same action"),
        Binding("z", "nothing", "Quiet", show=False),
    ]


class Right(Button):
    BINDINGS = [Binding("ctrl+s", "press", "Submit")]


class FooterApp(App[None]):
    ENABLE_COMMAND_PALETTE = False

    def compose(self) -> ComposeResult:
        yield Left("a", id="a")
        yield Right("b", id="b")
        yield KeyFooter()


async def test_the_line_shows_one_key_per_action_and_follows_the_focus():
    app = FooterApp()
    async with app.run_test(size=(60, 6)) as pilot:
        footer = app.query_one(KeyFooter)
        app.query_one("#a").focus()
        await pilot.pause()
        assert footer.render().plain == " x Press "  # y shares x's action; z is not shown
        for n in range(10):
            app.query_one("#b" if n % 2 == 0 else "#a").focus()
            await pilot.pause()
        assert footer.render().plain == " x Press "
        app.query_one("#b").focus()
        await pilot.pause()
        assert footer.render().plain == " ^s Submit "
        assert [(k.key, k.start, k.end) for k in footer.keys] == [("ctrl+s", 0, 11)]
        assert list(footer.children) == []

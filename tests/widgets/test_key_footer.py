"""The key footer keeps one `compact` watcher per key it shows, however often the focus moves."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Button, Footer

from widgets.key_footer import KeyFooter


class Keyed(Button):
    BINDINGS = [Binding("x", "press", "Press"), Binding("y", "press", "Again")]


def footer_app(footer_type: type[Footer]) -> App[None]:
    class FooterApp(App[None]):
        def compose(self) -> ComposeResult:
            yield Keyed("a", id="a")
            yield Keyed("b", id="b")
            yield footer_type()

    return FooterApp()


async def watchers_after_focus_moves(footer_type: type[Footer], moves: int) -> tuple[int, int]:
    """(compact watchers on the footer, keys it shows) after `moves` focus moves."""
    app = footer_app(footer_type)
    async with app.run_test(size=(80, 10)) as pilot:
        for n in range(moves):
            app.query_one("#a" if n % 2 else "#b").focus()
            await pilot.pause()  # the footer rebuilds its keys after the bindings changed
            await pilot.pause()
        footer = app.query_one(Footer)
        return len(getattr(footer, "__watchers")["compact"]), len(footer.query("FooterKey"))


async def test_textuals_footer_keeps_a_watcher_for_every_key_it_ever_showed():
    watchers, keys = await watchers_after_focus_moves(Footer, 10)
    assert watchers > 10 * keys  # the leak KeyFooter exists for; if Textual fixes it, KeyFooter can go


async def test_key_footer_keeps_one_watcher_per_key_on_screen():
    watchers, keys = await watchers_after_focus_moves(KeyFooter, 10)
    assert (watchers, keys) == (2, 2)  # x and y

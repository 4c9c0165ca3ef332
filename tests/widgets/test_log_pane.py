"""LogPane: bounded lines, search filter with highlight, pause holds new lines."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static

from themes import register_themes
from widgets.log_pane import LogPane


class LogApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        register_themes(self)
        self.log_pane = LogPane(max_lines=5)

    def compose(self) -> ComposeResult:
        yield self.log_pane

    def on_mount(self) -> None:
        self.log_pane.view.focus()


def _state(app: LogApp) -> str:
    return str(app.log_pane.query_one("#log-state", Static).render())


async def test_keeps_only_the_newest_max_lines() -> None:
    app = LogApp()
    async with app.run_test(size=(60, 12)) as pilot:
        for i in range(8):
            app.log_pane.write(f"line {i}")
        await pilot.pause()
        assert app.log_pane.visible_lines == [f"line {i}" for i in range(3, 8)]


async def test_slash_searches_case_insensitively_and_escape_clears() -> None:
    app = LogApp()
    async with app.run_test(size=(60, 12)) as pilot:
        app.log_pane.write("feed pyth healthy")
        app.log_pane.write("order 7 FILLED", "info")
        app.log_pane.write("feed coingecko degraded", "warning")
        await pilot.press("slash", "f", "e", "e", "d")
        await pilot.pause()
        assert app.log_pane.visible_lines == ["feed pyth healthy", "feed coingecko degraded"]
        assert _state(app) == "3 lines │ 2 match 'feed'"
        await pilot.press("escape")
        await pilot.pause()
        assert len(app.log_pane.visible_lines) == 3


async def test_p_pauses_and_resume_appends_held_lines() -> None:
    app = LogApp()
    async with app.run_test(size=(60, 12)) as pilot:
        app.log_pane.write("a")
        await pilot.press("p")
        app.log_pane.write("b")
        app.log_pane.write("c")
        await pilot.pause()
        assert app.log_pane.visible_lines == ["a"]
        assert _state(app) == "1 lines │ PAUSED (2 new) — p to resume"
        await pilot.press("p")
        await pilot.pause()
        assert app.log_pane.visible_lines == ["a", "b", "c"]

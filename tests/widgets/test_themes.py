"""Themes: every theme registers, defines up/down/warn, and widgets follow a theme switch."""

from __future__ import annotations

from textual.app import App, ComposeResult

from themes import THEMES, VARIABLE_DEFAULTS, register_themes
from widgets.live_table import Column, LiveTable

UP_DOWN = {
    "quantdesk-dark": ("#22c55e", "#ef4444"),
    "quantdesk-light": ("#15803d", "#b91c1c"),
    "quantdesk-high-contrast": ("#00ff00", "#ff3030"),
    "quantdesk-colorblind": ("#3b82f6", "#f97316"),
}


class TableApp(App[None]):
    def __init__(self, activate: str | None = "quantdesk-dark") -> None:
        super().__init__()
        register_themes(self, activate=activate)
        self.table = LiveTable([Column("v", "V", 6, tone=lambda v: "up" if v > 0 else "down")])

    def compose(self) -> ComposeResult:
        yield self.table


def test_every_theme_defines_the_semantic_variables() -> None:
    assert set(THEMES) == set(UP_DOWN)
    for name, theme in THEMES.items():
        assert set(VARIABLE_DEFAULTS) <= set(theme.variables), name
        assert (theme.variables["up"], theme.variables["down"]) == UP_DOWN[name]
    assert THEMES["quantdesk-dark"].background == "#0a0a0a"
    assert THEMES["quantdesk-dark"].surface == "#1a1a1a"
    assert THEMES["quantdesk-dark"].primary == "#3b82f6"


def _colour(app: TableApp, y: int) -> str:
    segment = next(s for s in app.table.render_line(y) if s.text.strip())
    return segment.style.color.name


async def test_widgets_recolour_when_the_theme_changes() -> None:
    app = TableApp()
    async with app.run_test(size=(30, 6)) as pilot:
        app.table.upsert("a", (1,))
        app.table.upsert("b", (-1,))
        await pilot.pause()
        for name, (up, down) in UP_DOWN.items():
            app.theme = name
            await pilot.pause()
            assert (_colour(app, 1), _colour(app, 2)) == (up, down), name


async def test_widget_css_parses_under_a_builtin_theme() -> None:
    app = TableApp(activate=None)
    async with app.run_test(size=(30, 6)) as pilot:
        app.table.upsert("a", (1,))
        await pilot.pause()
        assert app.theme == "textual-dark"
        assert _colour(app, 1) == VARIABLE_DEFAULTS["up"]


def test_only_quantdesk_themes_are_offered_once_one_is_active() -> None:
    app = TableApp()
    assert set(app.available_themes) == set(THEMES)  # the palette's theme list shows these four


async def test_light_theme_status_clock_is_dark_grey_not_white() -> None:
    from widgets.status_bar import StatusBar

    class StatusApp(App[None]):
        def compose(self) -> ComposeResult:
            register_themes(self, activate="quantdesk-light")
            yield StatusBar()

    app = StatusApp()
    async with app.run_test(size=(80, 2)) as pilot:
        await pilot.pause()
        dim = app.query_one(StatusBar).get_component_rich_style("status-bar--dim", partial=True)
        assert str(dim.color.name) == "#5f5f5f"

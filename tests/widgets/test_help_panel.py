"""HelpPanel lists the focused pane's keys from its bindings, nearest pane first."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tests.widgets.fixtures import MARKETS, QUOTES
from themes import register_themes
from widgets.help_panel import HelpPanel
from widgets.watchlist import Watchlist


class HelpApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        register_themes(self)

    def compose(self) -> ComposeResult:
        yield Watchlist(id="wl")
        yield HelpPanel(id="help")

    def on_mount(self) -> None:
        watchlist = self.query_one(Watchlist)
        watchlist.set_markets(MARKETS)
        watchlist.update_quote(QUOTES[0])
        watchlist.table.focus()


async def test_help_lists_table_then_watchlist_keys_with_ids() -> None:
    app = HelpApp()
    async with app.run_test(size=(100, 40)) as pilot:
        panel = app.query_one(HelpPanel)
        panel.show_for(app.focused)
        await pilot.pause()
        names = [name for name, _ in panel.groups]
        assert names == [
            "Any table",
            "Editing and scrolling",
            "Markets watchlist",
        ]  # headings from binding ids, not class names
        lines = panel.lines()
        assert "↑ k  Up" in lines
        assert "s  Sort" in lines
        assert "S  Reverse sort" in lines
        assert "/  Filter" in lines
        ids = {binding_id for _, rows in panel.groups for _, _, binding_id in rows}
        assert {"table.cycle_sort", "watchlist.filter", "watchlist.next_group"} <= ids

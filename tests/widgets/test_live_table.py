"""LiveTable: keyboard navigation, sorting, filtering, flashes, throttled repaints."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.pilot import Pilot

from tests.tui.pilot import wait_for
from themes import register_themes
from widgets.live_table import Cell, Column, LiveTable

COLUMNS = [
    Column("sym", "Symbol", 10),
    Column("px", "Price", 10, "right", formatter=lambda v: f"{v:.2f}", flash=True),
    Column("qty", "Qty", 6, "right"),
]


class TableApp(App[None]):
    def __init__(self, table: LiveTable | None = None) -> None:
        super().__init__()
        register_themes(self)
        self.table = table or LiveTable(COLUMNS, id="t")
        self.highlighted: list[object] = []
        self.selected: list[object] = []

    def compose(self) -> ComposeResult:
        yield self.table

    def on_live_table_row_highlighted(self, message: LiveTable.RowHighlighted) -> None:
        self.highlighted.append(message.row_key)

    def on_live_table_row_selected(self, message: LiveTable.RowSelected) -> None:
        self.selected.append(message.row_key)


def _fill(table: LiveTable) -> None:
    table.upsert("SOL", ("SOL-PERP", 142.5, 3))
    table.upsert("BTC", ("BTC-PERP", 67000.0, 1))
    table.upsert("ETH", ("ETH-PERP", 3500.0, 2))


def _line(table: LiveTable, y: int) -> str:
    return table.render_line(y).text


async def test_rows_render_with_header_and_alignment() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 8)) as pilot:
        _fill(app.table)
        await pilot.pause()
        assert _line(app.table, 0).startswith("Symbol          Price    Qty")
        assert _line(app.table, 1).startswith("SOL-PERP       142.50      3")
        assert _line(app.table, 2).startswith("BTC-PERP     67000.00      1")


async def test_cursor_moves_with_arrows_jk_home_end_and_enter_selects() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 8)) as pilot:
        _fill(app.table)
        app.table.focus()
        await pilot.pause()
        assert app.table.cursor_key == "SOL"
        for key, row in (
            ("down", "BTC"),
            ("j", "ETH"),
            ("k", "BTC"),
            ("end", "ETH"),
            ("home", "SOL"),
            ("pagedown", "ETH"),
        ):
            await pilot.press(key)
            assert app.table.cursor_key == row, key
        await pilot.press("pageup", "enter")
        await pilot.pause()
        assert app.selected == ["SOL"]
        assert app.highlighted[-1] == "SOL"
        assert "BTC" in app.highlighted


async def test_s_cycles_sort_column_and_shift_s_reverses() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 8)) as pilot:
        _fill(app.table)
        app.table.focus()
        await pilot.press("s")
        assert app.table.sort_column == "sym"
        assert app.table.row_keys == ["BTC", "ETH", "SOL"]
        await pilot.press("s")
        assert app.table.sort_column == "px"
        assert app.table.row_keys == ["SOL", "ETH", "BTC"]
        await pilot.press("S")
        assert app.table.sort_reverse
        assert app.table.row_keys == ["BTC", "ETH", "SOL"]
        assert _line(app.table, 0).startswith("Symbol         Price▼    Qty")
        await pilot.press("s", "s")
        assert app.table.sort_column is None
        assert app.table.row_keys == ["SOL", "BTC", "ETH"]


async def test_sorted_rows_resort_when_the_sort_value_changes_and_cursor_follows_key() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 8)) as pilot:
        _fill(app.table)
        app.table.sort_by("px")
        app.table.move_cursor("SOL")
        app.table.upsert("SOL", ("SOL-PERP", 99999.0, 3))
        await pilot.pause(0.1)
        assert app.table.row_keys == ["ETH", "BTC", "SOL"]
        assert app.table.cursor_key == "SOL"
        assert app.table.cursor_row == 2


async def test_filter_remove_and_update_rows() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 8)) as pilot:
        _fill(app.table)
        app.table.set_filter(lambda key, row: "T" in row[0])
        assert app.table.row_keys == ["BTC", "ETH"]
        app.table.set_filter(None)
        app.table.remove_row("BTC")
        assert app.table.row_keys == ["SOL", "ETH"]
        app.table.update_rows({"ETH": ("ETH-PERP", 1.0, 1), "XRP": ("XRP-PERP", 0.5, 9)})
        await pilot.pause()
        assert app.table.row_keys == ["ETH", "XRP"]
        assert app.table.get_row("ETH") == ("ETH-PERP", 1.0, 1)


async def test_empty_table_says_so() -> None:
    app = TableApp(LiveTable(COLUMNS, empty_text="no positions"))
    async with app.run_test(size=(40, 8)) as pilot:
        await pilot.pause()
        assert _line(app.table, 1).strip() == "no positions"


def _flash_background(table: LiveTable, y: int, text: str) -> str | None:
    for segment in table.render_line(y):
        if text in segment.text:
            return segment.style.bgcolor.name if segment.style and segment.style.bgcolor else None
    raise AssertionError(f"{text!r} not on line {y}")


async def _rise_and_fall(table: LiveTable, pilot: Pilot[None]) -> tuple[str | None, str | None]:
    """SOL's price rises and BTC's falls: the background each price cell flashes."""
    _fill(table)
    await pilot.pause()
    table.upsert("SOL", ("SOL-PERP", 143.0, 3))
    table.upsert("BTC", ("BTC-PERP", 66000.0, 1))
    await pilot.pause()
    return _flash_background(table, 1, "143.00"), _flash_background(table, 2, "66000.00")


async def test_price_rise_flashes_up_colour_and_fall_flashes_down_then_clears() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 8)) as pilot:
        LiveTable.FLASH_SECONDS = 0.2
        try:
            assert await _rise_and_fall(app.table, pilot) == ("#14532d", "#7f1d1d")
            await wait_for(  # the flashes' timer, however late a loaded machine runs it
                pilot,
                lambda: _flash_background(app.table, 1, "143.00") != "#14532d"
                and _flash_background(app.table, 2, "66000.00") != "#7f1d1d",
                timeout=5.0,
                what="both flashes to clear",
            )
        finally:
            LiveTable.FLASH_SECONDS = 0.5


async def test_colourblind_theme_flashes_blue_and_orange() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 8)) as pilot:
        app.theme = "quantdesk-colorblind"
        assert await _rise_and_fall(app.table, pilot) == ("#1e3a8a", "#7c2d12")


async def test_cell_values_carry_their_own_text_and_tone() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 8)) as pilot:
        app.table.upsert("A", (Cell("z", "custom", "up"), 1.0, 1))
        await pilot.pause()
        segment = next(s for s in app.table.render_line(1) if "custom" in s.text)
        assert segment.style.color.name == "#22c55e"


async def test_thousands_of_upserts_coalesce_into_few_repaints() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 30)) as pilot:
        table = app.table
        for i in range(50):
            table.upsert(i, (f"M{i}", float(i), i))
        await pilot.pause(0.1)
        before = table.repaints
        for n in range(5000):
            i = n % 50
            table.upsert(i, (f"M{i}", float(i) + n / 100, i))
        await pilot.pause(0.2)
        assert table.repaints - before <= 3
        assert table.get_row(49) == ("M49", 49 + 4999 / 100, 49)


async def test_mouse_header_click_sorts_and_row_clicks_move_and_select() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 8)) as pilot:
        _fill(app.table)
        await pilot.pause()
        await pilot.click(app.table, offset=(15, 0))
        assert (app.table.sort_column, app.table.sort_reverse) == ("px", False)
        await pilot.click(app.table, offset=(15, 0))
        assert (app.table.sort_column, app.table.sort_reverse) == ("px", True)
        await pilot.click(app.table, offset=(2, 2))
        assert app.table.cursor_key == "ETH"
        await pilot.click(app.table, offset=(2, 3), times=2)
        await pilot.pause()
        assert app.selected == ["SOL"]


async def test_rows_still_flash_while_a_filter_is_active() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 8)) as pilot:
        _fill(app.table)
        app.table.set_filter(lambda key, row: key != "ETH")
        await pilot.pause()
        app.table.upsert("BTC", ("BTC-PERP", 68000.0, 1))
        await pilot.pause()
        assert _flash_background(app.table, 2, "68000.00") == "#14532d"

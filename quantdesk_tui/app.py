"""The QuantDesk Textual app: the backend connection, the shared Hub, screens (modes) and frames."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import msgspec
from textual import work
from textual.app import App
from textual.binding import Binding

from backend.api.protocol import ApiError, MarketInfo, Quote, Status
from backend.client import BackendClient
from backend.home import home_dir
from quantdesk_tui.command_bar import CommandBar
from quantdesk_tui.config import THEME_ALIASES, Config, load_config
from quantdesk_tui.grammar import Command
from quantdesk_tui.hub import Hub
from quantdesk_tui.screens.markets import MarketsScreen
from themes import register_themes

FRAME_HZ = 30


class QuantDeskApp(App[int]):
    TITLE = "QuantDesk"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("colon", "command_bar", "Command", id="app.command"),
        Binding("m", "switch_mode('markets')", "Markets", id="app.markets"),
    ]
    MODES = {"markets": MarketsScreen}

    def __init__(self, client: BackendClient, layout: str | None = None, *, config: Config | None = None,
                 clock: Callable[[], float] = time.time,
                 status_clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        super().__init__()
        self.client = client
        self.layout_name = layout
        self.config = config or load_config(home_dir())
        self.clock = clock
        self.status_clock = status_clock
        self.hub = Hub(groups=dict(self.config.groups))
        self.frames = 0
        client.on_state = self._on_connection_state

    def on_mount(self) -> None:
        register_themes(self, activate=self.config.theme)
        if self.config.keymap:
            self.set_keymap(self.config.keymap)
        self.switch_mode("markets")
        for warning in self.config.warnings:
            self.notify(warning, title="config.toml", severity="warning", timeout=10)
        self._connection()
        self.set_interval(1 / FRAME_HZ, self._frame)
        self.set_interval(2.0, self._ping)

    # -- backend ------------------------------------------------------------------------------
    @work(exclusive=True, group="connection")
    async def _connection(self) -> None:
        await self.client.subscribe("prices", self._on_price)
        await self.client.run_reconnecting()

    def _on_price(self, stream: str, quote: Quote) -> None:
        self.hub.on_quote(quote)

    def _on_connection_state(self, connected: bool, note: str) -> None:
        hub = self.hub
        was = hub.connected
        hub.connected, hub.connection_note = connected, note
        hub.mark("connection")
        if connected:
            self._load_reference_data()
        elif was:
            self.notify(f"{note}; reconnecting…", title="backend", severity="warning")

    @work(exclusive=True, group="reference")
    async def _load_reference_data(self) -> None:
        try:
            markets = (await self.client.request("markets.list"))["markets"]
            status = await self.client.request("status")
        except ApiError as exc:
            self.notify(exc.message, title=exc.code, severity="error")
            return
        self.hub.markets = msgspec.convert(markets, list[MarketInfo])
        self.hub.status = msgspec.convert(status, Status)
        self.hub.mark("markets")
        self.hub.mark("status")

    @work(exclusive=True, group="ping")
    async def _ping(self) -> None:
        if not self.hub.connected:
            return
        try:
            started = time.perf_counter()
            status = await self.client.request("status")
            self.hub.rtt_ms = (time.perf_counter() - started) * 1000.0
        except ApiError:
            return
        self.hub.status = msgspec.convert(status, Status)
        self.hub.mark("status")

    async def request(self, op: str, **args: Any) -> Any:
        """A request from a screen; errors are shown as a toast and re-raised."""
        try:
            return await self.client.request(op, **args)
        except ApiError as exc:
            self.notify(exc.message, title=exc.code, severity="error")
            raise

    # -- frames -------------------------------------------------------------------------------
    def _frame(self) -> None:
        quotes, other = self.hub.take_dirty()
        refresh = getattr(self.screen, "refresh_data", None)
        if refresh is not None:
            refresh(self.hub, quotes, other)
        self.frames += 1

    # -- actions ------------------------------------------------------------------------------
    def focus_market(self, market: str) -> None:
        self.hub.market = market
        self.hub.mark("market")

    def action_command_bar(self) -> None:
        self.screen.query_one(CommandBar).open()

    def on_command_bar_submitted(self, event: CommandBar.Submitted) -> None:
        self.run_command(event.command)

    def run_command(self, command: Command) -> None:
        if command.kind == "focus":
            self.focus_market(command.args["market"])
        elif command.kind == "theme":
            name = THEME_ALIASES.get(command.args["name"], command.args["name"])
            if name in self.available_themes:
                self.theme = name
            else:
                self.notify(f"unknown theme {command.args['name']!r}", severity="error")
        elif command.kind == "screen":
            if command.args["name"] in self.MODES:
                self.switch_mode(command.args["name"])
        else:
            self.notify(f"`{command.kind}` is not available yet", severity="warning")

    async def action_quit(self) -> None:
        await self.client.close()
        self.exit(0)

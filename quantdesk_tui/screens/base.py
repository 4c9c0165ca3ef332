"""What every workstation screen shares: the status bar on top, the command bar and key footer below,
the frame hook."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from quantdesk_tui.command_bar import CommandBar
from quantdesk_tui.hub import Hub
from widgets.status_bar import StatusBar


class WorkspaceScreen(Screen[None]):
    def compose(self) -> ComposeResult:
        yield StatusBar(id="status", clock=self.app.status_clock)  # type: ignore[attr-defined]
        yield from self.compose_body()
        yield CommandBar(lambda: [m.symbol for m in self.app.hub.markets], id="command-bar")  # type: ignore[attr-defined]
        yield Footer(id="footer")  # the focused pane's keys; `?` lists them all

    def compose_body(self) -> ComposeResult:
        raise NotImplementedError

    _ready = False

    def on_mount(self) -> None:
        self._ready = True  # Textual runs every class's on_mount along the MRO; subclasses add theirs

    def refresh_data(self, hub: Hub, quotes: set[str], other: set[str]) -> None:
        """Called once per frame with what changed since the last one."""
        bars = self.query(StatusBar)
        if not self._ready or not bars:  # not composed yet (or being torn down): keep the changes
            hub.dirty_quotes |= quotes
            hub.dirty |= other
            return
        if other & {"connection", "status", "trading_state"} or not self._status_primed:
            self._status_primed = True
            bar = bars.first()
            bar.set_state(connection="connected" if hub.connected else "reconnecting",
                          message="" if hub.connected else hub.connection_note, latency_ms=hub.rtt_ms,
                          trading_state=hub.trading_state)
            if hub.status is not None:
                bar.set_status(hub.status)
        if "account" in other or not self._account_primed:
            self._account_primed = True
            bars.first().set_account(hub.accounts.get(hub.sub_account))
        self.refresh_body(hub, quotes, other)

    _status_primed = False
    _account_primed = False

    def refresh_body(self, hub: Hub, quotes: set[str], other: set[str]) -> None:
        pass

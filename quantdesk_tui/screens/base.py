"""What every workstation screen shares: the status bar on top, the command bar and key footer below,
and the repaint from the Hub when it shows."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from quantdesk_tui import heap
from quantdesk_tui.desk_app import desk_app
from quantdesk_tui.command_bar import CommandBar
from quantdesk_tui.changes import (
    AccountChanged,
    ConnectionChanged,
    FocusedMarketChanged,
    QuoteChanged,
    StatusChanged,
    TradingStateChanged,
    every_change,
)
from quantdesk_tui.hub import Hub
from quantdesk_tui.layout import MIN_HEIGHT, MIN_WIDTH
from widgets.format import market_decimals
from widgets.key_footer import KeyFooter
from widgets.static_text import set_static
from widgets.status_bar import StatusBar


def too_small_text(width: int, height: int) -> str:
    return f"terminal too small: {width}x{height} (need {MIN_WIDTH}x{MIN_HEIGHT})\nmake the window larger"


class WorkspaceScreen(Screen[None]):
    # below MIN_WIDTH x MIN_HEIGHT every part of the screen is hidden behind one notice
    HORIZONTAL_BREAKPOINTS = [(0, "-too-narrow"), (MIN_WIDTH, "-wide-enough")]
    VERTICAL_BREAKPOINTS = [(0, "-too-short"), (MIN_HEIGHT, "-tall-enough")]
    DEFAULT_CSS = """
    WorkspaceScreen > #too-small { display: none; width: 1fr; height: 1fr; content-align: center middle;
                                   text-align: center; color: $warning; text-style: bold; }
    WorkspaceScreen.-too-narrow > *, WorkspaceScreen.-too-short > * { display: none; }
    WorkspaceScreen.-too-narrow > #too-small, WorkspaceScreen.-too-short > #too-small { display: block; }
    """

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status", clock=desk_app(self.app).status_clock)
        yield from self.compose_body()
        yield KeyFooter(id="footer")  # the focused pane's keys; docked before the command bar, which opens above it
        yield CommandBar(
            lambda: [m.symbol for m in desk_app(self.app).hub.markets],
            desk_app(self.app).command_history,
            id="command-bar",
        )
        yield Static(too_small_text(*self.app.size), id="too-small", markup=False)

    def on_resize(self, event: Resize) -> None:
        set_static(self.query_one("#too-small", Static), too_small_text(*event.size))

    def compose_body(self) -> ComposeResult:
        raise NotImplementedError

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A screen's worker failed: the app's one handler reports it (the message does not bubble)."""
        if event.state == WorkerState.ERROR:
            self.app.post_message(Worker.StateChanged(event.worker, event.state))

    _ready = False
    _status_bar: StatusBar | None = None  # found once: a query per change costs more than the change's work

    @property
    def hub(self) -> Hub:
        return desk_app(self.app).hub

    def on_mount(self) -> None:
        self._status_bar = self.query_one(StatusBar)
        self._ready = True  # Textual runs every class's on_mount along the MRO; subclasses add theirs
        self._show_connection_state()  # the status bar (the live price) is on the first frame: not a message later
        self.repaint_all()
        if desk_app(self.app).deferred_bodies is None:  # else the app settles once the deferred bodies are in
            self.call_after_refresh(heap.settle)  # the screen lives as long as the app: out of full collections

    def on_screen_resume(self) -> None:
        """Back on screen: the changes told while away went to another screen, so repaint all."""
        if self._ready:  # the first showing paints itself in on_mount
            self.repaint_all()

    def repaint_all(self) -> None:
        """Paint every part of the screen from the Hub as it is: every change, told to this screen."""
        for change in every_change(self.hub.quotes):
            self.post_message(change)

    def _live_status_bar(self) -> StatusBar | None:
        bar = self._status_bar
        return bar if bar is not None and bar.is_attached else None

    def _show_connection_state(self) -> None:
        bar, hub = self._live_status_bar(), self.hub
        if bar is None:
            return
        bar.set_state(
            connection="connected" if hub.connected else "reconnecting",
            message="" if hub.connected else hub.connection_note,
            latency_ms=hub.rtt_ms,
            trading_state=hub.trading_state,
            market=hub.market,
        )
        if hub.status is not None:
            bar.set_status(hub.status)
        self._show_price(bar)

    def _show_price(self, bar: StatusBar) -> None:
        info = self.hub.market_info
        bar.set_quote(self.hub.quotes.get(self.hub.market), market_decimals(info)[0] if info is not None else None)

    def on_connection_changed(self, _change: ConnectionChanged) -> None:
        self._show_connection_state()

    def on_status_changed(self, _change: StatusChanged) -> None:
        self._show_connection_state()

    def on_trading_state_changed(self, _change: TradingStateChanged) -> None:
        self._show_connection_state()

    def on_focused_market_changed(self, _change: FocusedMarketChanged) -> None:
        self._show_connection_state()

    def on_account_changed(self, _change: AccountChanged) -> None:
        bar = self._live_status_bar()
        if bar is not None:
            bar.set_account(self.hub.accounts.get(self.hub.sub_account))

    def on_quote_changed(self, change: QuoteChanged) -> None:
        if self.hub.market in change.quotes and (bar := self._live_status_bar()) is not None:
            self._show_price(bar)
        desk_app(self.app).quotes_shown(change.quotes.values())

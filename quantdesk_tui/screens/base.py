"""What every workstation screen shares: the status bar on top, the command bar and key footer below,
the frame hook."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from quantdesk_tui.command_bar import CommandBar
from quantdesk_tui.hub import ALL_CHANGES, Hub
from quantdesk_tui.layout import MIN_HEIGHT, MIN_WIDTH
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
        yield StatusBar(id="status", clock=self.app.status_clock)  # type: ignore[attr-defined]
        yield from self.compose_body()
        yield KeyFooter(id="footer")  # the focused pane's keys; docked before the command bar, which opens above it
        yield CommandBar(
            lambda: [m.symbol for m in self.app.hub.markets],  # type: ignore[attr-defined]
            self.app.command_history,
            id="command-bar",
        )  # type: ignore[attr-defined]
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
    _status_bar: StatusBar | None = None  # found once: a query per frame costs more than the frame's work

    def on_mount(self) -> None:
        self._status_bar = self.query_one(StatusBar)
        self._ready = True  # Textual runs every class's on_mount along the MRO; subclasses add theirs

    def on_screen_resume(self) -> None:
        """Back on screen: the frames painted while away went to another screen, so repaint all."""
        if self._ready:  # the first showing primes itself in on_mount
            hub: Hub = self.app.hub  # type: ignore[attr-defined]
            self._status_primed = False
            self.refresh_data(hub, set(hub.quotes), set(ALL_CHANGES))

    def refresh_data(self, hub: Hub, quotes: set[str], other: set[str]) -> None:
        """Called once per frame with what changed since the last one."""
        bar = self._status_bar
        if not self._ready or bar is None or not bar.is_attached:  # not composed yet (or torn down): keep them
            hub.dirty_quotes |= quotes
            hub.dirty |= other
            return
        if other & {"connection", "status", "trading_state", "market"} or not self._status_primed:
            self._status_primed = True
            bar.set_state(
                connection="connected" if hub.connected else "reconnecting",
                message="" if hub.connected else hub.connection_note,
                latency_ms=hub.rtt_ms,
                trading_state=hub.trading_state,
                market=hub.market,
            )
            if hub.status is not None:
                bar.set_status(hub.status)
        if "account" in other or not self._account_primed:
            self._account_primed = True
            bar.set_account(hub.accounts.get(hub.sub_account))
        self.refresh_body(hub, quotes, other)

    _status_primed = False
    _account_primed = False

    def refresh_body(self, hub: Hub, quotes: set[str], other: set[str]) -> None:
        pass

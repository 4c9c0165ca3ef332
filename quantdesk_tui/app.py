"""The QuantDesk Textual app: the backend connection, the shared Hub, screens (modes) and frames."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import msgspec
from rich.console import RenderableType
from textual import on, work
from textual.app import App, ScreenStackError
from textual.binding import Binding
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Input
from textual.theme import ThemeProvider
from textual.worker import Worker, WorkerState

from backend.api.protocol import ApiError, Quote, Status
from backend.client import BackendClient, home_dir
from quantdesk_tui.changes import ConnectionChanged, FocusedMarketChanged, OrdersChanged, PreviewChanged, StatusChanged
from quantdesk_tui.command_bar import CommandBar
from quantdesk_tui.command_history import CommandHistory
from quantdesk_tui.config import THEME_ALIASES, THEMES, Config, config_path, load_config, save_config
from quantdesk_tui.deferred_body import DeferredBody
from quantdesk_tui.feed import BackendFeed
from quantdesk_tui.first_snapshot import FirstSnapshot
from quantdesk_tui.grammar import Command
from quantdesk_tui import heap
from quantdesk_tui.hub import Hub
from quantdesk_tui.notices import FillNotice, Notice
from quantdesk_tui.layout import BUILTIN_LAYOUTS
from quantdesk_tui.palette import QuantDeskCommands, SafeCommandPalette
from quantdesk_tui.session import LINK_OFF, load_session, save_session
from quantdesk_tui.pane import Pane
from quantdesk_tui.screens import lazy_screen
from quantdesk_tui.screens.box import Box
from quantdesk_tui.screens.trade import TradeScreen
from themes import register_themes

if TYPE_CHECKING:
    from quantdesk_tui.trading import TradingActions

REPEAT_TOAST_S = 30.0  # the same worker failure is toasted at most this often (logged every time)
PRICE_FIRST_S = 0.3  # after the first paint, the panes wait this long at most for the first snapshot's price
log = logging.getLogger(__name__)


VIM_KEYMAP = {"app.focus_next": "tab,ctrl+l", "app.focus_previous": "shift+tab,ctrl+h"}  # vim_keys (tables take j/k)


class QuantDeskApp(App[int]):
    TITLE = "QuantDesk"
    COMMANDS = App.COMMANDS | {QuantDeskCommands}
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        # priority: `:` opens the command bar even from a ticket field (it is never part of a number)
        Binding("colon", "command_bar", "Command", id="app.command", priority=True),
        Binding("escape", "leave_input", "Leave field", show=False, id="app.leave_input"),
        Binding("question_mark", "help", "Keys", id="app.help"),
        Binding("f2", "switch_mode('trade')", "Trade", id="app.trade"),
        Binding("f3", "switch_mode('markets')", "Markets", id="app.markets"),
        Binding("f4", "switch_mode('portfolio')", "Portfolio", id="app.portfolio"),
        Binding("f5", "switch_mode('risk')", "Risk", id="app.risk"),
        Binding("f6", "switch_mode('alerts')", "Alerts", id="app.alerts"),
        Binding("f7", "switch_mode('system')", "System", id="app.system"),
        Binding("f8", "switch_mode('admin')", "Admin", id="app.admin"),
        Binding("f9", "switch_mode('desk')", "Desk", id="app.desk"),
        Binding("ctrl+k", "kill_switch", "Kill switch", id="app.kill"),
        Binding("tab", "focus_next", "Next pane", show=False, id="app.focus_next"),
        Binding("shift+tab", "focus_previous", "Previous pane", show=False, id="app.focus_previous"),
    ]
    # the Trade screen is the first frame as the default mode's screen (Textual re-parses every rule for a
    # MODES mode's first screen, not the default one's) and joins the modes once up; the others load when opened
    DEFAULT_MODE = "trade"
    MODES = {
        "markets": lazy_screen("markets", "MarketsScreen"),
        "portfolio": lazy_screen("portfolio", "PortfolioScreen"),
        "risk": lazy_screen("risk", "RiskScreen"),
        "alerts": lazy_screen("alerts", "AlertsScreen"),
        "system": lazy_screen("system", "SystemScreen"),
        "admin": lazy_screen("admin", "AdminScreen"),
        "desk": lazy_screen("desk", "DeskScreen"),
    }
    SCREEN_NAMES = ("trade", *MODES)

    first_snapshot: FirstSnapshot | None = None  # the first screen's data, fetched while Textual starts

    def __init__(
        self,
        client: BackendClient,
        layout: str | None = None,
        *,
        config: Config | None = None,
        clock: Callable[[], float] = time.time,
        status_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        link_group: str | None = "A",
    ) -> None:
        super().__init__()
        self.client = client
        self.home = home_dir()
        self.config = config or load_config(self.home)
        if self.config.path is None:  # settings given in code (tests, benchmarks) are saved to this home
            self.config.path = config_path(self.home)
        self.session = load_session(self.home)
        self.layout_name = layout or self.config.default_layout
        # the layout as it was left, unless a layout was asked for by name
        self.layout_tree_data: Any = self.session.layout if layout is None else None
        self.clock = clock
        self.status_clock = status_clock
        self.link_group = link_group
        self.hub = Hub(
            groups=dict(self.config.groups),
            market=self.session.market or Hub.market,
            timeframe=self.session.timeframe or Hub.timeframe,
            indicators=set(self.session.indicators),
        )
        self.exit_note = ""  # the line printed after the app ends (see quit_note)
        self.hub.post = self.deliver
        self.feed = BackendFeed(client, self.hub)
        self._trading: TradingActions | None = None
        self.preview: dict[str, Any] = {}
        self.command_history = CommandHistory.in_home(self.home)
        # widgets of the first screen waiting for its first paint (deferred_body.py); `quantdesk` sets a list
        self.deferred_bodies: list[DeferredBody] | None = None
        self.frames = 0  # screen updates sent to the terminal; read by benchmarks
        self.paint_latencies_ns: list[int] | None = None  # set to a list to measure tick -> painted (bench)
        self._kill_armed_until = 0.0
        self._failures_toasted: dict[str, float] = {}  # worker failure text -> when it was last toasted
        self._switching = asyncio.Lock()  # F-keys pressed in a burst switch one after another
        self._price_handed_over = asyncio.Event()  # the first snapshot's markets and quote are in the Hub
        client.on_state = self._on_connection_state
        if self.layout_name not in BUILTIN_LAYOUTS and self.layout_name not in self.config.layouts:
            self.config.warnings.append(f"no layout named {self.layout_name!r}; using trade")
            self.layout_name = "trade"
        # before the first screen is styled: a theme set later restyles every widget
        register_themes(self, activate=self.config.theme)
        keymap = dict(VIM_KEYMAP) if self.config.vim_keys else {}
        keymap.update(self.config.keymap)
        if keymap:
            self.set_keymap(keymap)

    @property
    def trading(self) -> TradingActions:
        """Orders, cancels, alerts and the kill switch (trading.py), loaded when first used."""
        if self._trading is None:
            from quantdesk_tui.trading import TradingActions

            self._trading = TradingActions(self)
        return self._trading

    def on_load(self) -> None:
        if self.first_snapshot is None:  # the handshake and subscriptions overlap composing the first screen
            self._connection()
        else:  # the snapshot's thread is connected already: the app's connection waits for the first paint
            self._apply_first_snapshot()

    def get_default_screen(self) -> Screen[Any]:  # not a MODES screen: see DEFAULT_MODE
        if (snapshot := self.first_snapshot) is not None:  # the price it holds already is on the first frame
            self.feed.seed(snapshot.market, snapshot.timeframe, snapshot.wait(0.0, ("markets", "quote")))
        return TradeScreen()

    def on_mount(self) -> None:
        self.add_mode("trade", TradeScreen)  # F2 and `screen trade` switch back to the first screen
        self.call_after_refresh(self.mount_pane_bodies)
        for warning in self.config.warnings:
            self.notify(warning, title="config", severity="warning", timeout=10)
        self.set_interval(2.0, self._ping)
        self.set_interval(0.5, self._poll_market)
        self.set_interval(5.0, self.load_candles)
        self.set_interval(5.0, self._poll_alerts)  # alerts added or removed elsewhere (CLI, another terminal)
        self.theme_changed_signal.subscribe(self, lambda theme: self._remember_theme(theme.name))
        self.remember_session()

    async def mount_pane_bodies(self) -> None:
        """After the first paint: the app's connection, then the first screen's panes and command bar."""
        if self.first_snapshot is not None and not self._price_handed_over.is_set():  # paint the price first:
            with contextlib.suppress(TimeoutError):  # mounting the panes holds the event loop for a while
                await asyncio.wait_for(self._price_handed_over.wait(), PRICE_FIRST_S)
            self._price_handed_over.set()
            self.call_after_refresh(self.mount_pane_bodies)
            return
        if self.first_snapshot is not None:
            self._connection()
        deferred, self.deferred_bodies = self.deferred_bodies, None
        for widget in deferred or ():
            if widget.is_attached:
                await widget.mount_deferred_body()
        if deferred:
            self.screen._update_auto_focus()  # what the screen would have focused had its widgets been there
            self.call_after_refresh(heap.settle)  # the first screen is whole now (see WorkspaceScreen.on_mount)

    def on_unmount(self) -> None:
        heap.release()

    # -- backend ------------------------------------------------------------------------------
    @work(exclusive=True, group="connection", exit_on_error=False)
    async def _connection(self) -> None:
        await self.feed.subscribe_all()
        if self.link_group is not None:
            await self.client.subscribe("link", lambda _s, d: self._on_link(d), markets=[self.link_group])
        await self.client.run_reconnecting()

    @work(group="first-snapshot", exit_on_error=False)
    async def _apply_first_snapshot(self) -> None:
        """The data fetched while the app started (set by `quantdesk`; see first_snapshot.py)."""
        snapshot = self.first_snapshot
        if snapshot is not None:  # the price first (the status bar shows it), then the book and candles
            for names in (("markets", "quote"), None):
                replies = await asyncio.to_thread(snapshot.wait, 5.0, names)
                self.feed.seed(snapshot.market, snapshot.timeframe, replies)
                self._price_handed_over.set()

    def _on_connection_state(self, connected: bool, note: str) -> None:
        hub = self.hub
        was = hub.connected
        hub.connected, hub.connection_note = connected, note
        hub.post(ConnectionChanged())
        hub.note(note, "info" if connected else "warning")
        if connected:
            self._load_reference_data()
            self._poll_market()  # the book now, not at the next poll
        elif was:
            self.notify(f"{note}; reconnecting…", title="backend", severity="warning")

    @work(exclusive=True, group="reference", exit_on_error=False)
    async def _load_reference_data(self) -> None:
        try:
            await self.feed.load_reference()
        except ApiError as exc:
            self.notify(exc.message, title=exc.code, severity="error")
            return
        symbols = [m.symbol for m in self.hub.markets]
        if symbols and self.hub.market not in symbols:  # a remembered market this backend does not list
            self.hub.focus(symbols[0])
        self.hub.post(FocusedMarketChanged())
        self.load_candles()

    @work(exclusive=True, group="ping", exit_on_error=False)
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
        self.hub.post(StatusChanged())

    @work(exclusive=True, group="poll", exit_on_error=False)
    async def _poll_market(self) -> None:
        if self.hub.connected:
            await self.feed.poll_market()

    @work(exclusive=True, group="candles", exit_on_error=False)
    async def load_candles(self) -> None:
        if self.hub.connected:
            await self.feed.load_candles()

    @work(exclusive=True, group="alerts-poll", exit_on_error=False)
    async def _poll_alerts(self) -> None:
        if self.hub.connected:
            await self.feed.refresh_alerts()

    @on(Worker.StateChanged)
    def _worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a failed worker is reported (screens and charts forward theirs here):
        a toast and a log line, and the app keeps running (every worker has exit_on_error=False)."""
        if event.state != WorkerState.ERROR:
            return
        worker, error = event.worker, event.worker.error
        what = worker.group if worker.group != "default" else worker.name
        text = f"{what} failed: {type(error).__name__}: {error}"
        log.error("worker %s", text, exc_info=error)
        self.hub.note(text, "error")
        now = time.monotonic()
        if now - self._failures_toasted.get(text, -REPEAT_TOAST_S) >= REPEAT_TOAST_S:  # a repeating task toasts once
            self._failures_toasted[text] = now
            self.notify(
                f"{text}\nthe app keeps running; the log pane has every occurrence",
                title="background task failed",
                severity="error",
                timeout=8,
            )

    # -- changes and paints --------------------------------------------------------------------
    def deliver(self, message: Message) -> None:
        """The Hub's outlet: a notice is toasted by the app, a change goes to the screen on top (a dialog
        drops it; the screen under it repaints everything when it comes back)."""
        if isinstance(message, Notice):
            self.post_message(message)
            return
        if isinstance(message, OrdersChanged):
            self.post_message(OrdersChanged())  # the app reports the orders it watches as they settle
        try:
            screen = self.screen
        except ScreenStackError:  # between screens: the next one paints itself from the Hub when it shows
            return
        screen.post_message(message)

    def on_orders_changed(self, _change: OrdersChanged) -> None:
        self.trading.orders_changed()

    @on(Notice)
    def _toast(self, notice: Notice) -> None:
        if isinstance(notice, FillNotice) and notice.fill.role == "liquidation":  # its liquidation notice toasts it
            return
        toast = notice.toast(self.trading.fill_is_reported)
        if toast is not None:
            self.notify(toast.text, title=toast.title, severity=toast.severity)
        if self.config.bell:
            self.bell()

    def quotes_shown(self, quotes: Iterable[Quote]) -> None:
        """A screen drew `quotes`: when measuring (bench), time each from arrival to the terminal."""
        if (latencies := self.paint_latencies_ns) is None:
            return
        arrived = [quote.recv_ns for quote in quotes if quote.recv_ns]
        self.call_after_refresh(lambda: latencies.extend(time.monotonic_ns() - ns for ns in arrived))

    def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
        """Every screen update goes through here (Textual coalesces them to at most 60 a second): count frames."""
        if renderable is not None:
            self.frames += 1
        super()._display(screen, renderable)

    # -- focus and commands -------------------------------------------------------------------
    def _on_link(self, message: dict[str, Any]) -> None:
        """A terminal of our link group picked a market: follow it (without telling the group again)."""
        market = message.get("market")
        if isinstance(market, str):
            self.focus_market(market, tell_group=False)

    def focus_market(self, market: str, tell_group: bool = True) -> None:
        """The one way the focused market changes (Markets, command bar, palette, link group)."""
        if market == self.hub.market:
            return
        self.hub.focus(market)
        self.preview = {}
        self.hub.post(PreviewChanged())
        self.load_candles()
        self._poll_market()
        self.remember_session()
        if tell_group:
            self._tell_link_group(market)

    def remember_session(self) -> None:
        """Keep what the next start restores (market, timeframe, indicators, layout, link group)."""
        session = self.session
        session.market, session.timeframe = self.hub.market, self.hub.timeframe
        session.indicators = sorted(self.hub.indicators)
        session.link_group = self.link_group or LINK_OFF
        save_session(self.home, session)

    def remember_layout(self, layout: object) -> None:
        """The user reshaped the Trade screen's layout (layout_to_data form): the next start shows it."""
        self.session.layout = layout
        self.remember_session()

    def _remember_theme(self, name: str) -> None:
        if name in THEMES and name != self.config.theme:
            self.config.theme = name
            save_config(self.config)

    @work(group="link", exit_on_error=False)
    async def _tell_link_group(self, market: str) -> None:
        if self.hub.connected and self.link_group is not None:
            try:
                await self.client.request("link.set", group=self.link_group, market=market)
            except ApiError:
                pass

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "command_bar":  # a dialog has no command bar: there `:` is just a character
            bars = self.screen.query(CommandBar)
            return bool(bars) and not (bars.first().is_open and self.focused is bars.first().input)
        return True

    def action_command_bar(self) -> None:
        self.open_command_bar()

    def open_command_bar(self, text: str = "", cursor: int | None = None) -> None:
        bars = self.screen.query(CommandBar)
        if bars:
            bars.first().open(text, cursor)

    def action_leave_input(self) -> None:
        """Esc in a field: leave it for the first other control of its pane, so keys are keys again."""
        focused = self.focused
        if not isinstance(focused, Input):
            return
        pane = next((node for node in focused.ancestors if isinstance(node, Pane | Box)), None)
        others = [w for w in pane.query("*") if w.focusable and not isinstance(w, Input)] if pane else []
        if others:
            self.screen.set_focus(others[0])  # at once: the next key typed is already a key, not text
        else:
            self.screen.set_focus(None)

    async def action_switch_mode(self, mode: str) -> None:
        """Keys typed right after F3 (say `j j Enter`) go to the screen F3 opens, even the first time,
        when building it takes a moment: the key waits until that screen is up."""
        async with self._switching:  # a second F-key must not pop what the first one is switching away from
            # a dialog (palette, confirm, help) belongs to its screen: close it first, or it would later
            # dismiss itself from the new one; a mode's own screen is never popped
            while isinstance(self.screen, ModalScreen) and len(self.screen_stack) > 1:
                await self.pop_screen()
            await self.switch_mode(mode)

    def action_command_palette(self) -> None:
        if self.use_command_palette and not SafeCommandPalette.is_open(self):  # type: ignore[arg-type]  # Textual types it App[object]; App is invariant in its return type
            self.push_screen(SafeCommandPalette(id="--command-palette"))

    def search_themes(self) -> None:  # the palette's "Change theme", on the palette without its crashes
        self.push_screen(SafeCommandPalette(providers=[ThemeProvider], placeholder="Search for themes…"))

    def action_help(self) -> None:
        from quantdesk_tui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.focused))

    def action_kill_switch(self) -> None:
        now = time.monotonic()
        if now < self._kill_armed_until:
            self._kill_armed_until = 0.0
            self.trading.kill()
        else:
            self._kill_armed_until = now + 3.0
            self.notify(
                "press Ctrl+K again within 3 s to cancel every order and HALT trading",
                title="kill switch",
                severity="warning",
            )

    def on_command_bar_submitted(self, event: CommandBar.Submitted) -> None:
        self.run_command(event.command)

    def run_command(self, command: Command) -> None:
        args = command.args
        match command.kind:
            case "order" | "twap" | "iceberg" | "oco":
                self.trading.place(command.order)
            case "cancel":
                self.trading.cancel(command.cancel)
            case "focus":
                self.focus_market(args["market"])
            case "tf":
                self.trading.set_timeframe(args["tf"])
            case "alert":
                self.trading.add_alert(args)
            case "alert_rm":
                self.trading.remove_alert(args["alert_id"])
            case "kill":
                self.trading.kill()
            case "resume":
                self.trading.resume()
            case "theme":
                self._set_theme(args["name"])
            case "layout":
                self.run_worker(self._layout_command(args["action"], args["name"]), group="layout", exit_on_error=False)
            case "screen":
                if args["name"] in self.SCREEN_NAMES:
                    self.switch_mode(args["name"])
                else:
                    self.notify(
                        f"no screen {args['name']!r}; screens: {', '.join(self.SCREEN_NAMES)}", severity="error"
                    )
            case "help":
                self.action_help()

    def _set_theme(self, name: str) -> None:
        theme = THEME_ALIASES.get(name, name)
        if theme not in self.available_themes:
            self.notify(f"unknown theme {name!r}; themes: {', '.join(THEME_ALIASES)}", severity="error")
            return
        self.theme = theme  # kept in config.toml by _remember_theme

    async def _layout_command(self, action: str, name: str) -> None:
        if not isinstance(self.screen, TradeScreen):
            await self.switch_mode("trade")
        screen = self.screen
        assert isinstance(screen, TradeScreen)
        await screen.layout_command(action, name)

    async def action_quit(self) -> None:
        from quantdesk_tui.quit_note import ask_quit_note

        self.remember_session()
        self.exit_note = await ask_quit_note(self.client, self.hub)
        await self.client.close()
        self.exit(0)

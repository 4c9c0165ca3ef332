"""System: the backend (url, version, pid, uptime, clients), feed health, latency, and the searchable log."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.containers import Horizontal
from textual.widgets import Static

from quantdesk_tui.desk_app import desk_app
from backend.api.protocol import FeedHealth, Status
from quantdesk_tui.changes import ConnectionChanged, LogChanged, StatusChanged
from quantdesk_tui.hub import Hub
from quantdesk_tui.screens.base import WorkspaceScreen
from quantdesk_tui.screens.box import Box, tone_styles
from widgets.format import fmt_compact, fmt_number
from widgets.live_table import Cell, Column, LiveTable
from widgets.log_pane import LogPane

FEED_COLUMNS = [
    Column("source", "Feed", 8),
    Column("state", "State", 9),
    Column("active", "Active", 6),
    Column("reason", "Reason", 30),
]
STATE_TONES = {"healthy": "up", "degraded": "warn", "down": "down"}


def fmt_uptime(seconds: float) -> str:
    seconds = int(seconds)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return (f"{days}d " if days else "") + f"{hours:02d}:{minutes:02d}:{secs:02d}"


def backend_text(status: Status | None, hub: Hub, tones: dict[str, str]) -> Text:
    text = Text()

    def line(label: str, value: str, style: str = "") -> None:
        text.append(f"{label:<10}", "dim")
        text.append(value + "\n", style)

    line(
        "link",
        "connected" if hub.connected else f"reconnecting — {hub.connection_note}",
        tones["up"] if hub.connected else tones["warn"],
    )
    if status is None:
        text.append("no status from the backend yet", "dim italic")
        return text
    line("url", status.url)
    line("version", f"{status.version}  (protocol {status.protocol})")
    line("pid", f"{status.pid}" + ("  spawned by a TUI" if status.spawned_by_tui else ""))
    line("uptime", fmt_uptime(status.uptime_s))
    if status.live_work:
        line("stays up", "for " + ", ".join(status.live_work))
    line("clients", str(status.clients))
    line("venue", status.venue)
    line("feed", f"{status.feed}  ticks in {fmt_compact(status.ticks_in)}")
    rtt = "—" if hub.rtt_ms is None else f"{fmt_number(hub.rtt_ms, 1)} ms"
    slow = hub.rtt_ms is not None and hub.rtt_ms > 100
    text.append(f"{'latency':<10}", "dim")
    text.append(f"{rtt} round trip", tones["warn"] if slow else "")
    return text


class SystemScreen(WorkspaceScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", "Reload status", id="system.reload"),
        Binding("l", "focus_log", "Log", id="system.focus_log"),
    ]
    DEFAULT_CSS = """
    SystemScreen #sys-top { height: 13; }
    SystemScreen #sys-backend-box { width: 3fr; }
    SystemScreen #sys-feeds-box { width: 2fr; }
    SystemScreen #sys-log-box { height: 1fr; }
    SystemScreen.-compact #sys-top { height: 11; }
    """

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="sys-top"):
            yield Box(Static("", id="sys-backend"), title="Backend", id="sys-backend-box")
            yield Box(
                LiveTable(FEED_COLUMNS, empty_text="no feeds reported", id="sys-feeds"),
                title="Feeds",
                id="sys-feeds-box",
            )
        yield Box(LogPane(id="sys-log"), title="Log  (/ search · p pause)", id="sys-log-box")

    _seen = 0

    def on_mount(self) -> None:
        self.set_class(self.app.size.height < 30, "-compact")
        self.query_one("#sys-log LogView").focus()
        hub: Hub = desk_app(self.app).hub
        self._seen = max(0, hub.log_total - len(hub.log))
        self._reload()

    def on_resize(self, event: Resize) -> None:
        self.set_class(self.app.size.height < 30, "-compact")

    @work(exclusive=True, group="system", exit_on_error=False)
    async def _reload(self) -> None:
        if desk_app(self.app).hub.connected:
            await desk_app(self.app).feed.load_status()

    def on_status_changed(self, _change: StatusChanged) -> None:
        self._show_backend()

    def on_connection_changed(self, _change: ConnectionChanged) -> None:
        self._show_backend()

    def _show_backend(self) -> None:
        hub, tones = self.hub, tone_styles(self.app.theme_variables)
        self.query_one("#sys-backend", Static).update(backend_text(hub.status, hub, tones))
        feeds = hub.status.feeds if hub.status is not None else []
        self.query_one("#sys-feeds", LiveTable).update_rows({f.source: feed_row(f) for f in feeds})

    def on_log_changed(self, _change: LogChanged) -> None:
        hub, log = self.hub, self.query_one(LogPane)
        new = min(hub.log_total - self._seen, len(hub.log))
        for level, text in list(hub.log)[len(hub.log) - new :] if new > 0 else []:
            log.write(text, level)
        self._seen = hub.log_total

    def action_reload(self) -> None:
        self._reload()

    def action_focus_log(self) -> None:
        self.query_one("#sys-log LogView").focus()


def feed_row(feed: FeedHealth) -> tuple[object, ...]:
    return (
        feed.source,
        Cell(feed.state, feed.state, STATE_TONES.get(feed.state, "warn")),
        Cell(feed.active, "● yes" if feed.active else "", "up" if feed.active else "dim"),
        Cell(feed.reason, feed.reason or "—", "dim" if not feed.reason else "warn"),
    )

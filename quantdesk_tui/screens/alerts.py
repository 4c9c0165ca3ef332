"""Alerts: the alerts the backend watches, what fired, and keys to add, edit, pause and remove them."""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType

from quantdesk_tui.desk_app import desk_app
from backend.api.protocol import alert_kind_word
from quantdesk_tui.changes import AlertHistoryChanged, AlertsChanged, FiredChanged, UnavailableChanged
from quantdesk_tui.grammar import PRICE_ALERT_CHOICES, GrammarError, parse
from quantdesk_tui.screens.base import WorkspaceScreen
from quantdesk_tui.screens.box import Box
from quantdesk_tui.screens.dialogs import ConfirmScreen, PromptScreen
from quantdesk_tui.screens.requests import send
from quantdesk_tui.screens.status_line import StatusLine
from widgets.format import fmt_alert, fmt_level, fmt_time_ms, parse_decimal
from widgets.live_table import Cell, Column, LiveTable

# the alert's own columns, alike in both tables
ID_MARKET_KIND = [Column("id", "ID", 4, "right"), Column("market", "Market", 10), Column("kind", "Kind", 12)]
ALERT_COLUMNS = [
    *ID_MARKET_KIND,
    Column("level", "Level", 10, "right"),
    Column("status", "Status", 8),
    Column("repeat", "Repeat", 6),
    Column("fired", "Fired", 5, "right"),
    Column("last", "Last", 8),
    Column("note", "Note", 20),
]
HISTORY_COLUMNS = [
    Column("time", "Time", 8),
    *ID_MARKET_KIND,
    Column("value", "Value", 10, "right"),
    Column("message", "Message", 50),
]
STATUS_TONES = {"active": "up", "fired": "warn", "disabled": "dim"}


def level_of(alert: dict[str, Any]) -> str:
    """The alert's exact level with its unit (% for moves, ratios and rates)."""
    return fmt_level(alert.get("level"), alert.get("level_in"))


def alert_row(alert: dict[str, Any]) -> tuple[Any, ...]:
    status = str(alert.get("status", "active"))
    last = alert.get("last_fired_ms")
    return (
        alert.get("id"),
        alert.get("market") or "any",
        alert_kind_word(alert.get("kind", "")),
        Cell(alert.get("level_fixed"), level_of(alert)),  # sorts by the integer, shows the exact text
        Cell(status, status, STATUS_TONES.get(status)),
        "yes" if alert.get("repeat") else "once",
        alert.get("fire_count", 0),
        Cell(last, fmt_time_ms(int(last)) if last else "—", "dim"),
        alert.get("note", ""),
    )


def history_row(entry: dict[str, Any]) -> tuple[Any, ...]:
    ts_ms = entry.get("ts_ms") or 0
    return (
        Cell(ts_ms, fmt_time_ms(int(ts_ms)), "dim"),
        entry.get("alert_id"),
        entry.get("market") or "",
        alert_kind_word(entry.get("kind", "")),
        Cell(entry.get("value_fixed"), fmt_level(entry.get("value"), entry.get("level_in"))),
        entry.get("message", ""),
    )


class AlertsScreen(WorkspaceScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add alert", id="alerts.add"),
        Binding("e", "edit", "Edit level", id="alerts.edit"),
        Binding("d,delete", "remove", "Remove alert", id="alerts.remove"),
        Binding("t", "toggle_alert", "Enable/disable", id="alerts.toggle"),
        Binding("r", "reload", "Reload", id="alerts.reload"),
    ]
    DEFAULT_CSS = """
    AlertsScreen #al-active-box { height: 3fr; }
    AlertsScreen #al-history-box { height: 2fr; }
    """

    def compose_body(self) -> ComposeResult:
        yield Box(
            LiveTable(ALERT_COLUMNS, empty_text="no alerts — a adds one (e.g. SOL-PERP above 200)", id="al-active"),
            title="Alerts  (a add · e edit · t enable/disable · d remove)",
            id="al-active-box",
        )
        yield Box(
            LiveTable(HISTORY_COLUMNS, empty_text="nothing fired yet", id="al-history"),
            title="Fired",
            id="al-history-box",
        )
        yield StatusLine(id="al-status")

    def on_mount(self) -> None:
        self.query_one("#al-active", LiveTable).focus()
        self.query_one("#al-history", LiveTable).sort_by("time", reverse=True)
        self._reload()

    @work(exclusive=True, group="alerts-load", exit_on_error=False)
    async def _reload(self) -> None:
        if desk_app(self.app).hub.connected:
            feed = desk_app(self.app).feed
            await feed.refresh_alerts()
            await feed.load_alert_history()

    def on_alerts_changed(self, _change: AlertsChanged) -> None:
        self.query_one("#al-active", LiveTable).update_rows({a.get("id"): alert_row(a) for a in self.hub.alerts})

    def on_alert_history_changed(self, _change: AlertHistoryChanged) -> None:
        self.query_one("#al-history", LiveTable).update_rows(
            {entry.get("id", i): history_row(entry) for i, entry in enumerate(self.hub.alert_history)}
        )

    def on_fired_changed(self, _change: FiredChanged) -> None:
        self._reload()

    def on_unavailable_changed(self, _change: UnavailableChanged) -> None:
        unavailable = self.hub.unavailable
        problems = [unavailable[op] for op in ("alert.list", "alert.history") if op in unavailable]
        if problems:
            self._say("; ".join(problems), error=True)

    def _say(self, message: str, error: bool = False) -> None:
        self.query_one("#al-status", StatusLine).say(message, error)

    def selected(self) -> dict[str, Any] | None:
        """The alert under the cursor; None, and the status line asks for one, when there is none."""
        key = self.query_one("#al-active", LiveTable).cursor_key
        alert = next((a for a in desk_app(self.app).hub.alerts if a.get("id") == key), None)
        if alert is None:
            self._say("select an alert first", error=True)
        return alert

    # -- actions ------------------------------------------------------------------------------
    def _markets(self) -> list[str]:
        return [m.symbol for m in desk_app(self.app).hub.markets]

    def _parse_add(self, text: str) -> str | None:
        try:
            command = parse(f"alert {text}", self._markets())
        except GrammarError as exc:
            return str(exc)
        return None if command.kind == "alert" else f"use MARKET KIND PRICE, KIND one of {PRICE_ALERT_CHOICES}"

    def action_add(self) -> None:
        def typed(text: str | None) -> None:
            if text:  # through _request, so the status line ends with the outcome, not "adding…"
                self._say(f"adding alert {text}…")
                self._request("alert.add", f"alert {text} added", **parse(f"alert {text}", self._markets()).args)

        self.app.push_screen(
            PromptScreen(
                "Add a price alert",
                f"MARKET KIND PRICE, KIND one of {PRICE_ALERT_CHOICES}; e.g. SOL-PERP above 200",
                "",
                self._parse_add,
            ),
            typed,
        )

    def action_edit(self) -> None:
        if (alert := self.selected()) is None:
            return

        def check(text: str) -> str | None:
            value = parse_decimal(text)
            return None if value is not None else f"type a number, not {text!r}"

        def typed(text: str | None) -> None:
            if text:
                self._request("alert.edit", f"alert #{alert['id']} level {text}", id=alert["id"], level=text)

        self.app.push_screen(
            PromptScreen(
                f"Edit alert {fmt_alert({**alert, 'level': None})}",
                f"new level; now {level_of(alert)}",
                alert.get("level") or "",
                check,
            ),
            typed,
        )

    def action_toggle_alert(self) -> None:  # not action_toggle: DOMNode's toggles an attribute
        if (alert := self.selected()) is None:
            return
        enable = alert.get("status") == "disabled"
        self._request(
            "alert.edit",
            f"alert #{alert['id']} {'enabled' if enable else 'disabled'}",
            id=alert["id"],
            enabled=enable,
        )

    def action_remove(self) -> None:
        if (alert := self.selected()) is None:
            return

        def confirmed(alert_id: int, yes: bool | None) -> None:
            if yes:
                self._request("alert.rm", f"alert #{alert_id} removed", id=alert_id)

        body = fmt_alert(alert)
        self.app.push_screen(ConfirmScreen("Remove this alert?", body), partial(confirmed, alert["id"]))

    def action_reload(self) -> None:
        self._reload()

    def _request(self, op: str, what: str, **args: Any) -> None:
        self.run_worker(self._send(op, what, args), group="alerts-change", exclusive=False, exit_on_error=False)

    async def _send(self, op: str, what: str, args: dict[str, Any]) -> None:
        _result, error = await send(self.app, op, **args)
        if error is not None:
            self._say(f"{what}: refused — {error}", error=True)
            return
        self._say(what)
        await desk_app(self.app).feed.refresh_alerts()

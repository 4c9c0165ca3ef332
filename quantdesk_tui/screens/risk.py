"""Risk: the backend's risk report (VaR/CVaR, stress, exposure, correlation, attribution, drawdown),
the live monitor, and the trading state with kill (Ctrl+K twice) and resume.

The report is shown as the backend shapes it: numbers as lines, dicts of rows as small tables, so a
new section on the backend appears here without a TUI change.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from quantdesk_tui.hub import Hub
from quantdesk_tui.screens.base import WorkspaceScreen
from quantdesk_tui.screens.box import Box, tone_styles
from quantdesk_tui.screens.dialogs import ConfirmScreen
from widgets.format import fmt_number

REFRESH_S = 3.0
CELL = 11


def label(key: Any) -> str:
    return str(key).replace("_", " ")


def fmt_value(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "—" if value is None else ("yes" if value else "no")
    if isinstance(value, int):
        return fmt_number(value, 0)
    if isinstance(value, float):
        return fmt_number(value, 2) if abs(value) >= 1 or value == 0 else f"{value:.4g}"
    return str(value)


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))


def _table(rows: list[tuple[str, dict[str, Any]]], text: Text, indent: str) -> None:
    columns: list[str] = []
    for _name, row in rows:
        columns += [c for c in row if c not in columns]
    first = max([len(name) for name, _ in rows] + [4]) + 1
    text.append(
        indent + " " * first + "".join(f"{label(c)[: CELL - 1]:>{CELL}}" for c in columns) + "\n", "bold dim"
    )
    for name, row in rows:
        text.append(
            f"{indent}{name:<{first}}"
            + "".join(f"{fmt_value(row.get(c))[: CELL - 1]:>{CELL}}" for c in columns)
            + "\n"
        )


def render_report(value: Any, text: Text, indent: str = "") -> None:
    """Any JSON-shaped report as aligned text: scalars as lines, rows of scalars as tables."""
    if isinstance(value, dict):
        scalars = {k: v for k, v in value.items() if _is_scalar(v)}
        width = max([len(label(k)) for k in scalars] + [4]) + 2
        for key, item in scalars.items():
            text.append(f"{indent}{label(key):<{width}}", "dim")
            text.append(fmt_value(item) + "\n")
        for key, item in value.items():
            if _is_scalar(item):
                continue
            text.append(f"{indent}{label(key)}\n", "bold")
            render_report(item, text, indent + "  ")
    elif isinstance(value, list):
        if value and all(isinstance(v, dict) and all(_is_scalar(x) for x in v.values()) for v in value):
            _table([(str(i + 1), row) for i, row in enumerate(value)], text, indent)
        elif all(_is_scalar(v) for v in value):
            text.append(indent + "  ".join(fmt_value(v) for v in value) + "\n")
        else:
            for item in value:
                render_report(item, text, indent + "  ")


def render_rows(value: dict[str, Any], text: Text, indent: str) -> bool:
    """A dict of dicts of scalars (exposure by market, a correlation matrix) as one table."""
    if value and all(isinstance(v, dict) and all(_is_scalar(x) for x in v.values()) for v in value.values()):
        _table([(str(k), v) for k, v in value.items()], text, indent)
        return True
    return False


def report_text(report: dict[str, Any] | None, unavailable: str | None) -> Text:
    text = Text()
    if report is None:
        text.append(unavailable or "loading the risk report…", "italic")
        return text
    for key, item in report.items():
        if _is_scalar(item):
            continue
        text.append(f"{label(key).upper()}\n", "bold")
        if not (isinstance(item, dict) and render_rows(item, text, "  ")):
            render_report(item, text, "  ")
        text.append("\n")
    scalars = {k: v for k, v in report.items() if _is_scalar(v)}
    if scalars:
        text.append("SUMMARY\n", "bold")
        render_report(scalars, text, "  ")
    return text


def state_text(hub: Hub, tones: dict[str, str]) -> Text:
    account = hub.accounts.get(hub.sub_account)
    state = hub.trading_state or (account.trading_state if account else None) or "unknown"
    style = tones["up"] if state.upper() == "ACTIVE" else f"bold {tones['down']}"
    text = Text()
    text.append("trading  ", "dim")
    text.append(state.upper() + "\n", style)
    text.append("Ctrl+K ×2 kill · u resume", "dim")
    return text


class RiskScreen(WorkspaceScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", "Reload report", id="risk.reload"),
        Binding("u", "resume", "Resume trading", id="risk.resume"),
        Binding("K", "kill", "Kill switch", id="risk.kill"),
    ]
    DEFAULT_CSS = """
    RiskScreen #risk-report-box { width: 3fr; }
    RiskScreen #risk-side { width: 2fr; }
    RiskScreen #risk-state-box { height: 5; }
    RiskScreen #risk-monitor-box { height: 1fr; }
    RiskScreen VerticalScroll { height: 1fr; }
    """

    def compose_body(self) -> ComposeResult:
        with Horizontal():
            yield Box(
                VerticalScroll(Static("", id="risk-report"), can_focus=True, id="risk-report-scroll"),
                title="Risk report",
                id="risk-report-box",
            )
            with Vertical(id="risk-side"):
                yield Box(Static("", id="risk-state"), title="Trading state", id="risk-state-box")
                yield Box(
                    VerticalScroll(Static("", id="risk-monitor")), title="Monitor", id="risk-monitor-box"
                )

    def on_mount(self) -> None:
        self.query_one("#risk-report-scroll").focus()
        self.refresh_body(self.app.hub, set(), {"risk", "trading_state"})  # type: ignore[attr-defined]
        self._reload()
        self.set_interval(REFRESH_S, self._tick)

    def _tick(self) -> None:
        if self.app.screen is self:
            self._reload()

    @work(exclusive=True, group="risk")
    async def _reload(self) -> None:
        if self.app.hub.connected:  # type: ignore[attr-defined]
            await self.app.feed.load_risk()  # type: ignore[attr-defined]

    def refresh_body(self, hub: Hub, quotes: set[str], other: set[str]) -> None:
        if other & {"risk", "unavailable"}:
            self.query_one("#risk-report", Static).update(
                report_text(hub.risk_report, hub.unavailable.get("risk.report"))
            )
            monitor = Text()
            if hub.risk_monitor is not None:
                render_report(hub.risk_monitor, monitor)
            else:
                monitor.append(hub.unavailable.get("risk.monitor", "loading…"), "italic")
            self.query_one("#risk-monitor", Static).update(monitor)
        if other & {"trading_state", "account"}:
            self.query_one("#risk-state", Static).update(
                state_text(hub, tone_styles(self.app.theme_variables))
            )

    def action_reload(self) -> None:
        self._reload()

    def action_kill(self) -> None:
        self.app.action_kill_switch()  # type: ignore[attr-defined]

    def action_resume(self) -> None:
        def confirmed(yes: bool | None) -> None:
            if yes:
                self.app.trading.resume()  # type: ignore[attr-defined]

        self.app.push_screen(ConfirmScreen("Resume trading?", "orders will be accepted again"), confirmed)

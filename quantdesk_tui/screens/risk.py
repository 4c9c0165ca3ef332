"""Risk: the backend's risk report (VaR/CVaR, stress, exposure, correlation, attribution, drawdown),
the live monitor, and the trading state with kill (Ctrl+K twice) and resume.

The report is shown as the backend shapes it: numbers as lines, dicts of rows as small tables, so a
new section on the backend appears here without a TUI change. The monitor's integers are shown as the
exact decimal strings `--json` prints (`to_human`: "equity 10000.5"), ratios in the units a trader reads
them in (`monitor_view`: "margin ratio 13.33%", "leverage 0.2086x"), still exact.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from quantdesk_tui.desk_app import desk_app
from backend.api.protocol import to_human
from quantdesk_tui.changes import AccountChanged, RiskChanged, TradingStateChanged, UnavailableChanged
from quantdesk_tui.hub import Hub
from quantdesk_tui.screens.base import WorkspaceScreen
from quantdesk_tui.screens.box import Box, tone_styles
from quantdesk_tui.screens.dialogs import ConfirmScreen
from widgets.format import fmt_number, fmt_time, fmt_time_ms

REFRESH_S = 3.0
MAX_CELL = 20  # widest table column (header or value) before it is cut


def label(key: Any) -> str:
    return str(key).replace("_", " ")


def fmt_value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(fmt_value(v) for v in value) or "none"
    if isinstance(value, bool) or value is None:
        return "—" if value is None else ("yes" if value else "no")
    if isinstance(value, int):
        return fmt_number(value, 0)
    if isinstance(value, float):
        return fmt_number(value, 2) if abs(value) >= 1 or value == 0 else f"{value:.4g}"
    return str(value)


TIME_KEYS = ("ts", "time", "as_of", "at")
PERCENT_KEYS = ("margin_ratio", "margin_usage", "liq_distance")  # fractions of one, thresholds included
LEVERAGE_KEYS = ("leverage",)


def monitor_view(value: Any, key: str = "") -> Any:
    """The monitor's exact decimal strings with their units: a ratio as a percentage ("0.0071" -> "0.71%"),
    a leverage as "0.2086x", `ts_ms` as the UTC time it is "as of"; every digit kept (a decimal shift)."""
    if isinstance(value, dict):
        return {("as_of" if k == "ts_ms" else k): monitor_view(v, str(k)) for k, v in value.items()}
    if key == "ts_ms" and isinstance(value, int):
        return fmt_time_ms(value) + " UTC"
    if isinstance(value, list):
        return [monitor_view(v, key) for v in value]
    if isinstance(value, str) and key.startswith(PERCENT_KEYS):
        return f"{Decimal(value).scaleb(2).normalize():f}%"
    if isinstance(value, str) and key.startswith(LEVERAGE_KEYS):
        return f"{value}x"
    return value


def fmt_field(key: Any, value: Any) -> str:
    """A value under its key: epoch seconds under a time-like key read as a UTC time, not a number."""
    name = str(key)
    if name.endswith("_ms") and isinstance(value, int) and not isinstance(value, bool) and value > 1e12:
        return fmt_time_ms(value) + " UTC"
    if (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and value > 1e9
        and (name in TIME_KEYS or name.endswith(("_ts", "_time", "_at")))
    ):
        return fmt_time(int(value)) + " UTC"
    return fmt_value(value)


def _is_scalar(value: Any) -> bool:
    """Shown on one line: plain values and short lists of them (sub-accounts, markets)."""
    if isinstance(value, list):
        return len(value) <= 6 and all(not isinstance(v, (dict, list)) for v in value)
    return not isinstance(value, dict)


LABEL_KEYS = ("market", "asset", "name", "source")
LONG_LIST = 12  # longer lists of plain values (e.g. equity points) are summarised, not printed


def _table(rows: list[tuple[str, dict[str, Any]]], text: Text, indent: str, width: int, corner: str = "") -> None:
    """Rows of scalars as aligned columns (nested values are left to their own sections);
    a row per block of `key value` lines when the columns would not fit in `width`."""
    columns: list[str] = []
    for _name, row in rows:
        columns += [c for c, v in row.items() if _is_scalar(v) and c not in columns]
    first = max([len(name) for name, _ in rows] + [4]) + 1
    # each column as wide as its header and values (headers are never cut), within MAX_CELL
    sizes = [
        min(MAX_CELL, max([len(label(c))] + [len(fmt_field(c, row.get(c))) for _, row in rows])) + 2 for c in columns
    ]
    if len(indent) + first + sum(sizes) > width:
        for name, row in rows:
            text.append(f"{indent}{name}\n", "bold")
            nested = {c: v for c, v in row.items() if not _is_scalar(v)}  # a monitored account's positions
            render_report({**{c: row.get(c) for c in columns}, **nested}, text, indent + "  ", width)
        return
    header = "".join(f"{label(c)[: size - 2]:>{size}}" for c, size in zip(columns, sizes, strict=True))
    # the corner names the row labels; no-break spaces, since Textual drops a line's leading spaces
    text.append(indent + label(corner).ljust(first).replace(" ", "\u00a0") + header + "\n", "bold dim")
    for name, row in rows:
        cells = "".join(
            f"{fmt_field(c, row.get(c))[: size - 2]:>{size}}" for c, size in zip(columns, sizes, strict=True)
        )
        text.append(f"{indent}{name:<{first}}" + cells + "\n")


def render_rows(value: Any, text: Text, indent: str, width: int) -> bool:
    """Tables where the data is tabular: a correlation matrix, a dict of dicts, a list of dicts."""
    if isinstance(value, dict) and {"markets", "matrix"} <= set(value) and isinstance(value["matrix"], list):
        if not value["matrix"]:
            text.append(indent + "not enough price history yet\n", "dim italic")
        else:
            markets = [str(m) for m in value["markets"]]
            _table(
                [(m, dict(zip(markets, row, strict=False))) for m, row in zip(markets, value["matrix"], strict=False)],
                text,
                indent,
                width,
            )
        return True
    if isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
        _table([(str(k), v) for k, v in value.items()], text, indent, width)
        return True
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        key = next((k for k in LABEL_KEYS if isinstance(value[0].get(k), str)), None)
        _table(
            [
                (str(row.get(key)) if key else str(i + 1), {k: v for k, v in row.items() if k != key})
                for i, row in enumerate(value)
            ],
            text,
            indent,
            width,
            corner=key or "",
        )
        return True
    return False


def render_report(value: Any, text: Text, indent: str = "", width: int = 200) -> None:
    """Any JSON-shaped report as aligned text: scalars as lines, tabular data as tables."""
    if render_rows(value, text, indent, width):
        return
    if isinstance(value, dict):
        scalars = {k: v for k, v in value.items() if _is_scalar(v)}
        column = max([len(label(k)) for k in scalars] + [4]) + 2
        for key, item in scalars.items():
            text.append(f"{indent}{label(key):<{column}}", "dim")
            text.append(fmt_field(key, item) + "\n")
        for key, item in value.items():
            if not _is_scalar(item):
                text.append(f"{indent}{label(key)}\n", "bold")
                render_report(item, text, indent + "  ", width)
    elif isinstance(value, list):
        if not value:
            text.append(indent + "none\n", "dim")
        elif all(_is_scalar(v) for v in value) and len(value) <= LONG_LIST:
            text.append(indent + "  ".join(fmt_value(v) for v in value) + "\n")
        else:
            text.append(f"{indent}{len(value)} points\n", "dim")


def report_text(report: dict[str, Any] | None, unavailable: str | None, width: int = 200) -> Text:
    text = Text(no_wrap=True, overflow="crop")
    if report is None:
        text.append(unavailable or "loading the risk report…", "italic")
        return text
    report = dict(report)
    if isinstance(report.get("ts"), (int, float)):
        report["as_of"] = fmt_field("ts", report.pop("ts"))
    render_report({k: v for k, v in report.items() if _is_scalar(v)}, text, "", width)
    for key, item in report.items():
        if not _is_scalar(item):
            text.append(f"\n{label(key).upper()}\n", "bold")
            render_report(item, text, "  ", width)
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
    RiskScreen #risk-report, RiskScreen #risk-monitor { text-wrap: nowrap; text-overflow: clip; }
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
                yield Box(VerticalScroll(Static("", id="risk-monitor")), title="Monitor", id="risk-monitor-box")

    def on_mount(self) -> None:
        self.query_one("#risk-report-scroll").focus()
        self._reload()
        self.set_interval(REFRESH_S, self._tick)

    def on_resize(self, event: Resize) -> None:
        self.post_message(RiskChanged())  # tables fold to fit the new width

    def _tick(self) -> None:
        if self.app.screen is self:
            self._reload()

    @work(exclusive=True, group="risk", exit_on_error=False)
    async def _reload(self) -> None:
        if desk_app(self.app).hub.connected:
            await desk_app(self.app).feed.load_risk()

    def on_risk_changed(self, _change: RiskChanged) -> None:
        self._show_report()

    def on_unavailable_changed(self, _change: UnavailableChanged) -> None:
        self._show_report()

    def on_trading_state_changed(self, _change: TradingStateChanged) -> None:
        self._show_trading_state()

    def on_account_changed(self, _change: AccountChanged) -> None:
        self._show_trading_state()

    def _show_report(self) -> None:
        hub = self.hub
        report = self.query_one("#risk-report", Static)
        width = max(0, self.query_one("#risk-report-box").content_region.width - 1) or 60
        report.update(report_text(hub.risk_report, hub.unavailable.get("risk.report"), width))
        monitor = Text(no_wrap=True, overflow="crop")
        if hub.risk_monitor is not None:
            render_report(
                monitor_view(to_human(hub.risk_monitor)),
                monitor,
                "",
                max(0, self.query_one("#risk-monitor-box").content_region.width - 1) or 40,
            )
        else:
            monitor.append(hub.unavailable.get("risk.monitor", "loading…"), "italic")
        self.query_one("#risk-monitor", Static).update(monitor)

    def _show_trading_state(self) -> None:
        self.query_one("#risk-state", Static).update(state_text(self.hub, tone_styles(self.app.theme_variables)))

    def action_reload(self) -> None:
        self._reload()

    def action_kill(self) -> None:
        desk_app(self.app).action_kill_switch()

    def action_resume(self) -> None:
        def confirmed(yes: bool | None) -> None:
            if yes:
                desk_app(self.app).trading.resume()

        self.app.push_screen(ConfirmScreen("Resume trading?", "orders will be accepted again"), confirmed)

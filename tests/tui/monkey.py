"""A seeded monkey for the TUI, driven by Pilot: every binding of the app, its screens and widgets,
command-bar commands (malformed ones too) and terminal resizes from 60x20 to 200x60, over every
screen. After every action the app must still run; after every market change the Trade screen's
panes, ticket, chart, book and status bar must all show the same market.

Run short in the suite (tests/tui/test_monkey.py) and at full size with `python -m bench monkey`.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from textual.screen import ModalScreen

from quantdesk_tui.app import QuantDeskApp
from quantdesk_tui.config import Config
from quantdesk_tui.command_bar import CommandBar
from quantdesk_tui.pane import Pane
from quantdesk_tui.panes import PANES
from quantdesk_tui.screens.base import WorkspaceScreen
from quantdesk_tui.screens.trade import TradeScreen
from widgets.candle_chart import CandleChart
from widgets.order_book import OrderBook
from widgets.order_ticket import OrderTicket
from widgets.status_bar import StatusBar

NEVER = {"q", "ctrl+q", "ctrl+c"}  # the monkey does not quit
SCREEN_KEYS = ["f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8"]
EXTRA_KEYS = [
    "tab",
    "shift+tab",
    "up",
    "down",
    "left",
    "right",
    "pageup",
    "pagedown",
    "home",
    "end",
    "enter",
    "escape",
    "space",
    "backspace",
    "delete",
    "colon",
    "ctrl+p",
    "ctrl+k",
    "ctrl+left",
    "ctrl+right",
    "ctrl+l",
    "ctrl+h",
    "ctrl+w",
    "ctrl+e",
    "ctrl+r",
    "ctrl+f",
    *"0123456789.$jkhlyYnNgGsSxX/-+?",
]
COMMANDS = [
    "buy 0.1 SOL-PERP mkt",
    "sell 0.1 sol mkt",
    "buy 0.2 SOL-PERP @ 100",
    "sell 1 BTC-PERP @ 999999",
    "buy 2 SOL-PERP @ 142.5 tp 150 sl 138",
    "buy 5000 SOL-PERP",
    "buy $500 eth",
    "cancel all",
    "cancel 7",
    "cancel SOL-PERP",
    "ETH-PERP",
    "BTC-PERP",
    "sol",
    "eth",
    "btc",
    "tf 5m",
    "tf 1h",
    "tf 1s",
    "tf 9x",
    "alert SOL-PERP > 500",
    "alert rm 3",
    "layout save m1",
    "layout load m1",
    "layout load chart",
    "layout load monitor",
    "layout load trade",
    "layout load nope",
    "layout rm m1",
    "theme light",
    "theme dark",
    "theme high-contrast",
    "theme nope",
    "screen markets",
    "screen trade",
    "screen nope",
    "help",
    "twap buy 10 SOL-PERP 10m every 30s",
    "iceberg sell 20 SOL-PERP @ 150 show 2",
    "oco sell 1 sol tp 160 sl 130",
    "twap buy 1 sol",
    "oco sell 1 sol tp 1",
    "buy -1 SOL-PERP",
    "buy 1e30 SOL-PERP",
    "sell",
    "@@@",
    "",
    "resume",
    "buy 0.1 DOGE-PERP mkt",
    "x" * 300,
    "é漢字🙂",
    "cancel 999999",
    "buy 1 sol @ abc",
]
SIZES = [(60, 20), (80, 24), (99, 29), (100, 30), (120, 40), (132, 43), (160, 48), (200, 60)]


def binding_keys() -> list[str]:
    """Every key bound by the app, its screens and the widgets they show (minus quitting)."""
    from quantdesk_tui.screens import admin, alerts, dialogs, help, markets, portfolio, risk, system
    from widgets import live_table, log_pane, order_book, orders_table, positions_table, watchlist

    classes: list[Any] = [QuantDeskApp, TradeScreen, CommandBar, CandleChart, OrderTicket, *PANES.values()]
    for module in (
        admin,
        alerts,
        dialogs,
        help,
        markets,
        portfolio,
        risk,
        system,
        live_table,
        log_pane,
        order_book,
        orders_table,
        positions_table,
        watchlist,
    ):
        classes += [v for v in vars(module).values() if isinstance(v, type) and hasattr(v, "BINDINGS")]
    keys = {
        key.strip()
        for cls in classes
        for binding in getattr(cls, "BINDINGS", [])
        if hasattr(binding, "key")
        for key in binding.key.split(",")
    }
    return sorted(keys - NEVER)


@dataclass
class MonkeyReport:
    seed: int
    actions: int = 0
    keys: int = 0
    commands: int = 0
    resizes: int = 0
    market_changes: int = 0
    agreement_checks: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    last: deque[str] = field(default_factory=lambda: deque(maxlen=20))  # the actions before a failure


def shown_markets(app: QuantDeskApp) -> dict[str, str]:
    """What each part of the Trade screen says the market is: {part: market}."""
    screen = app.screen
    assert isinstance(screen, TradeScreen), screen
    symbols = {m.symbol for m in app.hub.markets} | {app.hub.market}
    shown: dict[str, str] = {"status bar": screen.query_one(StatusBar).market}
    for pane in screen.query(Pane):
        words = str(pane.border_title or "").split()
        named = [w for w in words if w in symbols]
        if named:
            shown[f"{pane.id} title"] = named[0]
    for ticket in screen.query(OrderTicket):
        if ticket.market is not None:
            shown["ticket"] = ticket.market.symbol
            unit = str(ticket.query_one("#ticket-unit").label)
            if unit != "USD":
                shown["ticket unit"] = next((m.symbol for m in app.hub.markets if m.base == unit), unit)
    for chart in screen.query(CandleChart):
        shown["chart"] = chart.market
    for book in screen.query(OrderBook):
        if book.symbol:
            shown["book"] = book.symbol
    return shown


async def back_to_trade(pilot) -> None:
    app = pilot.app
    for _ in range(4):
        if not isinstance(app.screen, ModalScreen):
            break
        await pilot.press("escape")
    bars = app.screen.query(CommandBar) if isinstance(app.screen, WorkspaceScreen) else []
    if bars and bars.first().is_open:
        bars.first().action_close()
    if not isinstance(app.screen, TradeScreen):
        await app.switch_mode("trade")
    await pilot.pause()
    screen = app.screen
    for _ in range(1000):  # a layout being rebuilt: its new panes prime themselves on mount
        if not isinstance(screen, TradeScreen) or not screen.rebuilding and all(p.ready for p in screen.query(Pane)):
            break
        await pilot.pause(0.01)


async def check_agreement(pilot, report: MonkeyReport) -> None:
    app = pilot.app
    await back_to_trade(pilot)
    if not isinstance(app.screen, TradeScreen):
        return  # a modal that will not go (it is checked again after the next market change)
    shown = shown_markets(app)
    disagree = {part: market for part, market in shown.items() if market != app.hub.market}
    assert not disagree, f"seed {report.seed} action {report.actions}: focused {app.hub.market}, but {disagree}"
    report.agreement_checks += 1


async def run_monkey(pilot, seed: int, actions: int, settle_every: int = 20) -> MonkeyReport:
    """Drive `pilot.app` with `actions` random actions; raise AssertionError on the first problem.

    Keys are posted the way a fast typist's arrive, without waiting for each to be handled; every
    `settle_every` actions (and before each check) the app is let go idle. Fewer settles = faster.
    """
    app = pilot.app
    rng = random.Random(seed)
    keys = binding_keys() + SCREEN_KEYS * 3 + EXTRA_KEYS
    report = MonkeyReport(seed)
    started, cpu = time.perf_counter(), time.process_time()
    for step in range(actions):
        before = app.hub.market
        roll = rng.random()
        if roll < 0.04:
            width, height = rng.choice(SIZES)
            report.last.append(f"resize {width}x{height}")
            await pilot.resize_terminal(width, height)
            report.resizes += 1
        elif roll < 0.08:
            report.last.append("switch market")
            await switch_market(pilot, rng)
            report.commands += 1
        elif roll < 0.16:
            command = rng.choice(COMMANDS)
            report.last.append(f":{command}")
            await run_command(pilot, command)
            report.commands += 1
        else:
            key = rng.choice(keys)
            report.last.append(key)
            await press_fast(pilot, key)
            report.keys += 1
        report.actions += 1
        if step % settle_every == 0:
            await pilot.pause()
        assert app.is_running and app.return_code is None, (
            f"seed {seed}: the app ended at action {step} ({app._exception!r}); last actions: {list(report.last)}"
        )
        if app.hub.market != before:
            report.market_changes += 1
            await check_agreement(pilot, report)
    await pilot.pause()  # let the last keys be handled before anyone closes the app
    report.seconds = time.perf_counter() - started
    report.cpu_seconds = time.process_time() - cpu
    return report


async def switch_market(pilot, rng: random.Random) -> None:
    """Pick a market the two ways a trader does: `:SYMBOL`, or Markets (F3), a few rows down, Enter."""
    symbols = [m.symbol for m in pilot.app.hub.markets] or ["SOL-PERP"]
    if rng.random() < 0.5:
        await run_command(pilot, rng.choice(symbols).lower().removesuffix("-perp"))
        return
    await pilot.press("f3")
    for _ in range(rng.randrange(len(symbols))):
        await press_fast(pilot, "j")
    await pilot.press("enter")


async def press_fast(pilot, key: str) -> None:
    """Post the key as the terminal driver would and yield once (no wait for idle)."""
    pilot.app.simulate_key(key)
    await asyncio.sleep(0)


async def run_command(pilot, text: str) -> None:
    """`:` then the command (typed into the bar at once) and Enter — the bar parses and runs it."""
    app = pilot.app
    await pilot.press("colon")
    bars = app.screen.query(CommandBar) if isinstance(app.screen, WorkspaceScreen) else []
    if not bars or not bars.first().is_open:
        return  # a dialog is open: `:` was just a character there
    bars.first().input.value = text
    await pilot.press("enter")


def order_reply(op: str, args: dict[str, Any]) -> dict[str, Any]:
    """What the paper venue answers to an order op, in its wire shape (a resting order, no fills)."""
    order = {
        "order_id": 100,
        "market": args.get("market", "SOL-PERP"),
        "side": args.get("side", "buy"),
        "order_type": {"order.place": args.get("type", "limit")}.get(op, op.removeprefix("order.")),
        "status": "open",
        "size": 10**9,
        "price": 140_000_000,
    }
    return {"orders": [order], "fills": []}


def monkey_app(config: Config | None = None) -> QuantDeskApp:
    """The app on the fixed-data client, answering order ops too."""
    from tests.tui.fakes import fixed_app

    app = fixed_app(config=config)
    client: Any = app.client
    plain = client.request

    async def request(op: str, **args: Any) -> Any:
        if op in ("order.place", "order.twap", "order.iceberg", "order.oco"):
            client.requests.append((op, args))
            return order_reply(op, args)
        if op == "order.cancel":
            return {"cancelled": []}
        return await plain(op, **args)

    client.request = request

    async def no_quit() -> None:  # the monkey never quits; the palette's "Quit" would end the run
        app.notify("quit (ignored by the monkey)")

    app.action_quit = no_quit  # type: ignore[method-assign]
    return app

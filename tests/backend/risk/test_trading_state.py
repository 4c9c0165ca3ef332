"""Kill switch, resume and the daily loss limit: persisted, audited, published."""

from __future__ import annotations

import json

from backend.bus import Bus
from backend.risk.pretrade import TradingState
from backend.risk.trading_state import TradingStateService

from .conftest import account

DAY = 1_795_564_800  # a UTC midnight (2026-11-25)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_kill_switch_cancels_everything_and_halts_persisted_and_audited(store, venue):
    venue.open_orders = {"paper": 3, "other": 2}
    bus = Bus()
    pushed = []
    bus.on("trading_state", pushed.append)
    svc = TradingStateService(bus, store, venue, clock=Clock(DAY + 10))
    await svc.start()
    result = await svc.kill("api:tui", "fat finger")
    assert result["cancelled"] == 5 and venue.open_orders == {}
    assert venue.cancel_calls == [(None, "kill switch: fat finger")]
    assert svc.state is TradingState.HALTED
    assert pushed[-1]["state"] == "HALTED" and pushed[-1]["actor"] == "api:tui"
    audit = store.query("SELECT ts_ms, actor, action, detail FROM audit ORDER BY id")
    assert [(r["actor"], r["action"]) for r in audit] == [("api:tui", "trading_state"), ("api:tui", "kill_cancel_all")]
    assert json.loads(audit[0]["detail"]) == {"from": "ACTIVE", "to": "HALTED", "reason": "kill: fat finger"}
    assert audit[0]["ts_ms"] == (DAY + 10) * 1_000
    await svc.stop()

    restarted = TradingStateService(Bus(), store, venue)
    await restarted.start()
    assert restarted.state is TradingState.HALTED
    assert restarted.view()["actor"] == "api:tui" and restarted.view()["reason"] == "kill: fat finger"
    await restarted.resume("cli", "checked the book")
    again = TradingStateService(Bus(), store, venue)
    again.load()
    assert again.state is TradingState.ACTIVE
    assert store.query("SELECT actor, detail FROM audit ORDER BY id DESC LIMIT 1")[0]["actor"] == "cli"


async def test_daily_loss_beyond_the_limit_moves_to_reducing_once_per_day(store, venue):
    # equity recorded a minute before midnight is the day's baseline
    await store.write(
        lambda c: c.execute(
            "INSERT INTO equity_history (ts, authority, sub_account, equity, total_collateral, unrealized_pnl)"
            " VALUES (?, 'paper', 0, ?, 0, 0), (?, 'paper', 1, ?, 0, 0)",
            (DAY - 60, 7_000 * 10**6, DAY - 60, 3_000 * 10**6),
        )
    )
    venue.views[("paper", 0)] = account(0, equity=6_800 * 10**6)
    venue.views[("paper", 1)] = account(1, equity=2_800 * 10**6)
    venue.views[("someone", 0)] = account(0, equity=1 * 10**6)  # not ours: ignored
    clock = Clock(DAY + 3600)
    svc = TradingStateService(Bus(), store, venue, daily_loss_limit=500 * 10**6, clock=clock)
    assert await svc.check_daily_loss() == 400 * 10**6
    assert svc.state is TradingState.ACTIVE
    venue.views[("paper", 1)] = account(1, equity=2_650 * 10**6)
    assert await svc.check_daily_loss() == 550 * 10**6
    assert svc.state is TradingState.REDUCING
    assert svc.view()["actor"] == "risk" and "daily loss $550.00 exceeds the limit of $500.00" in svc.view()["reason"]
    # a deliberate resume holds for the rest of the day, across a restart too
    await svc.resume("api:tui", "accepting the loss")
    later = TradingStateService(Bus(), store, venue, daily_loss_limit=500 * 10**6, clock=clock)
    later.load()
    await later.check_daily_loss()
    assert later.state is TradingState.ACTIVE
    # the next day starts from that day's equity: no loss yet
    clock.now = DAY + 86_400 + 5
    assert await later.check_daily_loss() == 0
    venue.views[("paper", 0)] = account(0, equity=6_000 * 10**6)
    assert await later.check_daily_loss() == 800 * 10**6
    assert later.state is TradingState.REDUCING


async def test_daily_loss_does_not_downgrade_a_halt(store, venue):
    venue.views[("paper", 0)] = account(0, equity=1_000 * 10**6)
    svc = TradingStateService(Bus(), store, venue, daily_loss_limit=10 * 10**6, clock=Clock(DAY))
    await svc.check_daily_loss()
    await svc.kill("cli", "stop")
    venue.views[("paper", 0)] = account(0, equity=500 * 10**6)
    await svc.check_daily_loss()
    assert svc.state is TradingState.HALTED

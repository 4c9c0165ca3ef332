"""Alerts on desk totals: the desk's gross exposure and the lowest margin ratio of any trader.

Every `every_s`, while an active desk alert exists, reads the desk view (the same query as
`quantdesk desk`, off the event loop) and feeds the two numbers to the alert engine.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from backend.alerts.engine import ANY, DESK_KINDS, NO_READING, Firing
from backend.alerts.service import AlertService
from programs.vocabulary import MS_PER_S

log = logging.getLogger(__name__)


class DeskWatch:
    def __init__(
        self,
        alerts: AlertService,
        read_desk: Callable[[], dict[str, Any]],
        *,
        every_s: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.alerts = alerts
        self.read_desk = read_desk
        self.every_s = every_s
        self.clock = clock
        self._task: asyncio.Task[None] | None = None

    def wanted(self) -> bool:
        return any(a.kind in DESK_KINDS and a.status == "active" for a in self.alerts.alerts.values())

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="alerts-desk-watch")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.every_s)
            if not self.wanted():
                continue
            try:
                self.check(await asyncio.to_thread(self.read_desk))
            except Exception:
                log.exception("alerts: desk check failed")

    def check(self, view: dict[str, Any]) -> list[Firing]:
        """Feed the desk view's totals to the engine: the view's integers are in the levels' units, the gross
        exposure in QUOTE_PRECISION, the lowest margin ratio in MARGIN_PRECISION (backend/store/desk.py)."""
        now = int(self.clock() * MS_PER_S)
        engine = self.alerts.engine
        exposure = int(view["totals"]["gross_exposure"])
        ratios = [int(t["margin_ratio"]) for t in view["traders"] if t["margin_ratio"] is not None]
        firings = engine.on_value("desk_exposure", ANY, exposure, now)
        firings += engine.on_value("desk_margin", ANY, min(ratios, default=NO_READING), now)
        if firings:
            self.alerts._emit(firings)  # the service records and delivers them like its own
        return firings

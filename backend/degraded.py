"""What the backend does while its store cannot write: trading REDUCING, /health degraded, metrics.

The store refuses writes itself and the paper venue drops what the store refused; this is the
policy around that: a REDUCING hold on the trading state for as long as the fault lasts (released,
not reset, when writes succeed again, so a state a trader set is kept), and the health report.
"""

from __future__ import annotations

import logging
from typing import Any

from backend.metrics import Metrics
from backend.risk.pretrade import TradingState
from backend.risk.trading_state import TradingStateService
from backend.store.base import StoreLike

log = logging.getLogger(__name__)
HOLD_SOURCE = "store"


class StoreFaultPolicy:
    def __init__(self, store: StoreLike, trading_state: TradingStateService | None, metrics: Metrics) -> None:
        self.store = store
        self.trading_state = trading_state
        self.metrics = metrics
        metrics.store_writable.set(1 if store.writable else 0)

    def start(self) -> None:
        """Listen for store faults (call on the event loop)."""
        self.store.watch(self.on_change)

    def on_change(self, writable: bool, fault: str) -> None:
        self.metrics.store_writable.set(1 if writable else 0)
        if not writable:
            self.metrics.store_faults.inc()
        if self.trading_state is None:
            return
        if writable:
            self.trading_state.release(HOLD_SOURCE)
        else:
            self.trading_state.hold(HOLD_SOURCE, TradingState.REDUCING, f"the store cannot write: {fault}")

    @property
    def degraded(self) -> bool:
        return not self.store.writable

    def health(self) -> dict[str, Any]:
        store = self.store
        return {
            "writable": store.writable,
            "fault": store.fault,
            "unwritable_since": store.unwritable_since,
            "faults": store.faults,
            "refused": store.refused,
            "commits": store.commits,
        }

"""What every oracle source is: a named async producer of PriceObservations plus its health."""

from __future__ import annotations

import abc
from collections.abc import Callable

from backend.domain.observations import FeedHealth, PriceObservation
from backend.oracle.validate import ValidationConfig

Emit = Callable[[PriceObservation], None]
RejectHook = Callable[[str, str, str], None]  # (source, reason, detail)


class OracleSource(abc.ABC):
    name: str = "source"
    fresh_after_s: float = 2.0  # without an accepted observation for this long the source is not live
    validation: ValidationConfig = ValidationConfig()

    def __init__(self) -> None:
        self.state = "healthy"
        self.reason = ""
        self.wanted = True  # False while a fallback stands by; sources may then slow down
        self.covered = False  # True while a lower-priority source carries the prices: reconnect quickly
        self.on_reject: RejectHook | None = None
        self.on_health: Callable[[OracleSource], None] | None = None

    @abc.abstractmethod
    async def run(self, emit: Emit) -> None:
        """Produce observations until cancelled; reconnect internally; never raise on bad data."""

    def set_health(self, state: str, reason: str = "") -> None:
        changed = (state, reason) != (self.state, self.reason)
        self.state, self.reason = state, reason
        if changed and self.on_health is not None:
            self.on_health(self)

    def health(self, active: bool = False) -> FeedHealth:
        return FeedHealth(source=self.name, state=self.state, reason=self.reason, active=active)

    def reject(self, reason: str, detail: str = "") -> None:
        """Report input that did not parse; counted in metrics by the service, never raised."""
        if self.on_reject is not None:
            self.on_reject(self.name, str(reason), detail)

    def set_wanted(self, wanted: bool) -> None:
        """The aggregator needs (or no longer needs) this source's prices now."""
        self.wanted = wanted

    def set_covered(self, covered: bool) -> None:
        """A lower-priority source carries this one's markets (or no longer does)."""
        self.covered = covered

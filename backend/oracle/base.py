"""What every oracle source is: a named async producer of PriceObservations plus its health."""

from __future__ import annotations

import abc
from collections.abc import Callable

from backend.api.protocol import FeedHealth, PriceObservation

Emit = Callable[[PriceObservation], None]


class OracleSource(abc.ABC):
    name: str = "source"

    def __init__(self) -> None:
        self.state = "healthy"
        self.reason = ""

    @abc.abstractmethod
    async def run(self, emit: Emit) -> None:
        """Produce observations until cancelled; reconnect internally; never raise on bad data."""

    def set_health(self, state: str, reason: str = "") -> None:
        self.state, self.reason = state, reason

    def health(self, active: bool = False) -> FeedHealth:
        return FeedHealth(source=self.name, state=self.state, reason=self.reason, active=active)

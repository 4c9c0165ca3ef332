"""The recorded oracle observations (`observations` table): appended in one write per flush, and every
`PRUNE_EVERY` flushes cut back to the newest `keep` rows, so the table stays bounded."""

from __future__ import annotations

from functools import partial
from typing import Any

from backend.domain.observations import PriceObservation
from backend.store.base import StoreLike

PRUNE_EVERY = 60  # flushes (about a minute at one flush a second)
ObservationRow = tuple[str, int, int, int, int, int, int, str]

_INSERT = (
    "INSERT INTO observations (market, price, conf, expo, publish_time, slot, ema_price, source)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_PRUNE = "DELETE FROM observations WHERE id <= (SELECT MAX(id) FROM observations) - ?"


class ObservationLog:
    """Buffers the accepted observations in memory; `flush` hands them to the store in one write."""

    def __init__(self, store: StoreLike, keep: int) -> None:
        self.store = store
        self.keep = keep
        self.flushes = 0
        self._rows: list[ObservationRow] = []

    def add(self, obs: PriceObservation) -> None:
        self._rows.append(
            (obs.market, obs.price, obs.conf, obs.expo, obs.publish_time, obs.slot, obs.ema_price, obs.source)
        )

    def flush(self) -> None:
        rows, self._rows = self._rows, []
        self.flushes += 1
        keep = self.keep if self.flushes % PRUNE_EVERY == 0 else None
        if rows or keep is not None:
            self.store.submit(partial(write_observations, rows=rows, keep=keep))


def write_observations(conn: Any, rows: list[ObservationRow], keep: int | None) -> None:
    """Append `rows`; with `keep`, then delete all but the newest `keep` rows."""
    if rows:
        conn.executemany(_INSERT, rows)
    if keep is not None:
        conn.execute(_PRUNE, (keep,))

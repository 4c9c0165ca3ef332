"""Replays a recorded observation file (see recording.py for the format) as an oracle source.

Timing follows the recorded arrival offsets divided by `speed` (0 = as fast as possible). With
`rebase` (the default) publish times and slots are shifted by one constant so the first recorded
observation is "now"; the sequence of prices, confs and spacing is exactly the recorded one, so
two replays of one file feed the engine the same observations in the same order.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import msgspec

from backend.domain.observations import PriceObservation
from backend.oracle.base import Emit, OracleSource
from backend.oracle.recording import FORMAT, VERSION, Header
from backend.oracle.validate import Reject, ValidationConfig

SLOT_SECONDS = 0.4
_row = msgspec.json.Decoder(tuple[int, str, int, int, int, int, int, int, str])


def read_header(path: Path | str) -> Header:
    with open(path, "rb") as f:
        first = f.readline()
    try:
        header = msgspec.json.decode(first, type=Header)
    except msgspec.DecodeError as exc:
        raise ValueError(f"not a QuantDesk observation file: {exc}") from None
    if header.format != FORMAT or header.version != VERSION:
        raise ValueError(f"unsupported file: format {header.format!r} version {header.version}")
    return header


class ReplaySource(OracleSource):
    name = "replay"
    fresh_after_s = 3600.0  # a recording may have gaps; the file is the truth
    validation = ValidationConfig(max_age_s=None, max_future_s=None)

    def __init__(self, path: Path | str, *, speed: float = 1.0, rebase: bool = True) -> None:
        super().__init__()
        self.path = Path(path)
        self.header = read_header(self.path)
        self.speed = speed
        self.rebase = rebase
        self.emitted = 0
        self.set_health("healthy", f"replaying {self.path.name}")

    def observations(self, now: float | None = None) -> list[tuple[int, PriceObservation]]:
        """(offset_ms, observation) for every valid row, rebased to `now` if asked; bad rows reported."""
        out: list[tuple[int, PriceObservation]] = []
        shift = None
        with open(self.path, "rb") as f:
            f.readline()
            for lineno, line in enumerate(f, start=2):
                if not line.strip():
                    continue
                try:
                    t_ms, market, price, conf, expo, publish_time, slot, ema, source = _row.decode(line)
                except msgspec.DecodeError as exc:
                    self.reject(
                        Reject.TRUNCATED if "truncated" in str(exc) else Reject.BAD_JSON,
                        f"{self.path.name}:{lineno}: {exc}",
                    )
                    continue
                if shift is None:
                    shift = int(now if now is not None else time.time()) - publish_time if self.rebase else 0
                out.append(
                    (
                        t_ms,
                        PriceObservation(
                            market=market,
                            price=price,
                            conf=conf,
                            expo=expo,
                            publish_time=publish_time + shift,
                            slot=slot + int(shift / SLOT_SECONDS),
                            ema_price=ema,
                            source=self.name,
                        ),
                    )
                )
        return out

    async def run(self, emit: Emit) -> None:
        rows = self.observations()
        started = time.monotonic()
        for t_ms, obs in rows:
            if self.speed > 0:
                delay = started + t_ms / 1000.0 / self.speed - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            elif self.emitted % 1000 == 0:
                await asyncio.sleep(0)
            emit(msgspec.structs.replace(obs, recv_ns=time.monotonic_ns()))
            self.emitted += 1
        self.set_health("down", f"replay finished after {self.emitted} observations")
        await asyncio.Event().wait()

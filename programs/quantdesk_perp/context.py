"""What an instruction sees of the outside world: slot, unix time, oracle observations."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class OraclePrice:
    price: int  # PRICE_PRECISION
    conf: int = 0  # PRICE_PRECISION, half-width of the confidence band
    publish_slot: int = 0
    publish_time: int = 0


@dataclass(frozen=True, slots=True)
class Context:
    slot: int
    unix_time: int
    oracles: Mapping[int, OraclePrice] = field(default_factory=dict)

"""The fixed-point unit each alert kind's level lives in, with the exact conversions to and from what a
person types (USD or %). Pure: the engine, the service, the store's migrations and the wire all read the
units from here; the kinds and their words are the vocabulary's (`AlertKind`, `ALERT_KIND_WORDS`).

A level is an integer in a vocabulary precision: prices in PRICE_PRECISION, the desk's gross exposure
in QUOTE_PRECISION, moves and liquidation distances as fractions of one in PERCENTAGE_PRECISION,
funding rates as the engine's FUNDING_RATE_PRECISION fraction per period, margin ratios in
MARGIN_PRECISION. A typed level with more digits than its unit holds is refused, never rounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from programs.vocabulary import (
    FUNDING_RATE_PRECISION,
    MARGIN_PRECISION,
    PERCENT_PER_ONE,
    PERCENTAGE_PRECISION,
    PRICE_PRECISION,
    QUOTE_PRECISION,
    AlertKind,
    decimals_of,
    to_decimal,
    to_fixed,
)

Kind = AlertKind  # the wire's alert kinds and the words people use for them are the vocabulary's


@dataclass(frozen=True, slots=True)
class LevelUnit:
    """Where a kind's level lives: `precision` units per whole, typed per `per_one` of a whole (1 or %)."""

    precision: int  # a vocabulary precision
    per_one: int  # typed units per whole: 1 for USD, PERCENT_PER_ONE for %
    symbol: str  # "USD" or "%", for people

    @property
    def scale(self) -> int:
        """Fixed-point units per typed unit: 10**6 for a USD price, 10**4 for a move in %."""
        return self.precision // self.per_one

    def fixed(self, typed: Decimal) -> int:
        """A typed level ("145.10" USD, "4.5" %) as the integer; ValueError when it has too many digits."""
        return to_fixed(typed.scaleb(-decimals_of(self.per_one)), self.precision)

    def typed(self, fixed: int) -> Decimal:
        """The integer as the exact typed decimal: typed(145_100_000) == Decimal("145.1") for a price."""
        return to_decimal(fixed, self.precision).scaleb(decimals_of(self.per_one))

    def text(self, fixed: int) -> str:
        """The exact typed decimal as plain text, no exponent and no trailing zeros: "145.1", "4.5"."""
        return format(self.typed(fixed).normalize(), "f")


PRICE_UNIT = LevelUnit(PRICE_PRECISION, 1, "USD")
LEVEL_UNITS: dict[Kind, LevelUnit] = {
    Kind.PRICE_ABOVE: PRICE_UNIT,
    Kind.PRICE_BELOW: PRICE_UNIT,
    Kind.PRICE_CROSS: PRICE_UNIT,
    Kind.MOVE_PCT: LevelUnit(PERCENTAGE_PRECISION, PERCENT_PER_ONE, "%"),
    Kind.FUNDING: LevelUnit(FUNDING_RATE_PRECISION, PERCENT_PER_ONE, "%"),
    Kind.LIQ_DISTANCE: LevelUnit(PERCENTAGE_PRECISION, PERCENT_PER_ONE, "%"),
    Kind.MARGIN_RATIO: LevelUnit(MARGIN_PRECISION, PERCENT_PER_ONE, "%"),
    Kind.DESK_EXPOSURE: LevelUnit(QUOTE_PRECISION, 1, "USD"),
    Kind.DESK_MARGIN_RATIO: LevelUnit(MARGIN_PRECISION, PERCENT_PER_ONE, "%"),
}


def level_text(kind: str, fixed: int | None) -> str | None:
    """An integer level or reading of `kind` as exact typed text; None for none (event kinds)."""
    unit = LEVEL_UNITS.get(Kind(kind))
    return None if fixed is None or unit is None else unit.text(fixed)

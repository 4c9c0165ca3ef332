"""Alert kinds and the fixed-point unit each kind's level lives in, with the exact conversions to and
from what a person types (USD or %). Pure: the engine, the service, the store's migrations and the
wire all read the units from here.

A level is an integer in a vocabulary precision: prices in PRICE_PRECISION, the desk's gross exposure
in QUOTE_PRECISION, moves and liquidation distances as fractions of one in PERCENTAGE_PRECISION,
funding rates as the engine's FUNDING_RATE_PRECISION fraction per period, margin ratios in
MARGIN_PRECISION. A typed level with more digits than its unit holds is refused, never rounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from programs.vocabulary import (
    FUNDING_RATE_PRECISION,
    MARGIN_PRECISION,
    PERCENT_PER_ONE,
    PERCENTAGE_PRECISION,
    PRICE_PRECISION,
    QUOTE_PRECISION,
    decimals_of,
    to_decimal,
    to_fixed,
)


class Kind(StrEnum):
    PRICE_ABOVE = "price_above"
    PRICE_BELOW = "price_below"
    PRICE_CROSS = "price_cross"
    MOVE_PCT = "move_pct"  # |move| within `window_s`, in %, direction up/down/any
    FUNDING = "funding"  # funding rate per interval in %; level > 0: rate >= level, level < 0: rate <= level
    LIQ_DISTANCE = "liq_distance"  # a position's distance to its liquidation price in % <= level
    MARGIN_RATIO = "margin_ratio"  # an account's margin ratio (collateral / notional, %) <= level
    DESK_EXPOSURE = "desk_exposure"  # the desk's gross exposure over every trader (USD) >= level
    DESK_MARGIN_RATIO = "desk_margin_ratio"  # the lowest margin ratio of any trader on the desk (%) <= level
    ORACLE_STALE = "oracle_stale"  # a feed stops being healthy
    ORACLE_FAILOVER = "oracle_failover"  # the active feed changes
    ORDER_FILLED = "order_filled"
    ORDER_REJECTED = "order_rejected"
    LIQUIDATION = "liquidation"  # one of our positions liquidated, a bankruptcy covered, or a loss socialized


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

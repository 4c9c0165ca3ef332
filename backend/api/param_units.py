"""What a venue parameter's engine integer means, as data: the kind of quantity and the integer worth one
of it. `admin.markets` sends one per parameter (`units`) so a client scales by these, never by parsing
the human `precision` text sent beside them."""

from __future__ import annotations

from enum import StrEnum

import msgspec

from programs.vocabulary import BASE_PRECISION, MARGIN_PRECISION, PERCENTAGE_PRECISION, QUOTE_PRECISION


class UnitKind(StrEnum):
    PERCENT = "percent"  # `one` is 100%
    BASE = "base"  # `one` is one whole base unit
    USDC = "usdc"  # `one` is one USDC
    SECONDS = "seconds"
    SLOTS = "slots"
    MULTIPLE = "multiple"  # a plain factor: 20 is 20x
    COUNT = "count"
    CODE = "code"  # an enumeration; the precision text lists the codes
    FACTOR = "factor"  # a scaled coefficient with no everyday unit (shown as the integer)


class ParamUnit(msgspec.Struct, frozen=True):
    kind: UnitKind
    one: int = 1  # the integer that is 1 of `kind` (100% for a percent)
    zero: str = ""  # what 0 means when it is not an amount ("uncapped")


MARGIN_PERCENT = ParamUnit(UnitKind.PERCENT, MARGIN_PRECISION)
FEE_PERCENT = ParamUnit(UnitKind.PERCENT, PERCENTAGE_PRECISION)
BASE = ParamUnit(UnitKind.BASE, BASE_PRECISION)
USDC = ParamUnit(UnitKind.USDC, QUOTE_PRECISION)
SECONDS = ParamUnit(UnitKind.SECONDS)
SLOTS = ParamUnit(UnitKind.SLOTS)

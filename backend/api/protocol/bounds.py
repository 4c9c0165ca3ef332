"""Integer bounds of the program's IDL types, so nothing the chain cannot hold reaches the engine or the journal."""

from __future__ import annotations

from typing import Annotated

import msgspec

I64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
SUB_ACCOUNT = Annotated[int, msgspec.Meta(ge=0, le=2**16 - 1)]  # u16
U64 = Annotated[int, msgspec.Meta(ge=0)]  # the top (2**64 - 1) is checked against the IDL in the venue
UNIX_TIME = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
MAX_TWAP_SECONDS = 30 * 86_400  # a TWAP parent lives at most a month
TWAP_SECONDS = Annotated[int, msgspec.Meta(gt=0, le=MAX_TWAP_SECONDS)]

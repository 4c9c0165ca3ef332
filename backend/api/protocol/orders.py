"""Order requests: what a client sends to place, modify or cancel orders, exact decimal strings in human units.

Built by clients from these structs and encoded (defaults omitted); the backend decodes the same
structs and the domain (backend/domain/orders.py) turns them into engine instructions.
"""

from __future__ import annotations

from typing import ClassVar

import msgspec

from backend.api.protocol.bounds import SUB_ACCOUNT, TWAP_SECONDS, U64, UNIX_TIME


class Placement(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """What every order placed names first: its market, its side and its size (base units unless said)."""

    market: str
    side: str
    size: str


class OrderArgs(Placement):
    """`order.place` (and `order.preview`): one order, or an entry with a TP/SL bracket."""

    op: ClassVar[str] = "order.place"
    type: str = "limit"
    size_in: str = "base"  # "base" or "usd"
    price: str | None = None
    trigger: str | None = None
    trail_pct: str | None = None  # trailing distance as a percent of the oracle price...
    trail: str | None = None  # ...or as a price distance
    tp: str | None = None
    sl: str | None = None
    reduce_only: bool = False
    post_only: bool = False
    tif: str = "gtc"
    expire: UNIX_TIME | None = None  # unix seconds, for gtd
    sub_account: SUB_ACCOUNT = 0
    client_id: U64 = 0


class TwapArgs(Placement):
    """`order.twap`: `size` in slices every `interval` seconds over `duration` seconds."""

    op: ClassVar[str] = "order.twap"
    duration: TWAP_SECONDS
    interval: TWAP_SECONDS
    price_limit: str | None = None
    reduce_only: bool = False
    sub_account: SUB_ACCOUNT = 0


class IcebergArgs(Placement):
    """`order.iceberg`: a limit order showing `display` of its `size` at a time."""

    op: ClassVar[str] = "order.iceberg"
    display: str
    price: str
    reduce_only: bool = False
    sub_account: SUB_ACCOUNT = 0


class OcoArgs(Placement):
    """`order.oco`: a take-profit and a stop-loss; one filling cancels the other."""

    op: ClassVar[str] = "order.oco"
    tp: str
    sl: str
    sub_account: SUB_ACCOUNT = 0


class ModifyArgs(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """`order.modify`: a resting order's new size, price or trigger."""

    op: ClassVar[str] = "order.modify"
    order_id: U64
    size: str | None = None
    price: str | None = None
    trigger: str | None = None
    sub_account: SUB_ACCOUNT = 0


class CancelArgs(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """`order.cancel`: one order, a market's orders, or (`all`) every order of every sub-account."""

    op: ClassVar[str] = "order.cancel"
    order_id: U64 | None = None
    market: str | None = None
    all: bool = False
    sub_account: SUB_ACCOUNT = 0


OrderRequest = OrderArgs | TwapArgs | IcebergArgs | OcoArgs  # what places an order: each goes by its `op`

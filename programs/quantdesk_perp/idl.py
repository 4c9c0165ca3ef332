"""The Anchor IDL (legacy, pre-0.30 format) built from the instruction, enum, event and error types.

`build_idl()` is the single source of idl/quantdesk_perp.json (a test checks they match), and
`to_idl(instruction)` maps an engine instruction to (IDL name, args, account names) for the client.
"""

from __future__ import annotations

import re
import types
import typing
from enum import IntEnum
from typing import Any

import msgspec

from . import enums, events, instructions
from .errors import ErrorCode

PROGRAM_ID = "GcpEyGMJg9AvEx8LgAyzyUNTPWFxovHxtmQ4vVWuWu3a"
IDL_ENUMS: tuple[type[IntEnum], ...] = (
    enums.Side,
    enums.OrderType,
    enums.TimeInForce,
    enums.OrderStatus,
    enums.MarketStatus,
    enums.CollateralAsset,
)
# Widths for integer fields; every other integer is a u64.
_INT_WIDTHS = {
    "market_index": "u16",
    "sub_account": "u16",
    "liquidator_sub_account": "u16",
    "taker_sub_account": "u16",
    "maker_sub_account": "u16",
    "max_leverage": "u16",
    "margin_ratio_initial": "u32",
    "margin_ratio_maintenance": "u32",
    "imf_factor": "u32",
    "taker_fee": "u32",
    "maker_fee": "u32",
    "liquidator_fee": "u32",
    "if_liquidation_fee": "u32",
    "fee_rate": "u32",
    "auction_duration_slots": "u8",
    "auction_band": "u32",
    "oracle_max_conf": "u32",
    "circuit_breaker_pct": "u32",
    "amm_half_spread": "u32",
    "liquidation_buffer": "u32",
    "unrealized_pnl_imf_factor": "u32",
    "unrealized_pnl_initial_asset_weight": "u32",
    "unrealized_pnl_maintenance_asset_weight": "u32",
    "contract_tier": "u8",
    "initial_pct_to_liquidate": "u16",
    "liquidation_duration": "u8",
    "perp_market_index": "u16",
    "max_orders_per_account": "u32",
    "status": "u8",
    "asset": "u8",
    "side": "u8",
    "order_type": "u8",
    "taker_side": "u8",
    "code": "u32",
    "expire_time": "i64",
    "unix_time": "i64",
    "base": "i64",
    "quote_entry": "i64",
    "realized_pnl": "i64",
    "repeg_cost": "i64",
    "amount": "i64",
    "funding_rate": "i64",
    "cumulative_funding": "i128",
    "balance": "i64",
}
_PUBKEY_FIELDS = ("authority", "liquidator_authority")


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _idl_type(field_name: str, annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        return {"option": _idl_type(field_name, inner[0])}
    if origin is tuple:
        return {"vec": _idl_type(field_name, typing.get_args(annotation)[0])}
    if isinstance(annotation, type) and issubclass(annotation, IntEnum):
        return {"defined": annotation.__name__}
    if annotation is bool:
        return "bool"
    if annotation is str:
        return "string"
    if annotation is int:
        return _INT_WIDTHS.get(field_name, "u64")
    raise TypeError(f"no IDL type for {field_name}: {annotation!r}")


def _accounts_for(cls: type[msgspec.Struct]) -> list[dict[str, Any]]:
    names = set(cls.__struct_fields__)
    accounts: list[tuple[str, bool, bool]] = [("state", True, False)]
    if "liquidator_authority" in names:
        accounts += [("liquidator", False, True), ("liquidatorUser", True, False), ("user", True, False)]
    elif "authority" in names:
        accounts += [("authority", False, True), ("user", True, False)]
    else:
        accounts += [("signer", False, True)]
    if "market_index" in names or "order_id" in names:
        accounts += [("market", True, False), ("oracle", False, False)]
    if cls in (
        instructions.DepositTokens,
        instructions.WithdrawTokens,
        instructions.DepositInsuranceFund,
        instructions.WithdrawInsuranceFund,
    ):
        accounts += [
            ("vault", True, False),
            ("userTokenAccount", True, False),
            ("tokenProgram", False, False),
        ]
    return [{"name": n, "isMut": mut, "isSigner": signer} for n, mut, signer in accounts]


def _instruction_entry(cls: type[msgspec.Struct]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    args = [
        {"name": camel(name), "type": _idl_type(name, hints[name])}
        for name in cls.__struct_fields__
        if name not in _PUBKEY_FIELDS
    ]
    return {"name": camel(snake(cls.__name__)), "accounts": _accounts_for(cls), "args": args}


def _event_entry(cls: type[msgspec.Struct]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    fields = []
    for name in cls.__struct_fields__:
        ty = (
            "string"
            if name in ("authority", "liquidator_authority", "taker_authority", "maker_authority")
            else _idl_type(name, hints[name])
        )
        fields.append({"name": camel(name), "type": ty, "index": False})
    return {"name": cls.__name__, "fields": fields}


def _struct(name: str, fields: list[tuple[str, Any]]) -> dict[str, Any]:
    return {"name": name, "type": {"kind": "struct", "fields": [{"name": n, "type": t} for n, t in fields]}}


_PERP_POSITION = [
    ("marketIndex", "u16"),
    ("baseAssetAmount", "i64"),
    ("quoteEntryAmount", "i64"),
    ("lastCumulativeFunding", "i128"),
    ("realizedPnl", "i64"),
    ("feesPaid", "i64"),
    ("fundingPaid", "i64"),
    ("openBids", "u64"),
    ("openAsks", "u64"),
]
_ORDER = [
    ("orderId", "u64"),
    ("marketIndex", "u16"),
    ("side", {"defined": "Side"}),
    ("orderType", {"defined": "OrderType"}),
    ("status", {"defined": "OrderStatus"}),
    ("size", "u64"),
    ("filled", "u64"),
    ("price", "u64"),
    ("triggerPrice", "u64"),
    ("timeInForce", {"defined": "TimeInForce"}),
    ("reduceOnly", "bool"),
    ("postOnly", "bool"),
    ("expireTime", "i64"),
    ("clientOrderId", "u64"),
    ("parentId", "u64"),
    ("linkId", "u64"),
]
_ACCOUNTS = [
    _struct(
        "UserAccount",
        [
            ("authority", "publicKey"),
            ("subAccount", "u16"),
            ("name", "string"),
            ("usdcBalance", "i64"),
            ("solBalance", "i64"),
            ("positions", {"vec": {"defined": "PerpPosition"}}),
            ("orders", {"vec": {"defined": "Order"}}),
        ],
    ),
    _struct(
        "PerpMarket",
        [
            ("marketIndex", "u16"),
            ("symbol", "string"),
            ("status", {"defined": "MarketStatus"}),
            ("tickSize", "u64"),
            ("stepSize", "u64"),
            ("minSize", "u64"),
            ("maxLeverage", "u16"),
            ("marginRatioInitial", "u32"),
            ("marginRatioMaintenance", "u32"),
            ("takerFee", "u32"),
            ("makerFee", "u32"),
            ("cumulativeFunding", "i128"),
            ("lastFundingTime", "i64"),
            ("openInterestLong", "u64"),
            ("openInterestShort", "u64"),
            ("ammBaseAssetAmount", "i64"),
            ("feePool", "i64"),
            ("circuitBreakerTripped", "bool"),
        ],
    ),
    _struct("InsuranceFund", [("balance", "i64"), ("totalPaid", "i64"), ("socializedLoss", "i64")]),
]


def build_idl() -> dict[str, Any]:
    enum_types = [
        {"name": e.__name__, "type": {"kind": "enum", "variants": [{"name": variant_name(m)} for m in e]}}
        for e in IDL_ENUMS
    ]
    return {
        "version": "0.1.0",
        "name": "quantdesk_perp",
        "instructions": [_instruction_entry(cls) for cls in instructions.IDL_INSTRUCTIONS],
        "accounts": _ACCOUNTS,
        "types": [_struct("PerpPosition", _PERP_POSITION), _struct("Order", _ORDER)] + enum_types,
        "events": [_event_entry(cls) for cls in _event_classes()],
        "errors": [
            {
                "code": int(c),
                "name": "".join(p.title() for p in c.name.split("_")),
                "msg": c.name.replace("_", " ").lower(),
            }
            for c in ErrorCode
        ],
        "metadata": {"address": PROGRAM_ID},
    }


def _event_classes() -> list[type[msgspec.Struct]]:
    seen: list[type[msgspec.Struct]] = []
    for value in vars(events).values():
        is_event = isinstance(value, type) and issubclass(value, events.Event) and value is not events.Event
        if is_event and value not in seen:  # `Fill` is an alias of OrderFilled
            seen.append(value)
    return seen


def variant_name(member: IntEnum) -> str:
    """IDL variant name of an enum member: OrderType.STOP_LIMIT -> "StopLimit"."""
    return "".join(p.title() for p in member.name.split("_"))


def to_idl(ix: Any) -> tuple[str, dict[str, Any], list[str]]:
    """(snake_case IDL instruction name, args keyed by snake_case field name as anchorpy expects,
    signer pubkey strings in field order)."""
    args: dict[str, Any] = {}
    signers: list[str] = []
    for name, value in msgspec.structs.asdict(ix).items():
        if name in _PUBKEY_FIELDS:
            signers.append(value)
        else:
            args[name] = value
    return snake(type(ix).__name__), args, signers


INSTRUCTIONS_BY_IDL_NAME: dict[str, type[msgspec.Struct]] = {
    snake(cls.__name__): cls for cls in instructions.IDL_INSTRUCTIONS
}

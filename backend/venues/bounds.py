"""Every integer of an instruction within the width the program's IDL gives it, before the engine sees it.

The paper engine runs on Python integers, which never overflow, but the journal (msgpack) and the
chain (u8..u64, i64) do: a `client_order_id` of 2**70 must be refused here, not half-applied and
then found unencodable. The widths come from the IDL the on-chain program is built from.
"""

from __future__ import annotations

from typing import Any

from backend.domain.errors import DomainError
from programs.quantdesk_perp import instructions as ix
from programs.quantdesk_perp.idl import build_idl, camel, snake
from programs.vocabulary import ErrorCode

MAX_STRING_CHARS = 64  # names and symbols; the chain stores them in fixed-size fields
INT_RANGES: dict[str, tuple[int, int]] = {
    "u8": (0, 2**8 - 1),
    "u16": (0, 2**16 - 1),
    "u32": (0, 2**32 - 1),
    "u64": (0, 2**64 - 1),
    "i64": (-(2**63), 2**63 - 1),
    "i128": (-(2**127), 2**127 - 1),
}


def _field_types() -> dict[type, dict[str, str]]:
    """instruction class -> field name -> IDL scalar type ("u64", "string", ...; options unwrapped)."""
    by_name = {entry["name"]: entry for entry in build_idl()["instructions"]}
    table: dict[type, dict[str, str]] = {}
    for cls in ix.IDL_INSTRUCTIONS:
        args = {arg["name"]: arg["type"] for arg in by_name[camel(snake(cls.__name__))]["args"]}
        fields: dict[str, str] = {}
        for name in cls.__struct_fields__:
            kind = args.get(camel(name))
            if isinstance(kind, dict) and "option" in kind:
                kind = kind["option"]
            if isinstance(kind, str):
                fields[name] = kind
        table[cls] = fields
    return table


FIELD_TYPES = _field_types()
# per class: (field, low, high) for integers and the string fields, so the hot path is one loop
_INT_CHECKS = {
    cls: tuple((name, *INT_RANGES[kind]) for name, kind in fields.items() if kind in INT_RANGES)
    for cls, fields in FIELD_TYPES.items()
}
_STR_CHECKS = {
    cls: tuple(name for name, kind in fields.items() if kind == "string") for cls, fields in FIELD_TYPES.items()
}


def check_instruction(instruction: Any) -> None:
    """Raise BAD_REQUEST naming the first field outside its IDL type; unknown record types pass."""
    cls = type(instruction)
    for name, low, high in _INT_CHECKS.get(cls, ()):
        value = getattr(instruction, name)
        if value is None or (type(value) is int and low <= value <= high):
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise DomainError(ErrorCode.BAD_REQUEST, f"{name} must be a whole number")
        if not low <= value <= high:
            kind = FIELD_TYPES[cls][name]
            raise DomainError(ErrorCode.BAD_REQUEST, f"{name} {value} is out of range: a {kind} holds {low}..{high}")
    for name in _STR_CHECKS.get(cls, ()):
        value = getattr(instruction, name)
        if value is not None and (not isinstance(value, str) or len(value) > MAX_STRING_CHARS):
            raise DomainError(ErrorCode.BAD_REQUEST, f"{name} must be text of at most {MAX_STRING_CHARS} characters")

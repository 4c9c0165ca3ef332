"""The committed IDL loads in anchorpy, matches the engine types, and every instruction round-trips."""

from __future__ import annotations

import json
import typing
from enum import IntEnum
from pathlib import Path

import pytest
from anchorpy import Idl
from anchorpy.coder.instruction import InstructionCoder
from anchorpy.program.namespace.types import _build_types

from programs.quantdesk_perp import instructions as ix
from programs.quantdesk_perp.enums import CollateralAsset, OrderType, Side
from programs.quantdesk_perp.errors import ErrorCode
from programs.quantdesk_perp.idl import INSTRUCTIONS_BY_IDL_NAME, build_idl, to_idl, variant_name
from tests.programs.instruction_samples import order_samples, setup_samples, trailing_stop_sample

IDL_PATH = Path(__file__).resolve().parents[2] / "programs" / "quantdesk_perp" / "idl" / "quantdesk_perp.json"

SAMPLES = [
    *setup_samples("alice", "keeper"),
    trailing_stop_sample("alice"),
    ix.PlaceOrder("alice", 0, 1, Side.BUY, OrderType.LIMIT, 10**5, 65_000_000_000),
    *order_samples("alice", "keeper"),
    ix.LiquidatePositionCrossCollateral("keeper", 2, "alice", 0, CollateralAsset.SOL, 5_000_000),
    ix.LiquidatePerpPnlForDeposit("keeper", 2, "alice", 0, 1, CollateralAsset.SOL, None),
]


@pytest.fixture(scope="module")
def idl() -> Idl:
    return Idl.from_json(IDL_PATH.read_text())


def test_committed_idl_matches_the_engine_types():
    assert json.loads(IDL_PATH.read_text()) == build_idl()


def test_every_instruction_has_a_sample_and_an_idl_entry(idl):
    assert {type(s) for s in SAMPLES} == set(ix.IDL_INSTRUCTIONS)
    assert {i.name for i in idl.instructions} == {
        "".join([n.split("_")[0]] + [p.title() for p in n.split("_")[1:]]) for n in INSTRUCTIONS_BY_IDL_NAME
    }


def test_idl_errors_match_error_codes(idl):
    assert [e.code for e in idl.errors] == [int(c) for c in ErrorCode]
    assert all(c >= 6000 for c in ErrorCode)


def _to_anchor(value, enum_types):
    if isinstance(value, IntEnum):
        return getattr(enum_types[type(value).__name__], variant_name(value))()
    return value


def _from_anchor(value, annotation):
    if isinstance(annotation, type) and issubclass(annotation, IntEnum):
        return next(m for m in annotation if variant_name(m) == type(value).__name__)
    return value


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: type(s).__name__)
def test_instruction_round_trips_through_anchorpy_coder(idl, sample):
    coder = InstructionCoder(idl)
    enum_types = _build_types(idl)
    name, args, signers = to_idl(sample)
    data = coder.encode(name, {k: _to_anchor(v, enum_types) for k, v in args.items()})
    decoded = coder.parse(data)
    assert decoded.name == name
    hints = typing.get_type_hints(type(sample))
    rebuilt = {}
    signer_iter = iter(signers)
    for field in sample.__struct_fields__:
        if field in ("authority", "liquidator_authority"):
            rebuilt[field] = next(signer_iter)
        else:
            rebuilt[field] = _from_anchor(getattr(decoded.data, field), hints[field])
    assert INSTRUCTIONS_BY_IDL_NAME[name](**rebuilt) == sample

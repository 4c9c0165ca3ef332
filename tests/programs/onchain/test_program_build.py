"""The committed program ELF is what our linker makes of the committed object, the object is what
clang-19 makes of the C sources, and the C constants agree with the IDL."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest

from programs.quantdesk_perp.errors import ErrorCode
from programs.quantdesk_perp.idl import build_idl
from tools import build_sbf
from tools.sbf_link import link

ONCHAIN = Path(__file__).resolve().parents[3] / "programs" / "quantdesk_perp" / "onchain"
SOURCES = ("quantdesk_perp.c", "sol.h", "bigmath.h", "layout.h", "instructions.h", "orders.h")


def test_linking_the_committed_object_gives_the_committed_program():
    assert link((ONCHAIN / "quantdesk_perp.o").read_bytes()) == (ONCHAIN / "quantdesk_perp.so").read_bytes()


@pytest.mark.skipif(shutil.which("clang-19") is None, reason="clang-19 not installed: committed object used")
def test_clang19_rebuild_of_the_program_matches_the_committed_object(tmp_path):
    for name in SOURCES:
        shutil.copy(ONCHAIN / name, tmp_path / name)
    rebuilt = build_sbf.compile_object(tmp_path / "quantdesk_perp.c", tmp_path / "quantdesk_perp.o")
    assert rebuilt == (ONCHAIN / "quantdesk_perp.o").read_bytes()


def _defines() -> dict[str, int]:
    text = (ONCHAIN / "layout.h").read_text()
    return {name: int(value, 16) for name, value in re.findall(r"#define (\w+) (0x[0-9a-f]+)UL", text)}


def _discriminator(kind: str, name: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{kind}:{name}".encode()).digest()[:8], "little")


def test_instruction_and_account_discriminators_are_anchors():
    defines = _defines()
    instructions = {name: value for name, value in defines.items() if name.startswith("IX_")}
    assert instructions and all(
        value == _discriminator("global", name[3:].lower()) for name, value in instructions.items()
    )
    assert defines["ACCOUNT_USER"] == _discriminator("account", "UserAccount")
    assert defines["ACCOUNT_MARKET"] == _discriminator("account", "PerpMarket")
    assert defines["ACCOUNT_STATE"] == _discriminator("account", "ProgramState")
    assert defines["ACCOUNT_PRICE_UPDATE_V2"] == _discriminator("account", "PriceUpdateV2")
    idl_names = {ix["name"] for ix in build_idl()["instructions"]}
    camel = {re.sub(r"_(\w)", lambda m: m.group(1).upper(), name[3:].lower()) for name in instructions}
    assert camel - idl_names == {"initializeCollateralAccount"}  # the one instruction beyond the IDL


def test_error_codes_in_c_follow_the_engine_error_enum():
    text = (ONCHAIN / "layout.h").read_text()
    start = text.index("E_INSUFFICIENT_COLLATERAL = 6000")
    body = text[start : text.index("};", start)]  # the whole enum, so a code the C lacks shows
    names = re.findall(r"E_(\w+)", body)
    assert names == [code.name for code in ErrorCode]

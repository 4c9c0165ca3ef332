"""Turn a transaction error plus its logs into a sentence a trader can act on."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from solders.pubkey import Pubkey
from solders.transaction_status import (
    InstructionErrorCustom,
    TransactionErrorFieldless,
    TransactionErrorInstructionError,
)

SYSTEM_PROGRAM = "11111111111111111111111111111111"
TOKEN_PROGRAM = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
ASSOCIATED_TOKEN_PROGRAM = "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL"

SYSTEM_ERRORS = {
    0: "AccountAlreadyInUse: an account with this address already exists",
    1: "ResultWithNegativeLamports: insufficient SOL for the transfer",
    2: "InvalidProgramId",
    3: "InvalidAccountDataLength",
    4: "MaxSeedLengthExceeded",
    5: "AddressWithSeedMismatch",
    6: "NonceNoRecentBlockhashes",
    7: "NonceBlockhashNotExpired",
    8: "NonceUnexpectedBlockhashValue",
}
TOKEN_ERRORS = {
    0: "NotRentExempt",
    1: "InsufficientFunds: not enough tokens in the source account",
    2: "InvalidMint",
    3: "MintMismatch",
    4: "OwnerMismatch: the signer does not own the token account",
    5: "FixedSupply",
    6: "AlreadyInUse",
    7: "InvalidNumberOfProvidedSigners",
    8: "InvalidNumberOfRequiredSigners",
    9: "UninitializedState",
    10: "NativeNotSupported",
    11: "NonNativeHasBalance",
    12: "InvalidInstruction",
    13: "InvalidState",
    14: "Overflow",
    15: "AuthorityTypeNotSupported",
    16: "MintCannotFreeze",
    17: "AccountFrozen",
    18: "MintDecimalsMismatch",
    19: "NonNativeNotSupported",
}
ANCHOR_ERRORS = {
    100: "InstructionMissing",
    101: "InstructionFallbackNotFound",
    102: "InstructionDidNotDeserialize",
    103: "InstructionDidNotSerialize",
    2000: "ConstraintMut",
    2001: "ConstraintHasOne",
    2002: "ConstraintSigner",
    2003: "ConstraintRaw",
    2004: "ConstraintOwner",
    2005: "ConstraintRentExempt",
    2006: "ConstraintSeeds",
    2007: "ConstraintExecutable",
    2011: "ConstraintAssociated",
    2012: "ConstraintAssociatedInit",
    2014: "ConstraintTokenMint",
    2015: "ConstraintTokenOwner",
    3000: "AccountDiscriminatorAlreadySet",
    3001: "AccountDiscriminatorNotFound",
    3002: "AccountDiscriminatorMismatch",
    3003: "AccountDidNotDeserialize",
    3004: "AccountDidNotSerialize",
    3005: "AccountNotEnoughKeys",
    3006: "AccountNotMutable",
    3007: "AccountOwnedByWrongProgram",
    3008: "InvalidProgramId",
    3009: "InvalidProgramExecutable",
    3010: "AccountNotSigner",
    3011: "AccountNotSystemOwned",
    3012: "AccountNotInitialized",
    3013: "AccountNotProgramData",
    3014: "AccountNotAssociatedTokenAccount",
    3015: "AccountSysvarMismatch",
    3016: "AccountReallocExceedsLimit",
    3017: "AccountDuplicateReallocs",
    4100: "DeclaredProgramIdMismatch",
    5000: "Deprecated",
}

_ANCHOR_LOG = re.compile(r"Error Code: (\w+)\. Error Number: (\d+)\. Error Message: (.*?)\.?$")


@dataclass(slots=True, frozen=True)
class ProgramErrorInfo:
    """What went wrong, decoded: which instruction, which program, which named error."""

    summary: str
    kind: str
    instruction_index: int | None = None
    program_id: str | None = None
    code: int | None = None
    name: str | None = None
    logs: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["logs"] = list(self.logs)
        return out


class ErrorDecoder:
    """Custom program error codes by program id; the QuantDesk client registers its IDL errors here."""

    def __init__(self) -> None:
        self._tables: dict[str, dict[int, str]] = {SYSTEM_PROGRAM: SYSTEM_ERRORS, TOKEN_PROGRAM: TOKEN_ERRORS}

    def register(self, program_id: Pubkey | str, errors: dict[int, str]) -> None:
        self._tables[str(program_id)] = dict(errors)

    def name_of(self, program_id: str | None, code: int) -> str | None:
        table = self._tables.get(program_id or "", {})
        if code in table:
            return table[code]
        if program_id not in (SYSTEM_PROGRAM, TOKEN_PROGRAM) and code in ANCHOR_ERRORS:
            return ANCHOR_ERRORS[code]
        return None

    def decode(
        self, err: Any, logs: list[str] | tuple[str, ...] = (), program_ids: list[str] | None = None
    ) -> ProgramErrorInfo:
        """`program_ids[i]` = the program of instruction i, to name custom error codes."""
        logs = tuple(logs or ())
        hint = _log_hint(logs)
        if isinstance(err, TransactionErrorInstructionError):
            index = err.index
            program = program_ids[index] if program_ids and index < len(program_ids) else None
            inner = err.err
            if isinstance(inner, InstructionErrorCustom):
                name = self.name_of(program, inner.code) or _anchor_name_from_logs(logs)
                label = name or f"custom program error 0x{inner.code:x}"
                summary = f"instruction {index} ({_short(program)}) failed: {label}"
                if hint and hint not in summary:
                    summary += f" — {hint}"
                return ProgramErrorInfo(summary, "custom", index, program, inner.code, name, logs)
            detail = str(inner).rsplit(".", 1)[-1]
            summary = f"instruction {index} ({_short(program)}) failed: {detail}"
            if hint:
                summary += f" — {hint}"
            return ProgramErrorInfo(summary, "instruction", index, program, None, detail, logs)
        name = str(err).rsplit(".", 1)[-1] if err is not None else "Unknown"
        summary = f"transaction rejected: {name}" + (f" — {hint}" if hint else "")
        return ProgramErrorInfo(summary, "transaction", None, None, None, name, logs)


def is_fieldless(err: Any, name: str) -> bool:
    return isinstance(err, TransactionErrorFieldless) and str(err).endswith("." + name)


def _short(program: str | None) -> str:
    names = {
        SYSTEM_PROGRAM: "system program",
        TOKEN_PROGRAM: "token program",
        ASSOCIATED_TOKEN_PROGRAM: "associated token program",
    }
    if program is None:
        return "unknown program"
    return names.get(program, program)


def _anchor_name_from_logs(logs: tuple[str, ...]) -> str | None:
    for line in logs:
        match = _ANCHOR_LOG.search(line)
        if match:
            return match.group(1)
    return None


def _log_hint(logs: tuple[str, ...]) -> str | None:
    """The most specific line the program printed before failing."""
    for line in reversed(logs):
        match = _ANCHOR_LOG.search(line)
        if match:
            return f"{match.group(1)}: {match.group(3)}"
    for line in reversed(logs):
        if line.startswith("Program log: ") and ("rror" in line or "nsufficient" in line):
            return line.removeprefix("Program log: ")
    for line in reversed(logs):
        if line.startswith("Transfer: insufficient lamports"):
            return line
    return None


DEFAULT_DECODER = ErrorDecoder()

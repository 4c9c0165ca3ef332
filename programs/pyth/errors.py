"""Named decode failures for Pyth payloads."""

from __future__ import annotations

from enum import StrEnum


class PythDecodeErrorCode(StrEnum):
    TRUNCATED = "TRUNCATED"
    BAD_DISCRIMINATOR = "BAD_DISCRIMINATOR"
    BAD_MAGIC = "BAD_MAGIC"
    UNSUPPORTED_VERSION = "UNSUPPORTED_VERSION"
    UNKNOWN_VARIANT = "UNKNOWN_VARIANT"
    TRAILING_BYTES = "TRAILING_BYTES"
    BAD_PROOF = "BAD_PROOF"


class PythDecodeError(ValueError):
    def __init__(self, code: PythDecodeErrorCode, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")

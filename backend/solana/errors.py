"""The SolanaError family: one exception type carrying a stable, machine-readable code."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    WRONG_PASSPHRASE = "WRONG_PASSPHRASE"
    KEY_FILE_CORRUPT = "KEY_FILE_CORRUPT"
    KEY_FILE_PERMISSIONS = "KEY_FILE_PERMISSIONS"
    KEY_NOT_FOUND = "KEY_NOT_FOUND"
    KEY_EXISTS = "KEY_EXISTS"
    KEY_LOCKED = "KEY_LOCKED"
    INVALID_KEY_NAME = "INVALID_KEY_NAME"
    INVALID_SECRET = "INVALID_SECRET"
    INVALID_ADDRESS = "INVALID_ADDRESS"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    UNKNOWN_TOKEN = "UNKNOWN_TOKEN"
    INVALID_NETWORK = "INVALID_NETWORK"
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    INSUFFICIENT_FUNDS_FOR_FEE = "INSUFFICIENT_FUNDS_FOR_FEE"
    BLOCKHASH_EXPIRED = "BLOCKHASH_EXPIRED"
    SIMULATION_FAILED = "SIMULATION_FAILED"
    TRANSACTION_FAILED = "TRANSACTION_FAILED"
    CONFIRM_TIMEOUT = "CONFIRM_TIMEOUT"
    AIRDROP_UNAVAILABLE = "AIRDROP_UNAVAILABLE"
    RPC_TIMEOUT = "RPC_TIMEOUT"
    RPC_BAD_RESPONSE = "RPC_BAD_RESPONSE"
    RPC_ERROR = "RPC_ERROR"
    ACCOUNT_NOT_FOUND = "ACCOUNT_NOT_FOUND"
    ACCOUNT_DECODE_FAILED = "ACCOUNT_DECODE_FAILED"
    PROGRAM_NOT_DEPLOYED = "PROGRAM_NOT_DEPLOYED"
    LOCALNET_FAULT = "LOCALNET_FAULT"


class SolanaError(Exception):
    """`code` is stable (clients switch on it); `message` is for humans and never holds a secret."""

    def __init__(self, code: ErrorCode | str, message: str, **details: Any) -> None:
        self.code = ErrorCode(code)
        self.message = message
        self.details: dict[str, Any] = details
        super().__init__(f"{self.code}: {message}")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": str(self.code), "message": self.message}
        if self.details:
            out["details"] = self.details
        return out

    def __repr__(self) -> str:
        return f"SolanaError({str(self.code)!r}, {self.message!r})"

"""The SolanaError family: one exception type carrying a stable code (a programs.vocabulary.ErrorCode)."""

from __future__ import annotations

from typing import Any

from programs.vocabulary import ErrorCode


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

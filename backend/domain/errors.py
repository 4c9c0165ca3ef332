"""The refusal domain code raises: a stable code and a message a trader understands.

Codes come from the one vocabulary (`programs.vocabulary.ErrorCode`, or `RiskCode` / `AlertCode` in
their modules). The API edge (`backend/api/server.py`) sends it as the wire's error reply, code and
message unchanged; nothing below the API knows about replies.
"""

from __future__ import annotations


class DomainError(Exception):
    """A refusal with a stable code; raising it changes nothing."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = str(code)
        self.message = message
